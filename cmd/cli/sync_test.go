package cli_test

import (
	"net"
	"strings"
	"testing"

	"lixiang/cmd/cli"
	"lixiang/sync/server/servertest"
)

// closedPort is a loopback URL where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestSyncUsageMistakes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"no server yet", "", []string{"sync", "--data", dir}, []string{"尚未设置服务器地址", "--server URL"}},
		{"login without password", "", []string{"sync", "--data", dir, "--server", "http://127.0.0.1:1", "--login", "zhangwei"}, []string{"--password-stdin"}},
		{"password without login", "demo\n", []string{"sync", "--data", dir, "--server", "http://127.0.0.1:1", "--password-stdin"}, []string{"--login"}},
		{"empty password", "\n", []string{"sync", "--data", dir, "--server", "http://127.0.0.1:1", "--login", "zhangwei", "--password-stdin"}, []string{"没有密码"}},
		{"bad URL", "", []string{"sync", "--data", dir, "--server", "ftp://example.com"}, []string{"http://", "bad server URL"}},
		{"extra argument", "", []string{"sync", "--data", dir, "now"}, []string{"多余的参数", "unexpected argument"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, tc.args...)
			if code != cli.ExitUsage || out != "" {
				t.Errorf("exit %d, stdout %q", code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestSyncOfflineOrSignedOutExitsOne(t *testing.T) {
	dir := t.TempDir()
	url := closedPort(t)
	code, out, _ := run(t, "demo\n", "sync", "--data", dir, "--server", url, "--login", "zhangwei", "--password-stdin")
	if code != cli.ExitInvalid || !strings.Contains(out, "无法连接服务器") {
		t.Errorf("login to a closed port: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "sync", "--data", dir, "--server", url)
	if code != cli.ExitInvalid || !strings.Contains(out, "未登录") || !strings.Contains(out, "signed out") {
		t.Errorf("sync without a token: exit %d\n%s", code, out)
	}
}

func TestSyncSignsInSyncsAndRemembersTheServer(t *testing.T) {
	srv := servertest.Start(t)
	dir := t.TempDir()
	code, out, errOut := run(t, "demo\n", "sync", "--data", dir, "--server", srv.URL, "--login", "zhangwei", "--password-stdin")
	if code != cli.ExitOK {
		t.Fatalf("first sync: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, w := range []string{"已登录", "张伟", "同步完成", "synced with " + srv.URL, "在线 (online)", "上传修改 0 条"} {
		if !strings.Contains(out, w) {
			t.Errorf("first sync's report lacks %q:\n%s", w, out)
		}
	}
	// The next pass needs neither the URL nor the password.
	code, out, errOut = run(t, "", "sync", "--data", dir)
	if code != cli.ExitOK || !strings.Contains(out, "同步完成") || !strings.Contains(out, "1 个请求") {
		t.Errorf("second sync: exit %d\n%s\n%s", code, out, errOut)
	}
	// A wrong password is refused with the server's reason, exit 1.
	code, out, _ = run(t, "wrong\n", "sync", "--data", dir, "--login", "zhangwei", "--password-stdin")
	if code != cli.ExitInvalid || !strings.Contains(out, "登录失败") {
		t.Errorf("wrong password: exit %d\n%s", code, out)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/client"
)

// sampleFile is the path of a file of testdata/interchange.
func sampleFile(name string) string {
	return filepath.Join("..", "..", "testdata", "interchange", name)
}

// TestImportVerb: lixiangd import puts interchange files into the server's
// database, reports each record, skips what is there already when run
// again, refuses a bad file whole naming file, record and field, and says
// which login to create for an unknown person.
func TestImportVerb(t *testing.T) {
	data := seeded(t)
	code, out, stderr := runCmd(t, "", "import", "--data", data, sampleFile("saas-handed-over.json"), sampleFile("upgrade-submitted.json"))
	if code != exitOK || !strings.Contains(out, "已导入 (imported)：登记号 SSDJ-2026-0158") ||
		!strings.Contains(out, "已导入 3 个项目，跳过 0 个") || !strings.Contains(out, "导入人 admin") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "", "import", sampleFile("saas-handed-over.json"), "--data", data, "--as", "admin")
	if code != exitOK || !strings.Contains(out, "跳过：服务器上已有此项目（版本 1），未改变") || !strings.Contains(out, "已导入 0 个项目，跳过 1 个") {
		t.Fatalf("import again: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, _ = runCmd(t, "", "import", "--data", data, sampleFile("local-invalid.json"))
	if code != exitError || !strings.Contains(out, "local-invalid.json: projects[0].registration.systems[1].vendor: 对接业务系统须注明厂商 (the system's vendor is required)") ||
		!strings.Contains(out, "文件有错误，未导入任何项目") {
		t.Fatalf("invalid file: exit %d\n%s", code, out)
	}

	doc, err := domain.DecodeDocument(mustRead(t, sampleFile("local-initiated.json")))
	if err != nil {
		t.Fatal(err)
	}
	doc.Projects[0].OwnerID = "u-qianyi"
	b, err := domain.EncodeDocument(doc.Projects, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stranger := filepath.Join(t.TempDir(), "stranger.json")
	if err := os.WriteFile(stranger, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "import", "--data", data, stranger)
	if code != exitError || !strings.Contains(out, "stranger.json: projects[0].owner_id: 用户 u-qianyi 不在服务器的组织目录中") ||
		!strings.Contains(out, "lixiangd user create --login qianyi --name <姓名 name> --roles sales --password-stdin") {
		t.Fatalf("unknown applicant: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCmd(t, "pw\n", "user", "create", "--login", "qianyi", "--name", "钱一", "--roles", "sales",
		"--region", "north", "--password-stdin", "--data", data); code != exitOK {
		t.Fatalf("user create: %s", stderr)
	}
	if code, out, _ = runCmd(t, "", "import", "--data", data, stranger); code != exitOK || !strings.Contains(out, "已导入 1 个项目") {
		t.Fatalf("after creating the user: exit %d\n%s", code, out)
	}

	for _, tt := range []struct {
		name string
		args []string
		say  string
	}{
		{"no file", []string{"import", "--data", data}, "至少一个交换文件"},
		{"not an admin", []string{"import", "--data", data, "--as", "zhangwei", stranger}, "只有系统管理员"},
		{"no database", []string{"import", "--data", t.TempDir(), stranger}, "没有服务器数据库"},
	} {
		if code, _, stderr := runCmd(t, "", tt.args...); code != exitUsage || !strings.Contains(stderr, tt.say) {
			t.Errorf("%s: exit %d, stderr %q (want %q)", tt.name, code, stderr, tt.say)
		}
	}
	if code, out, _ := runCmd(t, "", "help"); code != exitOK || !strings.Contains(out, "lixiangd import [--data DIR] [--as ADMIN_LOGIN] FILE...") {
		t.Fatalf("help does not name import: %s", out)
	}
}

// TestImportWhileServing: an import into the data directory of a running
// server reaches a desktop at its next sync.
func TestImportWhileServing(t *testing.T) {
	data := t.TempDir()
	addr, log, _ := serveInBackground(t, "--data", data)
	if code, out, stderr := runCmd(t, "", "import", "--data", data, sampleFile("saas-handed-over.json")); code != exitOK {
		t.Fatalf("import beside a running server: exit %d\n%s\n%s\n%s", code, out, stderr, log.String())
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng := client.New(st, "http://"+addr, client.WithLogger(quiet), client.WithTimeout(10*time.Second))
	if _, err := eng.Login(t.Context(), "lina", "demo"); err != nil {
		t.Fatal(err)
	}
	if rep, err := eng.SyncOnce(t.Context()); err != nil || rep.Pulled != 1 {
		t.Fatalf("sync: %+v, %v", rep, err)
	}
	p, err := st.Project(t.Context(), "01a18643-7fc8-73d3-a1e8-54bd60ca36fe")
	if err != nil || p.Number != "SSDJ-2026-0158" || p.OwnerID != "u-lina" {
		t.Fatalf("pulled %+v, %v", p, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

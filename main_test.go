package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinaryVerbs builds the real lixiang binary and runs the verbs an admin
// types: validate a valid and an invalid sample of each kind, import, and
// export — the same binary that opens the window when given no verb.
func TestBinaryVerbs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the desktop binary")
	}
	bin := filepath.Join(t.TempDir(), "lixiang")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	lixiang := func(args ...string) (int, string) {
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Env = append(os.Environ(), "LIXIANG_DATA="+data, "LANG=zh_CN.UTF-8")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		return 0, string(out)
	}
	samples := filepath.Join("testdata", "interchange")
	for _, tc := range []struct {
		file string
		code int
		want string
	}{
		{"local-initiated.json", 0, "1 个有效"},
		{"saas-handed-over.json", 0, "1 个有效"},
		{"upgrade-submitted.json", 0, "2 个有效"},
		{"local-invalid.json", 1, "错误 projects[0].registration.systems[1].vendor"},
		{"saas-invalid.json", 1, "1 个无效"},
		{"upgrade-invalid.json", 1, "个无效"},
	} {
		code, out := lixiang("validate", filepath.Join(samples, tc.file))
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("lixiang validate %s: exit %d (want %d), output lacks %q:\n%s", tc.file, code, tc.code, tc.want, out)
		}
	}
	if code, out := lixiang("import", filepath.Join(samples, "upgrade-submitted.json"), "--as", "admin"); code != 0 || !strings.Contains(out, "已导入 2 个项目") {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	if code, out := lixiang("export", "WTDJ-2026-0021"); code != 0 || !strings.Contains(out, `"number": "WTDJ-2026-0021"`) {
		t.Fatalf("export by number: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(data, "lixiang.db")); err != nil {
		t.Fatalf("the local store was not created in LIXIANG_DATA: %v", err)
	}
}

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
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
	if code, out, _ := runCmd(t, "", "help"); code != exitOK || !strings.Contains(out, "lixiangd import [--data DIR] [--as ADMIN_LOGIN] [--files DIR] [FILE...]") {
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
	st, eng := desktop(t, "http://"+addr)
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

// TestImportAttachmentFilesVerb: lixiangd import --files DIR, beside a
// running server, stores the files the imported records refer to; a
// desktop then downloads one on demand. A file nobody refers to is
// reported and not stored, the attachments still missing are listed by
// project, a run again stores nothing, and a file whose size is not the
// metadata's is refused.
func TestImportAttachmentFilesVerb(t *testing.T) {
	data := t.TempDir()
	addr, log, _ := serveInBackground(t, "--data", data)

	solution := bytes.Repeat([]byte("恒瑞医药SaaS签署解决方案 "), 100000) // 3.1 MB: several parts
	minutes := []byte("交接会议纪要")
	doc, err := domain.DecodeDocument(mustRead(t, sampleFile("saas-handed-over.json")))
	if err != nil {
		t.Fatal(err)
	}
	p := &doc.Projects[0] // 李娜's
	p.Registration.Attachments = []domain.Attachment{
		{ID: "01a1865a-0950-783f-b24d-d0e2167dd69a", Name: "恒瑞医药SaaS签署解决方案V2.0.pdf", Size: int64(len(solution)),
			SHA256: sha(solution), Role: domain.AttachPresales},
		{ID: "01a1865a-0950-783f-b24d-d0e2167dd69b", Name: "交接会议纪要.pdf", Size: int64(len(minutes)),
			SHA256: sha(minutes), Role: domain.AttachOther},
	}
	b, err := domain.EncodeDocument(doc.Projects, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	interchange := filepath.Join(dir, "pmis.json")
	files := filepath.Join(dir, "附件")
	for name, content := range map[string][]byte{interchange: b, filepath.Join(files, "方案.pdf"): solution,
		filepath.Join(files, "说明.txt"): []byte("导出说明")} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	code, out, stderr := runCmd(t, "", "import", "--data", data, "--files", files, interchange)
	if code != exitOK || !strings.Contains(out, "已导入 1 个项目") ||
		!strings.Contains(out, "已存入 (stored) 方案.pdf：“恒瑞医药SaaS签署解决方案V2.0.pdf”（项目 ") ||
		!strings.Contains(out, "未使用 (unused) 说明.txt：服务器上没有项目引用此文件") ||
		!strings.Contains(out, "仍缺少的附件") || !strings.Contains(out, "id "+p.ID) ||
		!strings.Contains(out, "缺少 (missing) “交接会议纪要.pdf”：18 字节 (bytes)，SHA-256 "+sha(minutes)) ||
		!strings.Contains(out, "附件：存入 1 个，服务器上已有 0 个，未使用 1 个，大小不符 0 个，跳过 0 个，出错 0 个；项目引用的文件 2 个，仍缺少 1 个") ||
		!strings.Contains(out, "(attachments: stored 1, already on the server 0, unused 1") {
		t.Fatalf("import --files: exit %d\n%s\n%s\n%s", code, out, stderr, log.String())
	}

	// A real desktop downloads the file on demand, checked against its hash.
	_, eng := desktop(t, "http://"+addr)
	if _, err := eng.Login(t.Context(), "lina", "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, err := eng.FetchAttachment(t.Context(), sha(solution)); err != nil || !bytes.Equal(got, solution) {
		t.Fatalf("lina downloads the solution: %d bytes, %v", len(got), err)
	}

	// Again, with the files only: nothing new.
	code, out, _ = runCmd(t, "", "import", "--files", files, "--data", data)
	if code != exitOK || !strings.Contains(out, "服务器上已有，未重复存入 (already on the server; not stored again) 方案.pdf") ||
		!strings.Contains(out, "本次没有存入任何新文件 (nothing new was stored)") || !strings.Contains(out, "附件：存入 0 个，服务器上已有 1 个") ||
		strings.Contains(out, "共 0 个文件") {
		t.Fatalf("import --files again: exit %d\n%s", code, out)
	}

	// A file with the hash of an attachment and another size than its
	// metadata's is refused (exit 1); a missing directory is a usage error.
	quote := []byte("报价单")
	p.Registration.Attachments[1] = domain.Attachment{ID: "01a1865a-0950-783f-b24d-d0e2167dd69c", Name: "报价单.pdf",
		Size: 99, SHA256: sha(quote), Role: domain.AttachOther}
	p.ID = "01a18643-7fc8-73d3-a1e8-54bd60ca3799"
	p.Number = "SSDJ-2026-0990"
	b, err = domain.EncodeDocument(doc.Projects, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(interchange, b, 0o600); err != nil {
		t.Fatal(err)
	}
	found := filepath.Join(dir, "报价单.pdf")
	if err := os.WriteFile(found, quote, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "import", "--data", data, "--files", found, interchange)
	if code != exitError || !strings.Contains(out, "大小不符 (wrong size) "+found) || !strings.Contains(out, "记为 99 字节") {
		t.Fatalf("a file of the wrong size: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCmd(t, "", "import", "--data", data, "--files", filepath.Join(dir, "nowhere")); code != exitUsage ||
		!strings.Contains(stderr, "找不到附件文件目录") {
		t.Fatalf("a missing --files directory: exit %d, %s", code, stderr)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"lixiang/cmd/cli"
	"lixiang/domain"
)

// SPEC §5 / issue: admins migrate PMIS records with validate, then import;
// export writes the same projects back in the interchange format.
func TestImportExportRoundTrip(t *testing.T) {
	data := t.TempDir()
	files := []string{"local-initiated.json", "saas-handed-over.json", "upgrade-submitted.json", "local-draft.json"}
	var want []domain.Project
	for _, name := range files {
		path := filepath.Join(samples, name)
		code, out, errs := run(t, "", "import", path, "--data", data, "--as", "admin")
		if code != cli.ExitOK {
			t.Fatalf("import %s: exit %d\n%s%s", name, code, out, errs)
		}
		if !strings.Contains(out, "已导入") {
			t.Fatalf("import %s printed no summary:\n%s", name, out)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := domain.DecodeDocument(raw)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, doc.Projects...)
	}

	// Importing the same file again adds nothing.
	code, out, _ := run(t, "", "import", filepath.Join(samples, "local-initiated.json"), "--data", data)
	if code != cli.ExitOK || !strings.Contains(out, "已导入 0 个项目") {
		t.Fatalf("re-import: exit %d\n%s", code, out)
	}

	outFile := filepath.Join(t.TempDir(), "all.json")
	if code, out, errs := run(t, "", "export", "--all", "-o", outFile, "--data", data); code != cli.ExitOK {
		t.Fatalf("export: exit %d\n%s%s", code, out, errs)
	}
	if code, out, _ := run(t, "", "validate", outFile); code != cli.ExitOK {
		t.Fatalf("the exported file does not validate:\n%s", out)
	}
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := domain.DecodeDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Projects) != len(want) {
		t.Fatalf("exported %d projects, imported %d", len(doc.Projects), len(want))
	}
	byID := map[string]domain.Project{}
	for _, p := range doc.Projects {
		byID[p.ID] = p
	}
	for _, w := range want {
		got, ok := byID[w.ID]
		if !ok {
			t.Fatalf("project %s missing from the export", w.ID)
		}
		if !sameJSON(t, got, w) {
			t.Errorf("project %s changed through import and export", w.ID)
		}
	}

	// One project by its registration number, to standard output.
	var numbered domain.Project
	for _, p := range want {
		if p.Number != "" {
			numbered = p
			break
		}
	}
	code, out, errs := run(t, "", "export", numbered.Number, "--data", data)
	if code != cli.ExitOK {
		t.Fatalf("export %s: exit %d %s", numbered.Number, code, errs)
	}
	one, err := domain.DecodeDocument([]byte(out))
	if err != nil || len(one.Projects) != 1 || one.Projects[0].ID != numbered.ID {
		t.Fatalf("export by number: %v %+v", err, one)
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var xa, ya any
	json.Unmarshal(x, &xa)
	json.Unmarshal(y, &ya)
	return reflect.DeepEqual(xa, ya)
}

// An invalid file is refused whole: nothing is imported.
func TestImportRefusesInvalidFile(t *testing.T) {
	data := t.TempDir()
	code, out, _ := run(t, "", "import", filepath.Join(samples, "local-invalid.json"), "--data", data)
	if code != cli.ExitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitInvalid, out)
	}
	if !strings.Contains(out, "未导入任何项目") || !strings.Contains(out, "registration.systems[1].vendor") {
		t.Fatalf("the refusal does not say why:\n%s", out)
	}
	code, out, _ = run(t, "", "export", "--all", "--data", data)
	if code != cli.ExitOK {
		t.Fatalf("export: exit %d", code)
	}
	doc, err := domain.DecodeDocument([]byte(out))
	if err != nil || len(doc.Projects) != 0 {
		t.Fatalf("something was imported from an invalid file: %v %d", err, len(doc.Projects))
	}
}

// A draft whose attachments are named with a path or a NUL, hashed with
// no SHA-256 or sized impossibly is refused whole, naming each field (bug 4).
func TestImportRefusesBrokenAttachmentMetadata(t *testing.T) {
	data := t.TempDir()
	code, out, _ := run(t, "", "import", filepath.Join(samples, "saas-draft-bad-attachments.json"), "--data", data)
	if code != cli.ExitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitInvalid, out)
	}
	for _, want := range []string{"未导入任何项目",
		"错误 projects[0].registration.attachments[1].name: 附件文件名只能是文件名本身",
		"错误 projects[0].registration.attachments[1].sha256: 附件校验值（SHA-256）须为 64 位小写十六进制数字",
		"错误 projects[0].registration.attachments[2].name:",
		"错误 projects[0].registration.attachments[2].size: 附件大小须为 0 到 64 MB",
		"错误 projects[0].registration.attachments[3].name: 附件文件名不能含有控制字符"} {
		if !strings.Contains(out, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "", "export", "--all", "--data", data)
	if code != cli.ExitOK {
		t.Fatalf("export: exit %d", code)
	}
	if doc, err := domain.DecodeDocument([]byte(out)); err != nil || len(doc.Projects) != 0 {
		t.Fatalf("something was imported: %v %v", err, doc)
	}
}

func TestExportUsage(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing named", []string{"export", "--data", data}, cli.ExitUsage, "--all"},
		{"both named and all", []string{"export", "--all", "x", "--data", data}, cli.ExitUsage, "--all"},
		{"unknown project", []string{"export", "SSDJ-1999-0001", "--data", data}, cli.ExitInvalid, "SSDJ-1999-0001"},
		{"unknown user", []string{"import", "-", "--as", "nobody", "--data", data}, cli.ExitUsage, "nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d (want %d)\n%s%s", code, tc.code, out, errs)
			}
		})
	}
}

// TestMain points the default data directory at a temporary one, so no
// test ever touches the real user's local store.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lixiang-cli-test")
	if err != nil {
		panic(err)
	}
	os.Setenv(cli.DataEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Importing someone else's records on a desktop works, but the importer is
// told they will be refused when this desktop syncs (the server takes a new
// project only from its applicant) and what to do instead.
func TestImportWarnsAboutOtherPeoplesProjects(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(samples, "saas-handed-over.json")
	code, out, errs := run(t, "", "import", path, "--data", data, "--as", "admin")
	if code != cli.ExitOK {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"提示：以下 1 个项目的申请人不是", "恒瑞医药SAAS项目立项申请（申请人 李娜）", "lixiangd import FILE", "another applicant"} {
		if !strings.Contains(out, want) {
			t.Errorf("the import does not say %q:\n%s", want, out)
		}
	}

	// The applicant's own import has nothing to warn about.
	code, out, errs = run(t, "", "import", path, "--data", t.TempDir(), "--as", "lina")
	if code != cli.ExitOK {
		t.Fatalf("import as the applicant: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out, "提示：") {
		t.Errorf("the applicant's own import warns:\n%s", out)
	}
}

package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lixiang/cmd/cli"
)

// pdfText reads a PDF back with pdftotext (poppler-utils); the test fails,
// never skips, without it.
func pdfText(t *testing.T, file string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install poppler-utils (apt-get install poppler-utils; scripts/setup.sh does it)")
	}
	out, err := exec.Command(bin, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	return strings.Join(strings.Fields(string(out)), "")
}

// importSamples imports interchange samples into a fresh local store and
// returns its data directory.
func importSamples(t *testing.T, files ...string) string {
	t.Helper()
	data := t.TempDir()
	for _, f := range files {
		if code, out, errs := run(t, "", "import", filepath.Join(samples, f), "--data", data, "--as", "admin"); code != cli.ExitOK {
			t.Fatalf("import %s: exit %d\n%s%s", f, code, out, errs)
		}
	}
	return data
}

// Issue 5: lixiang export minutes|registration PROJECT -o FILE.pdf prints a
// project of the local store, offline, found by number or id.
func TestExportPDF(t *testing.T) {
	data := importSamples(t, "local-initiated.json", "upgrade-submitted.json", "saas-draft.json")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want []string // in the PDF's text, white space ignored
	}{
		{"minutes by number", []string{"minutes", "SSDJ-2026-0137"},
			[]string{"山东高速集团有限公司电子签章项目会议交接纪要", "SSDJ-2026-0137", "组织人（签字）"}},
		{"registration by id", []string{"registration", "01a07aac-a938-705f-ab01-41296cc6be18"},
			[]string{"山东高速电子签章项目立项申请", "实施登记表", "299ced6c1a8d"}},
		{"upgrade form names its parent", []string{"registration", "WTDJ-2026-0021"},
			[]string{"问题登记表", "原项目SSDJ-2025-0214浙江吉利控股集团有限公司"}},
		{"a draft without a meeting prints an agenda", []string{"minutes", "01a21c30-add0-7e7f-bf69-4da8a434d6f9"},
			[]string{"蜜雪冰城股份有限公司SaaS项目会议交接纪要", "待分配", "尚无会议交接记录"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".pdf")
			args := append([]string{"export"}, tc.args...)
			args = append(args, "-o", file, "--data", data)
			code, out, errs := run(t, "", args...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errs)
			}
			if !strings.Contains(out, "已导出") || !strings.Contains(out, file) {
				t.Errorf("no confirmation naming the file:\n%s", out)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("%s is not a PDF", file)
			}
			got := pdfText(t, file)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the PDF lacks %q", w)
				}
			}
		})
	}

	// -o - writes the PDF to standard output, for a pipe.
	code, out, _ := run(t, "", "export", "registration", "SSDJ-2026-0137", "-o", "-", "--data", data)
	if code != cli.ExitOK || !strings.HasPrefix(out, "%PDF-") {
		t.Fatalf("export to standard output: exit %d, %.20q", code, out)
	}
	// The interchange export is unchanged.
	code, out, _ = run(t, "", "export", "SSDJ-2026-0137", "--data", data)
	if code != cli.ExitOK || !strings.Contains(out, `"number": "SSDJ-2026-0137"`) {
		t.Fatalf("JSON export: exit %d\n%.200s", code, out)
	}
}

func TestExportPDFRefusals(t *testing.T) {
	data := importSamples(t, "local-initiated.json", "upgrade-submitted.json")
	file := filepath.Join(t.TempDir(), "x.pdf")
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no -o", []string{"minutes", "SSDJ-2026-0137"}, cli.ExitUsage, []string{"-o FILE.pdf", "export minutes|registration PROJECT"}},
		{"no project", []string{"minutes", "-o", file}, cli.ExitUsage, []string{"一个项目", "exactly one project"}},
		{"two projects", []string{"registration", "SSDJ-2026-0137", "WTDJ-2026-0021", "-o", file}, cli.ExitUsage, []string{"exactly one project"}},
		{"--all", []string{"minutes", "--all", "-o", file}, cli.ExitUsage, []string{"exactly one project"}},
		{"unknown project", []string{"minutes", "SSDJ-1999-0001", "-o", file}, cli.ExitInvalid, []string{"SSDJ-1999-0001"}},
		{"upgrade has no minutes", []string{"minutes", "WTDJ-2026-0021", "-o", file}, cli.ExitInvalid, []string{"没有项目会议交接", "问题登记表"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"export"}, tc.args...), "--data", data)
			code, out, errs := run(t, "", args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if _, err := os.Stat(file); err == nil {
				t.Errorf("%s was written", file)
			}
		})
	}
}

func TestExportHelpShowsThePDFForm(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"help", "export"}} {
		code, out, _ := run(t, "", args...)
		if code != cli.ExitOK || !strings.Contains(out, "export minutes|registration PROJECT -o FILE.pdf") || !strings.Contains(out, "export PROJECT...|--all") {
			t.Errorf("%v: exit %d, the PDF form is not in the help:\n%s", args, code, out)
		}
	}
}

package ui

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/pdf"
)

// saveTo makes e's save step write to path (instead of asking in the save
// dialog) and records the file name the screen suggested.
func saveTo(e *env, path string, suggested *string) {
	e.saveAs = func(name string, done func(fyne.URIWriteCloser, error)) {
		*suggested = name
		done(storage.Writer(storage.NewFileURI(path)))
	}
}

// dialogText is the text of the dialog on top of e's window ("" for none);
// the dialog is closed.
func dialogText(t *testing.T, e *env) string {
	t.Helper()
	top := e.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	text := visibleText(top)
	e.win.Canvas().Overlays().Remove(top)
	return text
}

// pdfText is the text of the PDF at path as pdftotext reads it, with white
// space removed (Chinese phrases are found however the lines were set).
// It fails, never skips, without poppler-utils.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the exported file: %v", err)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF: it starts %q", path, data[:min(len(data), 16)])
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is missing: install poppler-utils (scripts/setup.sh does it) to read the PDFs back")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, "-layout", path, "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("pdftotext %s: %v\n%s", path, err, stderr.String())
	}
	return strings.Join(strings.Fields(string(out)), "")
}

func registrationPDF(p, parent *domain.Project, org *domain.Org) ([]byte, error) {
	return pdf.Registration(p, org, pdf.Options{Generated: testNow, Parent: parent})
}

// 导出登记表 PDF on a project's detail: the file name is suggested from
// the project's name, the chosen file gets a real PDF of the registration
// (an upgrade's original project named by number), and the person is told
// where it is.
func TestDetailExportsTheRegistrationPDF(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "local-initiated", "upgrade-submitted")
	for _, tc := range []struct {
		name, login, id, file string
		want                  []string
	}{
		{"initiated local project", "zhangwei", "01a07aac-a938-705f-ab01-41296cc6be18",
			"山东高速集团有限公司电子签章项目-登记表.pdf",
			[]string{"山东高速电子签章项目立项申请", "实施登记表", "SSDJ-2026-0137", "山东高速集团有限公司",
				"基本信息", "客户全称", "责任销售", "张伟", "王立军", "0531-88881234", "蓝凌EKP",
				"山东高速客户需求登记表.xlsx", "合同状态", "审批记录"}},
		{"upgrade naming its original project", "chenjing", "01a1d3d9-7fa8-7018-9f7b-d6223ce1b347",
			"吉利控股项目升级拓展申请-登记表.pdf",
			[]string{"吉利控股项目升级拓展申请", "问题登记表", "WTDJ-2026-0021", "原项目", "SSDJ-2025-0214",
				"浙江吉利控股集团有限公司"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := testEnv(t, st, tc.login)
			e.ExportRegistration = registrationPDF
			path := filepath.Join(t.TempDir(), "out.pdf")
			var suggested string
			saveTo(e, path, &suggested)
			d := NewDetail(e, tc.id)
			showIn(t, d)

			tapButton(t, d, "导出登记表 PDF")
			if suggested != tc.file {
				t.Errorf("suggested file name %q, want %q", suggested, tc.file)
			}
			// The dialog wraps a long path: read it as one line.
			if msg := strings.ReplaceAll(dialogText(t, e), "\n", ""); !strings.Contains(msg, "登记表已保存："+path) {
				t.Errorf("after saving the person is told %q, not where the file is", msg)
			}
			got := pdfText(t, path)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the registration PDF lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// An export that cannot be made or saved says why and what to do; a
// cancelled save does nothing; without a renderer the button is disabled.
func TestRegistrationExportFailuresAreExplained(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "local-initiated")
	id := "01a07aac-a938-705f-ab01-41296cc6be18"
	e, _ := testEnv(t, st, "zhangwei")
	d := NewDetail(e, id)
	showIn(t, d)
	var export *widget.Button
	walkVisible(d, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == "导出登记表 PDF" {
			export = b
		}
	})
	if export == nil || !export.Disabled() {
		t.Error("the export button is enabled with no renderer wired")
	}

	e.ExportRegistration = func(*domain.Project, *domain.Project, *domain.Org) ([]byte, error) {
		return nil, domain.Errorf(domain.EINVALID, "字体缺少字符", "the font lacks characters")
	}
	saved := false
	e.saveAs = func(string, func(fyne.URIWriteCloser, error)) { saved = true }
	d.reload()
	tapButton(t, d, "导出登记表 PDF")
	if msg := dialogText(t, e); !strings.Contains(msg, "无法生成登记表：字体缺少字符") {
		t.Errorf("a failed rendering shows %q", msg)
	}
	if saved {
		t.Error("a failed rendering still asked where to save")
	}

	e.ExportRegistration = registrationPDF
	e.saveAs = func(_ string, done func(fyne.URIWriteCloser, error)) { done(nil, nil) }
	tapButton(t, d, "导出登记表 PDF")
	if msg := dialogText(t, e); msg != "" {
		t.Errorf("a cancelled save shows %q", msg)
	}

	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to fill")
	}
	var suggested string
	saveTo(e, "/dev/full", &suggested) // every write fails: the disk is full
	tapButton(t, d, "导出登记表 PDF")
	msg := dialogText(t, e)
	for _, w := range []string{"登记表未能保存到 /dev/full：", "no space left on device", "请换一个文件夹或文件名再试"} {
		if !strings.Contains(msg, w) {
			t.Errorf("a failed write shows %q, lacking %q", msg, w)
		}
	}
}

// In the app the save step is the save dialog, with the name filled in.
func TestExportAsksWhereToSaveWithTheSuggestedName(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, "local-initiated")
	e, _ := testEnv(t, st, "zhangwei")
	e.ExportRegistration = registrationPDF
	d := NewDetail(e, "01a07aac-a938-705f-ab01-41296cc6be18")
	showIn(t, d)
	tapButton(t, d, "导出登记表 PDF")
	top := e.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no save dialog")
	}
	shows(t, top, "山东高速集团有限公司电子签章项目-登记表.pdf")
}

// A suggested file name keeps the project's name but not the characters
// Windows, macOS or Linux refuse in a file name.
func TestExportFileNameDropsCharactersFileSystemsRefuse(t *testing.T) {
	for in, want := range map[string]string{
		"山东高速集团有限公司电子签章项目":      "山东高速集团有限公司电子签章项目-登记表.pdf",
		"A/B\\C:D*E?F\"G<H>I|J": "A_B_C_D_E_F_G_H_I_J-登记表.pdf",
		" 蜜雪冰城\x00 ":            "蜜雪冰城-登记表.pdf",
	} {
		if got := exportFileName(in, "登记表"); got != want {
			t.Errorf("exportFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

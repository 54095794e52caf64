package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"lixiang/domain"
)

// Exporter renders the handover minutes (会议交接纪要) of a project as PDF.
type Exporter func(p *domain.Project, org *domain.Org) ([]byte, error)

// RegistrationExporter renders the registration form (实施登记表, or the
// 问题登记表 of an upgrade) of a project as PDF. parent is the original
// project of an upgrade when the screen has it (nil otherwise), so the
// form names it by number and name instead of by its ID.
type RegistrationExporter func(p, parent *domain.Project, org *domain.Org) ([]byte, error)

// saveAsFunc asks where to save a file, suggesting name, and hands the
// chosen file's writer to done (nil writer and nil error: cancelled).
// The app shows Fyne's save dialog; tests write to a file of their own.
type saveAsFunc func(name string, done func(fyne.URIWriteCloser, error))

// saveDialog is the app's saveAsFunc: the save dialog over win.
func saveDialog(win fyne.Window) saveAsFunc {
	return func(name string, done func(fyne.URIWriteCloser, error)) {
		d := dialog.NewFileSave(done, win)
		d.SetFileName(name)
		// Fyne opens it at its minimum size: give the folders room.
		c := win.Canvas().Size()
		d.Resize(fyne.NewSize(min(900, c.Width*0.9), min(620, c.Height*0.9)))
		d.Show()
	}
}

// pdfExport is one document a screen exports as PDF.
type pdfExport struct {
	title    string                 // the export button's label, the title of its dialogs
	doc      string                 // what the document is, for messages: 登记表
	fileName string                 // suggested file name
	render   func() ([]byte, error) // runs off the UI goroutine
}

// exportPDF renders x off the UI goroutine, asks where to save it and
// writes it there. Every failure says in a dialog what went wrong and what
// to do; a saved file is announced with its full path.
func exportPDF(e *env, x pdfExport) {
	e.run(func() {
		data, err := x.render()
		fyne.Do(func() {
			if err != nil {
				e.showMessage(lang.X("export.renderFailed", "无法生成{{.Doc}}：{{.Err}}",
					map[string]any{"Doc": x.doc, "Err": exportErrText(err)}))
				return
			}
			e.saveAs(x.fileName, func(w fyne.URIWriteCloser, err error) {
				if err != nil {
					e.showMessage(lang.X("export.dialogFailed", "无法打开保存对话框：{{.Err}}",
						map[string]any{"Err": exportErrText(err)}))
					return
				}
				if w == nil {
					return // cancelled
				}
				e.run(func() { writeExport(e, x, w, data) })
			})
		})
	})
}

// writeExport writes data to w (off the UI goroutine) and says how it went.
func writeExport(e *env, x pdfExport, w fyne.URIWriteCloser, data []byte) {
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	path := uriPath(w.URI())
	fyne.Do(func() {
		if err != nil {
			e.showMessage(lang.X("export.writeFailed", "{{.Doc}}未能保存到 {{.Path}}：{{.Err}}\n请换一个文件夹或文件名再试。",
				map[string]any{"Doc": x.doc, "Path": path, "Err": exportErrText(err)}))
			return
		}
		e.log.Info("exported", "doc", x.doc, "path", path, "bytes", len(data))
		dialog.ShowInformation(x.title,
			lang.X("export.saved", "{{.Doc}}已保存：\n{{.Path}}", map[string]any{"Doc": x.doc, "Path": path}), e.win)
	})
}

// exportErrText is err for people: a domain error in the UI's language,
// anything else (a full disk, a refused folder) as the system says it.
func exportErrText(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return errorText(err)
	}
	return err.Error()
}

// uriPath is where a URI is on disk, or the URI itself when it is not a
// local file.
func uriPath(u fyne.URI) string {
	if u.Scheme() == "file" {
		return u.Path()
	}
	return u.String()
}

// exportFileName is a suggested file name: base-suffix.pdf, without the
// characters file systems refuse.
func exportFileName(base, suffix string) string {
	base = strings.TrimSpace(strings.NewReplacer("/", "_", "\\", "_", ":", "_", "*", "_", "?", "_",
		"\"", "_", "<", "_", ">", "_", "|", "_", "\x00", "").Replace(base))
	return base + "-" + suffix + ".pdf"
}

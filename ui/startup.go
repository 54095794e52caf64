package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite/sqlitedb"
)

// StartupError is the window's content when the app cannot start because
// its local data (本地数据) could not be opened — a database a newer 立项通
// wrote, a data directory it may not write, a damaged file: what happened,
// in the UI's language, where the data is, that nothing was changed, and
// a button to quit. Without it a person who started the app from the
// desktop would see nothing at all (the reason went only to the log).
func StartupError(dataDir string, err error, quit func()) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.L("startup.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	reason := widget.NewLabel(startupReason(err))
	reason.Wrapping = fyne.TextWrapWord
	reason.Importance = widget.DangerImportance
	where := widget.NewLabel(lang.X("startup.dir", "数据目录：{{.Dir}}", map[string]any{"Dir": dataDir}))
	where.Wrapping = fyne.TextWrapBreak
	hint := widget.NewLabel(lang.L("startup.hint"))
	hint.Wrapping = fyne.TextWrapWord
	quitBtn := widget.NewButtonWithIcon(lang.L("startup.quit"), theme.LogoutIcon(), quit)
	return container.NewPadded(container.NewBorder(
		container.NewVBox(container.NewHBox(widget.NewIcon(theme.ErrorIcon()), title), widget.NewSeparator()),
		rightAligned(quitBtn), nil, nil,
		container.NewVScroll(container.NewVBox(reason, where, hint))))
}

// startupReason says why the data could not be opened: a database a newer
// program wrote in the person's words, a domain error in the UI's
// language, anything else as the error reads.
func startupReason(err error) string {
	var newer *sqlitedb.NewerSchemaError
	var de *domain.Error
	switch {
	case errors.As(err, &newer):
		return lang.X("startup.newer", "这个数据目录是更新版本的立项通写入的（数据版本 {{.Have}}，本程序只认识到 {{.Known}}）。",
			map[string]any{"Have": newer.Have, "Known": newer.Known})
	case errors.As(err, &de):
		return errorText(err)
	}
	return err.Error()
}

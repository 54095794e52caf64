// Command lixiang is 立项通, the offline-first desktop app for the project
// initiation standard (登记 → 特批 → 交接 → 立项). main only wires things up.
package main

import (
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lixiang/ui"
)

func main() {
	a := app.NewWithID("com.esa2000.lixiang")
	a.Settings().SetTheme(ui.NewTheme())
	if err := ui.LoadTranslations(); err != nil {
		slog.Error("start", "component", "main", "err", err)
		os.Exit(1)
	}

	// TODO(wiring): store/org — open the SQLite store in LIXIANG_DATA (or the
	// user data dir), load the demo org from assets.DemoOrgJSON on first run,
	// and fill HomeInfo from them.
	info := ui.HomeInfo{DataDir: os.Getenv("LIXIANG_DATA")}

	w := a.NewWindow("立项通")
	w.Resize(fyne.NewSize(1280, 800))
	w.SetContent(ui.NewHome(info))
	w.ShowAndRun()
}

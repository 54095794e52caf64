// Command lixiang is 立项通, the offline-first desktop app for the project
// initiation standard (登记 → 特批 → 交接 → 立项). main only wires things up:
// a command-line verb runs without a window; otherwise the local store in
// the data directory is opened (with the demo organisation on first run)
// and the window shows it. The sync engine, sign-in and the PDF exporter
// plug into ui.Deps (Sync, Login, Export); until then the window works
// offline only.
package main

import (
	"context"
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lixiang/cmd/cli"
	"lixiang/ui"
)

func main() {
	ctx := context.Background()
	if len(os.Args) > 1 && cli.IsVerb(os.Args[1]) {
		os.Exit(cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	log := slog.With("component", "main")

	dir, err := cli.DataDir()
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	ws, err := cli.OpenWorkspace(ctx, dir)
	if err != nil {
		log.Error("open local store", "dir", dir, "err", err)
		os.Exit(1)
	}
	defer ws.Close()

	a := app.NewWithID("com.esa2000.lixiang")
	a.Settings().SetTheme(ui.NewTheme())
	if err := ui.SetupLanguage(a.Preferences()); err != nil {
		log.Error("load translations", "err", err)
		os.Exit(1)
	}
	me := ws.User
	if login := os.Getenv("LIXIANG_AS"); login != "" { // act as another person of the directory (demos, screenshots)
		if u, ok := ws.Org.UserByLogin(login); ok {
			me = u
		}
	}
	w := a.NewWindow("立项通")
	w.Resize(fyne.NewSize(1280, 800))
	w.SetContent(ui.NewShell(w, ui.Deps{
		Store: ws.Store, Org: ws.Org, User: me, DataDir: ws.Dir,
		Prefs: a.Preferences(), OpenURL: a.OpenURL,
	}))
	w.ShowAndRun()
}

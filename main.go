// Command lixiang is 立项通, the offline-first desktop app for the project
// initiation standard (登记 → 特批 → 交接 → 立项). main only wires things up:
// a command-line verb runs without a window; otherwise the local store in
// the data directory is opened (with the demo organisation on first run)
// and the window shows it, with the sync engine running in the background
// (server from the last sign-in, else $LIXIANG_SERVER, else the default
// loopback address of lixiangd) and the PDF renderers behind 导出会议纪要
// and 导出登记表.
package main

import (
	"cmp"
	"context"
	"log/slog"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"lixiang/cmd/cli"
	"lixiang/domain"
	"lixiang/domain/pdf"
	"lixiang/sync/client"
	"lixiang/ui"
)

// defaultServer is where lixiangd listens unless configured otherwise.
const defaultServer = "http://127.0.0.1:8750"

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
	a := app.NewWithID("com.esa2000.lixiang")
	a.Settings().SetTheme(ui.NewTheme())
	if err := ui.SetupLanguage(a.Preferences()); err != nil {
		log.Error("load translations", "err", err)
		os.Exit(1)
	}
	ws, err := cli.OpenWorkspace(ctx, dir)
	if err != nil {
		// Say it in a window too: started from the desktop, nobody reads
		// the log.
		log.Error("open local store", "dir", dir, "err", err)
		w := a.NewWindow("立项通")
		w.Resize(fyne.NewSize(760, 360))
		w.SetContent(ui.StartupError(dir, err, a.Quit))
		w.ShowAndRun()
		os.Exit(1)
	}
	defer ws.Close()
	me := ws.User
	if login := os.Getenv("LIXIANG_AS"); login != "" { // act as another person of the directory (demos, screenshots)
		if u, ok := ws.Org.UserByLogin(login); ok {
			me = u
		}
	}
	server, _ := ws.Store.Meta(ctx, client.MetaServer)
	if server == "" {
		server = cmp.Or(os.Getenv("LIXIANG_SERVER"), defaultServer)
	}
	eng := client.New(ws.Store, server)
	go eng.Run(ctx)

	w := a.NewWindow("立项通")
	w.Resize(fyne.NewSize(1280, 800))
	w.SetContent(ui.NewShell(w, ui.Deps{
		Store: ws.Store, Org: ws.Org, User: me, DataDir: ws.Dir,
		Prefs: a.Preferences(), OpenURL: a.OpenURL,
		Sync: ui.SyncFuncs{
			StateFunc: func() ui.SyncState { return ui.SyncState(eng.State()) },
			SubscribeFunc: func(f func(ui.SyncState)) func() {
				return eng.Subscribe(func(s client.State) { f(ui.SyncState(s)) })
			},
			KickFunc: eng.Kick,
		},
		Login: func(ctx context.Context, server, login, password string) error {
			if server != "" {
				eng.SetServer(server)
			}
			_, err := eng.Login(ctx, login, password)
			return err
		},
		Export: func(p *domain.Project, o *domain.Org) ([]byte, error) {
			return pdf.Minutes(p, o, pdf.Options{Generated: time.Now()})
		},
		ExportRegistration: func(p, parent *domain.Project, o *domain.Org) ([]byte, error) {
			return pdf.Registration(p, o, pdf.Options{Generated: time.Now(), Parent: parent})
		},
	}))
	w.ShowAndRun()
}

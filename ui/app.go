package ui

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/google/uuid"

	"lixiang/domain"
)

// Store is what the window reads from and writes to the local store: the
// union of what each screen declares it needs (*sqlite.Store is one).
type Store interface {
	projectFinder
	conflictFinder
	draftStore
	journalReader
	outboxCounter
	attentionStore
	inboxStore
	identityStore
}

// Deps is what the desktop app hands the window: the local store, the
// organisation directory and the person using it, plus the parts other
// packages provide once they are wired (nil until then).
type Deps struct {
	Store   Store
	Org     *domain.Org
	User    domain.User
	DataDir string
	// Sync is the sync engine's state; nil shows 仅离线 (offline only).
	Sync SyncStatus
	// Login signs in against the server; nil offers the local directory's
	// people instead (demo mode).
	Login LoginFunc
	// Export renders the handover minutes PDF; nil disables the button.
	Export Exporter
	// ExportRegistration renders the registration form PDF (登记表); nil
	// disables the detail screen's export button.
	ExportRegistration RegistrationExporter
	// Prefs remembers the server address, the login and the language.
	Prefs fyne.Preferences
	// OpenURL opens a file with the system viewer (fyne.App.OpenURL).
	OpenURL func(*url.URL) error
	// Now and NewID default to time.Now and UUID v7.
	Now   func() time.Time
	NewID func() (string, error)
}

// env is what every screen works with: the dependencies, the window for
// dialogs, navigation, and how background work is started.
type env struct {
	Deps
	ctx context.Context
	// open ends when the window is closed (a test's, when the test ends):
	// a screen's timers do nothing after that. Work uses ctx, so a save
	// under way when the window closes still completes.
	open context.Context
	win  fyne.Window
	nav  navigator
	// run starts work off the UI goroutine; results come back through fyne.Do.
	run func(func())
	// changed tells the shell that the person changed local data: it
	// refreshes the sync bar and inbox count, and asks for a sync.
	changed func()
	// refreshed tells the shell that a sync changed local data: the same
	// refresh, but no sync asked for (the sync just ran; asking again after
	// every pass would sync without end).
	refreshed func()
	log       *slog.Logger
	// conflicts caches which projects hold open sync conflicts.
	conflicts *conflictSet
	// saveAs asks where to save an exported file (the save dialog).
	saveAs saveAsFunc
}

// navigator moves between screens.
type navigator interface {
	openList()
	openInbox()
	openProject(id string)
	openRegistration(p *domain.Project)
	openNewRegistration()
	openHandover(id string)
	openInitiation(id string)
	openConflicts()
	openAccount()
}

func newEnv(ctx context.Context, w fyne.Window, d Deps) *env {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = func() (string, error) {
			id, err := uuid.NewV7()
			return id.String(), err
		}
	}
	if d.OpenURL == nil {
		d.OpenURL = func(u *url.URL) error { return fyne.CurrentApp().OpenURL(u) }
	}
	if d.Prefs == nil {
		d.Prefs = fyne.CurrentApp().Preferences()
	}
	return &env{Deps: d, ctx: ctx, open: ctx, win: w, run: func(f func()) { go f() }, changed: func() {}, refreshed: func() {},
		log: slog.With("component", "ui"), conflicts: &conflictSet{}, saveAs: saveDialog(w)}
}

// showError shows err in a dialog, in the UI's language.
func (e *env) showError(err error) {
	e.log.Warn("action failed", "err", err)
	dialog.ShowInformation(lang.L("error.title"), errorText(err), e.win)
}

// showMessage shows why something failed, already worded for people.
func (e *env) showMessage(text string) {
	e.log.Warn("action failed", "msg", text)
	dialog.ShowInformation(lang.L("error.title"), text, e.win)
}

// leaver is a screen that must save before it is left (a form's draft).
type leaver interface{ leave() }

// dropTarget is a screen that takes files dropped on the window.
type dropTarget interface{ dropped([]fyne.URI) }

// screenRefresher is a screen that reloads its data when shown again.
type screenRefresher interface{ reload() }

type navSection int

const (
	secOverview navSection = iota
	secProjects
	secInbox
	secNew
	secConflicts
	secAccount
)

// Shell is the main window's content: the header with who is signed in and
// the language, the navigation on the left, the current screen, and the
// sync bar along the bottom.
type Shell struct {
	widget.BaseWidget

	env     *env
	deps    Deps
	ctx     context.Context // ends when the window is closed (env.open)
	content *fyne.Container
	current fyne.CanvasObject
	navBtns map[navSection]*widget.Button
	who     *widget.Label
	bar     *SyncBar
	list    *ProjectList
	inbox   *Inbox
	frame   *fyne.Container // holds the whole window; rebuilt on language or identity change
	waiting int
	// buildWith adjusts each new environment (tests run work inline).
	buildWith func(*env)
}

// NewShell builds the window's content for d and takes over the window's
// drop and close handling (a draft is saved before the window closes).
func NewShell(w fyne.Window, d Deps) *Shell {
	ctx, closed := context.WithCancel(context.Background())
	s := &Shell{deps: d, ctx: ctx}
	s.ExtendBaseWidget(s)
	s.build(w)
	w.SetOnClosed(closed)
	w.SetOnDropped(s.onDropped)
	w.SetCloseIntercept(func() {
		s.leaveCurrent()
		w.Close()
	})
	return s
}

func (s *Shell) build(w fyne.Window) {
	e := newEnv(context.Background(), w, s.deps)
	e.open = s.ctx
	if s.buildWith != nil {
		s.buildWith(e)
	}
	e.nav = s
	e.changed = s.onLocalChange
	e.refreshed = s.refreshLocal
	s.env = e
	s.navBtns = map[navSection]*widget.Button{}
	nav := container.NewVBox()
	for _, it := range []struct {
		sec  navSection
		key  string
		icon fyne.Resource
		tap  func()
	}{
		{secOverview, "nav.overview", theme.HomeIcon(), s.onOverviewTapped},
		{secProjects, "nav.projects", theme.ListIcon(), s.openList},
		{secInbox, "nav.inbox", theme.MailComposeIcon(), s.openInbox},
		{secNew, "nav.new", theme.ContentAddIcon(), s.openNewRegistration},
		{secConflicts, "nav.conflicts", theme.WarningIcon(), s.openConflicts},
		{secAccount, "nav.account", theme.AccountIcon(), s.openAccount},
	} {
		b := widget.NewButtonWithIcon(lang.L(it.key), it.icon, it.tap)
		b.Alignment = widget.ButtonAlignLeading
		s.navBtns[it.sec] = b
		nav.Add(b)
	}

	title := widget.NewLabelWithStyle(lang.L("app.name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.who = widget.NewLabel("")
	s.who.Truncation = fyne.TextTruncateEllipsis
	s.who.Alignment = fyne.TextAlignTrailing
	s.setWho()
	langSel := widget.NewSelect([]string{"中文", "English"}, nil)
	if english() {
		langSel.SetSelected("English")
	} else {
		langSel.SetSelected("中文")
	}
	langSel.OnChanged = s.onLanguageChanged
	header := container.NewBorder(nil, nil, title, langSel, s.who)

	if s.bar != nil {
		s.bar.close()
	}
	s.bar = NewSyncBar(e)
	s.list = NewProjectList(e)
	s.inbox = NewInbox(e)
	s.content = container.NewStack()
	body := container.NewBorder(nil, nil,
		container.NewHBox(container.NewPadded(nav), widget.NewSeparator()), nil, s.content)
	root := container.NewBorder(container.NewVBox(container.NewPadded(header), widget.NewSeparator()),
		container.NewVBox(widget.NewSeparator(), s.bar), nil, nil, body)
	if s.frame == nil {
		s.frame = container.NewStack()
	}
	s.frame.Objects = []fyne.CanvasObject{root}
	s.frame.Refresh()
	s.openList()
	s.onLocalChange()
	// Conflicts are kept inside the projects (sqlite.Summary does not say):
	// find them once, off the UI goroutine, and badge the list.
	e.run(func() {
		e.refreshConflicts()
		fyne.Do(func() {
			if len(e.conflicted()) > 0 && s.env == e {
				s.list.reload()
			}
		})
	})
}

func (s *Shell) setWho() {
	u := s.deps.User
	s.who.SetText(lang.X("shell.who", "{{.Name}}（{{.Roles}}）· {{.Org}}",
		map[string]string{"Name": u.Name, "Roles": rolesText(u), "Org": s.deps.Org.Name}))
}

// CreateRenderer implements fyne.Widget.
func (s *Shell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.frame)
}

// Leave saves whatever the current screen holds (call before quitting).
func (s *Shell) Leave() { s.leaveCurrent() }

func (s *Shell) leaveCurrent() {
	if l, ok := s.current.(leaver); ok {
		l.leave()
	}
}

func (s *Shell) show(sec navSection, screen fyne.CanvasObject) {
	if screen != s.current {
		s.leaveCurrent()
	}
	s.current = screen
	s.content.Objects = []fyne.CanvasObject{screen}
	s.content.Refresh()
	for k, b := range s.navBtns {
		imp := widget.MediumImportance
		if k == sec {
			imp = widget.HighImportance
		}
		if b.Importance != imp {
			b.Importance = imp
			b.Refresh()
		}
	}
	if r, ok := screen.(screenRefresher); ok {
		r.reload()
	}
}

func (s *Shell) onDropped(_ fyne.Position, uris []fyne.URI) {
	if d, ok := s.current.(dropTarget); ok {
		d.dropped(uris)
		return
	}
	dialog.ShowInformation(lang.L("attach.title"), lang.L("attach.dropHere"), s.env.win)
}

// onLocalChange follows a change the person made to local data: what
// depends on it is refreshed and a sync is asked for.
func (s *Shell) onLocalChange() {
	s.refreshLocal()
	if e := s.env; e.Sync != nil {
		e.Sync.Kick() // what was just saved goes to the server as soon as it can
	}
}

// refreshLocal refreshes what depends on local data: the sync bar's counts,
// the inbox count in the navigation and the project list when it shows.
func (s *Shell) refreshLocal() {
	s.bar.reload()
	e := s.env
	if s.list != nil && s.current == fyne.CanvasObject(s.list) {
		s.list.reload()
	}
	e.run(func() {
		n, err := waitingCount(e.ctx, e.Store, e.User)
		if err != nil {
			e.log.Error("count inbox", "err", err)
			return
		}
		fyne.Do(func() {
			s.waiting = n
			b := s.navBtns[secInbox]
			text := lang.L("nav.inbox")
			if n > 0 {
				text = lang.X("nav.inboxCount", "{{.Label}} ({{.N}})", map[string]any{"Label": text, "N": n})
			}
			b.SetText(text)
		})
	})
}

func (s *Shell) onOverviewTapped() {
	info := HomeInfo{OrgName: s.deps.Org.Name, UserName: s.deps.User.Name, DataDir: s.deps.DataDir}
	h := NewHome(info)
	s.show(secOverview, h)
	e := s.env
	e.run(func() { LoadHome(e.ctx, e.Store, h, info) })
}

func (s *Shell) onLanguageChanged(choice string) {
	code := langChinese
	if choice == "English" {
		code = langEnglish
	}
	if (code == langEnglish) == english() {
		return
	}
	s.leaveCurrent()
	s.current = nil
	if err := SwitchLanguage(s.deps.Prefs, code); err != nil {
		s.env.showError(err)
		return
	}
	s.build(s.env.win)
	s.Refresh()
}

// restart rebuilds the window for another identity (after signing in).
func (s *Shell) restart(d Deps) {
	s.leaveCurrent()
	s.current = nil
	s.deps = d
	s.build(s.env.win)
	s.Refresh()
}

func (s *Shell) openList() { s.show(secProjects, s.list) }

func (s *Shell) openInbox() { s.show(secInbox, s.inbox) }

func (s *Shell) openProject(id string) { s.show(secProjects, NewDetail(s.env, id)) }

func (s *Shell) openRegistration(p *domain.Project) {
	s.show(secNew, NewRegistrationForm(s.env, p))
}

func (s *Shell) openNewRegistration() { s.show(secNew, NewKindChooser(s.env)) }

func (s *Shell) openHandover(id string) { s.show(secProjects, NewHandoverScreen(s.env, id)) }

func (s *Shell) openInitiation(id string) { s.show(secProjects, NewInitiationScreen(s.env, id)) }

func (s *Shell) openConflicts() { s.show(secConflicts, NewConflicts(s.env)) }

func (s *Shell) openAccount() { s.show(secAccount, NewLogin(s.env, s.restart)) }

// pageHeader is the top of a screen: a back button (when back is set), the
// title and trailing objects.
func pageHeader(title string, back func(), trailing ...fyne.CanvasObject) fyne.CanvasObject {
	return pageHeaderWith(heading(title), back, trailing...)
}

// pageHeaderWith is pageHeader with a title label the screen keeps (and
// changes); it is cut with an ellipsis when the line is too short.
func pageHeaderWith(t *widget.Label, back func(), trailing ...fyne.CanvasObject) fyne.CanvasObject {
	t.Truncation = fyne.TextTruncateEllipsis
	var left fyne.CanvasObject
	if back != nil {
		left = widget.NewButtonWithIcon(lang.L("common.back"), theme.NavigateBackIcon(), back)
	}
	return container.NewBorder(nil, nil, left, container.NewHBox(trailing...), t)
}

package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
)

// LoginFunc signs in to the server at server as login; the sync engine
// provides it. On success the server's directory is in the local store.
type LoginFunc func(ctx context.Context, server, login, password string) error

// identityStore is what signing in reads and writes locally.
type identityStore interface {
	Org(ctx context.Context) (*domain.Org, error)
	SetMeta(ctx context.Context, key, value string) error
}

// MetaUserKey is the store setting that names who uses this computer (the
// last identity that signed in); the command line reads the same key.
const MetaUserKey = "user.login"

// Preference keys of the sign-in screen.
const (
	PrefServer = "login.server"
	PrefLogin  = "login.user"
)

// Login is the account screen (登录): who is signed in and with which
// roles; sign-in with server address, user name and password (remembered,
// except the password); without a network the last identity keeps
// working. With no server wired it offers the local directory's people
// (demo mode).
type Login struct {
	widget.BaseWidget

	env      *env
	restart  func(Deps)
	server   *widget.Entry
	user     *widget.Entry
	password *widget.Entry
	status   *widget.Label
	signIn   *widget.Button
	demo     *choice
	root     fyne.CanvasObject
}

// NewLogin builds the account screen; restart rebuilds the window for the
// new identity.
func NewLogin(e *env, restart func(Deps)) *Login {
	l := &Login{env: e, restart: restart}
	l.ExtendBaseWidget(l)
	u := e.User
	region, _ := e.Org.Region(u.Region)
	who := widget.NewCard(u.Name, lang.L("login.current"), kv(
		lang.L("login.userName"), u.Login,
		lang.L("login.roles"), orDash(rolesText(u)),
		lang.L("reg.region"), orDash(region.Name),
		lang.L("home.org"), e.Org.Name,
		lang.L("login.phone"), orDash(strings.Join(nonEmpty(u.Phone, u.Email), " · ")),
	))
	l.status = widget.NewLabel("")
	l.status.Wrapping = fyne.TextWrapWord

	var form fyne.CanvasObject
	if e.Login != nil {
		l.server = widget.NewEntry()
		l.server.SetPlaceHolder("https://lixiang.example.com")
		l.server.SetText(e.Prefs.String(PrefServer))
		l.user = widget.NewEntry()
		l.user.SetText(e.Prefs.StringWithFallback(PrefLogin, u.Login))
		l.password = widget.NewPasswordEntry()
		l.password.OnSubmitted = func(string) { l.onSignInTapped() }
		l.signIn = widget.NewButtonWithIcon(lang.L("login.signIn"), theme.LoginIcon(), l.onSignInTapped)
		l.signIn.Importance = widget.HighImportance
		form = widget.NewCard(lang.L("login.title"), lang.L("login.help"), container.NewVBox(
			widget.NewForm(
				widget.NewFormItem(lang.L("login.server"), l.server),
				widget.NewFormItem(lang.L("login.userName"), l.user),
				widget.NewFormItem(lang.L("login.password"), l.password)),
			container.NewHBox(l.signIn), l.status,
			note(lang.X("login.offline", "没有网络时，本机继续以上次登录的身份（{{.Name}}）工作，修改在联网后同步。",
				map[string]any{"Name": u.Name}))))
	} else {
		l.demo = userChoice(e.Org, "", nil)
		l.demo.setValue(u.ID)
		use := widget.NewButtonWithIcon(lang.L("login.useIdentity"), theme.AccountIcon(), l.onUseIdentityTapped)
		use.Importance = widget.HighImportance
		form = widget.NewCard(lang.L("login.demoTitle"), lang.L("login.demoHelp"), container.NewVBox(
			l.demo, container.NewHBox(use), l.status))
	}
	l.root = container.NewPadded(container.NewBorder(pageHeader(lang.L("nav.account"), nil), nil, nil, nil,
		container.NewVScroll(container.NewVBox(who, form))))
	return l
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CreateRenderer implements fyne.Widget.
func (l *Login) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(l.root)
}

func (l *Login) onSignInTapped() {
	e := l.env
	server, login, password := strings.TrimSpace(l.server.Text), strings.TrimSpace(l.user.Text), l.password.Text
	if server == "" || login == "" || password == "" {
		l.status.SetText(lang.L("login.missing"))
		return
	}
	l.signIn.Disable()
	l.status.SetText(lang.L("login.signingIn"))
	e.run(func() {
		err := e.Login(e.ctx, server, login, password)
		var d Deps
		if err == nil {
			d, err = l.identity(login)
		}
		fyne.Do(func() {
			l.signIn.Enable()
			if err != nil {
				l.status.SetText(lang.L("login.failed") + errorText(err))
				return
			}
			e.Prefs.SetString(PrefServer, server)
			e.Prefs.SetString(PrefLogin, login)
			l.password.SetText("")
			l.restart(d)
		})
	})
}

func (l *Login) onUseIdentityTapped() {
	e := l.env
	u, ok := e.Org.User(l.demo.value())
	if !ok {
		return
	}
	e.run(func() {
		d, err := l.identity(u.Login)
		fyne.Do(func() {
			if err != nil {
				l.status.SetText(errorText(err))
				return
			}
			l.restart(d)
		})
	})
}

// identity records login as this computer's user and returns the window's
// dependencies for them, with the directory as stored now (a sign-in may
// have brought the server's).
func (l *Login) identity(login string) (Deps, error) {
	e := l.env
	org, err := e.Store.Org(e.ctx)
	if err != nil {
		return Deps{}, err
	}
	u, ok := org.UserByLogin(login)
	if !ok {
		return Deps{}, domain.Errorf(domain.ENOTFOUND, "组织目录中没有登录名为“%[1]s”的用户", "no user with login %[1]q in the directory", login)
	}
	if err := e.Store.SetMeta(e.ctx, MetaUserKey, login); err != nil {
		return Deps{}, err
	}
	d := e.Deps
	d.Org, d.User = org, u
	return d, nil
}

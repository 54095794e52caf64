package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2/test"

	"lixiang/cmd/cli"
)

// The window and the command line agree on where the current user is kept.
func TestMetaUserKeyIsTheCommandLines(t *testing.T) {
	if MetaUserKey != cli.MetaUser {
		t.Errorf("ui.MetaUserKey %q, cli.MetaUser %q", MetaUserKey, cli.MetaUser)
	}
}

// Without a server, the account screen shows who is signed in with their
// roles and lets a person act as someone of the local directory.
func TestLoginDemoModePicksSomeoneFromTheDirectory(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	var got Deps
	l := NewLogin(e, func(d Deps) { got = d })
	showIn(t, l)
	shows(t, l, "张伟", "当前身份", "zhangwei", "销售", "北方", "演示模式：选择身份", "以此身份使用")

	l.demo.setValue("u-liuyang")
	tapButton(t, l, "以此身份使用")
	if got.User.ID != "u-liuyang" {
		t.Fatalf("the window restarted as %q, want 刘洋", got.User.ID)
	}
	if login, err := st.Meta(t.Context(), MetaUserKey); err != nil || login != "liuyang" {
		t.Errorf("the store remembers %q (%v) as this computer's user", login, err)
	}
}

// With a server wired, sign-in sends address, user name and password;
// the address and user name are remembered, the password is not; a
// failure says why and keeps the identity.
func TestLoginSignsInAndRemembersTheServer(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	var calls []string
	e.Login = func(_ context.Context, server, login, password string) error {
		calls = append(calls, server+" "+login+" "+password)
		if password != "secret" {
			return errors.New("用户名或密码错误")
		}
		return nil
	}
	var restarted *Deps
	l := NewLogin(e, func(d Deps) { restarted = &d })
	showIn(t, l)
	shows(t, l, "登录服务器", "服务器地址", "没有网络时，本机继续以上次登录的身份（张伟）工作")

	test.Type(l.server, "https://lixiang.esa2000.local")
	l.user.SetText("chenjing")
	test.Type(l.password, "wrong")
	test.Tap(l.signIn)
	shows(t, l, "登录失败：内部错误：用户名或密码错误")
	if restarted != nil {
		t.Fatal("a failed sign-in changed the identity")
	}

	l.password.SetText("secret")
	test.Tap(l.signIn)
	if restarted == nil || restarted.User.Name != "陈静" {
		t.Fatalf("after signing in the window runs as %+v", restarted)
	}
	if len(calls) != 2 || calls[1] != "https://lixiang.esa2000.local chenjing secret" {
		t.Errorf("login calls %q", calls)
	}
	if e.Prefs.String(PrefServer) != "https://lixiang.esa2000.local" || e.Prefs.String(PrefLogin) != "chenjing" {
		t.Error("the server address and user name are not remembered")
	}
	if l.password.Text != "" {
		t.Error("the password stays in the field after signing in")
	}
}

package client

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"lixiang/domain"
	"lixiang/sync/wire"
)

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// The state's error is a domain error with its message in each language
// on its own, never the two mixed, so the window shows the one it speaks.
func TestTheStateErrorSaysItInEachLanguage(t *testing.T) {
	unavailable := &APIError{Status: 503, Body: wire.Error{Code: domain.EINTERNAL, Message: "服务器维护中", English: "down for maintenance"}}
	refused := &APIError{Status: 400, Body: wire.Error{Code: domain.EINVALID, Message: "请求格式不正确", English: "malformed request"}}
	for _, tc := range []struct {
		name    string
		err     error
		code    string
		zh, en  string // parts of the Chinese and the English message
		mixedOK bool   // a foreign text is carried as it is
	}{
		{"signed out", fmt.Errorf("pull: %w", ErrSignedOut), domain.EUNAUTHORIZED, "请重新登录", "sign in again", false},
		{"network", &offlineError{errors.New("dial tcp 127.0.0.1:8750: connect: connection refused")}, EOFFLINE,
			"无法连接服务器，稍后自动重试", "the server cannot be reached; retrying later", false},
		{"server unavailable", &offlineError{unavailable}, EOFFLINE, "无法连接服务器，稍后自动重试（服务器维护中）",
			"the server cannot be reached; retrying later (down for maintenance)", false},
		{"request refused", fmt.Errorf("push: %w", refused), domain.EINVALID, "请求格式不正确", "malformed request", false},
		{"problems", domain.Problems{{Path: "org.users[0].id", Message: "用户 ID 不能为空", English: "the user id is empty"}}, domain.EINVALID,
			"用户 ID 不能为空", "org.users[0].id: the user id is empty", false},
		{"anything else", errors.New("disk I/O error"), domain.EINTERNAL, "同步出错：disk I/O error", "sync failed: disk I/O error", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := StateError(tc.err)
			if got == nil || got.Code != tc.code || !strings.Contains(got.Message, tc.zh) || !strings.Contains(got.English, tc.en) {
				t.Fatalf("StateError = %+v, want code %s with %q / %q", got, tc.code, tc.zh, tc.en)
			}
			if hasHan(got.English) {
				t.Errorf("the English has Chinese in it: %q", got.English)
			}
			if !tc.mixedOK && strings.ContainsFunc(got.Message, func(r rune) bool { return r >= 'a' && r <= 'z' }) && !strings.Contains(got.Message, "org.users") {
				t.Errorf("the Chinese has English in it: %q", got.Message)
			}
		})
	}
	if StateError(nil) != nil {
		t.Error("StateError(nil) is not nil")
	}
}

// A pass that fails leaves its error in the state; one that succeeds
// clears it.
func TestTheStateCarriesTheErrorOfTheLastPass(t *testing.T) {
	f := &fake{}
	e, s, _ := signedIn(t, f)
	if err := s.SetMeta(t.Context(), MetaToken, ""); err != nil {
		t.Fatal(err)
	}
	e.SyncOnce(t.Context())
	if st := e.State(); st.LastError != ErrSignedOut {
		t.Fatalf("signed out: LastError = %+v", st.LastError)
	}
	if _, err := e.Login(t.Context(), "zhangwei", "demo"); err != nil {
		t.Fatal(err)
	}
	if st := e.State(); st.LastError != nil {
		t.Errorf("after signing in: LastError = %+v", st.LastError)
	}
	none := New(s, "", quiet)
	none.SyncOnce(t.Context())
	if st := none.State(); st.LastError == nil || st.LastError.Code != domain.EINVALID || hasHan(st.LastError.English) {
		t.Errorf("no server: LastError = %+v", st.LastError)
	}
}

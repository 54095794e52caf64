package server_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

func TestLogin(t *testing.T) {
	srv, c := start(t)
	tests := []struct {
		name       string
		login, pw  string
		wantStatus int
		wantCode   string
	}{
		{"right password signs in", "zhangwei", "demo", http.StatusOK, ""},
		{"login is case-insensitive", "ZhangWei", "demo", http.StatusOK, ""},
		{"wrong password is 401", "zhangwei", "wrong", http.StatusUnauthorized, "unauthorized"},
		{"unknown user is 401 like a wrong password", "nobody", "demo", http.StatusUnauthorized, "unauthorized"},
		{"empty password is 400", "zhangwei", "", http.StatusBadRequest, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: tt.login, Password: tt.pw, DeviceID: "d1"})
			if tt.wantStatus != http.StatusOK {
				wantError(t, resp, body, tt.wantStatus, tt.wantCode)
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s", resp.Status, body)
			}
			var lr wire.LoginResponse
			if err := json.Unmarshal(body, &lr); err != nil {
				t.Fatal(err)
			}
			if len(lr.Token) != 43 || lr.User.ID != "u-zhangwei" || lr.OrgVersion != 1 {
				t.Fatalf("login response %+v", lr)
			}
			if want := c.Now().Add(server.DefaultTokenTTL); !lr.ExpiresAt.Equal(want) {
				t.Fatalf("expires %v, want %v (30 days)", lr.ExpiresAt, want)
			}
		})
	}
}

// TestLoginThrottled: five failures for one login within 15 minutes refuse
// the next attempts with 429 and Retry-After, even with the right password,
// until the window has passed; a success clears the count.
func TestLoginThrottled(t *testing.T) {
	srv, c := start(t)
	login := func(name, pw string) (*http.Response, []byte) {
		return srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: name, Password: pw})
	}
	for i := range 4 {
		resp, body := login("lina", "wrong")
		wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
		c.Advance(time.Minute)
		_ = i
	}
	// A success clears the failures: four more are still only 401.
	if resp, body := login("lina", "demo"); resp.StatusCode != http.StatusOK {
		t.Fatalf("right password after 4 failures: %s %s", resp.Status, body)
	}
	for range 5 {
		resp, body := login("lina", "wrong")
		wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
	}
	resp, body := login("lina", "demo")
	wantError(t, resp, body, http.StatusTooManyRequests, wire.ERateLimited)
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || ra <= 0 || ra > 15*60 {
		t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// Another login from the same address is not throttled by lina's failures.
	if resp, body := login("zhangwei", "demo"); resp.StatusCode != http.StatusOK {
		t.Fatalf("other login: %s %s", resp.Status, body)
	}
	c.Advance(time.Duration(ra) * time.Second)
	if resp, body := login("lina", "demo"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after Retry-After: %s %s", resp.Status, body)
	}
}

// TestLoginThrottledPerAddress: failures spread over many logins from one
// address are throttled too.
func TestLoginThrottledPerAddress(t *testing.T) {
	srv, _ := start(t, server.WithLoginLimits(5, 3, 15*time.Minute))
	for _, name := range []string{"a1", "a2", "a3"} {
		resp, body := srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: name, Password: "x"})
		wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
	}
	resp, body := srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: "zhangwei", Password: "demo"})
	wantError(t, resp, body, http.StatusTooManyRequests, wire.ERateLimited)
}

// TestTokenRequired: every endpoint but login and health needs a valid,
// unexpired token; anything else is 401 with a JSON body.
func TestTokenRequired(t *testing.T) {
	srv, c := start(t, server.WithTokenTTL(time.Hour))
	valid := srv.Token(t, "zhangwei")
	expiring := srv.Token(t, "lina")
	forged := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	endpoints := []struct{ method, path string }{
		{http.MethodGet, wire.PathMe},
		{http.MethodGet, wire.PathOrg},
		{http.MethodGet, wire.PathPull},
		{http.MethodPost, wire.PathPush},
		{http.MethodPost, wire.PathMissing},
		{http.MethodGet, wire.AttachmentPrefix + servertest.PresalesSHA},
		{http.MethodPost, wire.PathLogout},
	}
	c.Advance(30 * time.Minute)
	for _, ep := range endpoints {
		for _, tok := range []struct{ name, token, header string }{
			{"no token", "", ""},
			{"forged token", forged, ""},
			{"malformed token", "not-a-token", ""},
			{"wrong scheme", "", "Basic " + valid},
		} {
			t.Run(ep.path+"/"+tok.name, func(t *testing.T) {
				req, _ := http.NewRequestWithContext(t.Context(), ep.method, srv.URL+ep.path, nil)
				if tok.token != "" {
					req.Header.Set("Authorization", "Bearer "+tok.token)
				}
				if tok.header != "" {
					req.Header.Set("Authorization", tok.header)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, resp)
				wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
			})
		}
	}
	if resp, body := srv.Do(t, http.MethodGet, wire.PathMe, expiring, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %s %s", resp.Status, body)
	}
	c.Advance(31 * time.Minute) // lina's token is 61 minutes old, TTL 1 hour
	resp, body := srv.Do(t, http.MethodGet, wire.PathMe, expiring, nil)
	wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
	if resp, body := srv.Do(t, http.MethodGet, wire.PathHealth, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("health needs no token: %s %s", resp.Status, body)
	}
}

func TestLogoutInvalidatesToken(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.Token(t, "zhangwei")
	other := srv.Token(t, "zhangwei") // a second device
	resp, body := srv.Do(t, http.MethodPost, wire.PathLogout, tok, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %s %s", resp.Status, body)
	}
	resp, body = srv.Do(t, http.MethodGet, wire.PathMe, tok, nil)
	wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
	if resp, body := srv.Do(t, http.MethodGet, wire.PathMe, other, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the other device's session ended too: %s %s", resp.Status, body)
	}
}

// TestTokensStoredHashed: the database holds the SHA-256 of a token, never
// the token itself, and a bcrypt hash, never the password.
func TestTokensStoredHashed(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.Token(t, "zhangwei")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum := sha256.Sum256([]byte(tok))
	var hashed, clear int
	db.QueryRow("SELECT count(*) FROM tokens WHERE hash = ?", sum[:]).Scan(&hashed)
	db.QueryRow("SELECT count(*) FROM tokens WHERE hash = ? OR CAST(hash AS TEXT) = ?", []byte(tok), tok).Scan(&clear)
	if hashed != 1 || clear != 0 {
		t.Fatalf("tokens by hash %d, in clear %d", hashed, clear)
	}
	var pw string
	db.QueryRow("SELECT CAST(password_hash AS TEXT) FROM users WHERE id = 'u-zhangwei'").Scan(&pw)
	if len(pw) != 60 || pw[:4] != "$2a$" {
		t.Fatalf("password stored as %q, want a bcrypt hash", pw)
	}
}

// TestResetPasswordSignsOut: a new password ends every session of the user.
func TestResetPasswordSignsOut(t *testing.T) {
	srv := servertest.Start(t)
	tok := srv.Token(t, "zhangwei")
	if err := server.ResetPassword(t.Context(), srv.DB, "zhangwei", "n3w-secret", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body := srv.Do(t, http.MethodGet, wire.PathMe, tok, nil)
	wantError(t, resp, body, http.StatusUnauthorized, "unauthorized")
	resp, body = srv.Do(t, http.MethodPost, wire.PathLogin, "", wire.LoginRequest{Login: "zhangwei", Password: "n3w-secret"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new password: %s %s", resp.Status, body)
	}
}

func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	var b []byte
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			return b
		}
	}
}

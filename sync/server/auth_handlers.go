package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// tokenBytes is the size of a bearer token before encoding.
const tokenBytes = 32

// session is the signed-in user of a request.
type session struct {
	user      domain.User
	org       *domain.Org
	tokenHash []byte
	token     sqlite.Token
}

// HashPassword returns the bcrypt hash of a password (cost 10). Passwords
// longer than 72 bytes are refused, as bcrypt would ignore the rest.
func HashPassword(password string) ([]byte, error) {
	if password == "" {
		return nil, domain.Errorf(domain.EINVALID, "密码不能为空", "the password must not be empty")
	}
	if len(password) > 72 {
		return nil, domain.Errorf(domain.EINVALID, "密码最长 72 字节", "the password may be at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when the login is unknown, so an unknown
// login costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("lixiang-no-such-user"), bcrypt.DefaultCost)
	return h
})

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// newToken returns a fresh opaque bearer token: 32 random bytes, base64url.
func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// bearer returns the token of the Authorization header, "" when there is
// none or it is not of the right shape.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, wire.AuthScheme) {
		return ""
	}
	tok = strings.TrimSpace(tok)
	if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) != tokenBytes {
		return ""
	}
	return tok
}

// authed wraps a handler that needs a signed-in user: no, malformed,
// unknown, signed-out or expired token is 401; a user removed from the
// directory or disabled is 401 too.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			s.writeError(w, r, unauthorized("请先登录", "sign in first: the Authorization header is missing"))
			return
		}
		tok := bearer(r)
		if tok == "" {
			s.writeError(w, r, unauthorized("登录凭据无效，请重新登录", "the bearer token is not valid: sign in again"))
			return
		}
		hash := hashToken(tok)
		t, err := s.db.Token(r.Context(), hash, s.now())
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			s.writeError(w, r, unauthorized("登录已失效或已退出，请重新登录", "the session has expired or ended: sign in again"))
			return
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		org, err := s.db.Org(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		u, ok := org.User(t.UserID)
		if !ok || u.Disabled {
			s.writeError(w, r, unauthorized("账号已停用或不存在", "the account is disabled or no longer exists"))
			return
		}
		h(w, r, &session{user: u, org: org, tokenHash: hash, token: t})
	}
}

// clientIP is the address the request came from (the proxy's, behind one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// reserveAttempt counts a sign-in attempt under each of keys (with its
// limit) before the password is checked, so that guesses sent at once are
// counted one after the other and at most the limit of them are checked.
// A positive wait means the attempt is refused for that long, uncounted.
func (s *Server) reserveAttempt(r *http.Request, keys map[string]int) (sqlite.LoginAttempt, time.Duration, error) {
	now := s.now()
	a, err := s.db.ReserveLoginAttempt(r.Context(), keys, now, now.Add(-s.limits.window))
	if err != nil || !a.Refused {
		return a, 0, err
	}
	return a, max(a.Oldest.Add(s.limits.window).Sub(now), time.Second), nil
}

// releaseAttempt takes back a counted attempt that was no wrong guess. It
// runs even when the client has gone: the count must not stay.
func (s *Server) releaseAttempt(r *http.Request, a sqlite.LoginAttempt) error {
	return s.db.ReleaseLoginAttempt(context.WithoutCancel(r.Context()), a)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req wire.LoginRequest
	if err := decodeJSON(w, r, wire.MaxSmallBody, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	login := strings.TrimSpace(req.Login)
	if login == "" || req.Password == "" {
		s.writeError(w, r, domain.Errorf(domain.EINVALID, "请输入用户名和密码", "the login and the password are required"))
		return
	}
	loginKey, ipKey := "login:"+strings.ToLower(login), "ip:"+clientIP(r)
	attempt, wait, err := s.reserveAttempt(r, map[string]int{loginKey: s.limits.perLogin, ipKey: s.limits.perIP})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		s.log.Warn("sign-in throttled", "login", login, "remote", clientIP(r))
		s.writeError(w, r, &httpError{code: wire.ERateLimited,
			zh: fmt.Sprintf("登录失败次数过多，请 %d 分钟后再试", (secs+59)/60),
			en: fmt.Sprintf("too many failed sign-ins: try again in %d seconds", secs)})
		return
	}
	// From here the attempt counts as a failure unless it is released: a
	// right password, or an error of the server's own.
	fail := func(err error) {
		if rerr := s.releaseAttempt(r, attempt); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.writeError(w, r, err)
	}
	creds, err := s.db.Credentials(r.Context(), login)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		fail(err)
		return
	}
	hash := creds.Hash
	if err != nil || len(hash) == 0 {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil || len(creds.Hash) == 0 {
		s.log.Warn("sign-in failed", "login", login, "remote", clientIP(r))
		s.writeError(w, r, unauthorized("用户名或密码错误", "wrong login or password"))
		return
	}
	org, err := s.db.Org(r.Context())
	if err != nil {
		fail(err)
		return
	}
	u, ok := org.User(creds.UserID)
	if !ok || u.Disabled || creds.Disabled {
		fail(domain.Errorf(domain.EFORBIDDEN, "账号已停用，请联系管理员", "the account is disabled: ask an administrator"))
		return
	}
	if err := s.releaseAttempt(r, attempt); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.db.ClearLoginFailures(r.Context(), loginKey); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := newToken()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now().UTC()
	t := sqlite.Token{UserID: u.ID, DeviceID: req.DeviceID, CreatedAt: now, ExpiresAt: now.Add(s.tokenTTL)}
	if err := s.db.CreateToken(r.Context(), hashToken(tok), t, now); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("signed in", "user", u.ID, "device", req.DeviceID)
	s.writeJSON(w, http.StatusOK, wire.LoginResponse{Token: tok, ExpiresAt: t.ExpiresAt, User: u, OrgVersion: org.Version})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, ss *session) {
	if err := s.db.DeleteToken(r.Context(), ss.tokenHash); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("signed out", "user", ss.user.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, ss *session) {
	s.writeJSON(w, http.StatusOK, wire.LoginResponse{ExpiresAt: ss.token.ExpiresAt, User: ss.user, OrgVersion: ss.org.Version})
}

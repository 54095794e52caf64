// Package client is the sync engine of the desktop app (同步引擎): it
// sends the local outbox to the central server and brings the server's
// projects down, following the protocol of lixiang/sync/wire, over HTTP
// with resty.
//
// One pass (SyncOnce) does, in order: attachments first (only the bytes
// the server lacks, resumable by offset), then the outbox in batches
// bounded by count and bytes, then the pull pages from the stored cursor,
// then the organisation directory when the server's is newer. Nothing is
// lost on the way: a change leaves the outbox only when the server has
// answered it; a pull page and its cursor are committed together; a
// refused change goes to "needs attention" with its reason and the rest of
// the queue flows on. A pass with nothing to send and nothing new is one
// small request.
//
// Run is the background loop of the desktop app: it syncs at start, when
// Kick is called (after every save), periodically, and backs off on
// failure. State and Subscribe report what the UI shows.
package client

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"lixiang/domain"
	"lixiang/domain/sqlite"
	"lixiang/sync/wire"
)

// Meta keys the engine keeps in the local store.
const (
	// MetaServer is the server's base URL last synced with.
	MetaServer = "sync.server"
	// MetaToken is the bearer token (opaque; never logged).
	MetaToken = "sync.token"
	// MetaLogin is the login the token and the pull cursor belong to.
	MetaLogin = "sync.login"
	// MetaUser is the login of the person using this computer; the same
	// key the workspace (cmd/cli) reads the current user from.
	MetaUser = "user.login"
	// MetaOrgVersion is the version of the stored organisation directory.
	MetaOrgVersion = "sync.org_version"
	// MetaDevice is this installation's device id, made on first use.
	MetaDevice = "sync.device_id"
)

// Batching and paging.
const (
	pushCount = wire.MaxPushChanges      // changes in one push (500: fewer round trips and transactions than 200)
	pushBytes = wire.MaxPushBytes / 2    // payload bytes in one push (the JSON around them stays under the limit)
	pullLimit = 500                      // projects in one pull page
	userAgent = "lixiang-sync/1 (resty)" // what the server's log shows
)

// ErrSignedOut is returned when the server does not accept the stored
// token (there is none, it expired or was revoked): someone must sign in.
var ErrSignedOut = &domain.Error{Code: domain.EUNAUTHORIZED,
	Message: "未登录或登录已过期，请重新登录", English: "signed out: sign in again"}

// EOFFLINE is the code of State.LastError when the server could not be
// reached (network, timeout, 5xx, 429): the changes stay queued and the
// engine tries again.
const EOFFLINE = "offline"

// errNoServer is State.LastError while no server address is set.
var errNoServer = &domain.Error{Code: domain.EINVALID,
	Message: "未设置服务器地址，请在“账户”中登录服务器", English: "no server address: sign in to a server under Account"}

// Engine syncs one local store with one server.
type Engine struct {
	store   *sqlite.Store
	baseURL string
	http    *resty.Client
	meter   *meter
	log     *slog.Logger
	now     func() time.Time
	after   func(time.Duration) <-chan time.Time
	jitter  func() float64
	period  time.Duration
	minWait time.Duration
	maxWait time.Duration
	chunk   int64

	kick   chan struct{}
	syncMu sync.Mutex // one pass at a time
	// noDocs is set once the server has refused a push that sent a new
	// project's document (a server from before wire.Change.Doc).
	noDocs atomic.Bool

	mu        sync.Mutex
	state     State
	last      Report
	listeners map[int]func(State)
	nextID    int
}

// Option configures an Engine.
type Option func(*config)

type config struct {
	wrap    func(http.RoundTripper) http.RoundTripper
	log     *slog.Logger
	now     func() time.Time
	after   func(time.Duration) <-chan time.Time
	jitter  func() float64
	period  time.Duration
	minWait time.Duration
	maxWait time.Duration
	timeout time.Duration
	chunk   int64
}

// WithTransport wraps the HTTP transport (tests drop responses with it).
func WithTransport(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(c *config) { c.wrap = wrap }
}

// WithLogger sets the logger (default slog.Default()); the engine adds
// component=sync.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithClock sets the clock of LastSuccess (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTimer sets how Run waits (default time.After), so tests control time.
func WithTimer(after func(time.Duration) <-chan time.Time) Option {
	return func(c *config) { c.after = after }
}

// WithJitter sets the random source of the backoff jitter, a number in
// [0, 1) (default math/rand).
func WithJitter(f func() float64) Option { return func(c *config) { c.jitter = f } }

// WithPeriod sets how often Run syncs when nothing asks it to (default 60 s).
func WithPeriod(d time.Duration) Option { return func(c *config) { c.period = d } }

// WithBackoff sets the first and the longest wait after failures (default
// 1 s and 5 min); the wait doubles with each failure in a row.
func WithBackoff(first, longest time.Duration) Option {
	return func(c *config) { c.minWait, c.maxWait = first, longest }
}

// WithTimeout bounds how long the engine waits for the server's answer
// headers (default 60 s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithUploadChunk sets the most bytes of an attachment sent in one PUT
// (default 8 MiB): a broken upload resumes from the last chunk the server
// holds.
func WithUploadChunk(n int64) Option { return func(c *config) { c.chunk = n } }

// New makes an engine for store and the server at baseURL (such as
// https://lixiang.example.com). "" makes an engine with no server: it
// reports no server address until SetServer names one. The URL of the last
// sync is kept under MetaServer for callers to pass back in.
func New(store *sqlite.Store, baseURL string, opts ...Option) *Engine {
	c := config{log: slog.Default(), now: time.Now, after: time.After, jitter: mrand.Float64,
		period: time.Minute, minWait: time.Second, maxWait: 5 * time.Minute, timeout: time.Minute, chunk: 8 << 20}
	for _, o := range opts {
		o(&c)
	}
	m := &meter{}
	var rt http.RoundTripper = m.transport(c.timeout)
	if c.wrap != nil {
		rt = c.wrap(rt)
	}
	rt = m.counting(rt)
	hc := resty.NewWithClient(&http.Client{Transport: rt}).
		SetBaseURL(strings.TrimRight(baseURL, "/")).
		SetHeader("User-Agent", userAgent).
		SetLogger(quietLogger{}).
		SetRetryCount(0).
		SetError(&wire.ErrorBody{}).
		// Answers decode as encoding/json would, faster (a pull page
		// is a megabyte of documents).
		SetJSONUnmarshaler(domain.DecodeJSON)
	hc.SetAuthScheme(wire.AuthScheme)
	return &Engine{store: store, baseURL: strings.TrimRight(baseURL, "/"), http: hc, meter: m,
		log: c.log.With("component", "sync"), now: c.now, after: c.after, jitter: c.jitter,
		period: c.period, minWait: c.minWait, maxWait: c.maxWait, chunk: max(c.chunk, 1),
		kick: make(chan struct{}, 1), listeners: map[int]func(State){}}
}

// BaseURL is the server the engine syncs with.
func (e *Engine) BaseURL() string { return e.baseURL }

// quietLogger keeps resty from printing on its own: the engine logs.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}

// APIError is an error answer of the server: its HTTP status and the
// protocol's error body. errors.As finds the *domain.Error inside, so
// domain.ErrorCode works on it.
type APIError struct {
	Status int
	Body   wire.Error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("服务器拒绝了请求（%d %s）：%s", e.Status, e.Body.Code, Reason(&e.Body))
}

// Unwrap is the domain error the server's answer carries.
func (e *APIError) Unwrap() error {
	return &domain.Error{Code: e.Body.Code, Message: e.Body.Message, English: e.Body.English}
}

// Reason renders a refusal for a person: the Chinese message, the English
// in brackets, and each broken rule of the form.
func Reason(e *wire.Error) string { return StoredReason(e).Error() }

// StoredReason is a refusal as the local store keeps it: the server's
// answer as it is (code, each language, each field's problem), for the
// needs-attention list to show in the window's language.
func StoredReason(e *wire.Error) *sqlite.Reason {
	if e == nil {
		return &sqlite.Reason{Message: "服务器拒绝了这条修改", English: "the server refused this change"}
	}
	return &sqlite.Reason{Code: e.Code, Message: e.Message, English: e.English, Problems: slices.Clone(e.Problems)}
}

// apiError makes the error of a non-2xx answer.
func apiError(r *resty.Response) *APIError {
	out := &APIError{Status: r.StatusCode()}
	if body, ok := r.Error().(*wire.ErrorBody); ok && body != nil && body.Error.Code != "" {
		out.Body = body.Error
		return out
	}
	out.Body = wire.Error{Code: domain.EINTERNAL, Message: "服务器返回 " + r.Status(),
		English: "the server answered " + r.Status()}
	return out
}

// token returns the stored bearer token, "" when signed out.
func (e *Engine) token(ctx context.Context) (string, error) {
	t, err := e.store.Meta(ctx, MetaToken)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return "", nil
	}
	return t, err
}

// deviceID returns this installation's device id, made on first use.
func (e *Engine) deviceID(ctx context.Context) (string, error) {
	id, err := e.store.Meta(ctx, MetaDevice)
	if err == nil && id != "" {
		return id, nil
	}
	if domain.ErrorCode(err) != domain.ENOTFOUND && err != nil {
		return "", err
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b[:])
	return id, e.store.SetMeta(ctx, MetaDevice, id)
}

// metaInt reads a numeric meta value (0 when unset).
func (e *Engine) metaInt(ctx context.Context, key string) (int64, error) {
	v, err := e.store.Meta(ctx, key)
	if domain.ErrorCode(err) == domain.ENOTFOUND || v == "" {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, fmt.Errorf("meta %s %q: %w", key, v, err)
	}
	return n, nil
}

// Login signs login in with password and keeps the token in the store.
// Signing in as someone else than the last person starts the pull over
// (what one may see is not what another may), keeping every local change.
func (e *Engine) Login(ctx context.Context, login, password string) (wire.LoginResponse, error) {
	device, err := e.deviceID(ctx)
	if err != nil {
		return wire.LoginResponse{}, fmt.Errorf("login: %w", err)
	}
	var out wire.LoginResponse
	r, err := e.http.R().SetContext(ctx).
		SetBody(wire.LoginRequest{Login: login, Password: password, DeviceID: device}).
		SetResult(&out).Post(wire.PathLogin)
	if err != nil {
		return wire.LoginResponse{}, fmt.Errorf("login to %s: %w", e.baseURL, err)
	}
	if r.IsError() {
		return wire.LoginResponse{}, fmt.Errorf("login as %s: %w", login, apiError(r))
	}
	if out.Token == "" {
		return wire.LoginResponse{}, fmt.Errorf("login as %s: the server sent no token", login)
	}
	if err := e.signedIn(ctx, out); err != nil {
		return wire.LoginResponse{}, fmt.Errorf("login as %s: %w", login, err)
	}
	e.log.InfoContext(ctx, "signed in", "login", out.User.Login, "server", e.baseURL)
	if _, err := e.syncOrg(ctx, out.OrgVersion); err != nil {
		e.log.WarnContext(ctx, "fetch organisation after sign-in", "err", err)
	}
	e.update(func(s *State) { s.SignedIn = true; s.LastError = nil })
	e.Kick()
	return out, nil
}

// signedIn stores what a login answered.
func (e *Engine) signedIn(ctx context.Context, out wire.LoginResponse) error {
	prev, err := e.store.Meta(ctx, MetaLogin)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	server, err := e.store.Meta(ctx, MetaServer)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if (prev != "" && prev != out.User.Login) || (server != "" && server != e.baseURL) {
		if err := e.store.ResetCursor(ctx); err != nil {
			return err
		}
	}
	for _, kv := range [][2]string{{MetaToken, out.Token}, {MetaLogin, out.User.Login},
		{MetaUser, out.User.Login}, {MetaServer, e.baseURL}} {
		if err := e.store.SetMeta(ctx, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Logout ends the session on the server (when reachable) and forgets the
// token here. Local data and pending changes stay.
func (e *Engine) Logout(ctx context.Context) error {
	tok, err := e.token(ctx)
	if err != nil {
		return err
	}
	if tok != "" {
		if r, err := e.http.R().SetContext(ctx).SetAuthToken(tok).Post(wire.PathLogout); err != nil {
			e.log.WarnContext(ctx, "logout: server not reachable", "err", err)
		} else if r.IsError() && r.StatusCode() != http.StatusUnauthorized {
			e.log.WarnContext(ctx, "logout refused", "err", apiError(r))
		}
	}
	if err := e.store.SetMeta(ctx, MetaToken, ""); err != nil {
		return err
	}
	e.update(func(s *State) { s.SignedIn = false })
	return nil
}

// syncOrg fetches the organisation directory when the server's version is
// newer than the stored one; it reports whether it did.
func (e *Engine) syncOrg(ctx context.Context, serverVersion int64) (bool, error) {
	have, err := e.metaInt(ctx, MetaOrgVersion)
	if err != nil {
		return false, err
	}
	if serverVersion <= have {
		return false, nil
	}
	tok, err := e.token(ctx)
	if err != nil {
		return false, err
	}
	var out wire.OrgResponse
	r, err := e.http.R().SetContext(ctx).SetAuthToken(tok).SetResult(&out).Get(wire.PathOrg)
	if err != nil {
		return false, &offlineError{err}
	}
	if r.IsError() {
		return false, apiError(r)
	}
	if p := out.Org.Check(); len(p) > 0 {
		return false, fmt.Errorf("the server's organisation directory: %w", p)
	}
	if err := e.store.SaveOrg(ctx, &out.Org); err != nil {
		return false, err
	}
	return true, e.store.SetMeta(ctx, MetaOrgVersion, fmt.Sprint(serverVersion))
}

// offlineError is a failure to reach the server (network, timeout, 5xx,
// 429): the pass stops and is retried later.
type offlineError struct{ err error }

func (e *offlineError) Error() string {
	return "无法连接服务器，稍后自动重试 (the server cannot be reached; retrying later): " + e.err.Error()
}
func (e *offlineError) Unwrap() error { return e.err }

// IsOffline reports whether err means the server could not be reached (the
// changes stay queued and the engine retries).
func IsOffline(err error) bool {
	var o *offlineError
	return errors.As(err, &o)
}

// StateError is err as State.LastError shows it to a person: a
// *domain.Error with its code and its message in Chinese and in English,
// nil for nil. Signed out is ErrSignedOut; a server out of reach is
// EOFFLINE (with the server's own words when it answered, as for a 503);
// the server's refusal of a request is its domain error; anything else is
// EINTERNAL, its text kept as it is.
func StateError(err error) *domain.Error {
	var de *domain.Error
	var ps domain.Problems
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrSignedOut):
		return ErrSignedOut
	case IsOffline(err):
		out := &domain.Error{Code: EOFFLINE, Message: "无法连接服务器，稍后自动重试",
			English: "the server cannot be reached; retrying later"}
		var ae *APIError
		if errors.As(err, &ae) && ae.Body.Message != "" {
			out.Message += "（" + ae.Body.Message + "）"
			out.English += " (" + cmp.Or(ae.Body.English, ae.Body.Message) + ")"
		}
		return out
	case errors.As(err, &de):
		return &domain.Error{Code: de.Code, Message: de.Message, English: cmp.Or(de.English, de.Message)}
	case errors.As(err, &ps):
		en := make([]string, len(ps))
		for i, p := range ps {
			en[i] = p.Path + ": " + cmp.Or(p.English, p.Message)
		}
		return &domain.Error{Code: domain.EINVALID, Message: ps.Error(),
			English: "the data is incomplete or wrong: " + strings.Join(en, "; ")}
	}
	return &domain.Error{Code: domain.EINTERNAL, Message: "同步出错：" + err.Error(), English: "sync failed: " + err.Error()}
}

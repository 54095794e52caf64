// Package server is the central server of 立项通 (lixiangd) over HTTP: sign
// in with a bearer token, the organisation directory, push (every change
// applied once, merged field by field, every workflow action checked again
// with the domain's rules), pull by a sequence cursor with server-side
// visibility, and content-addressed attachments with resumable uploads.
// The protocol is package wire; docs/api.md documents it with curl
// examples.
package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// Server is the HTTP handler of the central server.
type Server struct {
	db       *sqlite.DB
	now      func() time.Time
	log      *slog.Logger
	tokenTTL time.Duration
	limits   loginLimits
	mux      *http.ServeMux
}

// loginLimits throttle failed sign-ins: more than perLogin failures for one
// login name, or perIP from one address, within window are refused with 429
// until the oldest of them leaves the window.
type loginLimits struct {
	perLogin int
	perIP    int
	window   time.Duration
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock (default time.Now): token expiry, throttling,
// decision times, the year of registration numbers.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithLogger sets the logger (default slog.Default()); the server adds
// component=server.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithTokenTTL sets how long a sign-in lasts (default 30 days).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithLoginLimits sets the failed sign-ins allowed per login name and per
// client address within window before further attempts get 429 (default 5
// per login and 20 per address in 15 minutes).
func WithLoginLimits(perLogin, perIP int, window time.Duration) Option {
	return func(s *Server) { s.limits = loginLimits{perLogin: perLogin, perIP: perIP, window: window} }
}

// DefaultTokenTTL is how long a sign-in lasts unless WithTokenTTL says otherwise.
const DefaultTokenTTL = 30 * 24 * time.Hour

// New returns the server over db.
func New(db *sqlite.DB, opts ...Option) *Server {
	s := &Server{
		db:       db,
		now:      time.Now,
		log:      slog.Default(),
		tokenTTL: DefaultTokenTTL,
		limits:   loginLimits{perLogin: 5, perIP: 20, window: 15 * time.Minute},
	}
	for _, o := range opts {
		o(s)
	}
	s.log = s.log.With("component", "server")
	s.routes()
	return s
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+wire.PathHealth, s.handleHealth)
	m.HandleFunc("POST "+wire.PathLogin, s.handleLogin)
	m.HandleFunc("POST "+wire.PathLogout, s.authed(s.handleLogout))
	m.HandleFunc("GET "+wire.PathMe, s.authed(s.handleMe))
	m.HandleFunc("GET "+wire.PathOrg, s.authed(s.handleOrg))
	m.HandleFunc("POST "+wire.PathPush, s.authed(s.handlePush))
	m.HandleFunc("GET "+wire.PathPull, s.authed(s.handlePull))
	m.HandleFunc("POST "+wire.PathMissing, s.authed(s.handleMissing))
	m.HandleFunc("HEAD "+wire.PathAttachment, s.authed(s.handleAttachmentOffset))
	m.HandleFunc("PUT "+wire.PathAttachment, s.authed(s.handleAttachmentUpload))
	m.HandleFunc("GET "+wire.PathAttachment, s.authed(s.handleAttachmentDownload))
	s.mux = m
}

// probeMethods are the methods tried to tell 405 from 404.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}

// ServeHTTP routes a request, answering unknown paths (404) and methods
// (405) with JSON like every other error, logging each request and turning
// a panic into a 500.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, domain.Errorf(domain.EINTERNAL, "服务器内部错误", "internal server error"))
			}
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "ms", s.now().Sub(start).Milliseconds(), "remote", clientIP(r))
	}()
	if _, pattern := s.mux.Handler(r); pattern == "" {
		var allowed []string
		for _, m := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := s.mux.Handler(probe); p != "" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			rec.Header().Set("Allow", strings.Join(allowed, ", "))
			s.writeError(rec, r, &httpError{status: http.StatusMethodNotAllowed, code: wire.EBadRequest,
				zh: "不支持此请求方法：" + r.Method, en: "method not allowed: " + r.Method})
			return
		}
		s.writeError(rec, r, domain.Errorf(domain.ENOTFOUND, "没有此接口：%s", "no such endpoint: %s", r.URL.Path))
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// statusRecorder remembers the status and size of a response for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON writes v as the JSON body with the status.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b, _ = json.Marshal(wire.ErrorBody{Error: wire.Error{Code: domain.EINTERNAL, Message: "服务器内部错误", English: "internal server error"}})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if _, err := s.db.OrgVersion(r.Context()); err != nil {
		s.writeError(w, r, fmt.Errorf("health: %w", err))
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Package servertest starts a real central server for tests: the HTTP
// handler of package server on a loopback port, over a real SQLite file in
// the test's temporary directory, seeded with the demo organisation
// (assets.DemoOrgJSON) where every user's password is "demo".
//
//	srv := servertest.Start(t)
//	token := srv.Token(t, "zhangwei")
//	// … requests to srv.URL + wire.PathPull with "Authorization: Bearer " + token
package servertest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lixiang/assets"
	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/sqlite"
	"lixiang/sync/wire"
)

// Password is the password of every demo user.
const Password = "demo"

// Instance is a running test server.
type Instance struct {
	URL    string         // http://127.0.0.1:port, no trailing slash
	DB     *sqlite.DB     // its database
	Dir    string         // the directory of the database file
	Org    *domain.Org    // the demo organisation it was seeded with
	Server *server.Server // the handler

	http *httptest.Server
	once sync.Once
}

// demoHash is the bcrypt hash of Password at the lowest cost, made once per
// test binary: tests sign in often and need no strong hashing.
var demoHash = sync.OnceValues(func() ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
})

// Start runs a server for the test and stops it when the test ends (Close
// may stop it earlier). opts are passed to server.New. The server logs
// warnings and errors to the test's output.
func Start(t testing.TB, opts ...server.Option) *Instance {
	t.Helper()
	dir := t.TempDir()
	return StartDir(t, dir, opts...)
}

// StartDir is Start on the database in dir (server.db, created and seeded
// when absent): a second StartDir on the same dir after Close is the same
// server restarted.
func StartDir(t testing.TB, dir string, opts ...server.Option) *Instance {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "server.db"))
	if err != nil {
		t.Fatalf("servertest: open database: %v", err)
	}
	org, err := domain.ParseOrg(assets.DemoOrgJSON)
	if err != nil {
		db.Close()
		t.Fatalf("servertest: demo org: %v", err)
	}
	hash, err := demoHash()
	if err != nil {
		db.Close()
		t.Fatalf("servertest: hash password: %v", err)
	}
	if _, err := server.Seed(ctx, db, org, hash, time.Now()); err != nil {
		db.Close()
		t.Fatalf("servertest: seed: %v", err)
	}
	if org, err = db.Org(ctx); err != nil {
		db.Close()
		t.Fatalf("servertest: org: %v", err)
	}
	// Warnings and errors go to the test's output (shown on failure or
	// with -v); a WithLogger in opts replaces this.
	quiet := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := server.New(db, append([]server.Option{server.WithLogger(quiet)}, opts...)...)
	hs := httptest.NewServer(srv)
	i := &Instance{URL: hs.URL, DB: db, Dir: dir, Org: org, Server: srv, http: hs}
	t.Cleanup(i.Close)
	return i
}

// Close stops the server and closes its database; calling it again does
// nothing.
func (i *Instance) Close() {
	i.once.Do(func() {
		i.http.CloseClientConnections()
		i.http.Close()
		i.DB.Close()
	})
}

// Client is an HTTP client for the server (it trusts nothing special: the
// server is plain HTTP on loopback).
func (i *Instance) Client() *http.Client { return i.http.Client() }

// Token signs login in with the demo password and returns the bearer token;
// the test fails if signing in does.
func (i *Instance) Token(t testing.TB, login string) string {
	t.Helper()
	body, _ := json.Marshal(wire.LoginRequest{Login: login, Password: Password, DeviceID: "servertest"})
	resp, err := i.Client().Post(i.URL+wire.PathLogin, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("servertest: sign in %s: %v", login, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e wire.ErrorBody
		json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("servertest: sign in %s: %s %s %s", login, resp.Status, e.Error.Code, e.Error.English)
	}
	var lr wire.LoginResponse
	if err := json.NewDecoder(resp.Body).Decode(&lr); err != nil {
		t.Fatalf("servertest: sign in %s: %v", login, err)
	}
	return lr.Token
}

// User returns the demo user with the given login; the test fails if there
// is none.
func (i *Instance) User(t testing.TB, login string) domain.User {
	t.Helper()
	u, ok := i.Org.UserByLogin(login)
	if !ok {
		t.Fatalf("servertest: no demo user %q", login)
	}
	return u
}

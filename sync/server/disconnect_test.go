package server_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// sendAndHangUp writes a push request on its own connection — the body
// whole or cut short — and closes the connection without reading any
// answer: a desktop that went away mid-push.
func sendAndHangUp(t *testing.T, srv *servertest.Instance, token string, body []byte, declared int) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		wire.PathPush, u.Host, token, declared)
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// TestClientGoneMidPushIsNoServerError: a desktop that disconnects in the
// middle of a push — while sending its body, or while the server works on
// it — is logged as a disconnect (a warning), answered 499, never logged as
// an internal error or a 500; nothing of the push is applied.
func TestClientGoneMidPushIsNoServerError(t *testing.T) {
	for _, tt := range []struct {
		name string
		cut  bool // the body cut short; else sent whole while the database is busy
	}{
		{"while sending the body", true},
		{"while the server works on it", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs servertest.LogBuffer
			srv := servertest.Start(t, server.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
			tok := srv.Token(t, "zhangwei")
			p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), t0)
			body, err := json.Marshal(wire.PushRequest{DeviceID: "laptop-1", Changes: []wire.Change{servertest.EditChange(t, nil, p, 0)}})
			if err != nil {
				t.Fatal(err)
			}
			if tt.cut {
				sendAndHangUp(t, srv, tok, body[:len(body)/2], len(body))
			} else {
				// Another writer holds the database: the push cannot begin
				// its transaction before its client has gone.
				hold, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?_pragma=busy_timeout(5000)")
				if err != nil {
					t.Fatal(err)
				}
				defer hold.Close()
				conn, err := hold.Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
					t.Fatal(err)
				}
				defer conn.ExecContext(t.Context(), "ROLLBACK")
				sendAndHangUp(t, srv, tok, body, len(body))
			}
			// The push's request line is its handler's last word.
			for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "path="+wire.PathPush); {
				if time.Now().After(deadline) {
					t.Fatalf("the push was never answered:\n%s", logs.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			out := logs.String()
			if !strings.Contains(out, `msg="client disconnected"`) || !strings.Contains(out, "status=499") {
				t.Errorf("the disconnect is not logged as one:\n%s", out)
			}
			if strings.Contains(out, "level=ERROR") || strings.Contains(out, "status=500") {
				t.Errorf("a client that went away is logged as a server failure:\n%s", out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, "client disconnected") && !strings.Contains(line, "level=WARN") {
					t.Errorf("the disconnect is not a warning: %s", line)
				}
			}
			db := openServerDB(t, srv)
			var n int
			if err := db.QueryRow("SELECT count(*) FROM projects").Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d projects on the server (%v): the push was applied", n, err)
			}
		})
	}
}

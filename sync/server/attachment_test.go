package server_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func shaOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func missing(t *testing.T, srv *servertest.Instance, tok string, hashes ...string) []string {
	t.Helper()
	resp, body := srv.Do(t, http.MethodPost, wire.PathMissing, tok, wire.MissingRequest{Hashes: hashes})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("missing: %s %s", resp.Status, body)
	}
	var m wire.MissingResponse
	if err := jsonDecode(body, &m); err != nil {
		t.Fatal(err)
	}
	return m.Missing
}

// put uploads data at offset with the declared total length.
func put(t *testing.T, srv *servertest.Instance, tok, sha string, data []byte, offset, length int64, contentType string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"Content-Type": contentType, "Upload-Length": strconv.FormatInt(length, 10)}
	if offset >= 0 {
		h[wire.OffsetHeader] = strconv.FormatInt(offset, 10)
	}
	return raw(t, srv, http.MethodPut, wire.AttachmentPrefix+sha, tok, data, h)
}

func offsetOf(t *testing.T, srv *servertest.Instance, tok, sha string) int64 {
	t.Helper()
	resp, _ := srv.Do(t, http.MethodHead, wire.AttachmentPrefix+sha, tok, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %s", resp.Status)
	}
	n, err := strconv.ParseInt(resp.Header.Get(wire.OffsetHeader), 10, 64)
	if err != nil {
		t.Fatalf("HEAD Upload-Offset %q", resp.Header.Get(wire.OffsetHeader))
	}
	return n
}

// brokenPut sends the headers of an upload of length bytes and only the
// first part of the body, then drops the connection.
func brokenPut(t *testing.T, srv *servertest.Instance, tok, sha string, part []byte, length int) {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT %s%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/octet-stream\r\n"+
		"Upload-Length: %d\r\nContent-Length: %d\r\n\r\n", wire.AttachmentPrefix, sha, u.Host, tok, length, length)
	if _, err := conn.Write(part); err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// TestAttachmentResumedAfterBrokenConnection: the server lacks a file; the
// upload breaks halfway; HEAD says where to resume; the rest goes with
// Upload-Offset; the file is verified, stored, no longer missing and
// downloadable by its uploader.
func TestAttachmentResumedAfterBrokenConnection(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "zhangwei")
	data := randomBytes(3<<20+12345, 1)
	sha := shaOf(data)
	if got := missing(t, srv, tok, sha, servertest.PresalesSHA, sha); len(got) != 2 || got[0] != sha {
		t.Fatalf("missing %v", got)
	}
	half := len(data)/2 + 7
	brokenPut(t, srv, tok, sha, data[:half], len(data))
	deadline := time.Now().Add(10 * time.Second)
	for offsetOf(t, srv, tok, sha) != int64(half) {
		if time.Now().After(deadline) {
			t.Fatalf("after the broken upload the server holds %d bytes, want %d", offsetOf(t, srv, tok, sha), half)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Resuming anywhere else is 409 with the right offset.
	resp, body := put(t, srv, tok, sha, data[100:], 100, int64(len(data)), "application/octet-stream")
	wantError(t, resp, body, http.StatusConflict, domain.ECONFLICT)
	if resp.Header.Get(wire.OffsetHeader) != strconv.Itoa(half) {
		t.Fatalf("409 names offset %q, want %d", resp.Header.Get(wire.OffsetHeader), half)
	}
	resp, body = put(t, srv, tok, sha, data[half:], int64(half), int64(len(data)), "application/octet-stream")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get(wire.OffsetHeader) != strconv.Itoa(len(data)) {
		t.Fatalf("resume: %s %s offset %s", resp.Status, body, resp.Header.Get(wire.OffsetHeader))
	}
	if got := missing(t, srv, tok, sha); len(got) != 0 {
		t.Fatalf("still missing after the upload: %v", got)
	}
	if n := offsetOf(t, srv, tok, sha); n != int64(len(data)) {
		t.Fatalf("HEAD of a complete file: %d", n)
	}
	resp, got := srv.Do(t, http.MethodGet, wire.AttachmentPrefix+sha, tok, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("download: %s, %d bytes", resp.Status, len(got))
	}
}

// TestAttachmentHashMismatch: bytes that are not the named SHA-256 are
// refused with hash_mismatch and discarded.
func TestAttachmentHashMismatch(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "zhangwei")
	data := []byte("这不是那个文件")
	resp, body := put(t, srv, tok, servertest.PresalesSHA, data, -1, int64(len(data)), "application/octet-stream")
	wantError(t, resp, body, http.StatusBadRequest, wire.EHashMismatch)
	if n := offsetOf(t, srv, tok, servertest.PresalesSHA); n != 0 {
		t.Fatalf("after a mismatch the server holds %d bytes", n)
	}
	if got := missing(t, srv, tok, servertest.PresalesSHA); len(got) != 1 {
		t.Fatal("a mismatched upload was stored")
	}
}

// TestAttachmentStoredOnce: identical files uploaded by two people are
// stored once; a second upload of a complete file is a no-op.
func TestAttachmentStoredOnce(t *testing.T) {
	srv, _ := start(t)
	data := []byte("test")
	for _, login := range []string{"zhangwei", "lina", "zhangwei"} {
		resp, body := put(t, srv, srv.Token(t, login), servertest.PresalesSHA, data, 0, 4, "application/octet-stream")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get(wire.OffsetHeader) != "4" {
			t.Fatalf("%s: %s %s", login, resp.Status, body)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, parts int
	db.QueryRow("SELECT count(*) FROM attachments").Scan(&n)
	db.QueryRow("SELECT count(*) FROM attachment_parts").Scan(&parts)
	if n != 1 || parts != 0 {
		t.Fatalf("%d attachments, %d parts left", n, parts)
	}
}

// TestAttachmentDownloadPermission: a file is given to its uploader, to
// whoever may see a project that refers to it, to admins — and to nobody
// else.
func TestAttachmentDownloadPermission(t *testing.T) {
	srv, c := start(t)
	zhangwei, lina := srv.Token(t, "zhangwei"), srv.Token(t, "lina")
	put(t, srv, lina, servertest.PresalesSHA, []byte("test"), 0, 4, "application/octet-stream")
	download := func(tok string) int {
		resp, _ := srv.Do(t, http.MethodGet, wire.AttachmentPrefix+servertest.PresalesSHA, tok, nil)
		return resp.StatusCode
	}
	if got := download(lina); got != http.StatusOK {
		t.Fatalf("uploader: %d", got)
	}
	if got := download(zhangwei); got != http.StatusForbidden {
		t.Fatalf("before any project of his refers to it: %d", got)
	}
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	created(t, srv, zhangwei, p) // its presales attachment is this file
	for login, want := range map[string]int{"zhangwei": 200, "liuyang": 200, "admin": 200, "maxiao": 403} {
		if got := download(srv.Token(t, login)); got != want {
			t.Errorf("%s: %d, want %d", login, got, want)
		}
	}
	resp, body := srv.Do(t, http.MethodGet, wire.AttachmentPrefix+shaOf([]byte("nothing")), zhangwei, nil)
	wantError(t, resp, body, http.StatusNotFound, domain.ENOTFOUND)
}

// TestAttachmentBadRequests: malformed hashes, wrong content types and
// oversize declarations are refused with JSON errors.
func TestAttachmentBadRequests(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "zhangwei")
	sha := servertest.PresalesSHA
	tests := []struct {
		name   string
		do     func() (*http.Response, []byte)
		status int
		code   string
	}{
		{"upper-case hash", func() (*http.Response, []byte) {
			return srv.Do(t, http.MethodGet, wire.AttachmentPrefix+"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", tok, nil)
		}, 400, wire.EBadRequest},
		{"short hash in missing", func() (*http.Response, []byte) {
			return srv.Do(t, http.MethodPost, wire.PathMissing, tok, wire.MissingRequest{Hashes: []string{"abc"}})
		}, 400, wire.EBadRequest},
		{"JSON instead of bytes", func() (*http.Response, []byte) {
			return put(t, srv, tok, sha, []byte("test"), 0, 4, "application/json")
		}, 400, wire.EBadRequest},
		{"no Upload-Length", func() (*http.Response, []byte) {
			return raw(t, srv, http.MethodPut, wire.AttachmentPrefix+sha, tok, []byte("test"), map[string]string{"Content-Type": "application/octet-stream"})
		}, 400, wire.EBadRequest},
		{"over the size limit", func() (*http.Response, []byte) {
			return put(t, srv, tok, sha, []byte("test"), 0, wire.MaxAttachment+1, "application/octet-stream")
		}, 413, wire.ETooLarge},
		{"body longer than declared", func() (*http.Response, []byte) {
			return put(t, srv, tok, sha, []byte("testtest"), 0, 4, "application/octet-stream")
		}, 413, wire.ETooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.do()
			wantError(t, resp, body, tt.status, tt.code)
		})
	}
}

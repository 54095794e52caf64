package server_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"lixiang/domain"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// Fuzz tests of the server's request decoding: whatever bytes arrive, the
// answer is JSON with a status the protocol names (never a 5xx, never a
// panic), an error answer leaves the server as it was, and an accepted
// request is answered in full. The seed corpora are committed under
// testdata/fuzz/<FuzzName>/ (valid requests and the hostile ones of
// badinput_test.go); `go test` runs them, and
//
//	go test ./sync/server -run '^$' -fuzz FuzzPushRequest -fuzztime 60s
//
// explores from them (scripts/guarantees.sh does, for each target).

// fuzzServer is one server for a fuzz target, with a signed-in token and a
// read connection on its file.
type fuzzServer struct {
	srv *servertest.Instance
	tok string
	db  *sql.DB
}

func newFuzzServer(f *testing.F) *fuzzServer {
	// Failed sign-ins are counted, not throttled, while fuzzing sign-in.
	srv := servertest.Start(f, server.WithLoginLimits(1<<30, 1<<30, 1))
	db, err := sql.Open("sqlite", "file:"+srv.Dir+"/server.db?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	return &fuzzServer{srv: srv, tok: srv.Token(f, "zhangwei"), db: db}
}

// serve sends one request to the handler in process (no network: fast).
func (fs *fuzzServer) serve(method, target string, body []byte, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://lixiang.test/", bytes.NewReader(body))
	req.URL = &url.URL{Path: target}
	if p, q, ok := strings.Cut(target, "?"); ok {
		req.URL = &url.URL{Path: p, RawQuery: q}
	}
	req.RequestURI = ""
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	fs.srv.Server.ServeHTTP(rec, req)
	return rec
}

func (fs *fuzzServer) seq(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := fs.db.QueryRow("SELECT value FROM counters WHERE name = 'seq'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkError fails unless rec is a JSON error answer with one of statuses,
// a known code and messages in both languages.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, statuses ...int) {
	t.Helper()
	ok := false
	for _, s := range statuses {
		ok = ok || rec.Code == s
	}
	if !ok {
		t.Fatalf("status %d, want one of %v: %.300s", rec.Code, statuses, rec.Body.String())
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("%d answered as %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var e wire.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" || e.Error.English == "" {
		t.Fatalf("%d: error body %.300s (%v)", rec.Code, rec.Body.String(), err)
	}
}

var resultStatuses = map[string]bool{wire.StatusApplied: true, wire.StatusConflict: true, wire.StatusDuplicate: true, wire.StatusRefused: true}

// FuzzPushRequest: any push body from a signed-in user is answered 200 with
// one result per change, in order (a refusal with its reason), or refused
// whole with 400/413 and nothing changed; a push whose changes all come
// back refused or duplicate changes no project either.
func FuzzPushRequest(f *testing.F) {
	fs := newFuzzServer(f)
	p := servertest.NewProject(f, fs.srv.User(f, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), t0)
	create := servertest.EditChange(f, nil, p, 0)
	b, _ := json.Marshal(wire.PushRequest{DeviceID: "fuzz", Changes: []wire.Change{create,
		servertest.ActionChange(f, p.ID, domain.Command{Action: domain.ActSubmit}, 0)}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := fs.seq(t)
		rec := fs.serve(http.MethodPost, wire.PathPush, body, map[string]string{"Authorization": "Bearer " + fs.tok})
		if rec.Code != http.StatusOK {
			checkError(t, rec, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
			if after := fs.seq(t); after != before {
				t.Fatalf("a refused push moved the sequence %d → %d", before, after)
			}
			return
		}
		var req wire.PushRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("the server accepted a push that does not decode: %v", err)
		}
		var out wire.PushResponse
		dec := json.NewDecoder(rec.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("answer: %v", err)
		}
		if len(out.Results) != len(req.Changes) {
			t.Fatalf("%d changes, %d results", len(req.Changes), len(out.Results))
		}
		changed := false
		for i, r := range out.Results {
			if r.ChangeID != req.Changes[i].ID || !resultStatuses[r.Status] {
				t.Fatalf("result %d: %+v for change %s", i, r, req.Changes[i].ID)
			}
			if r.Status == wire.StatusRefused && (r.Error == nil || r.Error.Code == "" || r.Error.Message == "" || r.Error.English == "") {
				t.Fatalf("result %d refused without a reason: %+v", i, r)
			}
			changed = changed || r.Status == wire.StatusApplied || r.Status == wire.StatusConflict
		}
		if after := fs.seq(t); !changed && after != before {
			t.Fatalf("nothing was applied, yet the sequence moved %d → %d", before, after)
		}
	})
}

// FuzzLoginRequest: any sign-in body is a token (for a real user and
// password), or a JSON refusal; never a 5xx.
func FuzzLoginRequest(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add([]byte(`{"login":"zhangwei","password":"demo","device_id":"d"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fs.serve(http.MethodPost, wire.PathLogin, body, nil)
		if rec.Code != http.StatusOK {
			checkError(t, rec, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests)
			return
		}
		var req wire.LoginRequest
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("signed in with a body that does not decode: %v", err)
		}
		var out wire.LoginResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Token) != 43 ||
			!strings.EqualFold(out.User.Login, strings.TrimSpace(req.Login)) || req.Password != servertest.Password {
			t.Fatalf("signed in: %+v (%v) for %+v", out, err, req)
		}
	})
}

// FuzzMissingRequest: any list of hashes is answered with the ones the
// server lacks, all of them asked for and well formed, or refused whole.
func FuzzMissingRequest(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add([]byte(`{"hashes":["` + servertest.PresalesSHA + `"]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fs.serve(http.MethodPost, wire.PathMissing, body, map[string]string{"Authorization": "Bearer " + fs.tok})
		if rec.Code != http.StatusOK {
			checkError(t, rec, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
			return
		}
		var req wire.MissingRequest
		var out wire.MissingResponse
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("accepted a body that does not decode: %v", err)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		asked := map[string]bool{}
		for _, h := range req.Hashes {
			asked[h] = true
		}
		for _, h := range out.Missing {
			if !asked[h] || len(h) != 64 {
				t.Fatalf("missing %q was not asked for", h)
			}
		}
	})
}

// FuzzPullQuery: any query string is a page of projects after a cursor, or
// a JSON 400.
func FuzzPullQuery(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add("since=0&limit=10")
	f.Fuzz(func(t *testing.T, query string) {
		if strings.ContainsAny(query, "#\x00\r\n ") {
			return // not a query string a request line can carry
		}
		rec := fs.serve(http.MethodGet, wire.PathPull+"?"+query, nil, map[string]string{"Authorization": "Bearer " + fs.tok})
		if rec.Code != http.StatusOK {
			checkError(t, rec, http.StatusBadRequest)
			return
		}
		var out wire.PullResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Cursor < 0 {
			t.Fatalf("page %.200s: %v", rec.Body.String(), err)
		}
		for _, pp := range out.Projects {
			var p domain.Project
			if err := json.Unmarshal(pp.Project, &p); err != nil {
				t.Fatalf("a pulled project does not decode: %v", err)
			}
		}
	})
}

// FuzzAttachmentUpload: any hash, offsets and bytes put as an attachment
// are taken (204), refused (400, 409, 413) or conflict with what the
// server holds, never a 5xx; and whatever the server ends up holding as
// complete under a hash is exactly bytes of that hash.
func FuzzAttachmentUpload(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add(servertest.PresalesSHA, "0", "4", []byte("test"))
	f.Fuzz(func(t *testing.T, sha, offset, length string, body []byte) {
		if strings.ContainsAny(sha, "/?#%\x00\r\n ") || strings.ContainsAny(offset+length, "\x00\r\n") || sha == "" {
			return // not a path segment or header a request can carry
		}
		header := map[string]string{"Authorization": "Bearer " + fs.tok, "Content-Type": "application/octet-stream",
			wire.OffsetHeader: offset, server.LengthHeader: length}
		rec := fs.serve(http.MethodPut, wire.AttachmentPrefix+sha, body, header)
		switch rec.Code {
		case http.StatusNoContent:
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusNotFound:
			checkError(t, rec, rec.Code) // 404: a name the routes do not take ("..")
		default:
			t.Fatalf("PUT: %d %.200s", rec.Code, rec.Body.String())
		}
		head := fs.serve(http.MethodHead, wire.AttachmentPrefix+sha, nil, header)
		if head.Code != http.StatusOK && head.Code != http.StatusBadRequest && head.Code != http.StatusNotFound {
			t.Fatalf("HEAD: %d", head.Code)
		}
		get := fs.serve(http.MethodGet, wire.AttachmentPrefix+sha, nil, header)
		switch get.Code {
		case http.StatusOK:
			sum := sha256.Sum256(get.Body.Bytes())
			if hex.EncodeToString(sum[:]) != sha {
				t.Fatalf("the server holds bytes under %s whose SHA-256 is %x", sha, sum)
			}
			if n, _ := strconv.Atoi(head.Header().Get(wire.OffsetHeader)); n != get.Body.Len() {
				t.Fatalf("HEAD says %d bytes, GET gives %d", n, get.Body.Len())
			}
		case http.StatusBadRequest, http.StatusNotFound, http.StatusForbidden:
			checkError(t, get, get.Code)
		default:
			t.Fatalf("GET: %d", get.Code)
		}
	})
}

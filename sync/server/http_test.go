package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// raw sends a request with a raw body.
func raw(t *testing.T, srv *servertest.Instance, method, path, token string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

// TestOversizedBody: a body over its limit is refused with 413 and a JSON
// error, whether the length is declared or not.
func TestOversizedBody(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "zhangwei")
	big := append([]byte(`{"device_id":"d","changes":[],"x":"`), bytes.Repeat([]byte("a"), wire.MaxPushBytes)...)
	big = append(big, `"}`...)
	resp, body := raw(t, srv, http.MethodPost, wire.PathPush, tok, big, nil)
	wantError(t, resp, body, http.StatusRequestEntityTooLarge, wire.ETooLarge)

	login := []byte(`{"login":"zhangwei","password":"` + strings.Repeat("p", wire.MaxSmallBody) + `"}`)
	resp, body = raw(t, srv, http.MethodPost, wire.PathLogin, "", login, nil)
	wantError(t, resp, body, http.StatusRequestEntityTooLarge, wire.ETooLarge)

	// Chunked (no Content-Length): the limit holds as the body is read.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+wire.PathPush, struct{ *bytes.Reader }{bytes.NewReader(big)})
	req.Header.Set("Authorization", "Bearer "+tok)
	req.ContentLength = -1
	r2, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r2, readAll(t, r2), http.StatusRequestEntityTooLarge, wire.ETooLarge)

	changes := make([]wire.Change, wire.MaxPushChanges+1)
	for i := range changes {
		changes[i] = wire.Change{ID: servertest.NewID(t), ProjectID: servertest.NewID(t), Kind: wire.KindEdit}
	}
	resp, body = srv.Do(t, http.MethodPost, wire.PathPush, tok, wire.PushRequest{DeviceID: "d", Changes: changes})
	wantError(t, resp, body, http.StatusRequestEntityTooLarge, wire.ETooLarge)
}

// TestMalformedPushRefusedWhole: malformed input is 400 and nothing of the
// batch is applied, not even its well-formed changes.
func TestMalformedPushRefusedWhole(t *testing.T) {
	srv, c := start(t)
	tok := srv.Token(t, "zhangwei")
	good := func() wire.Change {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
		return servertest.EditChange(t, nil, p, 0)
	}
	encode := func(changes ...wire.Change) []byte {
		b, _ := json.Marshal(wire.PushRequest{DeviceID: "d", Changes: changes})
		return b
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"not JSON", []byte(`{"device_id":"d","changes":[`)},
		{"empty body", nil},
		{"unknown field", bytes.Replace(encode(good()), []byte(`"device_id"`), []byte(`"devise_id":"x","device_id"`), 1)},
		{"unknown field in a change", bytes.Replace(encode(good()), []byte(`"kind"`), []byte(`"colour":"red","kind"`), 1)},
		{"trailing data", append(encode(good()), []byte(` {"more":1}`)...)},
		{"invalid UTF-8", bytes.Replace(encode(good()), []byte("远航物流"), []byte{0xe8, 0xbf, 0xff}, 1)},
		{"wrong type", []byte(`{"device_id":"d","changes":[{"id":5}]}`)},
		{"change id not a UUID", encode(good(), func() wire.Change { c := good(); c.ID = "42"; return c }())},
		{"unknown kind", encode(good(), func() wire.Change { c := good(); c.Kind = "merge"; return c }())},
		{"action without command", encode(good(), func() wire.Change { c := good(); c.Kind = wire.KindAction; return c }())},
		{"value not JSON", encode(good(), func() wire.Change { c := good(); c.Changes[0].New = "bare words"; return c }())},
		{"same change id twice", func() []byte { c := good(); return encode(c, c) }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Pull(t, tok, 0, 0).Cursor
			resp, body := raw(t, srv, http.MethodPost, wire.PathPush, tok, tt.body, nil)
			wantError(t, resp, body, http.StatusBadRequest, wire.EBadRequest)
			if after := srv.Pull(t, tok, 0, 0); after.Cursor != before || len(after.Projects) != 0 {
				t.Fatalf("a refused batch changed the server: cursor %d → %d", before, after.Cursor)
			}
		})
	}
	bad := good()
	bad.ID = "42"
	resp, body := raw(t, srv, http.MethodPost, wire.PathPush, tok, encode(good(), bad), nil)
	e := wantError(t, resp, body, http.StatusBadRequest, wire.EBadRequest)
	if len(e.Problems) != 1 || e.Problems[0].Path != "changes[1].id" {
		t.Fatalf("problems %+v", e.Problems)
	}
}

// TestRoutesAnswerJSON: unknown paths are 404 and wrong methods 405, both
// with a JSON error; health needs no token.
func TestRoutesAnswerJSON(t *testing.T) {
	srv, _ := start(t)
	resp, body := srv.Do(t, http.MethodGet, "/api/v1/nothing", "", nil)
	wantError(t, resp, body, http.StatusNotFound, domain.ENOTFOUND)
	resp, body = srv.Do(t, http.MethodDelete, wire.PathPush, "", nil)
	wantError(t, resp, body, http.StatusMethodNotAllowed, wire.EBadRequest)
	if allow := resp.Header.Get("Allow"); allow != http.MethodPost {
		t.Fatalf("Allow %q", allow)
	}
	resp, body = srv.Do(t, http.MethodGet, wire.PathHealth, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("health: %s %s", resp.Status, body)
	}
}

// TestOrgSyncedDown: the directory and its catalogues come down with the
// version that pulls and sign-ins report.
func TestOrgSyncedDown(t *testing.T) {
	srv, _ := start(t)
	tok := srv.Token(t, "lina")
	resp, body := srv.Do(t, http.MethodGet, wire.PathOrg, tok, nil)
	var or wire.OrgResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &or) != nil {
		t.Fatalf("org: %s %s", resp.Status, body)
	}
	if or.Org.Version != 1 || len(or.Org.Users) != len(srv.Org.Users) || len(or.Org.Catalogues.SaaSProducts) == 0 {
		t.Fatalf("org version %d, %d users", or.Org.Version, len(or.Org.Users))
	}
	if page := srv.Pull(t, tok, 0, 0); page.OrgVersion != 1 {
		t.Fatalf("pull org_version %d", page.OrgVersion)
	}
}

// TestPullPages: pull pages by the sequence cursor; More says whether
// another page waits; the last page moves the cursor to the end even past
// projects the user may not see; an edit moves a project to the end.
func TestPullPages(t *testing.T) {
	srv, c := start(t)
	zhangwei, lina := srv.Token(t, "zhangwei"), srv.Token(t, "lina")
	var ids []string
	for i := range 5 {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
		p.Registration.Requirement = fmt.Sprint("需求 ", i)
		created(t, srv, zhangwei, p)
		ids = append(ids, p.ID)
		q := servertest.NewProject(t, srv.User(t, "lina"), servertest.Registration(domain.KindLocal, ""), c.Now())
		created(t, srv, lina, q) // southern: zhangwei never sees these
	}
	var got []string
	var since int64
	pages := 0
	for {
		page := srv.Pull(t, zhangwei, since, 2)
		pages++
		for _, pp := range page.Projects {
			if pp.Seq <= since {
				t.Fatalf("seq %d not after cursor %d", pp.Seq, since)
			}
			var p domain.Project
			json.Unmarshal(pp.Project, &p)
			got = append(got, p.ID)
		}
		since = page.Cursor
		if !page.More {
			break
		}
		if len(page.Projects) != 2 {
			t.Fatalf("a page with More has %d projects", len(page.Projects))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) || pages != 3 {
		t.Fatalf("pulled %v in %d pages, want %v in 3", got, pages, ids)
	}
	if since != 10 {
		t.Fatalf("final cursor %d, want 10 (the end of the sequence)", since)
	}
	if page := srv.Pull(t, zhangwei, since, 0); len(page.Projects) != 0 || page.More || page.Cursor != since {
		t.Fatalf("a pull with nothing new: %+v", page)
	}
	// An edit gives the project a new seq: it comes again, alone.
	cur := serverProject(t, srv, ids[0])
	next := *cur
	next.Registration.Other.Notes = "再改"
	mustApply(t, "edit", srv.Push(t, zhangwei, servertest.EditChange(t, cur, &next, 1)).Results[0])
	page := srv.Pull(t, zhangwei, since, 0)
	if len(page.Projects) != 1 || page.Projects[0].Seq != 11 || page.Projects[0].Version != 2 {
		t.Fatalf("after an edit: %+v", page)
	}
	for _, bad := range []string{"since=-1", "since=abc", "limit=0", "limit=x"} {
		resp, body := srv.Do(t, http.MethodGet, wire.PathPull+"?"+bad, zhangwei, nil)
		wantError(t, resp, body, http.StatusBadRequest, wire.EBadRequest)
	}
	if page := srv.Pull(t, zhangwei, 0, 50000); len(page.Projects) != 5 {
		t.Fatalf("a limit over the maximum is capped, not refused: %d", len(page.Projects))
	}
}

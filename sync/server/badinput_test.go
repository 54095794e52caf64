package server_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// Bad input (issue 6): bodies over their limit are 413; bytes that are not
// UTF-8, numbers too big or negative, impossible dates, SQL metacharacters
// and attachment names with ../ or NUL are a clear 400 — or, where the body
// is well formed but the content breaks a rule, a refused change with its
// reason — and nothing on the server changes: the projects, their
// versions, the sequence, the journal, the record of answered changes and
// the attachments are what they were.

// serverDigest sums up everything a request could change on the server.
// With answers false it leaves out the record of answered changes (a
// refused change is recorded, so that a resend gets the same answer).
func serverDigest(t *testing.T, db *sql.DB, answers bool) string {
	t.Helper()
	h := sha256.New()
	rows, err := db.Query("SELECT id, version, seq, doc FROM projects ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, doc string
		var version, seq int64
		if err := rows.Scan(&id, &version, &seq, &doc); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d %d %s\n", id, version, seq, doc)
	}
	rows.Close()
	queries := []string{
		"SELECT value FROM counters WHERE name = 'seq'",
		"SELECT count(*) FROM journal",
		"SELECT count(*) FROM attachments",
		"SELECT count(*) FROM attachment_uploads",
		"SELECT coalesce(sum(length(data)), 0) FROM attachment_parts",
		"SELECT count(*) FROM tokens",
		"SELECT count(*) FROM project_visibility",
		"SELECT coalesce(max(last), 0) FROM number_counters",
		"SELECT version FROM org",
	}
	if answers {
		queries = append(queries, "SELECT count(*) FROM applied_changes")
	}
	for _, q := range queries {
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintf(h, "%s = %d\n", q, n)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func openServerDB(t *testing.T, srv *servertest.Instance) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(srv.Dir, "server.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pushJSON is a push body with one change, its JSON text given raw.
func pushJSON(change string) []byte {
	return []byte(`{"device_id":"bad-input","changes":[` + change + `]}`)
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	srv, c := start(t)
	db := openServerDB(t, srv)
	tok := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	v := created(t, srv, tok, p)
	uuid := func() string { return servertest.NewID(t) }
	edit := func(path, newJSON string) []byte {
		flat, err := domain.Flatten(serverProject(t, srv, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		old, ok := flat[path]
		if !ok {
			old = "null"
		}
		b, _ := json.Marshal(wire.Change{ID: uuid(), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: v,
			Changes: []domain.FieldChange{{Path: path, Old: old, New: newJSON}}})
		return pushJSON(string(b))
	}
	goodChange := func(at string) string {
		return fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":%d,"changes":[{"path":"registration.other.notes","old":"null","new":"\"x\""}],"at":%s}`,
			uuid(), p.ID, v, at)
	}
	bigPush := append([]byte(`{"device_id":"`), bytes.Repeat([]byte("a"), wire.MaxPushBytes)...)
	bigPush = append(bigPush, `","changes":[]}`...)
	tooMany := make([]wire.Change, wire.MaxPushChanges+1)
	for i := range tooMany {
		tooMany[i] = wire.Change{ID: uuid(), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: v}
	}
	tooManyBody, _ := json.Marshal(wire.PushRequest{DeviceID: "d", Changes: tooMany})
	octet := func(offset, length string) map[string]string {
		h := map[string]string{"Content-Type": "application/octet-stream", "Upload-Length": length}
		if offset != "" {
			h[wire.OffsetHeader] = offset
		}
		return h
	}
	sha := shaOf([]byte("bad-input attachment"))
	type request struct {
		method, path string
		token        string
		body         []byte
		header       map[string]string
		chunked      bool
	}
	push := func(body []byte) request { return request{http.MethodPost, wire.PathPush, tok, body, nil, false} }
	tests := []struct {
		name   string
		req    request
		status int
		code   string
		// problem, when set, is the path the answer must name.
		problem string
	}{
		// Over the limits: 413.
		{"push over 4 MiB, length declared", push(bigPush), 413, wire.ETooLarge, ""},
		{"push over 4 MiB, chunked", request{http.MethodPost, wire.PathPush, tok, bigPush, nil, true}, 413, wire.ETooLarge, ""},
		{"push of 501 changes", push(tooManyBody), 413, wire.ETooLarge, ""},
		{"sign-in body over 64 KiB", request{http.MethodPost, wire.PathLogin, "", []byte(`{"login":"zhangwei","password":"` + strings.Repeat("p", wire.MaxSmallBody) + `"}`), nil, false}, 413, wire.ETooLarge, ""},
		{"missing-files body over 1 MiB", request{http.MethodPost, wire.PathMissing, tok, []byte(`{"hashes":["` + strings.Repeat("a", 1<<20) + `"]}`), nil, false}, 413, wire.ETooLarge, ""},
		{"attachment declared over 64 MiB", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("x"), octet("0", fmt.Sprint(wire.MaxAttachment+1)), false}, 413, wire.ETooLarge, ""},
		{"attachment body longer than declared", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("twelve bytes"), octet("0", "4"), false}, 413, wire.ETooLarge, ""},

		// Not UTF-8.
		{"push with a value that is not UTF-8", push(bytes.Replace(edit("registration.requirement", `"需求"`), []byte("需求"), []byte{0xe9, 0x9c, 0xff}, 1)), 400, wire.EBadRequest, ""},
		{"sign-in that is not UTF-8", request{http.MethodPost, wire.PathLogin, "", []byte("{\"login\":\"zhang\xffwei\",\"password\":\"demo\"}"), nil, false}, 400, wire.EBadRequest, ""},
		{"missing-files request that is not UTF-8", request{http.MethodPost, wire.PathMissing, tok, []byte("{\"hashes\":[\"\xc3\x28\"]}"), nil, false}, 400, wire.EBadRequest, ""},
		{"a raw NUL byte in the JSON", push([]byte("{\"device_id\":\"a\x00b\",\"changes\":[]}")), 400, wire.EBadRequest, ""},

		// Numbers too big, not whole, negative.
		{"base version 1e30", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":1e30}`, uuid(), p.ID))), 400, wire.EBadRequest, ""},
		{"base version 2^63", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":9223372036854775808}`, uuid(), p.ID))), 400, wire.EBadRequest, ""},
		{"base version 1.5", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":1.5}`, uuid(), p.ID))), 400, wire.EBadRequest, ""},
		{"negative base version", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":-1}`, uuid(), p.ID))), 400, wire.EBadRequest, "changes[0].base_version"},
		{"pull since -1", request{http.MethodGet, wire.PathPull + "?since=-1", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"pull limit -5", request{http.MethodGet, wire.PathPull + "?limit=-5", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"pull since past int64", request{http.MethodGet, wire.PathPull + "?since=99999999999999999999", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"negative Upload-Offset", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("x"), octet("-1", "1"), false}, 400, wire.EBadRequest, ""},
		{"negative Upload-Length", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("x"), octet("0", "-1"), false}, 400, wire.EBadRequest, ""},
		{"Upload-Length past int64", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("x"), octet("0", "99999999999999999999"), false}, 400, wire.EBadRequest, ""},
		{"Upload-Length as a float", request{http.MethodPut, wire.AttachmentPrefix + sha, tok, []byte("x"), octet("0", "1e3"), false}, 400, wire.EBadRequest, ""},
		{"attachment size past int64", push(edit("registration.attachments[0].size", "1e30")), 0, domain.EINVALID, ""},
		{"list index past the limit", push(edit("registration.systems[99999999].vendor", `"x"`)), 0, domain.EINVALID, ""},

		// Dates that cannot be.
		{"change time in month 13", push(pushJSON(goodChange(`"2026-13-01T00:00:00Z"`))), 400, wire.EBadRequest, ""},
		{"change time on day 0 of month 0 of year 0", push(pushJSON(goodChange(`"0000-00-00T00:00:00Z"`))), 400, wire.EBadRequest, ""},
		{"change time that is not a time", push(pushJSON(goodChange(`"yesterday"`))), 400, wire.EBadRequest, ""},

		// SQL metacharacters where the server looks things up.
		{"SQL in the pull cursor", request{http.MethodGet, wire.PathPull + "?since=0%20OR%201=1", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"SQL in an attachment hash", request{http.MethodGet, wire.AttachmentPrefix + "'%20OR%20'1'='1", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"SQL in a project id", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":"x' OR '1'='1","kind":"edit","base_version":1}`, uuid()))), 400, wire.EBadRequest, "changes[0].project_id"},
		{"SQL in a field path", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":%q,"kind":"edit","base_version":%d,"changes":[{"path":"registration.requirement';DROP/**/TABLE/**/projects;--","old":"null","new":"\"x\""}]}`, uuid(), p.ID, v))), 0, domain.EINVALID, ""},
		{"SQL in the login", request{http.MethodPost, wire.PathLogin, "", []byte(`{"login":"admin' OR '1'='1","password":"' OR '1'='1"}`), nil, false}, 401, domain.EUNAUTHORIZED, ""},

		// Paths and NUL where ids and hashes go.
		{"../ in a project id", push(pushJSON(fmt.Sprintf(`{"id":%q,"project_id":"../../etc/passwd","kind":"edit","base_version":1}`, uuid()))), 400, wire.EBadRequest, "changes[0].project_id"},
		{"NUL in a change id", push(pushJSON(fmt.Sprintf(`{"id":"%s\u0000","project_id":%q,"kind":"edit","base_version":1}`, uuid()[:35], p.ID))), 400, wire.EBadRequest, "changes[0].id"},
		{"../ in an attachment hash", request{http.MethodGet, wire.AttachmentPrefix + "..%2f..%2fetc%2fpasswd", tok, nil, nil, false}, 400, wire.EBadRequest, ""},
		{"NUL in an attachment hash", request{http.MethodHead, wire.AttachmentPrefix + strings.Repeat("a", 63) + "%00", tok, nil, nil, false}, 400, "", ""},

		// Malformed JSON of other shapes.
		{"JSON nested ten thousand deep", push([]byte(`{"device_id":"d","changes":[` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]}`)), 400, wire.EBadRequest, ""},
		{"a change that is a string", push([]byte(`{"device_id":"d","changes":["edit"]}`)), 400, wire.EBadRequest, ""},
		{"changes that are an object", push([]byte(`{"device_id":"d","changes":{"0":{}}}`)), 400, wire.EBadRequest, ""},
		{"two JSON documents", push([]byte(`{"device_id":"d","changes":[]}{"device_id":"d","changes":[]}`)), 400, wire.EBadRequest, ""},
		{"a device id of a megabyte", push([]byte(`{"device_id":"` + strings.Repeat("d", 1<<20) + `","changes":[]}`)), 400, wire.EBadRequest, "device_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := serverDigest(t, db, tt.status != 0)
			var body io.Reader = bytes.NewReader(tt.req.body)
			if tt.req.chunked { // no Content-Length: the limit holds as it is read
				body = struct{ io.Reader }{body}
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.req.method, srv.URL+tt.req.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.req.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.req.token)
			}
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tt.req.header {
				req.Header.Set(k, v)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw := readAll(t, resp)
			if tt.status == 0 {
				// Well formed, but the content breaks a rule: a refused change.
				var pr wire.PushResponse
				if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &pr) != nil || len(pr.Results) != 1 {
					t.Fatalf("%s %.200s, want 200 with one refused change", resp.Status, raw)
				}
				mustRefuse(t, tt.name, pr.Results[0], tt.code)
			} else if tt.req.method == http.MethodHead {
				if resp.StatusCode != tt.status {
					t.Fatalf("%s, want %d", resp.Status, tt.status)
				}
			} else {
				e := wantError(t, resp, raw, tt.status, tt.code)
				if tt.problem != "" && !strings.Contains(string(raw), `"path":"`+tt.problem+`"`) {
					t.Errorf("the answer does not name %s: %+v", tt.problem, e)
				}
			}
			if after := serverDigest(t, db, tt.status != 0); after != before {
				t.Fatal("the server changed")
			}
		})
	}
	// The tables are all still there and the project as it was.
	if got := serverProject(t, srv, p.ID); got.Registration.Requirement != p.Registration.Requirement {
		t.Fatalf("requirement %q", got.Registration.Requirement)
	}
	t.Logf("GUARANTEE bad input: %d malformed, oversized or hostile requests refused (413/400/401 or a refused change), nothing changed", len(tests))
}

// TestRuleBreakingContentIsRefusedWithItsReason: content that is well
// formed but breaks the standard's rules — an attachment named with a
// path or a NUL, a hash that is not a SHA-256, a negative size, a creation
// date in the year 0, impossible dates and counts at submission — is
// refused with its reason, the field named, and the project left as it
// was. Values full of SQL are only text: stored and read back as typed.
func TestRuleBreakingContentIsRefusedWithItsReason(t *testing.T) {
	srv, c := start(t)
	db := openServerDB(t, srv)
	tok := srv.Token(t, "zhangwei")
	newDraft := func() (*domain.Project, int64) {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
		return p, created(t, srv, tok, p)
	}
	// change is an edit setting path to value (reading the old value signs
	// in: do it before taking a digest).
	change := func(p *domain.Project, version int64, path, value string) wire.Change {
		flat, err := domain.Flatten(serverProject(t, srv, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		old, ok := flat[path]
		if !ok {
			old = "null"
		}
		return wire.Change{ID: servertest.NewID(t), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: version,
			Changes: []domain.FieldChange{{Path: path, Old: old, New: value}}}
	}
	set := func(p *domain.Project, version int64, path, value string) wire.Result {
		return srv.Push(t, tok, change(p, version, path, value)).Results[0]
	}

	// Edits a draft must refuse: they are never right, draft or not.
	for _, tt := range []struct{ name, path, value string }{
		{"attachment name with ../", "registration.attachments[0].name", `"../../etc/passwd"`},
		{"attachment name with a NUL", "registration.attachments[0].name", `"a\u0000b.pdf"`},
		{"attachment name with a backslash", "registration.attachments[0].name", `"..\\..\\boot.ini"`},
		{"attachment name with a line break", "registration.attachments[0].name", `"a\nb.pdf"`},
		{"attachment name ..", "registration.attachments[0].name", `".."`},
		{"empty attachment name", "registration.attachments[0].name", `""`},
		{"attachment hash that is not a SHA-256", "registration.attachments[0].sha256", `"abc"`},
		{"attachment hash in capitals", "registration.attachments[0].sha256", `"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"`},
		{"negative attachment size", "registration.attachments[0].size", `-1`},
		{"attachment size of a terabyte", "registration.attachments[0].size", `1099511627776`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, v := newDraft()
			ch := change(p, v, tt.path, tt.value)
			before := serverDigest(t, db, false)
			res := srv.Push(t, tok, ch).Results[0]
			e := mustRefuse(t, tt.name, res, domain.EINVALID)
			if len(e.Problems) != 1 || e.Problems[0].Path != tt.path || e.Problems[0].Message == "" || e.Problems[0].English == "" {
				t.Errorf("the refusal does not name %s: %+v", tt.path, e.Problems)
			}
			if serverDigest(t, db, false) != before {
				t.Fatal("the refused edit changed the server")
			}
		})
	}
	t.Run("creation dated in the year 0", func(t *testing.T) {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
		p.CreatedAt = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
		before := serverDigest(t, db, false)
		res := srv.Push(t, tok, servertest.EditChange(t, nil, p, 0)).Results[0]
		e := mustRefuse(t, "year 0", res, domain.EINVALID)
		if len(e.Problems) != 1 || e.Problems[0].Path != "created_at" {
			t.Errorf("the refusal does not name created_at: %+v", e.Problems)
		}
		if serverDigest(t, db, false) != before {
			t.Fatal("the refused creation changed the server")
		}
	})

	// An edit of a discarded draft says the draft was discarded (删除),
	// not that the project is a draft, which would invite another try.
	t.Run("an edit of a discarded draft", func(t *testing.T) {
		p, v := newDraft()
		v = mustApply(t, "discard", act(t, srv, tok, p.ID, domain.Command{Action: domain.ActDiscard})).Version
		ch := change(p, v, "registration.other.notes", `"还要改"`)
		before := serverDigest(t, db, false)
		e := mustRefuse(t, "an edit of a discarded draft", srv.Push(t, tok, ch).Results[0], domain.EFORBIDDEN)
		if !strings.Contains(e.Message, "草稿已删除") || !strings.Contains(e.English, "discarded") || strings.Contains(e.Message, "状态：草稿") {
			t.Errorf("the refusal says %q (%q)", e.Message, e.English)
		}
		if serverDigest(t, db, false) != before {
			t.Fatal("the refused edit changed the server")
		}
	})

	// A draft may hold what is not finished; its submission is refused,
	// naming the field, and changes nothing.
	for _, tt := range []struct{ name, path, value, problem string }{
		{"go-live in the year 0", "registration.other.go_live", `"0000-01-01"`, "other.go_live"},
		{"go-live on 30 February", "registration.other.go_live", `"2026-02-30"`, "other.go_live"},
		{"negative user scale", "registration.background.user_scale", `"-5"`, "background.user_scale"},
		{"user scale of 25 digits", "registration.background.user_scale", `"9999999999999999999999999"`, "background.user_scale"},
		{"seal count in words", "registration.background.seal_count", `"很多"`, "background.seal_count"},
	} {
		t.Run("submission with "+tt.name, func(t *testing.T) {
			p, v := newDraft()
			if res := set(p, v, tt.path, tt.value); res.Status != wire.StatusApplied {
				t.Skipf("the draft edit itself was %s (see the edits above)", res.Status)
			}
			before := serverDigest(t, db, false)
			e := mustRefuse(t, "submit", act(t, srv, tok, p.ID, submit), domain.EINVALID)
			named := false
			for _, pr := range e.Problems {
				named = named || pr.Path == tt.problem
			}
			if !named {
				t.Errorf("the refusal does not name %s: %+v", tt.problem, e.Problems)
			}
			if serverDigest(t, db, false) != before {
				t.Fatal("the refused submission changed the server")
			}
		})
	}

	// SQL metacharacters are text.
	p, v := newDraft()
	const sqlText = `'); DROP TABLE projects; -- " OR 1=1; /* ` + "\\" + ` */ SELECT * FROM tokens;`
	mustApply(t, "SQL as a requirement", set(p, v, "registration.requirement", mustText(t, sqlText)))
	body, _ := json.Marshal(wire.PushRequest{DeviceID: sqlText, Changes: []wire.Change{}})
	if resp, raw := raw(t, srv, http.MethodPost, wire.PathPush, tok, body, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("SQL as a device id: %s %s", resp.Status, raw)
	}
	if got := serverProject(t, srv, p.ID).Registration.Requirement; got != sqlText {
		t.Fatalf("stored as %q", got)
	}
	for _, table := range []string{"projects", "tokens", "applied_changes", "journal", "attachments"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("table %s: %v", table, err)
		}
	}
}

// TestBadInputAttachmentMetadata (bug 4): a project whose
// attachment is named with a path, hashed with no SHA-256 or sized
// impossibly is refused when it is created — as field changes or as a
// document — and so is any edit that would leave an attachment it touches
// so, whether it sets one field, a whole row or the whole list; each
// refusal names the fields, and the rest of the batch applies.
func TestBadInputAttachmentMetadata(t *testing.T) {
	srv, c := start(t)
	db := openServerDB(t, srv)
	tok := srv.Token(t, "zhangwei")
	broken := func() *domain.Project {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
		other := p.Registration.Attachments[0]
		other.ID, other.Name, other.SHA256, other.Size, other.Role = "a-2", "../报价单.xlsx", "abc", -1, domain.AttachOther
		p.Registration.Attachments = append(p.Registration.Attachments, other)
		return p
	}
	wantNamed := func(t *testing.T, e *wire.Error, paths ...string) {
		t.Helper()
		var got []string
		for _, pr := range e.Problems {
			got = append(got, pr.Path)
			if pr.Message == "" || pr.English == "" {
				t.Errorf("a problem without its messages: %+v", pr)
			}
		}
		if strings.Join(got, " ") != strings.Join(paths, " ") {
			t.Errorf("the refusal names %v, want %v", got, paths)
		}
	}
	rowPaths := []string{"registration.attachments[1].name", "registration.attachments[1].sha256", "registration.attachments[1].size"}

	for _, how := range []string{"field changes", "document"} {
		t.Run("a create as "+how, func(t *testing.T) {
			p := broken()
			ch := servertest.EditChange(t, nil, p, 0)
			if how == "document" {
				ch = servertest.DocChange(t, p)
			}
			before := serverDigest(t, db, false)
			e := mustRefuse(t, how, srv.Push(t, tok, ch).Results[0], domain.EINVALID)
			wantNamed(t, e, rowPaths...)
			if serverDigest(t, db, false) != before {
				t.Fatal("the refused create changed the server")
			}
		})
	}

	p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), c.Now())
	v := created(t, srv, tok, p)
	good := p.Registration.Attachments[0]
	good.ID, good.Name, good.Role = "a-2", "报价单.xlsx", domain.AttachOther
	row := func(a domain.Attachment) string {
		b, _ := json.Marshal(a)
		return string(b)
	}
	badRow := good
	badRow.Name = "C:\\Windows\\报价单.xlsx"
	edit := func(fcs ...domain.FieldChange) wire.Change {
		return wire.Change{ID: servertest.NewID(t), ProjectID: p.ID, Kind: wire.KindEdit, BaseVersion: v, Changes: fcs}
	}
	notes := edit(domain.FieldChange{Path: "registration.other.notes", Old: "null", New: `"附件待补"`})
	for _, tt := range []struct {
		name  string
		ch    wire.Change
		paths []string
	}{
		{"a new row whose hash is missing", edit(
			domain.FieldChange{Path: "registration.attachments[1].id", Old: "null", New: `"a-2"`},
			domain.FieldChange{Path: "registration.attachments[1].name", Old: "null", New: `"报价单.xlsx"`},
			domain.FieldChange{Path: "registration.attachments[1].size", Old: "null", New: `4`},
			domain.FieldChange{Path: "registration.attachments[1].role", Old: "null", New: `"other"`}),
			[]string{"registration.attachments[1].sha256"}},
		{"a whole row with a path in its name", edit(
			domain.FieldChange{Path: "registration.attachments[1]", Old: "null", New: row(badRow)}),
			[]string{"registration.attachments[1].name"}},
		{"the whole list with a broken row", edit(
			domain.FieldChange{Path: "registration.attachments", Old: "[" + row(p.Registration.Attachments[0]) + "]",
				New: "[" + row(p.Registration.Attachments[0]) + "," + row(badRow) + "]"}),
			[]string{"registration.attachments[1].name"}},
		{"a good field and a broken one", edit(
			domain.FieldChange{Path: "registration.attachments[0].mime", Old: `"` + good.MIME + `"`, New: `"application/pdf"`},
			domain.FieldChange{Path: "registration.attachments[0].size", Old: "4", New: `-4`}),
			[]string{"registration.attachments[0].size"}},
	} {
		t.Run("an edit of "+tt.name, func(t *testing.T) {
			before := serverDigest(t, db, false)
			res := srv.Push(t, tok, tt.ch).Results[0]
			wantNamed(t, mustRefuse(t, tt.name, res, domain.EINVALID), tt.paths...)
			if serverDigest(t, db, false) != before {
				t.Fatal("the refused edit changed the server")
			}
		})
	}

	// Between two good edits in one batch: they apply, it is refused.
	addGood := edit(domain.FieldChange{Path: "registration.attachments[1]", Old: "null", New: row(good)})
	addGood.BaseVersion = v
	bad := edit(domain.FieldChange{Path: "registration.attachments[0].name", Old: `"` + good.Name + `"`, New: `"a/b.docx"`})
	rs := srv.Push(t, tok, notes, bad, addGood).Results
	mustApply(t, "the notes", rs[0])
	mustRefuse(t, "a path as a name", rs[1], domain.EINVALID)
	mustApply(t, "a good attachment", rs[2])
	got := serverProject(t, srv, p.ID)
	if len(got.Registration.Attachments) != 2 || got.Registration.Attachments[0].Name != p.Registration.Attachments[0].Name ||
		got.Registration.Attachments[1] != good || got.Registration.Other.Notes != "附件待补" {
		t.Fatalf("the server holds %+v", got.Registration)
	}
}

// TestBadInputCreatedAt (bug 5): a new project's creation time is the
// device's, and must be one that can be: not before 2000 (the zero time,
// the year 0), not more than a day ahead of the server's clock. It is
// refused, naming created_at, whether the project comes as field changes
// or as a document, and nothing changes; a creation time that is not sent
// is the server's.
func TestBadInputCreatedAt(t *testing.T) {
	srv, c := start(t)
	db := openServerDB(t, srv)
	tok := srv.Token(t, "zhangwei")
	now := c.Now()
	for _, tt := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"the zero time", time.Time{}, false},
		{"the year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{"the last second of 1999", time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{"the first second of 2000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"a year ago", now.AddDate(-1, 0, 0), true},
		{"a day ahead, less a second (a device's clock running fast)", now.Add(24*time.Hour - time.Second), true},
		{"a day and a second ahead", now.Add(24*time.Hour + time.Second), false},
		{"the year 9999", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"another time zone, an hour ahead", now.Add(time.Hour).In(time.FixedZone("CST", 8*60*60)), true},
	} {
		for _, how := range []string{"field changes", "document"} {
			t.Run(tt.name+" as "+how, func(t *testing.T) {
				p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), now)
				p.CreatedAt = tt.at
				ch := servertest.EditChange(t, nil, p, 0)
				if how == "document" {
					ch = servertest.DocChange(t, p)
				}
				before := serverDigest(t, db, false)
				res := srv.Push(t, tok, ch).Results[0]
				if tt.ok {
					mustApply(t, tt.name, res)
					if got := serverProject(t, srv, p.ID).CreatedAt; !got.Equal(tt.at) {
						t.Fatalf("created at %v, want %v", got, tt.at)
					}
					return
				}
				e := mustRefuse(t, tt.name, res, domain.EINVALID)
				if len(e.Problems) != 1 || e.Problems[0].Path != "created_at" || !strings.Contains(e.Problems[0].Message, "创建时间") {
					t.Errorf("the refusal does not name created_at: %+v", e.Problems)
				}
				if serverDigest(t, db, false) != before {
					t.Fatal("the refused creation changed the server")
				}
			})
		}
	}
	t.Run("not sent: the server's time", func(t *testing.T) {
		p := servertest.NewProject(t, srv.User(t, "zhangwei"), servertest.Registration(domain.KindSaaS, ""), now)
		ch := servertest.EditChange(t, nil, p, 0)
		kept := ch.Changes[:0]
		for _, fc := range ch.Changes {
			if fc.Path != "created_at" {
				kept = append(kept, fc)
			}
		}
		ch.Changes = kept
		mustApply(t, "without created_at", srv.Push(t, tok, ch).Results[0])
		if got := serverProject(t, srv, p.ID).CreatedAt; !got.Equal(c.Now()) {
			t.Fatalf("created at %v, want the server's %v", got, c.Now())
		}
	})
}

func mustText(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

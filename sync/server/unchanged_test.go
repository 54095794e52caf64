package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	localsqlite "lixiang/domain/sqlite"
	"lixiang/sync/client"
	"lixiang/sync/server/servertest"
	"lixiang/sync/wire"
)

// A field change whose new value is the value the server has already
// changes nothing: it is answered as applied (no new version, no sequence
// number) whoever sends it and whatever state the project is in, and is
// answered once by its change id. Only the fields it really changes are
// judged.

// lastSeq is the server's latest sequence number as the admin pulls it.
func lastSeq(t *testing.T, srv *servertest.Instance) int64 {
	t.Helper()
	_, cursor := srv.PullAll(t, srv.Token(t, "admin"), 0)
	return cursor
}

// serverVersion is a project's version on the server.
func serverVersion(t *testing.T, srv *servertest.Instance, id string) int64 {
	t.Helper()
	page := srv.Pull(t, srv.Token(t, "admin"), 0, 1000)
	for _, pp := range page.Projects {
		var p struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(pp.Project, &p); err != nil {
			t.Fatal(err)
		}
		if p.ID == id {
			return pp.Version
		}
	}
	t.Fatalf("project %s is not on the server", id)
	return 0
}

// journalLines is how many journal lines the server has for a project.
func journalLines(t *testing.T, srv *servertest.Instance, id string) int {
	t.Helper()
	lines, err := srv.DB.Journal(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return len(lines)
}

// TestImportedOnDesktopAndServer: a desktop ran lixiang import on a file
// and an administrator imported the same file on the server (lixiangd
// import), in either order. The desktop's queued creations carry exactly
// what the server has (handover, initiation, workflow fields the desktop
// user may no longer edit): its sync refuses nothing, adds nothing and
// leaves every project at its one version.
func TestImportedOnDesktopAndServer(t *testing.T) {
	// Each desktop imports its user's own records: 李娜's handed over (with
	// its handover and initiation) and submitted (an upgrade and its
	// initiated original), 张伟's draft.
	files := map[string][]string{
		"lina":     {"saas-handed-over.json", "upgrade-submitted.json"},
		"zhangwei": {"saas-draft.json"},
	}
	for _, order := range []string{"server first", "desktop first"} {
		t.Run(order, func(t *testing.T) {
			srv, _ := start(t)
			serverImport := func() {
				for _, login := range []string{"lina", "zhangwei"} {
					for _, name := range files[login] {
						rep := importFile(t, srv, name, interchangeSample(t, name))
						wantImported(t, rep, len(rep.Records), 0)
					}
				}
			}
			type desktop struct {
				store *localsqlite.Store
				sync  func() (client.Report, error)
				ids   []string
			}
			desktops := map[string]*desktop{}
			desktopImport := func() {
				for _, login := range []string{"lina", "zhangwei"} {
					st, eng := importDesktop(t, srv, login)
					d := &desktop{store: st, sync: func() (client.Report, error) { return eng.SyncOnce(t.Context()) }}
					for _, name := range files[login] {
						doc, err := domain.DecodeDocument(interchangeSample(t, name))
						if err != nil {
							t.Fatal(err)
						}
						if _, err := st.ImportProjects(t.Context(), "u-"+login, doc.Projects); err != nil {
							t.Fatalf("desktop import %s: %v", name, err)
						}
						for _, p := range doc.Projects {
							d.ids = append(d.ids, p.ID)
						}
					}
					if n, err := st.PendingCount(t.Context()); err != nil || n != len(d.ids) {
						t.Fatalf("%s's desktop queued %d creations (%v), want %d", login, n, err, len(d.ids))
					}
					desktops[login] = d
				}
			}
			if order == "server first" {
				serverImport()
				desktopImport()
			} else {
				desktopImport()
				serverImport()
			}
			seq := lastSeq(t, srv)
			all, _ := srv.PullAll(t, srv.Token(t, "admin"), 0)
			if len(all) != 4 {
				t.Fatalf("the server has %d projects, want 4", len(all))
			}

			for login, d := range desktops {
				rep, err := d.sync()
				if err != nil {
					t.Fatalf("%s: sync: %v", login, err)
				}
				if rep.Refused != 0 || rep.Conflicts != 0 || rep.Pushed != len(d.ids) {
					t.Fatalf("%s: sync pushed %d, refused %d %+v, conflicts %d; want %d pushed, none refused",
						login, rep.Pushed, rep.Refused, rep.Refusals, rep.Conflicts, len(d.ids))
				}
				if waiting, err := d.store.NeedsAttention(t.Context()); err != nil || len(waiting) != 0 {
					t.Fatalf("%s: 需处理 holds %+v (%v), want nothing", login, waiting, err)
				}
				if n, err := d.store.PendingCount(t.Context()); err != nil || n != 0 {
					t.Fatalf("%s: %d changes still wait (%v)", login, n, err)
				}
				for _, id := range d.ids {
					// The desktop holds what the server holds.
					local := localProject(t, d.store, id)
					if local == nil {
						t.Fatalf("%s's desktop lost %s", login, id)
					}
					diff, err := domain.Diff(all[id], local)
					if err != nil {
						t.Fatal(err)
					}
					if len(diff) != 0 {
						t.Errorf("%s: %s on the desktop differs from the server's: %+v", login, id, diff)
					}
				}
				// The next sync has nothing to do.
				if rep, err := d.sync(); err != nil || rep.Pushed != 0 || rep.Refused != 0 {
					t.Fatalf("%s: second sync: %+v, %v", login, rep, err)
				}
			}
			// Nothing written on the server: no new sequence number, no
			// duplicate, one version and one journal line (the import's)
			// each.
			if got := lastSeq(t, srv); got != seq {
				t.Fatalf("the server's sequence moved from %d to %d", seq, got)
			}
			after, _ := srv.PullAll(t, srv.Token(t, "admin"), 0)
			if len(after) != len(all) {
				t.Fatalf("the server has %d projects, want %d", len(after), len(all))
			}
			for id, p := range all {
				if v := serverVersion(t, srv, id); v != 1 {
					t.Errorf("%s: version %d, want 1", id, v)
				}
				if n := journalLines(t, srv, id); n != 1 {
					t.Errorf("%s: %d journal lines, want the import's one", id, n)
				}
				if !sameProject(t, after[id], p) {
					t.Errorf("%s changed on the server", id)
				}
			}
		})
	}
}

// handedOver imports the handed-over SaaS sample (李娜's, handled by 郑爽
// and 冯婷) into the server and returns it as the server has it.
func handedOver(t *testing.T, srv *servertest.Instance) *domain.Project {
	t.Helper()
	wantImported(t, importFile(t, srv, "saas-handed-over.json", interchangeSample(t, "saas-handed-over.json")), 1, 0)
	p := serverProject(t, srv, interchangeDoc(t, "saas-handed-over.json").Projects[0].ID)
	if p.Status != domain.StatusHandedOver || p.Handover == nil || len(p.Handover.ActionItems) == 0 || p.Initiation == nil {
		t.Fatalf("the sample is not as the test expects: %+v", p)
	}
	return p
}

// fieldEdit is an edit of fields, based on version 1.
func fieldEdit(t *testing.T, projectID string, changes ...domain.FieldChange) wire.Change {
	t.Helper()
	return wire.Change{ID: servertest.NewID(t), ProjectID: projectID, Kind: wire.KindEdit, BaseVersion: 1,
		Changes: changes, At: time.Now().UTC()}
}

// wantUntouched fails unless the project is still at version 1 with its
// one journal line and the server's sequence is seq.
func wantUntouched(t *testing.T, srv *servertest.Instance, id string, seq int64) {
	t.Helper()
	if v := serverVersion(t, srv, id); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	if n := journalLines(t, srv, id); n != 1 {
		t.Fatalf("%d journal lines, want 1", n)
	}
	if got := lastSeq(t, srv); got != seq {
		t.Fatalf("the server's sequence moved from %d to %d", seq, got)
	}
}

// wantNoOp fails unless res is the answer to a change that changed
// nothing: applied, at version 1, nothing written.
func wantNoOp(t *testing.T, what string, res wire.Result) {
	t.Helper()
	mustApply(t, what, res)
	if res.Version != 1 || res.Seq != 0 || res.DocSHA256 != "" || len(res.Conflicts) != 0 {
		t.Fatalf("%s: %+v, want applied at version 1 with nothing written", what, res)
	}
}

func TestUnchangedForbiddenFieldIsNoOp(t *testing.T) {
	srv, _ := start(t)
	p := handedOver(t, srv)
	seq := lastSeq(t, srv)
	lina := srv.Token(t, "lina") // the applicant: the handover and registration are not hers to edit now
	due := `"` + string(p.Handover.ActionItems[0].Due) + `"`

	for _, tt := range []struct {
		name   string
		change domain.FieldChange
	}{
		{"the same text", domain.FieldChange{Path: "handover.action_items[0].due", Old: due, New: due}},
		// The device started from another value (or none): both sides
		// agree on the new one, so it is no conflict either.
		{"another base", domain.FieldChange{Path: "handover.action_items[0].due", Old: "null", New: due}},
		{"another base value", domain.FieldChange{Path: "handover.action_items[0].due", Old: `"2026-01-01"`, New: due}},
		// The same JSON value written differently.
		{"escaped", domain.FieldChange{Path: "handover.place", Old: "null", New: jsonEscaped(p.Handover.Place)}},
		{"a row, keys in another order", domain.FieldChange{Path: "handover.action_items[0]", Old: "null",
			New: `{"task":` + mustString(t, p.Handover.ActionItems[0].Task) + `,"due":` + due + `,"owner":` + mustString(t, p.Handover.ActionItems[0].Owner) + `}`}},
		// A count the project holds as the number 20000, sent as text:
		// the domain reads it as the same count.
		{"a count as text", domain.FieldChange{Path: "registration.background.user_scale", Old: "null", New: `"20000"`}},
		{"a count with a fraction", domain.FieldChange{Path: "registration.background.user_scale", Old: "null", New: `20000.0`}},
		// A workflow field already so (as before).
		{"a workflow field", domain.FieldChange{Path: "status", Old: "null", New: `"handed_over"`}},
	} {
		ch := fieldEdit(t, p.ID, tt.change)
		wantNoOp(t, tt.name, srv.Push(t, lina, ch).Results[0])
		// Answered once: sent again, the recorded answer.
		again := srv.Push(t, lina, ch).Results[0]
		if again.Status != wire.StatusDuplicate || again.Original != wire.StatusApplied || again.Version != 1 {
			t.Fatalf("%s sent again: %+v, want duplicate of applied", tt.name, again)
		}
		wantUntouched(t, srv, p.ID, seq)
	}

	// A field the person may edit, from another base to the value there:
	// both sides agree, so it is no conflict and changes nothing (as
	// domain.Merge has it).
	products := mustString(t, p.Initiation.Overview.Products)
	wantNoOp(t, "an editable field already so", srv.Push(t, srv.Token(t, "fengting"), fieldEdit(t, p.ID,
		domain.FieldChange{Path: "initiation.overview.products", Old: `"云签章"`, New: products})).Results[0])
	wantUntouched(t, srv, p.ID, seq)

	// The whole document sent again (a desktop's creation of the same
	// record) by the applicant and by 冯婷, who may only edit the initiation.
	for _, login := range []string{"lina", "fengting"} {
		wantNoOp(t, login+": the whole document", srv.Push(t, srv.Token(t, login), servertest.DocChange(t, p)).Results[0])
	}
	wantUntouched(t, srv, p.ID, seq)
	if got := serverProject(t, srv, p.ID); !sameProject(t, got, p) {
		t.Fatal("a change that changed nothing changed the project")
	}
}

func TestChangedForbiddenFieldRefused(t *testing.T) {
	srv, _ := start(t)
	p := handedOver(t, srv)
	seq := lastSeq(t, srv)
	lina := srv.Token(t, "lina")
	for _, tt := range []struct {
		name   string
		change domain.FieldChange
	}{
		{"another date", domain.FieldChange{Path: "handover.action_items[0].due", Old: "null", New: `"2026-12-31"`}},
		{"removed", domain.FieldChange{Path: "handover.action_items[0].due", Old: "null", New: "null"}},
		// The domain keeps a count as typed: full-width digits are
		// another value than the number there.
		{"full-width digits", domain.FieldChange{Path: "registration.background.user_scale", Old: "null", New: `"２００００"`}},
		{"a count of another type", domain.FieldChange{Path: "registration.background.user_scale", Old: "null", New: `true`}},
	} {
		e := mustRefuse(t, tt.name, srv.Push(t, lina, fieldEdit(t, p.ID, tt.change)).Results[0], domain.EFORBIDDEN)
		wantForbiddenFields(t, tt.name, e, tt.change.Path)
		wantUntouched(t, srv, p.ID, seq)
	}
	// The whole document with one field changed: refused for that field.
	changed := *p
	changed.Handover = new(*p.Handover)
	changed.Handover.Place = "公司会议室"
	changed.Handover.Time = "2027-01-05 10:00"
	e := mustRefuse(t, "a document with a changed handover", srv.Push(t, lina, servertest.DocChange(t, &changed)).Results[0], domain.EFORBIDDEN)
	wantForbiddenFields(t, "a document with a changed handover", e, "handover.place", "handover.time")
	wantUntouched(t, srv, p.ID, seq)
}

// wantForbiddenFields checks a refusal of fields the person may not
// change: a sentence in each language without the paths, and each field
// (paths, sorted) as a problem with its own reason, also without it.
func wantForbiddenFields(t *testing.T, name string, e *wire.Error, paths ...string) {
	t.Helper()
	var got []string
	for _, p := range e.Problems {
		got = append(got, p.Path)
		if p.Code != domain.EFORBIDDEN || !strings.Contains(p.Message, "不能修改") || !strings.Contains(p.English, "cannot be changed") ||
			strings.Contains(p.Message+p.English, p.Path) {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, paths) {
		t.Fatalf("%s: the refusal names %v, want %v: %+v", name, got, paths, e)
	}
	for _, p := range paths {
		if e.Message == "" || e.English == "" || strings.Contains(e.Message+e.English, p) {
			t.Errorf("%s: the refusal's sentence %q (%q) names %s or is empty", name, e.Message, e.English, p)
		}
	}
}

// TestMixedChangeJudgedOnWhatChanges: a change that sets some fields to
// the values they hold and changes others is judged on the others alone.
func TestMixedChangeJudgedOnWhatChanges(t *testing.T) {
	srv, _ := start(t)
	p := handedOver(t, srv)
	seq := lastSeq(t, srv)
	due := `"` + string(p.Handover.ActionItems[0].Due) + `"`
	unchanged := domain.FieldChange{Path: "handover.action_items[0].due", Old: due, New: due}

	// A forbidden field changed beside it: refused, naming that field.
	changedForbidden := domain.FieldChange{Path: "handover.place", Old: mustString(t, p.Handover.Place), New: `"公司会议室"`}
	e := mustRefuse(t, "mixed", srv.Push(t, srv.Token(t, "fengting"), fieldEdit(t, p.ID, unchanged, changedForbidden)).Results[0], domain.EFORBIDDEN)
	wantForbiddenFields(t, "mixed", e, "handover.place")
	wantUntouched(t, srv, p.ID, seq)

	// A field the person may edit changed beside it (冯婷 fills in the
	// initiation of a handed-over SaaS project): applied, and only it is
	// journaled.
	products := domain.FieldChange{Path: "initiation.overview.products", Old: mustString(t, p.Initiation.Overview.Products), New: `"云签章、云合同、电子合同"`}
	res := mustApply(t, "unchanged handover with a new initiation", srv.Push(t, srv.Token(t, "fengting"), fieldEdit(t, p.ID, unchanged, products)).Results[0])
	if res.Version != 2 || res.Seq == 0 {
		t.Fatalf("answer %+v, want version 2 written", res)
	}
	lines, err := srv.DB.Journal(t.Context(), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := lines[len(lines)-1].Changes; len(last) != 1 || last[0].Path != products.Path {
		t.Fatalf("journaled %+v, want %s alone", last, products.Path)
	}
	if got := serverProject(t, srv, p.ID); got.Initiation.Overview.Products != "云签章、云合同、电子合同" || got.Handover.ActionItems[0].Due != p.Handover.ActionItems[0].Due {
		t.Fatalf("the server has %+v", got.Initiation.Overview)
	}
}

// jsonEscaped is s as a JSON string with every non-ASCII character
// escaped (\uXXXX): the same value as encoding/json's text, another text.
func jsonEscaped(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80:
			b.WriteRune(r)
		case r < 0x10000:
			b.WriteString(`\u` + hex4(r))
		default:
			r -= 0x10000
			b.WriteString(`\u` + hex4(0xd800+(r>>10)) + `\u` + hex4(0xdc00+(r&0x3ff)))
		}
	}
	b.WriteByte('"')
	return b.String()
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf]})
}

// mustString is s as JSON text.
func mustString(t *testing.T, s string) string {
	t.Helper()
	return string(mustJSON(t, s))
}

// sameProject reports whether two projects encode alike.
func sameProject(t *testing.T, a, b *domain.Project) bool {
	t.Helper()
	return string(mustJSON(t, a)) == string(mustJSON(t, b))
}

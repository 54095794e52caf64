package server_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lixiang/domain"
	localsqlite "lixiang/domain/sqlite"
	"lixiang/sync/client"
	"lixiang/sync/server"
	"lixiang/sync/server/servertest"
)

// The admin migration (lixiangd import): interchange files go straight
// into the server's database, each record for its own applicant; desktops
// pull them like any change, each seeing what they may see.

// sample reads a file of testdata/interchange.
func interchangeSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "interchange", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleDoc decodes a file of testdata/interchange.
func interchangeDoc(t *testing.T, name string) *domain.Document {
	t.Helper()
	doc, err := domain.DecodeDocument(interchangeSample(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func interchangeFile(t *testing.T, ps ...domain.Project) []byte {
	t.Helper()
	b, err := domain.EncodeDocument(ps, t0)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func importFile(t *testing.T, srv *servertest.Instance, name string, data []byte) *server.ImportReport {
	t.Helper()
	admin, err := server.ImportActor(t.Context(), srv.DB, "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := server.ImportFile(t.Context(), srv.DB, admin, name, data, t0)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// wantImported fails unless the file went in with n records imported and
// skipped skipped.
func wantImported(t *testing.T, rep *server.ImportReport, n, skipped int) {
	t.Helper()
	if !rep.OK() || rep.Imported != n || rep.Skipped != skipped || rep.Refused+rep.Withheld != 0 {
		t.Fatalf("%s: imported %d skipped %d refused %d withheld %d, errors %v, records %+v; want %d imported, %d skipped",
			rep.File, rep.Imported, rep.Skipped, rep.Refused, rep.Withheld, rep.Errors, rep.Records, n, skipped)
	}
}

// desktop is a real desktop store and sync engine signed in as login.
func importDesktop(t *testing.T, srv *servertest.Instance, login string) (*localsqlite.Store, *client.Engine) {
	t.Helper()
	st, err := localsqlite.Open(t.Context(), filepath.Join(t.TempDir(), "lixiang.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng := client.New(st, srv.URL, client.WithTimeout(10*time.Second), client.WithLogger(slog.New(slog.DiscardHandler)))
	if _, err := eng.Login(t.Context(), login, servertest.Password); err != nil {
		t.Fatalf("sign in %s: %v", login, err)
	}
	return st, eng
}

// has reports whether the desktop store holds the project.
func localProject(t *testing.T, st *localsqlite.Store, id string) *domain.Project {
	t.Helper()
	p, err := st.Project(t.Context(), id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportIntoServerThenDesktopsPull(t *testing.T) {
	srv, _ := start(t)
	saas := interchangeDoc(t, "saas-handed-over.json").Projects[0]  // 李娜, south, SSDJ-2026-0158
	local := interchangeDoc(t, "local-initiated.json").Projects[0]  // 王芳, north, SSDJ-2026-0137
	upgrade := interchangeDoc(t, "upgrade-submitted.json").Projects // 李娜, south: the original and its upgrade
	// A submitted record without a number gets the next of its
	// submission's year, after the numbers migrated records carry.
	fresh := saas
	fresh.ID, fresh.Number = "01a18643-7fc8-73d3-a1e8-54bd60ca3700", ""
	fresh.Registration.Customer.ShortName = "恒瑞制药"

	wantImported(t, importFile(t, srv, "saas-handed-over.json", interchangeSample(t, "saas-handed-over.json")), 1, 0)
	wantImported(t, importFile(t, srv, "local-initiated.json", interchangeSample(t, "local-initiated.json")), 1, 0)
	wantImported(t, importFile(t, srv, "upgrade-submitted.json", interchangeSample(t, "upgrade-submitted.json")), 2, 0)
	rep := importFile(t, srv, "fresh.json", interchangeFile(t, fresh))
	wantImported(t, rep, 1, 0)
	if r := rep.Records[0]; r.Number != "SSDJ-2026-0159" || !r.NumberAssigned || r.Seq == 0 {
		t.Fatalf("a record without a number: %+v, want SSDJ-2026-0159 given by the server", r)
	}

	// The server's own numbering goes on after them.
	zhangwei := srv.User(t, "zhangwei")
	tok := srv.Token(t, "zhangwei")
	p := servertest.NewProject(t, zhangwei, servertest.Registration(domain.KindLocal, ""), t0)
	created(t, srv, tok, p)
	if res := mustApply(t, "submit", act(t, srv, tok, p.ID, domain.Command{Action: domain.ActSubmit})); res.Number != "SSDJ-2026-0160" {
		t.Fatalf("the next submission got %q, want SSDJ-2026-0160", res.Number)
	}

	// The journal says who imported what, when.
	lines, err := srv.DB.Journal(t.Context(), saas.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || lines[0].ActorID != "u-admin" || !lines[0].At.Equal(t0) {
		t.Fatalf("journal of an imported project: %+v", lines)
	}
	paths := map[string]string{}
	for _, c := range lines[0].Changes {
		paths[c.Path] = c.New
	}
	if paths["registration.customer.full_name"] != `"江苏恒瑞医药股份有限公司"` || paths["number"] != `"SSDJ-2026-0158"` || paths["status"] != `"handed_over"` {
		t.Fatalf("journal line of the import: %v", lines[0].Changes)
	}

	// Real desktops pull them, each what they may see.
	ids := []string{saas.ID, local.ID, upgrade[0].ID, upgrade[1].ID, fresh.ID}
	sees := map[string][]string{
		"lina":        {saas.ID, upgrade[0].ID, upgrade[1].ID, fresh.ID}, // her own, south
		"maxiao":      {saas.ID, upgrade[0].ID, upgrade[1].ID, fresh.ID}, // the southern sales manager
		"wangfang":    {local.ID},                                        // the applicant of the northern one
		"zhangwei":    {local.ID},                                        // northern sales
		"fengting":    {saas.ID, fresh.ID},                               // 客户成功主管: initiates handed-over SaaS
		"admin":       ids,
		"zhengshuang": {saas.ID, fresh.ID}, // received them for 客户成功
	}
	for login, want := range sees {
		st, eng := importDesktop(t, srv, login)
		if _, err := eng.SyncOnce(t.Context()); err != nil {
			t.Fatalf("%s: sync: %v", login, err)
		}
		for _, id := range ids {
			got := localProject(t, st, id)
			if (got != nil) != slices.Contains(want, id) {
				t.Errorf("%s has %s: %v, want %v", login, id, got != nil, slices.Contains(want, id))
			}
		}
		if login == "lina" {
			got := localProject(t, st, saas.ID)
			if got == nil || got.Number != "SSDJ-2026-0158" || got.Status != domain.StatusHandedOver || got.OwnerID != "u-lina" || got.Handover == nil {
				t.Fatalf("lina pulled %+v", got)
			}
			if got := localProject(t, st, fresh.ID); got == nil || got.Number != "SSDJ-2026-0159" {
				t.Fatalf("lina pulled the fresh record as %+v", got)
			}
			// Importing again changes nothing: every record is skipped,
			// and the next pull brings nothing.
			for name, data := range map[string][]byte{"saas-handed-over.json": interchangeSample(t, "saas-handed-over.json"),
				"upgrade-submitted.json": interchangeSample(t, "upgrade-submitted.json"), "fresh.json": interchangeFile(t, fresh)} {
				rep := importFile(t, srv, name, data)
				wantImported(t, rep, 0, len(rep.Records))
				for _, r := range rep.Records {
					if r.Outcome != server.ImportSkipped || r.Version != 1 || r.Differs != "" {
						t.Fatalf("%s re-imported: %+v", name, r)
					}
				}
			}
			if rep, err := eng.SyncOnce(t.Context()); err != nil || rep.Pulled != 0 {
				t.Fatalf("pull after importing again: %+v, %v", rep, err)
			}
		}
	}
	if pulled, _ := srv.PullAll(t, srv.Token(t, "admin"), 0); len(pulled) != len(ids)+1 {
		t.Fatalf("the server has %d projects, want %d (no duplicates)", len(pulled), len(ids)+1)
	}

	// A record edited on the server since is skipped too, and left as the
	// server has it; the report says where it differs.
	changed := saas
	changed.Registration.Requirement = "迁移后又改过"
	rep = importFile(t, srv, "changed.json", interchangeFile(t, changed))
	if wantImported(t, rep, 0, 1); rep.Records[0].Differs != "registration.requirement" {
		t.Fatalf("a record that differs from the server's: %+v", rep.Records[0])
	}
	if got := serverProject(t, srv, saas.ID); got.Registration.Requirement == changed.Registration.Requirement {
		t.Fatal("importing again overwrote the server's record")
	}
}

func TestImportRefusesBadFilesWhole(t *testing.T) {
	srv, _ := start(t)
	nothing := func(what string) {
		t.Helper()
		if pulled, _ := srv.PullAll(t, srv.Token(t, "admin"), 0); len(pulled) != 0 {
			t.Fatalf("%s: the server has %d projects, want none", what, len(pulled))
		}
	}
	refusedAt := func(rep *server.ImportReport, rec int, path string) domain.Problem {
		t.Helper()
		if rep.OK() || rep.Imported != 0 {
			t.Fatalf("%s went in: %+v", rep.File, rep)
		}
		for _, p := range rep.Records[rec].Errors {
			if p.Path == path {
				if p.Message == "" || p.English == "" {
					t.Fatalf("a problem without its message in both languages: %+v", p)
				}
				return p
			}
		}
		t.Fatalf("%s: no error at %s in %+v", rep.File, path, rep.Records[rec].Errors)
		return domain.Problem{}
	}

	// The samples that break the rules: every problem by its path.
	rep := importFile(t, srv, "local-invalid.json", interchangeSample(t, "local-invalid.json"))
	refusedAt(rep, 0, "projects[0].registration.systems[1].vendor")
	refusedAt(rep, 0, "projects[0].registration.customer.contact_person") // unknown field, named
	refusedAt(rep, 0, "projects[0].handover.time")
	if rep.Records[0].Outcome != server.ImportRefused || rep.Refused != 1 {
		t.Fatalf("outcome %+v", rep.Records[0])
	}
	refusedAt(importFile(t, srv, "saas-invalid.json", interchangeSample(t, "saas-invalid.json")), 0, "projects[0].id")
	nothing("invalid samples")

	// One unknown person refuses the whole file, and says whom to create.
	saas := interchangeDoc(t, "saas-handed-over.json").Projects[0]
	local := interchangeDoc(t, "local-initiated.json").Projects[0]
	stranger := local
	stranger.OwnerID = "u-qianyi"
	rep = importFile(t, srv, "two.json", interchangeFile(t, saas, stranger))
	p := refusedAt(rep, 1, "projects[1].owner_id")
	if !strings.Contains(p.Message, "lixiangd user create --login qianyi") {
		t.Fatalf("the refusal does not say which login to create: %+v", p)
	}
	if rep.Records[0].Outcome != server.ImportWithheld || rep.Withheld != 1 || rep.Refused != 1 {
		t.Fatalf("the valid record of a refused file: %+v", rep.Records[0])
	}
	if len(rep.Missing) != 1 || rep.Missing[0].Login != "qianyi" ||
		rep.Missing[0].Command() != "lixiangd user create --login qianyi --name <姓名 name> --roles sales --password-stdin" {
		t.Fatalf("missing users %+v", rep.Missing)
	}
	nothing("a file naming an unknown applicant")
	// Created, the same file goes in.
	if _, err := server.CreateUser(t.Context(), srv.DB, domain.User{Login: "qianyi", Name: "钱一", Region: "north",
		Roles: []domain.Role{domain.RoleSales}}, "pw", t0); err != nil {
		t.Fatal(err)
	}
	wantImported(t, importFile(t, srv, "two.json", interchangeFile(t, saas, stranger)), 2, 0)
	if got := serverProject(t, srv, local.ID); got.OwnerID != "u-qianyi" {
		t.Fatalf("imported for %s", got.OwnerID)
	}

	// A draft may lack much, but not a region, a person or an original
	// the server does not know; nor a number another project holds.
	draft := interchangeDoc(t, "local-draft.json").Projects[0]
	draft.Registration.Customer.Region = "west"
	refusedAt(importFile(t, srv, "region.json", interchangeFile(t, draft)), 0, "projects[0].registration.customer.region")
	draft = interchangeDoc(t, "local-draft.json").Projects[0]
	draft.Registration.PresalesID = "u-nobody"
	refusedAt(importFile(t, srv, "presales.json", interchangeFile(t, draft)), 0, "projects[0].registration.presales_id")
	refusedAt(importFile(t, srv, "upgrade-draft.json", interchangeSample(t, "upgrade-draft.json")), 0, "projects[0].registration.parent_id")
	taken := local
	taken.ID = "01a07aac-a938-705f-ab01-41296cc6b000"
	refusedAt(importFile(t, srv, "taken.json", interchangeFile(t, taken)), 0, "projects[0].number")
	twice := interchangeDoc(t, "saas-handed-over.json").Projects[0]
	twice.ID, twice.Number = "01a18643-7fc8-73d3-a1e8-54bd60ca3701", "SSDJ-2026-0900"
	other := twice
	other.ID = "01a18643-7fc8-73d3-a1e8-54bd60ca3702"
	refusedAt(importFile(t, srv, "twice.json", interchangeFile(t, twice, other)), 1, "projects[1].number")
	wrongPrefix := twice
	wrongPrefix.Number = "WTDJ-2026-0901"
	refusedAt(importFile(t, srv, "prefix.json", interchangeFile(t, wrongPrefix)), 0, "projects[0].number")

	// Files that cannot be read at all.
	for name, data := range map[string]string{"empty.json": " \n", "notjson.json": "{\"format\":", "format.json": `{"format":"x","projects":[]}`} {
		rep := importFile(t, srv, name, []byte(data))
		if rep.OK() || len(rep.Errors) == 0 || rep.Errors[0].English == "" {
			t.Fatalf("%s: %+v", name, rep)
		}
	}
	if pulled, _ := srv.PullAll(t, srv.Token(t, "admin"), 0); len(pulled) != 2 {
		t.Fatalf("the server has %d projects, want the 2 imported", len(pulled))
	}
}

func TestImportActor(t *testing.T) {
	srv, _ := start(t)
	if u, err := server.ImportActor(t.Context(), srv.DB, ""); err != nil || u.ID != "u-admin" {
		t.Fatalf("default actor %+v, %v", u, err)
	}
	if u, err := server.ImportActor(t.Context(), srv.DB, "ADMIN"); err != nil || u.ID != "u-admin" {
		t.Fatalf("--as ADMIN: %+v, %v", u, err)
	}
	for login, code := range map[string]string{"zhangwei": domain.EFORBIDDEN, "nobody": domain.ENOTFOUND} {
		if _, err := server.ImportActor(t.Context(), srv.DB, login); domain.ErrorCode(err) != code {
			t.Fatalf("--as %s: %v, want %s", login, err, code)
		}
	}
}

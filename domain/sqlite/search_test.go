package sqlite

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"lixiang/domain"
)

// searchFixture stores four projects: 安证通 (local), 浦发银行 (SaaS, with
// every character that could break a query in its notes), Acme (local,
// Latin) and a discarded draft whose name also contains 安证.
func searchFixture(t *testing.T) (s *Store, ids map[string]string) {
	t.Helper()
	s, clock, _ := openTest(t)
	org := demoOrg(t)
	ids = map[string]string{}

	a := localDraft(t, s, org, clock.Now())
	a.Registration.Requirement = "需要电子签章与OA系统对接"
	a.Registration.Other = domain.Other{}
	a.Registration.Customization = domain.Customization{Needed: domain.No}
	mustSave(t, s, "u-zhangwei", a)
	ids["安证通"] = a.ID

	b := saasDraft(t, s, org, clock.Now())
	b.Registration.Other.Notes = `进度100%_完成 "引号" 'single' a*b OR NEAR(x) C:\路径`
	mustSave(t, s, "u-lina", b)
	ids["浦发"] = b.ID

	c := localDraft(t, s, org, clock.Now())
	c.Registration.ProductLine = domain.LineEContract
	c.Registration.Customer.FullName = "Acme中国有限公司"
	c.Registration.Customer.ShortName = "Acme"
	c.Registration.Requirement = "ERP integration with SAP"
	c.Registration.Other = domain.Other{}
	c.Registration.Customization = domain.Customization{Needed: domain.No}
	mustSave(t, s, "u-zhangwei", c)
	ids["Acme"] = c.ID

	d := domain.NewProject(newID(t), domain.KindLocal, user(t, org, "u-zhangwei"), clock.Now())
	d.Registration.Customer.FullName = "安证测试公司"
	mustSave(t, s, "u-zhangwei", d)
	if _, err := s.Apply(t.Context(), d.ID, domain.Command{Action: domain.ActDiscard}, user(t, org, "u-zhangwei"), org); err != nil {
		t.Fatal(err)
	}
	ids["deleted"] = d.ID
	return s, ids
}

// pulledFixture is a fresh store that pulled searchFixture's projects
// from s; indexed says whether it has put them in the full-text index
// since (IndexPending) or still finds them by their text.
func pulledFixture(t *testing.T, s *Store, ids map[string]string, indexed bool) *Store {
	t.Helper()
	fresh, _, _ := openTest(t)
	var page []PulledProject
	for _, id := range ids {
		page = append(page, PulledProject{Version: int64(len(page) + 1), Doc: mustJSON(t, mustProject(t, s, id))})
	}
	must(t, fresh.ApplyPulled(t.Context(), page, int64(len(page))))
	var pending int
	must(t, fresh.db.QueryRowContext(t.Context(), "SELECT count(*) FROM projects WHERE fts_pending = 1").Scan(&pending))
	if pending != len(ids) {
		t.Fatalf("%d pulled projects wait for the index, want %d", pending, len(ids))
	}
	if indexed {
		n, err := fresh.IndexPending(t.Context())
		must(t, err)
		if n != len(ids) {
			t.Fatalf("IndexPending indexed %d, want %d", n, len(ids))
		}
		if n, err := fresh.IndexPending(t.Context()); n != 0 || err != nil {
			t.Fatalf("IndexPending again = %d, %v; want 0, nil", n, err)
		}
	}
	checkIndex(t, fresh)
	return fresh
}

// checkIndex fails t unless the full-text index is sound and, when no
// project waits for it, holds each project's current text and nothing else
// (checked against the projects table, which counts a waiting project as
// missing from the index).
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	var pending int
	must(t, s.db.QueryRowContext(ctx, "SELECT count(*) FROM projects WHERE fts_pending = 1").Scan(&pending))
	check := "INSERT INTO project_fts (project_fts, rank) VALUES ('integrity-check', 1)" // and against the projects
	if pending > 0 {
		check = "INSERT INTO project_fts (project_fts) VALUES ('integrity-check')"
	}
	if _, err := s.db.ExecContext(ctx, check); err != nil {
		t.Errorf("full-text index out of step with the projects (%d waiting for it): %v", pending, err)
	}
}

func TestSearchFindsSubstringsOfAnyLengthAndTakesEveryCharacterLiterally(t *testing.T) {
	saved, ids := searchFixture(t)
	for _, c := range []struct {
		name string
		s    *Store
	}{
		{"saved here", saved},
		{"pulled, not indexed yet", pulledFixture(t, saved, ids, false)},
		{"pulled and indexed", pulledFixture(t, saved, ids, true)},
	} {
		t.Run(c.name, func(t *testing.T) { searchCases(t, c.s, ids) })
	}
}

func searchCases(t *testing.T, s *Store, ids map[string]string) {
	all := []string{"Acme", "浦发", "安证通"} // newest first
	tests := []struct {
		name string
		q    string
		f    Filter
		want []string // keys of ids, newest first
	}{
		{"two Chinese characters of every title", "立项", Filter{}, all},
		{"two characters of a customer name", "安证", Filter{}, []string{"安证通"}},
		{"one character", "浦", Filter{}, []string{"浦发"}},
		{"three characters through the index", "安证通", Filter{}, []string{"安证通"}},
		{"inside a full name", "信息科技", Filter{}, []string{"安证通"}},
		{"in the requirement", "电子签章与", Filter{}, []string{"安证通"}},
		{"in the notes", "完成", Filter{}, []string{"浦发"}},
		{"Latin, any case", "acme", Filter{}, []string{"Acme"}},
		{"Latin in the requirement", "sap", Filter{}, []string{"Acme"}},
		{"two Latin letters", "OA", Filter{}, []string{"安证通"}},
		{"mixed Latin and Chinese", "Acme中国", Filter{}, []string{"Acme"}},
		{"every term must match", "安证 OA", Filter{}, []string{"安证通"}},
		{"terms from different projects", "安证 浦发", Filter{}, nil},
		{"OR is a word, not an operator", "安证通 OR 浦发银行", Filter{}, nil},
		{"OR alone", "OR", Filter{}, []string{"浦发"}},
		{"NEAR( is text", "NEAR(", Filter{}, []string{"浦发"}},
		{"NEAR(x) is text", "NEAR(x)", Filter{}, []string{"浦发"}},
		{"a double quote", `"`, Filter{}, []string{"浦发"}},
		{"quoted words", `"引号"`, Filter{}, []string{"浦发"}},
		{"an unbalanced quote", `"引号`, Filter{}, []string{"浦发"}},
		{"a single quote", `'`, Filter{}, []string{"浦发"}},
		{"a percent sign matches only itself", "%", Filter{}, []string{"浦发"}},
		{"an underscore matches only itself", "_", Filter{}, []string{"浦发"}},
		{"percent and underscore through the index", "100%_", Filter{}, []string{"浦发"}},
		{"a star", "*", Filter{}, []string{"浦发"}},
		{"a star inside a word", "a*b", Filter{}, []string{"浦发"}},
		{"a backslash", `\`, Filter{}, []string{"浦发"}},
		{"FTS syntax", `安证通*`, Filter{}, nil},
		{"column filter syntax", `search_text:安证`, Filter{}, nil},
		{"a lone hyphen-word", "-安证", Filter{}, nil},
		{"nothing", "", Filter{}, all},
		{"only spaces", " \t　", Filter{}, all},
		{"with a kind filter", "立项", Filter{Kind: domain.KindSaaS}, []string{"浦发"}},
		{"with an owner filter", "立项", Filter{OwnerID: "u-zhangwei"}, []string{"Acme", "安证通"}},
		{"with a region filter", "立项", Filter{Region: "south"}, []string{"浦发"}},
		{"with a limit and offset", "立项", Filter{Limit: 1, Offset: 1}, []string{"浦发"}},
		{"a discarded draft is hidden", "测试", Filter{}, nil},
		{"unless asked for", "安证测试", Filter{IncludeDeleted: true}, []string{"deleted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Search(t.Context(), tt.q, tt.f)
			if err != nil {
				t.Fatalf("Search(%q): %v", tt.q, err)
			}
			var want []string
			for _, k := range tt.want {
				want = append(want, ids[k])
			}
			var gotIDs []string
			for _, x := range got {
				gotIDs = append(gotIDs, x.ID)
			}
			if !slices.Equal(gotIDs, want) {
				t.Errorf("Search(%q) = %v, want %v", tt.q, names(got), tt.want)
			}
		})
	}
}

func names(ss []Summary) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ShortName+"/"+s.FullName)
	}
	return out
}

// Every substring of a project's indexed text finds the project, whatever
// its length and so whichever path (LIKE or trigram) serves it.
func TestSearchFindsEverySubstringOfTheIndexedText(t *testing.T) {
	saved, ids := searchFixture(t)
	// Also a store that pulled them and has not indexed them yet.
	for _, s := range []*Store{saved, pulledFixture(t, saved, ids, false)} {
		everySubstringFinds(t, s, ids)
	}
}

func everySubstringFinds(t *testing.T, s *Store, ids map[string]string) {
	t.Helper()
	for _, key := range []string{"安证通", "浦发", "Acme"} {
		var text string
		if err := s.db.QueryRowContext(t.Context(), "SELECT search_text FROM projects WHERE id = ?", ids[key]).Scan(&text); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.FieldsFunc(text, unicode.IsSpace) {
			rs := []rune(line)
			for n := 1; n <= min(6, len(rs)); n++ {
				for i := 0; i+n <= len(rs); i += max(1, len(rs)/7) {
					q := string(rs[i : i+n])
					got, err := s.Search(t.Context(), q, Filter{})
					if err != nil {
						t.Fatalf("Search(%q): %v", q, err)
					}
					if !slices.ContainsFunc(got, func(x Summary) bool { return x.ID == ids[key] }) {
						t.Errorf("Search(%q) (%d characters) does not find %s", q, utf8.RuneCountInString(q), key)
					}
				}
			}
		}
	}
}

func TestSearchFollowsEdits(t *testing.T) {
	s, ids := searchFixture(t)
	ctx := t.Context()
	p, err := s.Project(ctx, ids["Acme"])
	if err != nil {
		t.Fatal(err)
	}
	p.Registration.Customer.FullName = "Globex有限公司"
	p.Registration.Customer.ShortName = "Globex"
	mustSave(t, s, "u-zhangwei", p)
	for q, want := range map[string]int{"Acme": 0, "Acme中国": 0, "Globex": 1, "globex有限": 1, "ex": 1} {
		got, err := s.Search(ctx, q, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("after renaming, Search(%q) found %v, want %d", q, names(got), want)
		}
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO project_fts (project_fts) VALUES ('integrity-check')"); err != nil {
		t.Errorf("full-text index out of step with the projects: %v", err)
	}
}

// A pulled project waiting for the index is found by its current text
// through edits here and newer versions pulled, before and after it is
// indexed, and the index ends up holding each project's current text.
func TestSearchFollowsEditsOfPulledProjectsWaitingForTheIndex(t *testing.T) {
	saved, ids := searchFixture(t)
	s := pulledFixture(t, saved, ids, false)
	ctx := t.Context()
	p := mustProject(t, s, ids["Acme"])
	p.Registration.Customer.FullName = "Globex有限公司"
	p.Registration.Customer.ShortName = "Globex"
	mustSave(t, s, "u-zhangwei", p)
	must(t, s.ApplyPulled(ctx, []PulledProject{serverCopy(t, mustProject(t, s, ids["浦发"]), 10, func(q *domain.Project) {
		q.Registration.Requirement = "新的需求：合同归档"
	})}, 10))
	finds := func(when string) {
		t.Helper()
		for q, want := range map[string]int{"Acme": 0, "Acme中国": 0, "Globex": 1, "globex有限": 1, "ex": 1,
			"合同归档": 1, "新的需求": 1, "完成": 1} {
			got, err := s.Search(ctx, q, Filter{})
			must(t, err)
			if len(got) != want {
				t.Errorf("%s: Search(%q) found %v, want %d", when, q, names(got), want)
			}
		}
		checkIndex(t, s)
	}
	finds("before indexing")
	n, err := s.IndexPending(ctx)
	must(t, err)
	if n != len(ids) {
		t.Errorf("IndexPending indexed %d, want %d", n, len(ids))
	}
	finds("after indexing")
	var pending int
	must(t, s.db.QueryRowContext(ctx, "SELECT count(*) FROM projects WHERE fts_pending = 1").Scan(&pending))
	if pending != 0 {
		t.Errorf("%d projects still wait for the index", pending)
	}
}

func TestListProjectsFiltersAndOrdersNewestFirst(t *testing.T) {
	s, ids := searchFixture(t)
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"everything", Filter{}, []string{"Acme", "浦发", "安证通"}},
		{"with discarded drafts", Filter{IncludeDeleted: true}, []string{"deleted", "Acme", "浦发", "安证通"}},
		{"by kind", Filter{Kind: domain.KindLocal}, []string{"Acme", "安证通"}},
		{"by status", Filter{Status: domain.StatusDraft}, []string{"Acme", "浦发", "安证通"}},
		{"by status, none", Filter{Status: domain.StatusInitiated}, nil},
		{"by region", Filter{Region: "north"}, []string{"Acme", "安证通"}},
		{"by owner", Filter{OwnerID: "u-lina"}, []string{"浦发"}},
		{"a page", Filter{Limit: 2}, []string{"Acme", "浦发"}},
		{"the next page", Filter{Limit: 2, Offset: 2}, []string{"安证通"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListProjects(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, k := range tt.want {
				want = append(want, ids[k])
			}
			var gotIDs []string
			for _, x := range got {
				gotIDs = append(gotIDs, x.ID)
			}
			if !slices.Equal(gotIDs, want) {
				t.Errorf("ListProjects(%+v) = %v, want %v", tt.f, names(got), tt.want)
			}
		})
	}
}

package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lixiang/domain"
	"lixiang/domain/sqlite"
)

func rowTitles(l *ProjectList) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.rows {
		out = append(out, r.Short)
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// The list shows, for every project: kind, customer short name, derived
// title, number or 待分配, stage and status, and a sync badge.
func TestProjectListShowsKindCustomerTitleNumberStageAndSync(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, allSamples...)
	e, _ := testEnv(t, st, "zhangwei")
	l := NewProjectList(e)
	showIn(t, l)

	if got := rowTitles(l); len(got) != 6 {
		t.Fatalf("the list has %d rows, want the 6 imported projects: %v", len(got), got)
	}
	shows(t, l,
		"本地化项目", "山东高速", "山东高速电子签章项目立项申请", "SSDJ-2026-0137", "立项 · 已立项",
		"SaaS项目", "蜜雪冰城", "待分配", "实施登记 · 草稿",
		"历史项目升级扩展", "WTDJ-2026-0021", "审批 · 审批中",
		"待同步", // imported here, not yet sent to a server
		"共 6 个项目",
	)
}

// Search finds Chinese substrings as short as two characters (below the
// trigram index's reach), and filters narrow by kind, stage, region and
// "waiting for me".
func TestProjectListSearchAndFilters(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, allSamples...)
	e, _ := testEnv(t, st, "chenjing") // 商务审批员: the upgrade waits for her
	l := NewProjectList(e)
	showIn(t, l)

	for _, tc := range []struct {
		name  string
		set   func()
		reset func()
		want  []string
	}{
		{"two characters 港务", func() { l.search.SetText("港务") }, func() { l.search.SetText("") }, []string{"厦门港务"}},
		{"two characters 吉利", func() { l.search.SetText("吉利") }, func() { l.search.SetText("") }, []string{"吉利控股", "吉利控股"}},
		{"number", func() { l.search.SetText("0158") }, func() { l.search.SetText("") }, []string{"恒瑞医药"}},
		{"kind SaaS", func() { l.kind.setValue("saas") }, func() { l.kind.setValue("") }, []string{"恒瑞医药", "蜜雪冰城"}},
		{"stage registration", func() { l.stage.setValue("registration") }, func() { l.stage.setValue("") }, []string{"厦门港务", "蜜雪冰城"}},
		{"region south", func() { l.region.setValue("south") }, func() { l.region.setValue("") }, []string{"恒瑞医药", "吉利控股", "吉利控股", "厦门港务"}},
		{"waiting for me", func() { l.mine.SetChecked(true) }, func() { l.mine.SetChecked(false) }, []string{"吉利控股"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set()
			l.typed.stop()
			l.reload()
			if got := rowTitles(l); !sameSet(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			tc.reset()
			l.typed.stop()
			l.reload()
		})
	}
}

// Typing in the search box reloads the list by itself once typing pauses,
// off the UI goroutine.
func TestProjectListSearchesAsYouType(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	importSamples(t, st, allSamples...)
	e, _ := testEnv(t, st, "zhangwei")
	e.run = func(f func()) { go f() } // the real thing
	l := NewProjectList(e)
	w := showIn(t, l)
	waitFor(t, func() bool { return l.length() == 6 })

	w.Canvas().Focus(l.search)
	test.Type(l.search, "山东")
	waitFor(t, func() bool { return l.length() == 1 })
	if got := rowTitles(l); got[0] != "山东高速" {
		t.Errorf("after typing 山东 the list shows %v", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func summaries(n int) []sqlite.Summary {
	out := make([]sqlite.Summary, n)
	kinds := domain.Kinds
	for i := range out {
		k := kinds[i%3]
		out[i] = sqlite.Summary{
			ID: fmt.Sprintf("id-%05d", i), Kind: k, Status: domain.Statuses[i%len(domain.Statuses)],
			Title: fmt.Sprintf("客户%05d项目立项申请", i), ShortName: fmt.Sprintf("客户%05d", i),
			Number: fmt.Sprintf("SSDJ-2026-%05d", i), Region: "north", Pending: i%7 == 0,
			UpdatedAt: testNow.Add(-time.Duration(i) * time.Minute),
		}
	}
	return out
}

func rowsOf(sums []sqlite.Summary) []projectRow {
	rows := make([]projectRow, len(sums))
	for i, s := range sums {
		rows[i] = rowOf(s, false)
	}
	return rows
}

// Ten thousand projects go into the list model at once; the list only
// builds the rows that fit on screen, and scrolling to the end works.
func TestProjectListHoldsTenThousandProjects(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	e, _ := testEnv(t, st, "zhangwei")
	l := NewProjectList(e)
	w := showIn(t, l)

	start := time.Now()
	l.setRows(rowsOf(summaries(10000)))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("showing 10,000 projects took %v", d)
	}
	if n := l.length(); n != 10000 {
		t.Fatalf("the list model holds %d projects, want 10000", n)
	}
	shows(t, l, "共 10000 个项目", "客户00000")

	rendered := 0
	walkVisible(l.list, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok && c.Layout == listColumns {
			rendered++
		}
	})
	if rendered == 0 || rendered > 60 {
		t.Errorf("the list built %d row views for 10,000 projects; a virtualised list builds about a screenful", rendered)
	}

	l.list.ScrollToBottom()
	shows(t, l, "客户09999")
	_ = w
}

// BenchmarkProjectListLoad10k measures turning 10,000 summaries into list
// rows and showing them (what happens after every keystroke's query).
func BenchmarkProjectListLoad10k(b *testing.B) {
	test.NewTempApp(b)
	if err := LoadTranslations(); err != nil {
		b.Fatal(err)
	}
	st, _ := newStore(b)
	e, _ := testEnv(b, st, "zhangwei")
	l := NewProjectList(e)
	w := test.NewTempWindow(b, l)
	w.Resize(fyne.NewSize(1280, 800))
	sums := summaries(10000)
	b.ResetTimer()
	for b.Loop() {
		l.setRows(rowsOf(sums))
	}
}

// BenchmarkProjectListScroll10k measures scrolling through 10,000 rows:
// each step binds a screenful of row views to new projects.
func BenchmarkProjectListScroll10k(b *testing.B) {
	test.NewTempApp(b)
	if err := LoadTranslations(); err != nil {
		b.Fatal(err)
	}
	st, _ := newStore(b)
	e, _ := testEnv(b, st, "zhangwei")
	l := NewProjectList(e)
	w := test.NewTempWindow(b, l)
	w.Resize(fyne.NewSize(1280, 800))
	l.setRows(rowsOf(summaries(10000)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		l.list.ScrollTo(widget.ListItemID(i % 10000))
		i += 37
	}
}

// BenchmarkProjectListQuery10k measures the store side of a keystroke: a
// two-character search over 10,000 stored projects, made into rows.
func BenchmarkProjectListQuery10k(b *testing.B) {
	test.NewTempApp(b)
	if err := LoadTranslations(); err != nil {
		b.Fatal(err)
	}
	st, _ := newStore(b)
	org := demoOrg(b)
	var ps []domain.Project
	for i := range 10000 {
		p := domain.NewProject(fmt.Sprintf("01a40000-0000-7000-8000-%012d", i), domain.Kinds[i%3], user(b, org, "zhangwei"), testNow)
		p.Registration.Customer = domain.Customer{ShortName: fmt.Sprintf("客户%d", i), FullName: strings.Repeat("某", i%5) + "集团", Region: "north"}
		ps = append(ps, *p)
	}
	if _, err := st.ImportProjects(b.Context(), "u-admin", ps); err != nil {
		b.Fatal(err)
	}
	e, _ := testEnv(b, st, "zhangwei")
	b.ResetTimer()
	for b.Loop() {
		if _, err := loadRows(b.Context(), e.Store, listQuery{Text: "集团"}, e.User, nil); err != nil {
			b.Fatal(err)
		}
	}
}

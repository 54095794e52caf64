package ui

import (
	"testing"

	"lixiang/domain"
)

// Two people changed a project's short name and scenarios differently
// while apart: both values are shown; keeping one or a merged value
// settles each conflict in the store.
func TestConflictsKeepOneValueOrAMergedOne(t *testing.T) {
	chineseApp(t)
	st, _ := newStore(t)
	id := "01a30000-0000-7000-8000-000000000801"
	storedProject(t, st, id, domain.KindLocal, "长沙水务", func(p *domain.Project) {
		p.Conflicts = []domain.Conflict{
			{Path: "registration.customer.short_name", Base: `"长沙水务"`, Mine: `"长沙水务集团"`, Theirs: `"长沙水务"`,
				ActorID: "u-wangfang", At: testNow},
			{Path: "registration.scenarios", Base: `["人事"]`, Mine: `["人事","采购"]`, Theirs: `["人事","物流"]`,
				ActorID: "u-wangfang", At: testNow},
		}
	})
	e, _ := testEnv(t, st, "zhangwei")
	c := NewConflicts(e)
	showIn(t, c)
	shows(t, c, "1 个项目有冲突", "长沙水务电子签章项目立项申请", "2 处冲突",
		"客户简称", "王芳的修改", "长沙水务集团", "现有值", "王芳 于 2026-11-20 09:30 的修改与现有值不同",
		"应用场景", "人事、采购", "人事、物流", "采用此修改", "保留现有值", "使用合并值")

	// Stored without the change that made them: their identities are
	// derived from their values.
	stored, err := st.Project(t.Context(), id)
	if err != nil || len(stored.Conflicts) != 2 {
		t.Fatalf("stored conflicts %+v, %v", stored, err)
	}
	c.onResolveTapped(stored.Conflicts[0].ID(), `"长沙水务集团"`)
	c.onResolveTapped(stored.Conflicts[1].ID(), mergedJSON("人事、采购、物流", `["人事","物流"]`, `["人事","采购"]`))
	p, err := st.Project(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Conflicts) != 0 || p.Registration.Customer.ShortName != "长沙水务集团" ||
		len(p.Registration.Scenarios) != 3 || p.Registration.Scenarios[2] != "物流" {
		t.Errorf("after resolving: conflicts %v, short name %q, scenarios %v", p.Conflicts, p.Registration.Customer.ShortName, p.Registration.Scenarios)
	}
	shows(t, c, "0 个项目有冲突", "没有待处理的冲突")
}

func TestMergedValueTakesTheShapeOfTheField(t *testing.T) {
	chineseApp(t)
	for _, tc := range []struct{ text, theirs, mine, want string }{
		{"长沙水务集团", `"长沙水务"`, `"长沙"`, `"长沙水务集团"`},
		{"人事、采购", `["人事"]`, `["采购"]`, `["人事","采购"]`},
		{"3000", `2000`, `2500`, `3000`},
		{"三千", `2000`, `2500`, `"三千"`},
		{"是", `false`, `true`, `true`},
		{"新值", `null`, `"旧值"`, `"新值"`},
	} {
		if got := mergedJSON(tc.text, tc.theirs, tc.mine); got != tc.want {
			t.Errorf("mergedJSON(%q, %s, %s) = %s, want %s", tc.text, tc.theirs, tc.mine, got, tc.want)
		}
	}
}

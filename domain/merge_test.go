package domain_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"lixiang/domain"
)

func mergeBase() *domain.Project {
	owner := domain.User{ID: "u-zhangwei", Roles: []domain.Role{domain.RoleSales}, Region: "north"}
	p := domain.NewProject("0190f5c2-7a1b-7c3d-8e9f-0123456789ab", domain.KindLocal, owner, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	p.Registration.Customer = domain.Customer{FullName: "江苏恒瑞医药股份有限公司", ShortName: "恒瑞医药", Region: "north"}
	p.Registration.Products = []string{"合同平台"}
	p.Registration.Systems = []domain.System{{Type: "OA", Name: "蓝凌OA", Vendor: "蓝凌"}, {Type: "ERP", Name: "金蝶云", Vendor: "金蝶"}}
	return p
}

func clone(t *testing.T, p *domain.Project) *domain.Project {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out domain.Project
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func diff(t *testing.T, a, b *domain.Project) []domain.FieldChange {
	t.Helper()
	cs, err := domain.Diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Sync lesson 4: merge field by field against the base; two changes to the
// same field are a conflict that keeps both values.
func TestMergeFieldByField(t *testing.T) {
	base := mergeBase()

	t.Run("no changes round-trips exactly", func(t *testing.T) {
		got, err := domain.SetFields(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(clone(t, base), got) {
			t.Fatalf("round trip changed the project:\n%+v\n%+v", base, got)
		}
	})

	t.Run("different fields both apply", func(t *testing.T) {
		mine, theirs := clone(t, base), clone(t, base)
		mine.Registration.Customer.ShortName = "恒瑞"
		theirs.Registration.Systems[1].Version = "V8"
		merged, applied, conflicts, err := domain.Merge(theirs, diff(t, base, mine))
		if err != nil {
			t.Fatal(err)
		}
		if len(conflicts) != 0 || len(applied) != 1 {
			t.Fatalf("applied %v conflicts %v", applied, conflicts)
		}
		if merged.Registration.Customer.ShortName != "恒瑞" || merged.Registration.Systems[1].Version != "V8" {
			t.Fatalf("merge lost an edit: %+v", merged.Registration)
		}
	})

	t.Run("same field differently is a conflict with both values", func(t *testing.T) {
		mine, theirs := clone(t, base), clone(t, base)
		mine.Registration.Systems[0].Vendor = "泛微"
		theirs.Registration.Systems[0].Vendor = "致远"
		merged, _, conflicts, err := domain.Merge(theirs, diff(t, base, mine))
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.Conflict{{Path: "registration.systems[0].vendor", Base: `"蓝凌"`, Mine: `"泛微"`, Theirs: `"致远"`}}
		if !reflect.DeepEqual(conflicts, want) {
			t.Fatalf("conflicts = %+v, want %+v", conflicts, want)
		}
		if merged.Registration.Systems[0].Vendor != "致远" {
			t.Fatalf("the current value must stay until a person decides")
		}
	})

	t.Run("same field to the same value is no conflict", func(t *testing.T) {
		mine, theirs := clone(t, base), clone(t, base)
		mine.Registration.Products = []string{"合同平台", "智慧印章"}
		theirs.Registration.Products = []string{"合同平台", "智慧印章"}
		_, applied, conflicts, err := domain.Merge(theirs, diff(t, base, mine))
		if err != nil || len(conflicts) != 0 || len(applied) != 0 {
			t.Fatalf("applied %v conflicts %v err %v", applied, conflicts, err)
		}
	})

	t.Run("a deleted row goes away", func(t *testing.T) {
		mine := clone(t, base)
		mine.Registration.Systems = mine.Registration.Systems[:1]
		merged, _, conflicts, err := domain.Merge(clone(t, base), diff(t, base, mine))
		if err != nil || len(conflicts) != 0 {
			t.Fatalf("conflicts %v err %v", conflicts, err)
		}
		if len(merged.Registration.Systems) != 1 {
			t.Fatalf("systems = %+v", merged.Registration.Systems)
		}
	})

	t.Run("a new row is added", func(t *testing.T) {
		mine := clone(t, base)
		mine.Registration.Stakeholders = append(mine.Registration.Stakeholders, domain.Stakeholder{Name: "李四", Contact: "13900000000", Role: "IT负责人"})
		merged, _, _, err := domain.Merge(clone(t, base), diff(t, base, mine))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(merged.Registration.Stakeholders, mine.Registration.Stakeholders) {
			t.Fatalf("stakeholders = %+v", merged.Registration.Stakeholders)
		}
	})
}

// A person resolves a conflict by choosing a value; the conflict goes away
// and the field holds the choice.
func TestResolveConflict(t *testing.T) {
	p := mergeBase()
	p.Conflicts = []domain.Conflict{
		{Path: "registration.systems[0].vendor", Base: `"蓝凌"`, Mine: `"泛微"`, Theirs: `"致远"`},
		{Path: "registration.customer.short_name", Base: `"恒瑞医药"`, Mine: `"恒瑞"`, Theirs: `"江苏恒瑞"`},
	}
	got, err := domain.ResolveConflict(p, p.Conflicts[0].ID(), `"泛微"`)
	if err != nil {
		t.Fatal(err)
	}
	if got.Registration.Systems[0].Vendor != "泛微" || len(got.Conflicts) != 1 || got.Conflicts[0].Path != "registration.customer.short_name" {
		t.Fatalf("resolved: vendor %q conflicts %+v", got.Registration.Systems[0].Vendor, got.Conflicts)
	}
	if len(p.Conflicts) != 2 {
		t.Fatal("ResolveConflict must not change its input")
	}
	if _, err := domain.ResolveConflict(got, p.Conflicts[0].ID(), `"泛微"`); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("resolving twice: %v", err)
	}
	// The diff of a resolution is an ordinary edit the server can merge.
	cs := diff(t, p, got)
	if len(cs) == 0 {
		t.Fatal("a resolution must produce field changes")
	}
}

// A row deleted on one side while the other side added a row at the end
// leaves no empty row in the middle (conflicts, stakeholders, …).
func TestMergeDeletedMiddleRowOnAGrownList(t *testing.T) {
	base := mergeBase()
	base.Registration.Stakeholders = []domain.Stakeholder{
		{Name: "甲", Contact: "13900000001", Role: "IT"},
		{Name: "乙", Contact: "13900000002", Role: "法务"},
	}
	mine := clone(t, base)
	mine.Registration.Stakeholders = mine.Registration.Stakeholders[:1] // delete 乙
	theirs := clone(t, base)
	theirs.Registration.Stakeholders = append(theirs.Registration.Stakeholders, domain.Stakeholder{Name: "丙", Contact: "13900000003", Role: "业务"})
	merged, _, _, err := domain.Merge(theirs, diff(t, base, mine))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range merged.Registration.Stakeholders {
		if s.Name == "" && s.Contact == "" && s.Role == "" {
			t.Fatalf("empty row %d left in %+v", i, merged.Registration.Stakeholders)
		}
	}
}

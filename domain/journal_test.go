package domain_test

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"
	"time"

	"lixiang/domain"
)

// TestFlatten: every leaf of a project is one field, addressed as validation
// addresses it; a list of plain values (the ordered CA channels) is one
// field; counts are numbers (SPEC §5 audit journal: what changed).
func TestFlatten(t *testing.T) {
	org := demoOrg(t)
	p := newProject(t, org, salesSouth, validLocal())
	f, err := domain.Flatten(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id":                                 `"` + projectID + `"`,
		"status":                             `"draft"`,
		"registration.kind":                  `"local"`,
		"registration.systems[1].vendor":     `"金蝶"`,
		"registration.systems[0].version":    `"V15"`,
		"registration.certificate.channels":  `["CFCA","北京CA"]`,
		"registration.products":              `["悦文云文档","智慧印章"]`,
		"registration.background.user_scale": `5000`,
		"registration.stakeholders[1].name":  `"刘敏"`,
		"registration.attachments[0].size":   `20480`,
		"registration.other.go_live":         `"2026-06-30"`,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("Flatten[%s] = %q, want %q", k, f[k], v)
		}
	}
	for k := range f {
		if k == "registration.certificate.channels[0]" || k == "registration.systems" {
			t.Errorf("unexpected path %s", k)
		}
	}
	if _, ok := f["approval"]; ok {
		t.Error("an absent approval has no leaves")
	}
	var none *domain.Project
	if f, err := domain.Flatten(none); err != nil || len(f) != 0 {
		t.Fatalf("Flatten(nil) = %v, %v", f, err)
	}
}

// TestDiff: the journal records each changed field once with its old and new
// value, "null" for absent, sorted by path; bookkeeping is not journaled.
func TestDiff(t *testing.T) {
	org := demoOrg(t)
	base := func() *domain.Project {
		p := newProject(t, org, salesSouth, validLocal())
		p.Registration.PresalesID = ""
		return p
	}
	tests := []struct {
		rule string
		edit func(p *domain.Project)
		want []domain.FieldChange
	}{
		{"no change", func(p *domain.Project) {}, nil},
		{"only updated_at is bookkeeping", func(p *domain.Project) { p.UpdatedAt = p.UpdatedAt.Add(time.Hour) }, nil},
		{"a vendor", func(p *domain.Project) { p.Registration.Systems[1].Vendor = "用友" },
			[]domain.FieldChange{{Path: "registration.systems[1].vendor", Old: `"金蝶"`, New: `"用友"`}}},
		{"the channel order is one field", func(p *domain.Project) { slices.Reverse(p.Registration.Certificate.Channels) },
			[]domain.FieldChange{{Path: "registration.certificate.channels", Old: `["CFCA","北京CA"]`, New: `["北京CA","CFCA"]`}}},
		{"a count typed wrong stays text", func(p *domain.Project) { p.Registration.Background.SealCount = "三百" },
			[]domain.FieldChange{{Path: "registration.background.seal_count", Old: `300`, New: `"三百"`}}},
		{"a field filled from absent", func(p *domain.Project) { p.Registration.PresalesID = presalesSouth },
			[]domain.FieldChange{{Path: "registration.presales_id", Old: "null", New: `"u-huangbo"`}}},
		{"a removed system: each of its fields to null", func(p *domain.Project) { p.Registration.Systems = p.Registration.Systems[:1] },
			[]domain.FieldChange{
				{Path: "registration.systems[1].name", Old: `"金蝶云星空"`, New: "null"},
				{Path: "registration.systems[1].type", Old: `"ERP"`, New: "null"},
				{Path: "registration.systems[1].vendor", Old: `"金蝶"`, New: "null"},
				{Path: "registration.systems[1].version", Old: `"8.0"`, New: "null"},
			}},
		{"two fields, sorted", func(p *domain.Project) { p.Status = domain.StatusSubmitted; p.Number = "SS-2026-0007" },
			[]domain.FieldChange{{Path: "number", Old: "null", New: `"SS-2026-0007"`}, {Path: "status", Old: `"draft"`, New: `"submitted"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			old, new := base(), base()
			tt.edit(new)
			got, err := domain.Diff(old, new)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Diff =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
	t.Run("a new project: every field from null", func(t *testing.T) {
		p := base()
		got, err := domain.Diff(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		flat, _ := domain.Flatten(p)
		if len(got) != len(flat)-1 { // all but updated_at
			t.Fatalf("%d changes for %d fields", len(got), len(flat))
		}
		if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Path < got[j].Path }) {
			t.Fatal("not sorted by path")
		}
		for _, c := range got {
			if c.Old != "null" || c.New == "null" || !json.Valid([]byte(c.New)) {
				t.Fatalf("change %+v", c)
			}
		}
	})
	t.Run("an approval round appears field by field", func(t *testing.T) {
		old := base()
		new := base()
		do(t, new, org, submit(salesSouth))
		got, _ := domain.Diff(old, new)
		var ps []string
		for _, c := range got {
			ps = append(ps, c.Path)
		}
		for _, must := range []string{"status", "approval.round", "approval.steps[0].role", "decisions[0].action", "decisions[0].actor_id"} {
			if !slices.Contains(ps, must) {
				t.Errorf("submission diff lacks %s: %v", must, ps)
			}
		}
	})
}

// TestDisplayValue: journal values are shown to people, not as JSON.
func TestDisplayValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"金蝶"`, "金蝶"},
		{`""`, "（空）"},
		{`null`, "（空）"},
		{`true`, "是"},
		{`false`, "否"},
		{`5000`, "5000"},
		{`["CFCA","北京CA"]`, "CFCA、北京CA"},
		{`not json`, "not json"},
	}
	for _, tt := range tests {
		if got := domain.DisplayValue(tt.in); got != tt.want {
			t.Errorf("DisplayValue(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

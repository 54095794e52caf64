package domain_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lixiang/domain"
)

// TestLeavesJSONIsSetFields: the document LeavesJSON builds from a
// project's leaves decodes to the project SetFields builds from them —
// with a hole in a list, a "null" leaf and text that needs escaping too —
// and keeps what is no field of a project, for a strict decoder to refuse.
func TestLeavesJSONIsSetFields(t *testing.T) {
	org := demoOrg(t)
	for _, p := range sampleProjects(t, org) {
		leaves, err := domain.Flatten(&p)
		if err != nil {
			t.Fatal(err)
		}
		leaves["registration.systems[5].vendor"] = `"隔了几行的厂商"` // a hole before it
		leaves["registration.other.notes"] = "null"
		leaves["registration.requirement"] = `"a<b>&c\u2028\"引号\"\n"`
		want, err := domain.SetFields(&domain.Project{}, leaves)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := domain.LeavesJSON(leaves)
		if err != nil {
			t.Fatal(err)
		}
		var got domain.Project
		if err := json.Unmarshal(doc, &got); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("%s: LeavesJSON decodes to\n%+v,\nSetFields builds\n%+v", p.ID, got.Registration, want.Registration)
		}
	}
	doc, err := domain.LeavesJSON(map[string]string{"registration.colour": `"red"`, "registration.shade": "null"})
	if err != nil || !strings.Contains(string(doc), `"colour":"red"`) || strings.Contains(string(doc), "shade") {
		t.Fatalf("an unknown field is kept for the strict decoder, a null leaf is absent: %s %v", doc, err)
	}
	for _, bad := range []map[string]string{
		{"registration.systems[x].vendor": `"a"`},
		{"registration..kind": `"saas"`},
		{"registration.kind": `not json`},
	} {
		if _, err := domain.LeavesJSON(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"lixiang/domain"
)

// TestBuildProjectAsSetFields: a project rebuilt from all its leaves is the
// one domain.SetFields rebuilds, for every sample of the interchange format
// (drafts, submitted, handed over, initiated; every kind).
func TestBuildProjectAsSetFields(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "interchange", "*.json"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := domain.DecodeDocument(b)
		if err != nil {
			continue // the invalid samples do not decode
		}
		for i := range doc.Projects {
			p := &doc.Projects[i]
			p.Conflicts = []domain.Conflict{{Path: "registration.requirement", Base: `"a"`, Mine: `"b"`, Theirs: `"c"`, ActorID: "u-x"}}
			leaves, err := domain.Flatten(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := domain.SetFields(&domain.Project{}, leaves)
			if err != nil {
				t.Fatal(err)
			}
			// A row far down a list leaves a hole before it.
			leaves["registration.stakeholders[9].name"] = `"隔行的干系人"`
			want, err = domain.SetFields(&domain.Project{}, leaves)
			if err != nil {
				t.Fatal(err)
			}
			got, err := buildProject(leaves)
			if err != nil {
				t.Fatalf("%s[%d]: %v", filepath.Base(f), i, err)
			}
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if string(wb) != string(gb) {
				t.Fatalf("%s[%d]:\n got %s\nwant %s", filepath.Base(f), i, gb, wb)
			}
			n++
		}
	}
	if n < 5 {
		t.Fatalf("only %d sample projects", n)
	}
}

func TestCheckFields(t *testing.T) {
	tests := []struct {
		name string
		fc   domain.FieldChange
		ok   bool
	}{
		{"known leaf", domain.FieldChange{Path: "registration.customer.short_name", New: `"x"`}, true},
		{"row of a list", domain.FieldChange{Path: "registration.systems[3].vendor", New: `"金蝶"`}, true},
		{"removed", domain.FieldChange{Path: "registration.colour", New: "null"}, true},
		{"unknown leaf", domain.FieldChange{Path: "registration.colour", New: `"red"`}, false},
		{"unknown in a row", domain.FieldChange{Path: "registration.systems[0].colour", New: `"red"`}, false},
		{"wrong type", domain.FieldChange{Path: "registration.products", New: `"云签章"`}, false},
		{"bad index", domain.FieldChange{Path: "registration.systems[x].vendor", New: `"a"`}, false},
		{"one item of a list of text", domain.FieldChange{Path: "registration.products[1]", New: `"云签章"`}, true},
		{"an item of the wrong type", domain.FieldChange{Path: "registration.products[1]", New: `{"a":1}`}, false},
	}
	for _, tt := range tests {
		if err := checkFields([]domain.FieldChange{tt.fc}); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

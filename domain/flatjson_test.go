package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// The fast paths of Flatten (leaves cut from the text) and SetFields
// (plain leaves kept as text) give what the tree paths they replaced gave,
// on every interchange sample and on random field changes of them.

// flattenTree is Flatten by way of a decoded tree, each leaf encoded
// again: the implementation the text walk replaced.
func flattenTree(raw []byte) (map[string]string, error) {
	out := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	flattenInto(out, "", tree)
	return out, nil
}

// setFieldsTree is SetFields as it was: every leaf decoded, the tree
// encoded and decoded.
func setFieldsTree(p *Project, sets map[string]string) (*Project, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	flat, err := flattenTree(raw)
	if err != nil {
		return nil, err
	}
	for k, v := range sets {
		if v == "null" {
			delete(flat, k)
		} else {
			flat[k] = v
		}
	}
	b, err := unflattenText(flat)
	if err != nil {
		return nil, err
	}
	var out Project
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("set fields: %w", err)
	}
	return &out, nil
}

func interchangeSamples(t *testing.T) []Project {
	t.Helper()
	files, err := filepath.Glob("../testdata/interchange/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no interchange samples: %v", err)
	}
	var out []Project
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Projects []Project `json:"projects"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Logf("%s: %v (its projects as far as they decode)", f, err)
		}
		out = append(out, doc.Projects...)
	}
	// Text that encoding/json escapes: HTML characters, line and
	// paragraph separators, control characters, quotes, backslashes and
	// an invalid UTF-8 byte (written as \ufffd).
	odd := out[0]
	odd.Registration.Requirement = "a<b>&c\u2028d\u2029e\x01f\"g\\h\ni\xffj"
	odd.Registration.Other.Notes = "\t尾注 "
	out = append(out, odd)
	// An empty row, which rebuilding from the leaves drops.
	empty := out[0]
	empty.Registration.Stakeholders = append(slices.Clone(empty.Registration.Stakeholders), Stakeholder{})
	out = append(out, empty)
	return out
}

func TestFlattenTextIsFlattenTree(t *testing.T) {
	for i, p := range interchangeSamples(t) {
		raw, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := flattenTree(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Flatten(&p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("sample %d: %s = %q, want %q", i, k, got[k], v)
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("sample %d: extra %s = %q", i, k, v)
				}
			}
		}
	}
	// Other shapes: scalars, empty lists and objects, lists of lists,
	// mixed lists, whitespace.
	for _, doc := range []string{`null`, `"x"`, `12.50`, `[]`, `{}`, `[1,{"a":2},null,[3]]`,
		`{"a":{"b":[[1,2],[{"c":true}]],"d":{},"e":[]},"f":[{"g":null},{}]}`,
		` { "a" : [ 1 , 2 ] , "b" : { "c" : "x\u0041" } } `} {
		want, err := flattenTree([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		got, err := FlattenJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		// Outside encoding/json's own form only the paths are promised.
		if !slices.Equal(sortedKeys(got), sortedKeys(want)) {
			t.Errorf("%s: paths %v, want %v", doc, sortedKeys(got), sortedKeys(want))
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,`, `{"a":1,}x`, `"abc`, `{"a":1} x`} {
		if _, err := FlattenJSON([]byte(bad)); err == nil {
			t.Errorf("FlattenJSON(%q) accepted malformed JSON", bad)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSetFieldsTextIsSetFieldsTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	values := []string{`"新的值"`, `""`, `null`, `0`, `12`, `"12"`, `true`, `false`, `[]`, `["CFCA","上海CA"]`,
		`{}`, `{"name":"甲","role":"IT"}`, `[null,"x"]`, `"a<b"`, `"\ufffd"`, `"not json`, `{"a":1}x`, `1 2`}
	for i, p := range interchangeSamples(t) {
		flat, err := Flatten(&p)
		if err != nil {
			t.Fatal(err)
		}
		paths := sortedKeys(flat)
		// Extra paths: new rows past the end of lists, new keys, a path
		// under a plain value.
		paths = append(paths, "registration.systems[5].vendor", "registration.stakeholders[0].name",
			"registration.products[0]", "registration.customer.full_name.x", "conflicts[0].path", "bad..path", "x[", "registration.systems")
		check := func(sets map[string]string) {
			t.Helper()
			want, werr := setFieldsTree(&p, sets)
			got, gerr := SetFields(&p, sets)
			if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
				t.Fatalf("sample %d, %v: error %v, want %v", i, sets, gerr, werr)
			}
			if werr != nil {
				return
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			if !bytes.Equal(a, b) {
				t.Fatalf("sample %d, %v:\n got %s\nwant %s", i, sets, a, b)
			}
		}
		check(nil)
		for _, path := range paths {
			check(map[string]string{path: "null"})
		}
		for range 100 {
			sets := map[string]string{}
			for range 1 + rng.IntN(4) {
				sets[paths[rng.IntN(len(paths))]] = values[rng.IntN(len(values))]
			}
			check(sets)
		}
	}
}

func BenchmarkFlatten(b *testing.B) {
	p := benchSample(b)
	for b.Loop() {
		Flatten(p)
	}
}

func BenchmarkSetFields(b *testing.B) {
	p := benchSample(b)
	sets := map[string]string{"registration.other.notes": `"改过的备注"`}
	for b.Loop() {
		SetFields(p, sets)
	}
}

func benchSample(b *testing.B) *Project {
	raw, err := os.ReadFile("../testdata/interchange/saas-handed-over.json")
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		Projects []Project `json:"projects"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	return &doc.Projects[0]
}

func TestAppendJSONIsEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	alphabet := []string{"a", "客", "<", ">", "&", "\"", "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xe5\xae", "😀", "\ufffd", "/", " "}
	var changes []FieldChange
	for range 2000 {
		var b []byte
		for range rng.IntN(12) {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		s := string(b)
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
		changes = append(changes, FieldChange{Path: "registration.requirement", Old: s, New: `"` + s})
	}
	for _, cs := range [][]FieldChange{nil, {}, changes} {
		want, _ := json.Marshal(cs)
		if got := AppendFieldChanges(nil, cs); !bytes.Equal(got, want) {
			t.Fatalf("AppendFieldChanges = %s, want %s", got, want)
		}
	}
}

func BenchmarkMergeOneField(b *testing.B) {
	raw, err := os.ReadFile("../testdata/interchange/local-draft.json")
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		Projects []Project `json:"projects"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	p := &doc.Projects[0]
	p.Registration.Other.Notes = "拜访后补充的备注"
	enc, _ := json.Marshal(p)
	b.Logf("%d bytes", len(enc))
	changes := []FieldChange{{Path: "registration.other.notes", Old: "null", New: `"第 1 轮修改"`}}
	if p.Registration.Other.Notes != "" {
		changes[0].Old = string(must(json.Marshal(p.Registration.Other.Notes)))
	}
	for b.Loop() {
		if _, applied, _, err := Merge(p, changes); err != nil || len(applied) != 1 {
			b.Fatal(err, applied)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestTopLevelKeys(t *testing.T) {
	got, err := TopLevelKeys([]byte(` {"id":"x","registration":{"a":[1,{"b":"}"}]},"k\u00e9y":null , "z":[]} `))
	if err != nil || !slices.Equal(got, []string{"id", "registration", "kéy", "z"}) {
		t.Fatalf("TopLevelKeys = %q, %v", got, err)
	}
	for _, bad := range []string{`[]`, `{"a"}`, `{"a":1`, `{"a":1,}`, ``} {
		if _, err := TopLevelKeys([]byte(bad)); err == nil {
			t.Errorf("TopLevelKeys(%q) accepted", bad)
		}
	}
}

package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// FieldChange is one changed field of a project: its path (as validation
// addresses it, e.g. "registration.systems[1].vendor") and its old and new
// values as JSON text ("null" when absent). Lists of plain values (the
// ordered CA channels, the chosen products) are one field.
type FieldChange struct {
	Path string `json:"path"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// JournalEntry is one line of a project's audit journal (变更记录): who
// changed which field from what to what, and when. It is append-only.
type JournalEntry struct {
	Seq       int64     `json:"seq"`
	ProjectID string    `json:"project_id"`
	ActorID   string    `json:"actor_id"`
	At        time.Time `json:"at"`
	ChangeID  string    `json:"change_id"` // the outbox change that carried it
	FieldChange
}

// unjournaled are paths whose changes are bookkeeping, not edits.
var unjournaled = map[string]bool{"updated_at": true}

// Diff returns the field changes from old to new (old may be nil for a new
// project), sorted by path.
func Diff(old, new *Project) ([]FieldChange, error) {
	a, err := Flatten(old)
	if err != nil {
		return nil, err
	}
	b, err := Flatten(new)
	if err != nil {
		return nil, err
	}
	var out []FieldChange
	for k, nv := range b {
		if ov, ok := a[k]; (!ok || ov != nv) && !unjournaled[k] {
			if !ok {
				ov = "null"
			}
			out = append(out, FieldChange{Path: k, Old: ov, New: nv})
		}
	}
	for k, ov := range a {
		if _, ok := b[k]; !ok && !unjournaled[k] {
			out = append(out, FieldChange{Path: k, Old: ov, New: "null"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Flatten maps every leaf of v's JSON form to its JSON text. A nil v has no
// leaves; empty values left out by omitempty are absent.
func Flatten(v any) (map[string]string, error) {
	out := map[string]string{}
	if p, ok := v.(*Project); ok && p == nil {
		return out, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("flatten: %w", err)
	}
	// The leaves are cut from the text itself (flatjson.go): the same
	// texts as decoding the tree and encoding each leaf, at a fraction
	// of the cost.
	if err := flattenJSON(out, string(raw)); err != nil {
		return nil, fmt.Errorf("flatten: %w", err)
	}
	return out, nil
}

func flattenInto(out map[string]string, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenInto(out, p, c)
		}
		return
	case []any:
		if hasObject(x) {
			for i, c := range x {
				flattenInto(out, fmt.Sprintf("%s[%d]", path, i), c)
			}
			return
		}
	}
	b, _ := json.Marshal(v)
	out[path] = string(b)
}

func hasObject(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(map[string]any); ok {
			return true
		}
	}
	return false
}

// DisplayValue renders a JSON leaf value for people: strings unquoted,
// lists joined with 、, absent as （空）.
func DisplayValue(js string) string {
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		return js
	}
	switch x := v.(type) {
	case nil:
		return "（空）"
	case string:
		if x == "" {
			return "（空）"
		}
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			b, _ := json.Marshal(e)
			parts[i] = DisplayValue(string(b))
		}
		return strings.Join(parts, "、")
	}
	return js
}

package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Conflict is a field two people changed differently since the version
// one of them started from (冲突): both values are kept, none is dropped,
// and a person decides.
type Conflict struct {
	Path   string `json:"path"`
	Base   string `json:"base"`   // the value both started from (JSON)
	Mine   string `json:"mine"`   // the value this change wanted
	Theirs string `json:"theirs"` // the value that is there now
	// Who wanted Mine, in which change, and when the server saw it.
	ActorID  string    `json:"actor_id,omitempty"`
	ChangeID string    `json:"change_id,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// ResolveConflict settles the conflict with identity id (Conflict.ID) with
// value (JSON text: one of the two values, or a merged one): the field it
// is about takes value and the conflict, and no other, leaves the
// project's open conflicts. It returns the changed copy. A conflict that
// is not there (settled meanwhile) is ENOTFOUND.
func ResolveConflict(p *Project, id, value string) (*Project, error) {
	i := IndexOfConflict(p.Conflicts, id)
	if i < 0 {
		return nil, Errorf(ENOTFOUND, "字段 %s 的这处冲突已不存在（可能已被他人解决）", "the conflict at %s is no longer open (someone may have settled it)", ConflictPath(id))
	}
	if !json.Valid([]byte(value)) {
		return nil, Errorf(EINVALID, "冲突的取值格式不正确", "the chosen value is not valid JSON")
	}
	out, err := SetFields(p, map[string]string{p.Conflicts[i].Path: value})
	if err != nil {
		return nil, err
	}
	out.Conflicts, _ = RemoveConflicts(out.Conflicts, []string{id})
	return out, nil
}

// Merge applies field changes made against an earlier version onto the
// current project, field by field: a field nobody else touched takes the
// change; a field already holding the wanted value is left; a field that
// someone else changed to a different value is a Conflict and keeps its
// current value. The current project is not modified.
func Merge(current *Project, changes []FieldChange) (merged *Project, applied []FieldChange, conflicts []Conflict, err error) {
	return MergeContested(current, changes, nil)
}

// MergeContested is Merge where a change of a field contested says is
// contested (the resolution of a conflict that is gone: someone settled it
// meanwhile) is a Conflict unless the field already holds its value, even
// when nobody changed the field since: the choice is shown beside the
// value there for a person to decide, never silently applied over another
// person's settlement.
func MergeContested(current *Project, changes []FieldChange, contested func(path string) bool) (merged *Project, applied []FieldChange, conflicts []Conflict, err error) {
	cur, err := leavesOf(current)
	if err != nil {
		return nil, nil, nil, err
	}
	sets := map[string]string{}
	for _, c := range changes {
		now, ok := cur.flat[c.Path]
		if !ok {
			now = "null"
		}
		switch {
		case SameJSON(now, c.New):
			// already so
		case SameJSON(now, c.Old) && (contested == nil || !contested(c.Path)):
			sets[c.Path] = c.New
			applied = append(applied, c)
		default:
			conflicts = append(conflicts, Conflict{Path: c.Path, Base: c.Old, Mine: c.New, Theirs: now})
		}
	}
	merged, err = cur.set(sets)
	if err != nil {
		return nil, nil, nil, err
	}
	return merged, applied, conflicts, nil
}

// leaves is a project's JSON text with its leaves and where each is.
type leaves struct {
	text string
	flat map[string]string
	pos  map[string][2]int
}

func leavesOf(p *Project) (*leaves, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("flatten: %w", err)
	}
	l := &leaves{text: string(raw), flat: make(map[string]string, 64), pos: make(map[string][2]int, 64)}
	f := flatScanner{s: l.text, out: l.flat, pos: l.pos}
	end, err := f.value("", 0)
	if err == nil && f.space(end) != len(l.text) {
		err = errBadJSON
	}
	if err != nil {
		return nil, fmt.Errorf("flatten: %w", err)
	}
	return l, nil
}

// set returns the project with the leaves sets (path → JSON text, "null"
// to remove) set, as SetFields does. When every set replaces a plain leaf
// the project has by a plain value, and the project has no empty row or
// null that rebuilding it from its leaves would drop, the new values are
// put into the text in place and the text decoded: the same project,
// without rebuilding it.
func (l *leaves) set(sets map[string]string) (*Project, error) {
	if out, ok := l.splice(sets); ok {
		return out, nil
	}
	for k, v := range sets {
		if v == "null" {
			delete(l.flat, k)
		} else {
			l.flat[k] = v
		}
	}
	return fromLeaves(l.flat)
}

func (l *leaves) splice(sets map[string]string) (*Project, bool) {
	text, ok := l.spliceText(sets)
	if !ok {
		return nil, false
	}
	var out Project
	if err := DecodeJSON([]byte(text), &out); err != nil {
		return nil, false
	}
	return &out, true
}

// spliceText is the project's text with the new values put in place of
// the plain leaves they replace; ok is false unless every set replaces a
// plain leaf by a plain value and no row would be dropped.
func (l *leaves) spliceText(sets map[string]string) (string, bool) {
	if hasDroppedRow(l.text) {
		return "", false
	}
	type edit struct {
		at   [2]int
		text string
	}
	edits := make([]edit, 0, len(sets))
	for k, v := range sets {
		at, ok := l.pos[k]
		old := l.flat[k]
		if !ok || v == "" || old == "" || !plainLeaf(old) || !plainLeaf(v) || !plainValid(v) {
			return "", false
		}
		edits = append(edits, edit{at, v})
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.at[0] - b.at[0] })
	var b strings.Builder
	b.Grow(len(l.text) + 64)
	last := 0
	for _, e := range edits {
		b.WriteString(l.text[last:e.at[0]])
		b.WriteString(e.text)
		last = e.at[1]
	}
	b.WriteString(l.text[last:])
	return b.String(), true
}

// SpliceLeaves is a project document (as encoding/json writes it) with
// the given leaves (path → JSON text) set by putting the new texts in
// place of the old ones, when every set replaces a plain leaf the document
// has (a string without escapes, a number, a boolean) by a plain value and
// no row of a list is empty or null; ok is false otherwise. Decoding the
// result gives what SetFields gives; whether encoding that gives the same
// text again depends on the values (a caller that must know compares).
func SpliceLeaves(doc []byte, sets map[string]string) ([]byte, bool) {
	l := &leaves{text: string(doc), flat: make(map[string]string, 64), pos: make(map[string][2]int, 64)}
	f := flatScanner{s: l.text, out: l.flat, pos: l.pos}
	end, err := f.value("", 0)
	if err != nil || f.space(end) != len(l.text) {
		return nil, false
	}
	text, ok := l.spliceText(sets)
	if !ok {
		return nil, false
	}
	return []byte(text), true
}

// hasDroppedRow reports whether a project's text may hold a row of a list
// that rebuilding the project from its leaves drops: an empty object or a
// null in a list ("[{}", ",{}", "[null", ",null"; the same inside a string
// only costs the slow path).
func hasDroppedRow(text string) bool {
	for _, s := range []string{"[{}", ",{}", "[null", ",null"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// plainLeaf reports whether a leaf text is a plain value that goes into a
// rebuilt project as it is: a string, number or boolean that needsDecode
// does not claim.
func plainLeaf(text string) bool {
	return text != "null" && text[0] != '[' && text[0] != '{' && !needsDecode(text)
}

// SameJSON compares two JSON texts by value ("null" and absent are equal),
// as Merge does: key order, spacing and escapes do not count.
func SameJSON(a, b string) bool {
	if a == b {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return bytes.Equal(xb, yb)
}

// SetFields returns a copy of p with the given leaves (path → JSON text,
// "null" to remove) set. Rows of a list left with no fields are dropped
// from the end of the list.
func SetFields(p *Project, sets map[string]string) (*Project, error) {
	l, err := leavesOf(p)
	if err != nil {
		return nil, err
	}
	return l.set(sets)
}

// fromLeaves decodes the project whose leaves are flat.
func fromLeaves(flat map[string]string) (*Project, error) {
	raw, ok := unflattenRaw(flat)
	if !ok {
		// A leaf that is not valid JSON: the tree path names it.
		var err error
		if raw, err = unflattenText(flat); err != nil {
			return nil, err
		}
	}
	var out Project
	if err := DecodeJSON(raw, &out); err != nil {
		return nil, fmt.Errorf("set fields: %w", err)
	}
	return &out, nil
}

// unflattenText is the JSON text of the tree unflatten rebuilds, every
// leaf decoded: the reference unflattenRaw is tested against.
func unflattenText(flat map[string]string) ([]byte, error) {
	tree, err := unflatten(flat)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("set fields: %w", err)
	}
	return raw, nil
}

// segment is one step of a field path: a key or a list index.
type segment struct {
	key   string
	index int // -1 for a key
}

// parsePath splits "registration.systems[1].vendor" into segments.
func parsePath(path string) ([]segment, error) {
	var out []segment
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" {
			return nil, fmt.Errorf("field path %q: empty key", path)
		}
		out = append(out, segment{key: key, index: -1})
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(num)
			if !ok || err != nil || n < 0 || n > 10000 {
				return nil, fmt.Errorf("field path %q: bad index", path)
			}
			out = append(out, segment{index: n})
			rest = strings.TrimPrefix(after, "[")
			if after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("field path %q: bad index", path)
			}
		}
	}
	return out, nil
}

// unflatten rebuilds a JSON tree from its leaves.
func unflatten(flat map[string]string) (any, error) {
	root := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		var v any
		dec := json.NewDecoder(strings.NewReader(flat[k]))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		segs, err := parsePath(k)
		if err != nil {
			return nil, err
		}
		if err := put(root, segs, v); err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
	}
	return compact(root), nil
}

// put places v at segs under node (a map), creating maps and lists.
func put(node map[string]any, segs []segment, v any) error {
	key := segs[0].key
	if len(segs) == 1 {
		node[key] = v
		return nil
	}
	rest := segs[1:]
	if raw, ok := node[key].(json.RawMessage); ok {
		node[key] = decodeRaw(raw) // a list kept as text, with a path under it
	}
	if rest[0].index >= 0 {
		list, _ := node[key].([]any)
		var err error
		list, err = putIndex(list, rest, v)
		node[key] = list
		return err
	}
	child, ok := node[key].(map[string]any)
	if !ok {
		child = map[string]any{}
		node[key] = child
	}
	return put(child, rest, v)
}

func putIndex(list []any, segs []segment, v any) ([]any, error) {
	i := segs[0].index
	for len(list) <= i {
		list = append(list, nil)
	}
	if len(segs) == 1 {
		list[i] = v
		return list, nil
	}
	rest := segs[1:]
	if raw, ok := list[i].(json.RawMessage); ok {
		list[i] = decodeRaw(raw)
	}
	if rest[0].index >= 0 {
		inner, _ := list[i].([]any)
		inner, err := putIndex(inner, rest, v)
		list[i] = inner
		return list, err
	}
	child, ok := list[i].(map[string]any)
	if !ok {
		child = map[string]any{}
		list[i] = child
	}
	return list, put(child, rest, v)
}

// decodeRaw decodes a leaf kept as text (valid JSON) as unflatten would
// have.
func decodeRaw(raw json.RawMessage) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.Decode(&v)
	return v
}

// compact drops rows left with no fields at all from lists (rows a change
// deleted: every row type of a project has fields that are always written,
// so an empty row is never something a person made) and the holes a sparse
// set leaves.
func compact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = compact(c)
		}
		return x
	case []any:
		out := x[:0]
		for _, c := range x {
			if m, ok := c.(map[string]any); c == nil || ok && len(m) == 0 {
				continue
			}
			out = append(out, compact(c))
		}
		return out
	}
	return v
}

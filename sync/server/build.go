package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"lixiang/domain"
)

// The leaves of a change (field path → JSON text) rebuilt into a project
// document, the way domain.SetFields does it, with two differences the
// server needs: the leaf values are not decoded and encoded again (a new
// registration has some sixty leaves, and a first sync thousands of new
// registrations), and the document is decoded strictly, so a path that is
// no field of a project is refused instead of silently dropped.

// segment is one step of a field path: a key, or a list index (key "").
type segment struct {
	key   string
	index int
}

// parsePath splits "registration.systems[1].vendor" into segments, with
// the same rules as the domain's.
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

// tree builds the JSON tree of leaves ("null" leaves are absent); leaf
// values stay raw JSON.
func tree(leaves map[string]string) (map[string]any, error) {
	keys := make([]string, 0, len(leaves))
	for k, v := range leaves {
		if v != "null" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	root := map[string]any{}
	for _, k := range keys {
		segs, err := parsePath(k)
		if err != nil {
			return nil, err
		}
		put(root, segs, json.RawMessage(leaves[k]))
	}
	compact(root)
	return root, nil
}

func put(node map[string]any, segs []segment, v any) {
	key := segs[0].key
	if len(segs) == 1 {
		node[key] = v
		return
	}
	rest := segs[1:]
	if rest[0].index >= 0 {
		list, _ := node[key].([]any)
		node[key] = putIndex(list, rest, v)
		return
	}
	child, ok := node[key].(map[string]any)
	if !ok {
		child = map[string]any{}
		node[key] = child
	}
	put(child, rest, v)
}

func putIndex(list []any, segs []segment, v any) []any {
	i := segs[0].index
	for len(list) <= i {
		list = append(list, nil)
	}
	if len(segs) == 1 {
		list[i] = v
		return list
	}
	rest := segs[1:]
	if rest[0].index >= 0 {
		inner, _ := list[i].([]any)
		list[i] = putIndex(inner, rest, v)
		return list
	}
	child, ok := list[i].(map[string]any)
	if !ok {
		child = map[string]any{}
		list[i] = child
	}
	put(child, rest, v)
	return list
}

// compact turns holes in lists into empty rows and drops empty rows from
// the end of lists, as the domain does.
func compact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = compact(c)
		}
		return x
	case []any:
		for i, c := range x {
			if c == nil {
				c = map[string]any{}
			}
			x[i] = compact(c)
		}
		for len(x) > 0 {
			if m, ok := x[len(x)-1].(map[string]any); ok && len(m) == 0 {
				x = x[:len(x)-1]
				continue
			}
			break
		}
		return x
	}
	return v
}

// decodeProject decodes a document strictly into a project: an unknown
// field or a value of the wrong type is EINVALID, naming the field.
func decodeProject(doc []byte) (*domain.Project, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p domain.Project
	if err := dec.Decode(&p); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return nil, domain.Errorf(domain.EINVALID, "字段 %[1]s 的取值类型不正确（%[2]s）", "%[1]s: a %[2]s value is not valid there", te.Field, te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return nil, domain.Errorf(domain.EINVALID, "未知字段：%s", "unknown field: %s", f)
		}
		return nil, domain.Errorf(domain.EINVALID, "字段取值不正确：%v", "a field value is not valid: %v", err)
	}
	return &p, nil
}

// buildProject builds a new project from all its leaves, as
// domain.SetFields(&domain.Project{}, leaves) would, refusing unknown
// fields and ill-typed values.
func buildProject(leaves map[string]string) (*domain.Project, error) {
	t, err := tree(leaves)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "字段路径不正确：%v", "bad field path: %v", err)
	}
	doc, err := json.Marshal(t)
	if err != nil {
		return nil, domain.Errorf(domain.EINVALID, "字段取值不正确：%v", "a field value is not valid: %v", err)
	}
	return decodeProject(doc)
}

// checkFields refuses field changes that name no field of a project or
// carry a value of the wrong type (the merge would otherwise drop them
// without a word): their new values alone must decode strictly.
func checkFields(changes []domain.FieldChange) error {
	leaves := make(map[string]string, len(changes))
	for _, c := range changes {
		leaves[c.Path] = c.New
	}
	_, err := buildProject(leaves)
	return err
}

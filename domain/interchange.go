package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// InterchangeFormat names the version of the JSON interchange format
// (docs/interchange.md): a whole project with all its stages, decisions and
// attachment metadata, used to migrate PMIS records and to feed scenarios.
const InterchangeFormat = "lixiang.projects/v1"

// Document is one interchange file: any number of projects.
type Document struct {
	Format     string    `json:"format"`
	ExportedAt time.Time `json:"exported_at,omitzero"`
	Projects   []Project `json:"projects"`
}

// EncodeDocument writes projects as an indented interchange document.
func EncodeDocument(projects []Project, now time.Time) ([]byte, error) {
	if projects == nil {
		projects = []Project{}
	}
	doc := Document{Format: InterchangeFormat, ExportedAt: now.UTC(), Projects: projects}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode interchange document: %w", err)
	}
	return append(b, '\n'), nil
}

// DecodeDocument reads an interchange document strictly: unknown fields,
// values of the wrong type, trailing data and a wrong format name are errors
// that say where (field path, line and column).
func DecodeDocument(data []byte) (*Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		zh, en := describeJSONError(data, err)
		return nil, &Error{Code: EINVALID, Message: "文件不是有效的立项通交换格式：" + zh, English: "not a valid interchange document: " + en}
	}
	end := skipSpace(data, dec.InputOffset())
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		zh, en := position(data, end)
		return nil, &Error{Code: EINVALID, Message: "文件在 JSON 结束后还有多余内容（" + zh + "）",
			English: "trailing data after the JSON document (" + en + ")"}
	}
	if doc.Format != InterchangeFormat {
		return nil, Errorf(EINVALID, "format 字段应为“%[1]s”（现为“%[2]s”）", "format must be %[1]q (got %[2]q)", InterchangeFormat, doc.Format)
	}
	return &doc, nil
}

// describeJSONError says what is wrong and where, in Chinese and English.
// encoding/json reports no position for unknown fields and a position
// relative to the value for errors of custom types, so everything but a
// syntax error is located by walking the document against its Go type.
func describeJSONError(data []byte, err error) (zh, en string) {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		pz, pe := position(data, se.Offset-1)
		return fmt.Sprintf("JSON 语法错误：%v（%s）", err, pz), fmt.Sprintf("JSON syntax error: %v (%s)", err, pe)
	case errors.Is(err, io.ErrUnexpectedEOF):
		pz, pe := position(data, int64(len(data)))
		return "文件在 JSON 结束前就结束了（" + pz + "）", "the file ends inside the JSON document (" + pe + ")"
	case errors.Is(err, io.EOF):
		return "文件为空", "the file is empty"
	}
	w := &shapeWalker{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	w.dec.UseNumber()
	if m, ok := w.walk(reflect.TypeFor[Document](), ""); ok {
		pz, pe := position(data, m.off)
		return fmt.Sprintf("%s %s（%s）", m.path, m.zh, pz), fmt.Sprintf("%s at %s (%s)", m.en, m.path, pe)
	}
	return err.Error(), err.Error()
}

// position is the line and column (in characters, from 1) of the byte at
// off, in Chinese and English.
func position(data []byte, off int64) (zh, en string) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return fmt.Sprintf("第 %d 行第 %d 列", line, col), fmt.Sprintf("line %d, column %d", line, col)
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
		off++
	}
	return off
}

// mismatch is the first place where a JSON document does not fit its type.
type mismatch struct {
	path   string
	off    int64
	zh, en string
}

// shapeWalker reads a JSON document token by token alongside a Go type, the
// way encoding/json would decode it, to find where they first disagree. It
// knows the kinds the interchange types use: structs, maps, slices, text,
// whole numbers, booleans and types with their own UnmarshalJSON.
type shapeWalker struct {
	dec  *json.Decoder
	data []byte
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk reads one value that should decode into t.
func (w *shapeWalker) walk(t reflect.Type, path string) (mismatch, bool) {
	off := skipSpace(w.data, w.dec.InputOffset())
	bad := func(zh, en string) (mismatch, bool) {
		return mismatch{path: path, off: off, zh: zh, en: en}, true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return bad("无法读取："+err.Error(), "unreadable: "+err.Error())
		}
		if err := reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return bad("的值不正确："+err.Error(), "invalid value: "+err.Error())
		}
		return mismatch{}, false
	}
	tok, err := w.dec.Token()
	if err != nil {
		return bad("无法读取："+err.Error(), "unreadable: "+err.Error())
	}
	if tok == nil {
		return mismatch{}, false // null leaves any value as it is
	}
	want := func(zh, en string) (mismatch, bool) {
		return bad("的类型不对（应为"+zh+"）", "wrong type (want "+en+")")
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if tok != json.Delim('{') {
			return want("对象", "an object")
		}
		for w.dec.More() {
			koff := skipSpace(w.data, w.dec.InputOffset())
			kt, err := w.dec.Token()
			key, _ := kt.(string)
			if err != nil {
				return mismatch{path: path, off: koff, zh: "无法读取：" + err.Error(), en: "unreadable: " + err.Error()}, true
			}
			elem := t
			if t.Kind() == reflect.Map {
				elem = t.Elem()
			} else if f, ok := jsonField(t, key); ok {
				elem = f.Type
			} else {
				return mismatch{path: joinPath(path, key), off: koff, zh: "是未知字段", en: fmt.Sprintf("unknown field %q", key)}, true
			}
			if m, bad := w.walk(elem, joinPath(path, key)); bad {
				return m, true
			}
		}
		_, _ = w.dec.Token()
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return want("数组", "an array")
		}
		for i := 0; w.dec.More(); i++ {
			if m, bad := w.walk(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); bad {
				return m, true
			}
		}
		_, _ = w.dec.Token()
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return want("文本", "text")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return want("true 或 false", "true or false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := tok.(json.Number); !ok {
			return want("整数", "a whole number")
		} else if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return want("范围内的整数", "a whole number in range")
		}
	default:
		return want(t.String(), t.String())
	}
	return mismatch{}, false
}

// jsonField finds the field of struct type t that encoding/json decodes key
// into; names compare case-insensitively, as encoding/json does.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if sf, ok := jsonField(ft, key); ok {
					return sf, true
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// UnknownFields lists every object key of an interchange document that the
// format does not have, by its field path, so an import tool can name all of
// them at once (DecodeDocument stops at the first). Keys match fields as
// encoding/json matches them: the tag name, case-insensitively. It returns
// nil for a document that is not JSON.
func UnknownFields(data []byte) Problems {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return nil
	}
	return unknownFields(reflect.TypeFor[Document](), tree, "")
}

func unknownFields(t reflect.Type, v any, path string) Problems {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	var ps Problems
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			p := joinPath(path, k)
			switch t.Kind() {
			case reflect.Map:
				ps = append(ps, unknownFields(t.Elem(), x[k], p)...)
			case reflect.Struct:
				f, ok := jsonField(t, k)
				if !ok {
					ps = append(ps, Problem{Path: p, Code: PFormat,
						Message: fmt.Sprintf("未知字段“%s”：%s 格式中没有此字段，请检查拼写或删除它", k, InterchangeFormat),
						English: fmt.Sprintf("unknown field %q: %s has no such field; check the spelling or remove it", k, InterchangeFormat)})
					continue
				}
				ps = append(ps, unknownFields(f.Type, x[k], p)...)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, c := range x {
				ps = append(ps, unknownFields(t.Elem(), c, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return ps
}

// ValidID reports whether id is a UUID in canonical lower-case form.
func ValidID(id string) bool { return uuidRE.MatchString(id) }

// Check returns every problem of the document (errors make it invalid) and
// the warnings: a draft (or returned registration) may hold anything a
// person typed, so its registration's problems are warnings; any problem of
// a record past the registration stage, an attachment's metadata
// (ValidateAttachment), bad identities and duplicates are errors.
func (d *Document) Check(org *Org) (errs, warns Problems) {
	seen := map[string]bool{}
	for i := range d.Projects {
		e, w := CheckProject(&d.Projects[i], org)
		prefix := fmt.Sprintf("projects[%d].", i)
		id := d.Projects[i].ID
		if seen[id] && id != "" {
			e = append(e, Problem{Path: "id", Code: PFormat, Message: "项目 ID 重复：" + id, English: "duplicate project id: " + id})
		}
		seen[id] = true
		errs = append(errs, prefixed(prefix, e)...)
		warns = append(warns, prefixed(prefix, w)...)
	}
	return errs, warns
}

func prefixed(prefix string, ps Problems) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		p.Path = prefix + p.Path
		out[i] = p
	}
	return out
}

// EarliestCreation is the earliest creation time (创建时间) a project can
// have: none of the company's is older, and a device or a file saying
// otherwise has a wrong clock or a broken record (the year 0).
var EarliestCreation = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// CheckProject checks one whole project record: identity, status, the
// registration, the approval round, the handover and the initiation,
// each as far as the project's status requires.
func CheckProject(p *Project, org *Org) (errs, warns Problems) {
	bad := func(path, zh, en string) {
		errs = append(errs, Problem{Path: path, Code: PFormat, Message: zh, English: en})
	}
	if !ValidID(p.ID) {
		bad("id", "项目 ID 须为小写 UUID（如 0190f5c2-7a1b-7c3d-8e9f-0123456789ab）", "the id must be a lower-case UUID")
	}
	if !p.Status.Valid() {
		bad("status", "未知状态："+string(p.Status), "unknown status: "+string(p.Status))
	}
	if blank(p.OwnerID) {
		bad("owner_id", "须注明申请人（owner_id）", "owner_id is required")
	} else if org != nil {
		if _, ok := org.User(p.OwnerID); !ok {
			bad("owner_id", "申请人不是目录中的用户："+p.OwnerID, "owner is not a user: "+p.OwnerID)
		}
	}
	if p.CreatedAt.IsZero() {
		bad("created_at", "须注明创建时间（created_at，RFC 3339）", "created_at is required")
	} else if p.CreatedAt.Before(EarliestCreation) {
		bad("created_at", fmt.Sprintf("创建时间不能早于 2000 年（现为 %s）", p.CreatedAt.UTC().Format(time.RFC3339)),
			fmt.Sprintf("created_at cannot be before 2000 (got %s)", p.CreatedAt.UTC().Format(time.RFC3339)))
	}
	if !p.Kind().Valid() {
		bad("registration.kind", "项目类型须为 local、saas 或 upgrade", "kind must be local, saas or upgrade")
		return errs, warns
	}
	// A draft (or a returned registration) may hold anything a person
	// typed; its problems are for them to fix before submitting, so they
	// are warnings, and the record can be imported without losing input.
	editable := p.Status == StatusDraft || p.Status == StatusReturned
	// Except an attachment's metadata: a file name with a path, a hash that
	// is no SHA-256 or an impossible size is never right, in any state
	// (other devices open the file by them).
	attachments := prefixed("registration.", ValidateAttachments(p.Registration.Attachments))
	errs = append(errs, attachments...)
	for _, x := range Validate(&p.Registration, org) {
		x.Path = "registration." + x.Path
		if slices.Contains(attachments, x) {
			continue
		}
		if editable {
			warns = append(warns, x)
		} else {
			errs = append(errs, x)
		}
	}
	for i, d := range p.Decisions {
		path := fmt.Sprintf("decisions[%d]", i)
		if !slices.Contains(Actions, d.Action) {
			bad(path+".action", "未知操作："+string(d.Action), "unknown action: "+string(d.Action))
		}
		if blank(d.ActorID) {
			bad(path+".actor_id", "审批记录须注明操作人", "a decision needs its actor")
		}
		if d.At.IsZero() {
			bad(path+".at", "审批记录须注明时间", "a decision needs its time")
		}
	}
	if p.Status == StatusSubmitted {
		if _, ok := p.Approval.Waiting(); !ok {
			bad("approval", "审批中的项目须有当前审批步骤", "a submitted project needs a waiting approval step")
		}
	}
	if p.Kind() != KindUpgrade && (p.Status == StatusHandedOver || p.Status == StatusInitiated) {
		if p.Handover == nil {
			bad("handover", "已交接的项目须有会议交接记录", "a handed-over project needs its handover record")
		} else {
			errs = append(errs, prefixed("handover.", ValidateHandover(p.Handover))...)
		}
	}
	if p.Status == StatusInitiated {
		if p.Initiation == nil {
			bad("initiation", "已立项的项目须有立项信息", "an initiated project needs its initiation")
		} else {
			errs = append(errs, prefixed("initiation.", ValidateInitiation(p.Initiation, p.Kind(), org))...)
		}
		if blank(p.Number) {
			bad("number", "已立项的项目须有"+p.Kind().NumberName(), "an initiated project needs its registration number")
		}
	}
	if strings.TrimSpace(p.Number) != p.Number {
		bad("number", "登记号前后不能有空格", "the number has surrounding spaces")
	}
	return errs, warns
}

// RecordIndex is i of a problem path "projects[i]…" of an interchange
// document of n projects, -1 when the path is not inside one of them.
func RecordIndex(path string, n int) int {
	rest, ok := strings.CutPrefix(path, "projects[")
	if !ok {
		return -1
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return -1
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil || i < 0 || i >= n {
		return -1
	}
	return i
}

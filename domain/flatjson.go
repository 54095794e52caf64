package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The leaves of a JSON document read straight from its text, without
// decoding it into a tree of values and encoding each leaf again: for a
// document as encoding/json writes it (compact, its own escapes), the text
// of each leaf is exactly what encoding the decoded leaf would give, so
// Flatten can cut the leaves out of the text. The one exception is an
// invalid UTF-8 byte, which encoding/json writes as \ufffd and which comes
// back as the character U+FFFD; a leaf holding that escape is decoded and
// encoded again, as before.

var errBadJSON = errors.New("flatten: malformed JSON")

// flatScanner walks one JSON text.
type flatScanner struct {
	s   string
	out map[string]string
	pos map[string][2]int // where each leaf's text is in s, when wanted
}

func (f *flatScanner) space(i int) int {
	for i < len(f.s) {
		switch f.s[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skip returns the end of the value that starts at i.
func (f *flatScanner) skip(i int) (int, error) {
	if i >= len(f.s) {
		return 0, errBadJSON
	}
	switch c := f.s[i]; c {
	case '"':
		return f.skipString(i)
	case '{', '[':
		depth := 0
		for i < len(f.s) {
			switch f.s[i] {
			case '"':
				j, err := f.skipString(i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errBadJSON
	default:
		j := i
		for j < len(f.s) {
			switch f.s[j] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				if j == i {
					return 0, errBadJSON
				}
				return j, nil
			}
			j++
		}
		if j == i {
			return 0, errBadJSON
		}
		return j, nil
	}
}

func (f *flatScanner) skipString(i int) (int, error) {
	for j := i + 1; j < len(f.s); j++ {
		switch f.s[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errBadJSON
}

// leaf records the text of a leaf, canonicalising the one escape whose
// round trip differs.
func (f *flatScanner) leaf(path string, a, b int) error {
	text := f.s[a:b]
	if f.pos != nil {
		f.pos[path] = [2]int{a, b}
	}
	if strings.Contains(text, `\ufffd`) {
		var v any
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		text = string(b)
	}
	f.out[path] = text
	return nil
}

// value flattens the value at i under path and returns its end.
func (f *flatScanner) value(path string, i int) (int, error) {
	i = f.space(i)
	if i >= len(f.s) {
		return 0, errBadJSON
	}
	switch f.s[i] {
	case '{':
		i = f.space(i + 1)
		if i < len(f.s) && f.s[i] == '}' {
			return i + 1, nil
		}
		for {
			i = f.space(i)
			if i >= len(f.s) || f.s[i] != '"' {
				return 0, errBadJSON
			}
			end, err := f.skipString(i)
			if err != nil {
				return 0, err
			}
			key := f.s[i+1 : end-1]
			if strings.IndexByte(key, '\\') >= 0 {
				if err := json.Unmarshal([]byte(f.s[i:end]), &key); err != nil {
					return 0, err
				}
			}
			i = f.space(end)
			if i >= len(f.s) || f.s[i] != ':' {
				return 0, errBadJSON
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			if i, err = f.value(p, i+1); err != nil {
				return 0, err
			}
			i = f.space(i)
			if i >= len(f.s) {
				return 0, errBadJSON
			}
			switch f.s[i] {
			case ',':
				i++
			case '}':
				return i + 1, nil
			default:
				return 0, errBadJSON
			}
		}
	case '[':
		start := i
		// The elements' starts; a list holding an object is flattened
		// row by row, any other list is one leaf.
		var starts [16]int
		elems := starts[:0]
		object := false
		i = f.space(i + 1)
		if i < len(f.s) && f.s[i] == ']' {
			return i + 1, f.leaf(path, start, i+1)
		}
		for {
			i = f.space(i)
			elems = append(elems, i)
			if i < len(f.s) && f.s[i] == '{' {
				object = true
			}
			end, err := f.skip(i)
			if err != nil {
				return 0, err
			}
			i = f.space(end)
			if i >= len(f.s) {
				return 0, errBadJSON
			}
			if f.s[i] == ',' {
				i++
				continue
			}
			if f.s[i] != ']' {
				return 0, errBadJSON
			}
			i++
			break
		}
		if !object {
			return i, f.leaf(path, start, i)
		}
		for n, e := range elems {
			if _, err := f.value(path+"["+strconv.Itoa(n)+"]", e); err != nil {
				return 0, err
			}
		}
		return i, nil
	}
	end, err := f.skip(i)
	if err != nil {
		return 0, err
	}
	return end, f.leaf(path, i, end)
}

// flattenJSON adds the leaves of the JSON text doc (as encoding/json
// writes it) to out, as flattenInto does for its decoded tree.
func flattenJSON(out map[string]string, doc string) error {
	f := flatScanner{s: doc, out: out}
	end, err := f.value("", 0)
	if err != nil {
		return err
	}
	if f.space(end) != len(doc) {
		return errBadJSON
	}
	return nil
}

// FlattenJSON maps every leaf of a JSON document to its JSON text, like
// Flatten does for a value: doc must be as encoding/json writes it (a
// stored or sent project document is), or the texts of its leaves are not
// canonical.
func FlattenJSON(doc []byte) (map[string]string, error) {
	out := make(map[string]string, 64)
	if err := flattenJSON(out, string(doc)); err != nil {
		return nil, err
	}
	return out, nil
}

// needsDecode reports whether a leaf must be decoded to go into the tree:
// an object, a list that may hold a null or an object (which compaction
// drops), or a text with an escape or with something encoding/json
// escapes (<, >, &, U+2028, U+2029). Other lists of plain values go in as
// text (put decodes one when a path goes under it).
func needsDecode(text string) bool {
	if text == "" {
		return false
	}
	if text[0] == '{' {
		return true
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\\', '<', '>', '&', '{', 'n':
			// n: a null in a list, which compaction drops.
			return true
		case 0xe2:
			if i+2 < len(text) && text[i+1] == 0x80 && (text[i+2] == 0xa8 || text[i+2] == 0xa9) {
				return true
			}
		}
	}
	return false
}

// plainValid reports whether text is one JSON string without escapes, or
// one number, true or false.
func plainValid(text string) bool {
	if len(text) >= 2 && text[0] == '"' {
		if text[len(text)-1] != '"' {
			return false
		}
		for i := 1; i < len(text)-1; i++ {
			if c := text[i]; c < 0x20 || c == '"' {
				return false
			}
		}
		return true
	}
	return json.Valid([]byte(text))
}

// TopLevelKeys returns the keys of a JSON object's own members, in order,
// without decoding their values.
func TopLevelKeys(doc []byte) ([]string, error) {
	f := flatScanner{s: string(doc)}
	i := f.space(0)
	if i >= len(f.s) || f.s[i] != '{' {
		return nil, errBadJSON
	}
	var keys []string
	i = f.space(i + 1)
	if i < len(f.s) && f.s[i] == '}' {
		return keys, nil
	}
	for {
		i = f.space(i)
		if i >= len(f.s) || f.s[i] != '"' {
			return nil, errBadJSON
		}
		end, err := f.skipString(i)
		if err != nil {
			return nil, err
		}
		key := f.s[i+1 : end-1]
		if strings.IndexByte(key, '\\') >= 0 {
			if err := json.Unmarshal([]byte(f.s[i:end]), &key); err != nil {
				return nil, err
			}
		}
		keys = append(keys, key)
		i = f.space(end)
		if i >= len(f.s) || f.s[i] != ':' {
			return nil, errBadJSON
		}
		if i, err = f.skip(f.space(i + 1)); err != nil {
			return nil, err
		}
		i = f.space(i)
		if i >= len(f.s) {
			return nil, errBadJSON
		}
		switch f.s[i] {
		case ',':
			i++
		case '}':
			return keys, nil
		default:
			return nil, errBadJSON
		}
	}
}

// unflattenRaw rebuilds the JSON text of a project from its leaves, as
// unflatten and json.Marshal do, without decoding the leaves that are
// plain values (strings, numbers, booleans): they go into the text as
// they are. Objects and lists are decoded, so that compaction sees their
// rows, and so are strings with escapes or with what encoding/json
// escapes (a custom decoder such as time.Time's reads the text as it
// stands, so the text must be the one encoding/json writes). The leaves go in in path order, as unflatten puts them (a list
// leaf before the rows under it). It reports false when a leaf is not valid
// JSON, for the caller to take the slow path that names it.
func unflattenRaw(flat map[string]string) ([]byte, bool) {
	root := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(flat)) {
		text := flat[k]
		var v any
		switch {
		case text == "null":
		case needsDecode(text):
			dec := json.NewDecoder(strings.NewReader(text))
			dec.UseNumber()
			if dec.Decode(&v) != nil || dec.More() {
				return nil, false
			}
		case text[0] == '[' && !json.Valid([]byte(text)):
			return nil, false
		case text[0] != '[' && !plainValid(text):
			return nil, false
		default:
			v = json.RawMessage(text)
		}
		segs, err := parsePath(k)
		if err != nil {
			return nil, false
		}
		if err := put(root, segs, v); err != nil {
			return nil, false
		}
	}
	return appendTree(make([]byte, 0, 4096), compact(root)), true
}

// appendTree writes a tree of leaves as json.Marshal would for decoding:
// object keys sorted (the last of two keys that match one field wins, as
// there), plain leaves as their text.
func appendTree(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case json.RawMessage:
		return append(dst, x...)
	case json.Number:
		return append(dst, x...)
	case string:
		return AppendJSONString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, k)
			dst = append(dst, ':')
			dst = appendTree(dst, x[k])
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTree(dst, e)
		}
		return append(dst, ']')
	}
	// Not a value a leaf decodes to: encoding/json says what it is.
	b, _ := json.Marshal(v)
	return append(dst, b...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, escaped exactly as
// encoding/json escapes it (HTML characters, U+2028 and U+2029, control
// characters, invalid UTF-8 as \ufffd).
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	if utf8.ValidString(s) {
		// The common case: only ASCII specials and the two separators
		// need a look.
		start := 0
		for i := 0; i < len(s); i++ {
			b := s[i]
			if b >= utf8.RuneSelf {
				if b == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
					dst = append(dst, s[start:i]...)
					dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
					i += 2
					start = i + 1
				}
				continue
			}
			if jsonSafe[b] {
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, b)
			start = i + 1
		}
		dst = append(dst, s[start:]...)
		return append(dst, '"')
	}
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendEscape(dst, b)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonSafe is the ASCII bytes encoding/json writes as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

func appendEscape(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}

// AppendFieldChanges appends changes as the JSON encoding/json writes for
// them ([{"path":…,"old":…,"new":…}, …]; null for none).
func AppendFieldChanges(dst []byte, changes []FieldChange) []byte {
	if changes == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, c := range changes {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"path":`...)
		dst = AppendJSONString(dst, c.Path)
		dst = append(dst, `,"old":`...)
		dst = AppendJSONString(dst, c.Old)
		dst = append(dst, `,"new":`...)
		dst = AppendJSONString(dst, c.New)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// zeroTime is how encoding/json writes the zero time.
const zeroTime = `"0001-01-01T00:00:00Z"`

// StampTimes is a new project's document as its device sent it (exactly
// what encoding/json writes for the project) with the times the server
// stamps on a create put in place: updated_at now, and created_at now
// when it was the zero time. It is what encoding the stamped project
// gives, without decoding and encoding it, so that the server and the
// device that sent it arrive at the same text. It is nil when the document
// does not have the times where encoding/json puts them.
func StampTimes(doc []byte, now time.Time) []byte {
	const ck, uk = `,"created_at":`, `,"updated_at":`
	// The top-level times come before the registration, and a quote inside
	// a string is escaped, so the first matches are the project's own.
	c := bytes.Index(doc, []byte(ck))
	u := bytes.Index(doc, []byte(uk))
	reg := bytes.Index(doc, []byte(`,"registration":`))
	if c < 0 || u < 0 || reg < 0 || !(c < u && u < reg) {
		return nil
	}
	cEnd, uEnd := c+len(ck), u+len(uk)
	if cEnd >= len(doc) || doc[cEnd] != '"' || uEnd >= len(doc) || doc[uEnd] != '"' {
		return nil
	}
	cv := bytes.IndexByte(doc[cEnd+1:], '"')
	uv := bytes.IndexByte(doc[uEnd+1:], '"')
	if cv < 0 || uv < 0 {
		return nil
	}
	cStop, uStop := cEnd+1+cv+1, uEnd+1+uv+1
	if cStop > u {
		return nil
	}
	stamp, err := now.MarshalJSON()
	if err != nil {
		return nil
	}
	out := make([]byte, 0, len(doc)+32)
	if string(doc[cEnd:cStop]) == zeroTime {
		out = append(out, doc[:cEnd]...)
		out = append(out, stamp...)
		out = append(out, doc[cStop:uEnd]...)
	} else {
		out = append(out, doc[:uEnd]...)
	}
	out = append(out, stamp...)
	return append(out, doc[uStop:]...)
}

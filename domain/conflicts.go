package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// A conflict (冲突) is addressed by its identity (冲突标识), never by its
// place in the project's list: the list changes on every device at its own
// pace (a conflict settled here, a newer one added there), so "the first
// conflict" on one device may be another conflict on the server. The
// identity is the change that recorded the conflict and the field it is
// about — "<change_id>:<path>" — which no other conflict has: a change
// conflicts at most once per field. A conflict stored without its change
// (older data) gets an identity derived from its content, the same on
// every device: "h<hash>:<path>".

// ID is the conflict's identity: "<change_id>:<path>", or for a conflict
// without its change id, "h" and a hash of its values, then ":<path>".
func (c Conflict) ID() string {
	if c.ChangeID != "" {
		return c.ChangeID + ":" + c.Path
	}
	h := sha256.New()
	for _, s := range []string{c.Path, c.Base, c.Mine, c.Theirs, c.ActorID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if !c.At.IsZero() {
		h.Write([]byte(c.At.UTC().Format(time.RFC3339Nano)))
	}
	return "h" + hex.EncodeToString(h.Sum(nil)[:12]) + ":" + c.Path
}

// ConflictPath is the field a conflict identity names ("" when id is not
// one).
func ConflictPath(id string) string {
	_, path, ok := strings.Cut(id, ":")
	if !ok {
		return ""
	}
	return path
}

// ValidConflictID reports whether id has the form of a conflict identity:
// a non-empty change id or hash, a colon and a field path.
func ValidConflictID(id string) bool {
	ref, path, ok := strings.Cut(id, ":")
	return ok && ref != "" && path != "" && len(id) <= 512 && !strings.ContainsAny(id, " \t\r\n")
}

// IsConflictPath reports whether a field path is inside the conflicts list
// (conflicts[2].mine): a row addressed by its place, as clients before
// conflict identities sent a resolution.
func IsConflictPath(path string) bool {
	return path == "conflicts" || strings.HasPrefix(path, "conflicts[") || strings.HasPrefix(path, "conflicts.")
}

// IndexOfConflict is the place of the conflict with identity id in list,
// or -1.
func IndexOfConflict(list []Conflict, id string) int {
	return slices.IndexFunc(list, func(c Conflict) bool { return c.ID() == id })
}

// ResolvedConflicts are the identities of the conflicts of before that
// after no longer holds: the conflicts a save settled.
func ResolvedConflicts(before, after []Conflict) []string {
	if len(before) == 0 {
		return nil
	}
	kept := make(map[string]bool, len(after))
	for _, c := range after {
		kept[c.ID()] = true
	}
	var out []string
	for _, c := range before {
		if id := c.ID(); !kept[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// RemoveConflicts returns list without the conflicts whose identity is in
// ids (a new slice; nil when none is left) and the identities it does not
// hold (resolutions of conflicts that are gone: settled meanwhile by
// someone else). No other conflict is touched.
func RemoveConflicts(list []Conflict, ids []string) (kept []Conflict, missing []string) {
	if len(ids) == 0 {
		return list, nil
	}
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	found := map[string]bool{}
	for _, c := range list {
		id := c.ID()
		if gone[id] {
			found[id] = true
			continue
		}
		kept = append(kept, c)
	}
	for _, id := range ids {
		if !found[id] && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	return kept, missing
}

// conflictLeaves are the fields of a conflict row, as its JSON names them.
var conflictLeaves = map[string]bool{"path": true, "base": true, "mine": true, "theirs": true,
	"actor_id": true, "change_id": true, "at": true}

// conflictRow parses "conflicts[3].mine" into 3 and "mine".
func conflictRow(path string) (int, string, bool) {
	rest, ok := strings.CutPrefix(path, "conflicts[")
	if !ok {
		return 0, "", false
	}
	num, leaf, ok := strings.Cut(rest, "]")
	leaf, dot := strings.CutPrefix(leaf, ".")
	if !ok || !dot || !conflictLeaves[leaf] || num == "" || len(num) > 5 || (len(num) > 1 && num[0] == '0') {
		return 0, "", false
	}
	i := 0
	for _, r := range num {
		if r < '0' || r > '9' {
			return 0, "", false
		}
		i = i*10 + int(r-'0')
	}
	return i, leaf, true
}

// rowLeaves are a conflict's leaves by name (absent ones left out).
func rowLeaves(c Conflict) map[string]string {
	raw, err := json.Marshal(c)
	if err != nil {
		return map[string]string{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

// rowConflict decodes a conflict from its leaves; ok is false when it has
// no path (no conflict).
func rowConflict(leaves map[string]string) (Conflict, bool) {
	var c Conflict
	m := make(map[string]json.RawMessage, len(leaves))
	for k, v := range leaves {
		if v != "null" {
			m[k] = json.RawMessage(v)
		}
	}
	raw, err := json.Marshal(m)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Path == "" {
		return Conflict{}, false
	}
	return c, true
}

// LegacyConflictEdits reads the changes of conflict rows in an edit made
// before conflict identities (conflicts[i].* — a resolution as a client of
// then sent it, addressing rows by their place in the list it held) as
// resolutions by identity, against the project as it is now: it returns
// the other changes, the identities of the conflicts the edit settled, and
// those of conflicts it settled that are gone. A row is read only where
// the edit's old values are the row's values now (the device saw that very
// conflict there); a row the device saw holding another conflict is left
// alone, and a row it removed whole names its conflict by those old values.
// A conflict the edit's list still holds (moved up a place) is not
// settled.
func LegacyConflictEdits(cur *Project, changes []FieldChange) (rest []FieldChange, resolved, stale []string) {
	groups := map[int][]FieldChange{}
	var order []int
	for _, c := range changes {
		i, _, ok := conflictRow(c.Path)
		if !ok {
			rest = append(rest, c)
			continue
		}
		if _, seen := groups[i]; !seen {
			order = append(order, i)
		}
		groups[i] = append(groups[i], c)
	}
	if len(groups) == 0 {
		return changes, nil, nil
	}
	slices.Sort(order)
	var list []Conflict
	if cur != nil {
		list = cur.Conflicts
	}
	saw := map[string]bool{}  // conflicts the device's list held before
	kept := map[string]bool{} // conflicts its list holds after
	// The conflicts known whole: those here now and those rows removed
	// whole held (their old values are all their fields).
	known := slices.Clone(list)
	for _, i := range order {
		if g := groups[i]; removedRow(g) {
			if x, ok := rowConflict(oldLeaves(g, nil)); ok {
				known = append(known, x)
			}
		}
	}
	for _, i := range order {
		g := groups[i]
		if i < len(list) && rowMatches(rowLeaves(list[i]), g, true) {
			// The device saw this very conflict in this row.
			saw[list[i].ID()] = true
			if x, ok := rowConflict(newLeaves(g, rowLeaves(list[i]))); ok {
				kept[x.ID()] = true
			}
			continue
		}
		if removedRow(g) {
			// It removed a row that held another conflict than the one
			// here now: its old values are that whole conflict.
			if x, ok := rowConflict(oldLeaves(g, nil)); ok {
				saw[x.ID()] = true
			}
			continue
		}
		// It moved a conflict into a row that holds another one here: the
		// conflict it moved stays; when that one is known, the row's old
		// values on top of it are the conflict the device saw there.
		for _, y := range known {
			if l := rowLeaves(y); rowMatches(l, g, false) {
				kept[y.ID()] = true
				if x, ok := rowConflict(oldLeaves(g, l)); ok {
					saw[x.ID()] = true
				}
				break
			}
		}
	}
	for _, x := range list {
		if id := x.ID(); saw[id] && !kept[id] {
			resolved = append(resolved, id)
		}
	}
	for id := range saw {
		if !kept[id] && IndexOfConflict(list, id) < 0 {
			stale = append(stale, id)
		}
	}
	slices.Sort(stale)
	return rest, resolved, stale
}

// removedRow reports whether an edit's changes of one row remove it whole.
func removedRow(g []FieldChange) bool {
	return !slices.ContainsFunc(g, func(c FieldChange) bool { return c.New != "null" })
}

// rowMatches reports whether a row's leaves hold the old values (or, with
// old false, the new values) of an edit's changes of a row.
func rowMatches(leaves map[string]string, g []FieldChange, old bool) bool {
	for _, c := range g {
		_, leaf, _ := conflictRow(c.Path)
		v, ok := leaves[leaf]
		if !ok {
			v = "null"
		}
		want := c.New
		if old {
			want = c.Old
		}
		if !SameJSON(v, want) {
			return false
		}
	}
	return true
}

// oldLeaves and newLeaves are a row's leaves (a copy of base) with an
// edit's old or new values of the row put in.
func oldLeaves(g []FieldChange, base map[string]string) map[string]string {
	return putLeaves(g, base, true)
}

func newLeaves(g []FieldChange, base map[string]string) map[string]string {
	return putLeaves(g, base, false)
}

func putLeaves(g []FieldChange, base map[string]string, old bool) map[string]string {
	out := make(map[string]string, len(base)+len(g))
	for k, v := range base {
		out[k] = v
	}
	for _, c := range g {
		_, leaf, _ := conflictRow(c.Path)
		v := c.New
		if old {
			v = c.Old
		}
		if v == "null" {
			delete(out, leaf)
		} else {
			out[leaf] = v
		}
	}
	return out
}

// AddsConflictRow reports whether an edit changes a row of the conflicts
// list that the device did not hold (every old value of the row null):
// conflicts are recorded by the server, never made up by an edit.
func AddsConflictRow(changes []FieldChange) bool {
	held := map[int]bool{}
	rows := map[int]bool{}
	for _, c := range changes {
		i, _, ok := conflictRow(c.Path)
		if !ok {
			continue
		}
		rows[i] = true
		if c.Old != "null" {
			held[i] = true
		}
	}
	for i := range rows {
		if !held[i] {
			return true
		}
	}
	return false
}

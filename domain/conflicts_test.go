package domain_test

import (
	"slices"
	"testing"
	"time"

	"lixiang/domain"
)

const (
	chA = "0190f5c2-0000-7000-8000-00000000000a"
	chB = "0190f5c2-0000-7000-8000-00000000000b"
	chC = "0190f5c2-0000-7000-8000-00000000000c"
)

func conflictOn(path, change, mine string) domain.Conflict {
	return domain.Conflict{Path: path, Base: `"起初"`, Mine: `"` + mine + `"`, Theirs: `"现值"`, ActorID: "u-wangfang",
		ChangeID: change, At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

// A conflict's identity is the change that recorded it and its field; one
// stored without its change gets one derived from its values, the same
// every time, different for different values.
func TestConflictIdentity(t *testing.T) {
	c := conflictOn("registration.requirement", chA, "甲")
	if c.ID() != chA+":registration.requirement" || domain.ConflictPath(c.ID()) != "registration.requirement" {
		t.Fatalf("id %q path %q", c.ID(), domain.ConflictPath(c.ID()))
	}
	old := c
	old.ChangeID = ""
	other := old
	other.Mine = `"乙"`
	if old.ID() != old.ID() || old.ID() == other.ID() || old.ID()[0] != 'h' || domain.ConflictPath(old.ID()) != c.Path {
		t.Fatalf("derived ids %q %q", old.ID(), other.ID())
	}
	for _, id := range []string{c.ID(), old.ID()} {
		if !domain.ValidConflictID(id) {
			t.Errorf("%q is a conflict id", id)
		}
	}
	for _, id := range []string{"", "registration.requirement", ":x", "a:", "a: b"} {
		if domain.ValidConflictID(id) {
			t.Errorf("%q is no conflict id", id)
		}
	}
}

// Settling a conflict by its identity touches no other conflict on the
// same field; a conflict that is gone is ENOTFOUND.
func TestResolveConflictByIdentity(t *testing.T) {
	p := mergeBase()
	older, newer := conflictOn("registration.requirement", chA, "甲"), conflictOn("registration.requirement", chB, "乙")
	p.Conflicts = []domain.Conflict{older, newer}
	got, err := domain.ResolveConflict(p, newer.ID(), `"乙"`)
	if err != nil {
		t.Fatal(err)
	}
	if got.Registration.Requirement != "乙" || len(got.Conflicts) != 1 || got.Conflicts[0] != older {
		t.Fatalf("resolved the newer: requirement %q conflicts %+v", got.Registration.Requirement, got.Conflicts)
	}
	if _, err := domain.ResolveConflict(got, newer.ID(), `"乙"`); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("resolving a settled conflict: %v", err)
	}
	kept, missing := domain.RemoveConflicts(p.Conflicts, []string{newer.ID(), conflictOn("x", chC, "丙").ID()})
	if len(kept) != 1 || kept[0] != older || len(missing) != 1 || missing[0] != chC+":x" {
		t.Fatalf("remove: kept %+v missing %v", kept, missing)
	}
	if ids := domain.ResolvedConflicts(p.Conflicts, got.Conflicts); !slices.Equal(ids, []string{newer.ID()}) {
		t.Fatalf("resolved ids %v", ids)
	}
}

// A contested change (the resolution of a conflict that is gone) is a
// conflict even where nobody changed the field, unless the field holds
// its value already.
func TestMergeContested(t *testing.T) {
	p := mergeBase()
	p.Registration.Requirement = "甲"
	contested := func(path string) bool { return path == "registration.requirement" }
	_, applied, conflicts, err := domain.MergeContested(p, []domain.FieldChange{
		{Path: "registration.requirement", Old: `"甲"`, New: `"乙"`},
		{Path: "registration.other.notes", Old: `null`, New: `"备注"`},
	}, contested)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].Path != "registration.other.notes" || len(conflicts) != 1 ||
		conflicts[0].Mine != `"乙"` || conflicts[0].Theirs != `"甲"` {
		t.Fatalf("applied %+v conflicts %+v", applied, conflicts)
	}
	_, applied, conflicts, _ = domain.MergeContested(p, []domain.FieldChange{
		{Path: "registration.requirement", Old: `"乙"`, New: `"甲"`}}, contested)
	if len(applied)+len(conflicts) != 0 {
		t.Fatalf("already so: applied %+v conflicts %+v", applied, conflicts)
	}
}

// Conflict rows changed by place (a client of before identities) are read
// as resolutions by identity: only where the device saw that very conflict
// in that row; a conflict that moved up a place in its list is not
// settled; a row removed whole names its conflict.
func TestLegacyConflictEdits(t *testing.T) {
	a, b, c := conflictOn("registration.requirement", chA, "甲"), conflictOn("registration.requirement", chB, "乙"),
		conflictOn("registration.other.notes", chC, "丙")
	// The device held [a, b] and settled a: its list is [b].
	device, settled := mergeBase(), mergeBase()
	device.Conflicts = []domain.Conflict{a, b}
	settled.Conflicts = []domain.Conflict{b}
	settled.Registration.Requirement = "甲"
	edit := diff(t, device, settled)
	for _, tt := range []struct {
		name            string
		now             []domain.Conflict
		resolved, stale []string
	}{
		{"the server holds what the device held", []domain.Conflict{a, b}, []string{a.ID()}, nil},
		{"a newer conflict came after", []domain.Conflict{a, b, c}, []string{a.ID()}, nil},
		{"someone settled a, a newer conflict took its place", []domain.Conflict{c, b}, nil, []string{a.ID()}},
		{"someone settled both, a newer conflict is first", []domain.Conflict{c}, nil, []string{a.ID()}},
		{"someone settled a", []domain.Conflict{b}, nil, []string{a.ID()}},
		{"someone settled b", []domain.Conflict{a}, []string{a.ID()}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cur := mergeBase()
			cur.Conflicts = tt.now
			rest, resolved, stale := domain.LegacyConflictEdits(cur, edit)
			if len(rest) != 1 || rest[0].Path != "registration.requirement" {
				t.Errorf("other changes %+v", rest)
			}
			if !slices.Equal(resolved, tt.resolved) || !slices.Equal(stale, tt.stale) {
				t.Errorf("resolved %v stale %v, want %v %v", resolved, stale, tt.resolved, tt.stale)
			}
			// Whatever the server holds, no conflict but a is settled.
			for _, id := range resolved {
				if id != a.ID() {
					t.Errorf("settled %s", id)
				}
			}
		})
	}
	// The device held [b, a] and settled a (the last row, removed whole);
	// someone settled it meanwhile: it is stale, b untouched.
	device.Conflicts = []domain.Conflict{b, a}
	rest, resolved, stale := domain.LegacyConflictEdits(&domain.Project{Conflicts: []domain.Conflict{b}}, diff(t, device, settled))
	if len(resolved) != 0 || !slices.Equal(stale, []string{a.ID()}) || len(rest) != 1 {
		t.Fatalf("stale removal: rest %+v resolved %v stale %v", rest, resolved, stale)
	}
}

package sqlite

import (
	"database/sql"
	"testing"
)

// TestOwnRangesCoalesceAndPass: the sequence numbers of rows this device
// rebuilt are kept as ranges, adjacent ones joined, and dropped once the
// cursor passes them; a reset cursor forgets them.
func TestOwnRangesCoalesceAndPass(t *testing.T) {
	s, _, _ := openTest(t)
	ctx := t.Context()
	add := func(seqs []int64, cursor int64) string {
		t.Helper()
		if err := s.inTx(ctx, func(tx *sql.Tx) error { return setOwn(ctx, tx, seqs, cursor) }); err != nil {
			t.Fatal(err)
		}
		v, err := s.OwnRanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := add([]int64{7, 5, 6, 9}, 0); got != "5-7,9-9" {
		t.Fatalf("ranges = %q", got)
	}
	if got := add([]int64{8, 12}, 0); got != "5-9,12-12" {
		t.Fatalf("ranges = %q", got)
	}
	if got := add(nil, 9); got != "12-12" {
		t.Fatalf("after the cursor passed 9: %q", got)
	}
	var many []int64
	for i := range 100 {
		many = append(many, int64(100+2*i))
	}
	if got := parseRanges(add(many, 0)); len(got) != maxOwnRanges || got[len(got)-1] != (seqRange{298, 298}) {
		t.Fatalf("%d ranges kept, last %v", len(got), got[len(got)-1])
	}
	if err := s.ResetCursor(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.OwnRanges(ctx); v != "" {
		t.Fatalf("after a reset: %q", v)
	}
}

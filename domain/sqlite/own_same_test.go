package sqlite

import (
	"strings"
	"testing"
)

// TestSameButUpdatedAt: two documents that differ only in updated_at are
// the same; any other difference, or a document without updated_at, is
// not — as comparing withoutUpdatedAt of both says.
func TestSameButUpdatedAt(t *testing.T) {
	base := `{"id":"p1","updated_at":"2026-03-01T09:30:00Z","registration":{"notes":"年底上线"}}`
	tests := []struct {
		b    string
		same bool
	}{
		{base, true},
		{`{"id":"p1","updated_at":"2026-03-02T10:00:00.123456789+08:00","registration":{"notes":"年底上线"}}`, true},
		{`{"id":"p1","updated_at":"2026-03-01T09:30:00Z","registration":{"notes":"年中上线"}}`, false},
		{`{"id":"p2","updated_at":"2026-03-01T09:30:00Z","registration":{"notes":"年底上线"}}`, false},
		{`{"id":"p1","registration":{"notes":"年底上线"}}`, false},
		{`{"id":"p1","updated_at":"2026-03-01T09:30:00Z"}`, false},
	}
	for _, tt := range tests {
		a1, ok1 := withoutUpdatedAt(base)
		b1, ok2 := withoutUpdatedAt(tt.b)
		if want := ok1 && ok2 && a1 == b1; want != tt.same {
			t.Fatalf("the table is wrong for %s", tt.b)
		}
		if got := sameButUpdatedAt(base, tt.b); got != tt.same {
			t.Errorf("sameButUpdatedAt(%s) = %v, want %v", tt.b, got, tt.same)
		}
	}
}

// withoutUpdatedAt is a project document without its updated_at member:
// the plain way to compare two documents but for it, which the table is
// checked against.
func withoutUpdatedAt(doc string) (string, bool) {
	const key = `"updated_at":"`
	i := strings.Index(doc, key)
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(doc[i+len(key):], '"')
	if j < 0 {
		return "", false
	}
	return doc[:i] + doc[i+len(key)+j+1:], true
}

package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lixiang/domain"
)

// TestStampTimesIsEncoding: a sent document with the server's times put in
// is what encoding the project with those times gives, for every sample of
// the interchange format, with and without a creation time.
func TestStampTimesIsEncoding(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "interchange", "*.json"))
	now := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Projects []domain.Project `json:"projects"`
		}
		json.Unmarshal(b, &doc)
		for i := range doc.Projects {
			for _, zero := range []bool{false, true} {
				p := doc.Projects[i]
				if zero {
					p.CreatedAt = time.Time{}
				}
				sent, err := json.Marshal(&p)
				if err != nil {
					t.Fatal(err)
				}
				q, ok := decodeCanonical(sent)
				if !ok {
					continue // not a document this path takes
				}
				q.UpdatedAt = now
				if zero {
					q.CreatedAt = now
				}
				want, _ := json.Marshal(q)
				if got := domain.StampTimes(sent, now); string(got) != string(want) {
					t.Fatalf("%s[%d]:\n got %s\nwant %s", filepath.Base(f), i, got, want)
				}
				n++
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d samples", n)
	}
	if domain.StampTimes([]byte(`{"id":"x"}`), now) != nil {
		t.Fatal("a document without the times was stamped")
	}
}

package domain_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"lixiang/domain"
)

// TestQuantityJSONPlainCounts: the quick way a plain count is written
// gives what the general rule gives (a number when the text is the number
// strconv writes, within a trillion; the text otherwise), at the edges.
func TestQuantityJSONPlainCounts(t *testing.T) {
	for _, in := range []string{"0", "00", "01", "7", "5000", "999999999999", "1000000000000",
		"1000000000001", "9999999999999", "10000000000000", "99999999999999999999", "１２", " 12", "12 ",
		"1,000", "-1", "+1", "1e3", "", "0x10", "١٢"} {
		q := domain.Quantity(in)
		got, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("Marshal(%q): %v", in, err)
		}
		want, _ := json.Marshal(in)
		if n, ok := q.Int(); ok && strconv.FormatInt(n, 10) == strings.TrimSpace(in) {
			want = []byte(strconv.FormatInt(n, 10))
		}
		if string(got) != string(want) {
			t.Errorf("Marshal(%q) = %s, want %s", in, got, want)
		}
	}
}

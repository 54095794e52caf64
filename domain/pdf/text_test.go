package pdf

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// unit measures every character as 1, CJK as 2: a stand-in for the font.
func unit(r rune) float64 {
	if wide(r) {
		return 2
	}
	return 1
}

func TestWrapKeepsEveryCharacter(t *testing.T) {
	// gofpdf's own MultiCell drops the character at each break it makes
	// between two Chinese characters; this wrapper must lose nothing.
	text := strings.Repeat("集团总部及二级单位统一建设电子签章平台，印章集中管控。", 20)
	lines := wrap(text, 21, unit)
	if len(lines) < 10 {
		t.Fatalf("%d lines: Chinese text without spaces did not wrap", len(lines))
	}
	if got := strings.Join(lines, ""); got != text {
		t.Fatalf("characters lost or changed:\n got %q\nwant %q", got, text)
	}
	for i, l := range lines {
		if w := width(l); w > 21 {
			t.Errorf("line %d is %v wide, more than 21: %q", i, w, l)
		}
	}
}

func width(s string) float64 {
	total := 0.0
	for _, r := range s {
		total += unit(r)
	}
	return total
}

func TestWrapRules(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"latin words stay whole", "OA 蓝凌EKP V16 and ERP", 9, []string{"OA 蓝凌", "EKP V16", "and ERP"}},
		{"no line starts with closing punctuation", "签章平台，印章", 8, []string{"签章平", "台，印章"}},
		{"no line ends with opening punctuation", "签章（蓝凌）", 6, []string{"签章", "（蓝", "凌）"}},
		{"a word longer than the line breaks inside", "liumin@sdhsg.example.com", 10, []string{"liumin@sdh", "sg.example", ".com"}},
		{"paths break after a slash", "svn://a/bb/ccc", 9, []string{"svn://a/", "bb/ccc"}},
		{"explicit newlines and empty lines stay", "第一行\n\n第三行", 40, []string{"第一行", "", "第三行"}},
		{"spaces at a break are dropped", "aaa    bbb", 5, []string{"aaa", "bbb"}},
		{"empty text is one empty line", "", 10, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap(tc.text, tc.width, unit)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("wrap(%q, %v) = %q, want %q", tc.text, tc.width, got, tc.want)
			}
		})
	}
}

func TestCleanReplacesWhatTheFontLacks(t *testing.T) {
	font, err := face()
	if err != nil {
		t.Fatal(err)
	}
	c := coverage{font: font, known: map[rune]bool{}}
	got := c.clean("签署\t完成😀\r\n第二行\x07 é")
	want := "签署 完成□\n第二行 é"
	if got != want {
		t.Fatalf("clean = %q, want %q", got, want)
	}
	if !utf8.ValidString(got) {
		t.Fatal("not UTF-8")
	}
}

// The running header and footer set their own small type inside gofpdf's
// AddPage; a table that breaks across pages must go on measuring and
// drawing at its own size.
func TestPageBreakKeepsTypeSize(t *testing.T) {
	d, err := newDoc(Options{}, "立项通", "SSDJ-2026-0137", "标题", "测试")
	if err != nil {
		t.Fatal(err)
	}
	d.newPage()
	d.setSize(sizeDense)
	d.newPage()
	if pt, _ := d.f.GetFontSize(); d.size != sizeDense || pt != sizeDense {
		t.Fatalf("after a page break the doc measures at %v pt and gofpdf draws at %v pt, want %v", d.size, pt, sizeDense)
	}
}

package pdf

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"

	"lixiang/assets"
)

// Line breaking. gofpdf's MultiCell and SplitText break Chinese text but
// drop the character at every break they make between two Chinese
// characters (they resume after the break point as if it were a space), so
// the renderer breaks lines itself: between any two CJK characters, at
// spaces, never inside a Latin word or number unless it is longer than the
// line, never before closing punctuation (，。）》…) and never after opening
// punctuation (（《“…).

// noStart are characters a line must not begin with.
const noStart = "，。、；：？！）》」』】〕〉”’…—·%‰,.;:!?)]}"

// noEnd are characters a line must not end with.
const noEnd = "（《「『【〔〈“‘([{"

// wide reports whether r is set as a CJK character: each one may stand
// alone on either side of a line break.
func wide(r rune) bool {
	return r >= 0x2E80 || unicode.Is(unicode.Han, r)
}

// canBreak reports whether a line may end after a and the next begin with b.
func canBreak(a, b rune) bool {
	switch {
	case b == ' ':
		return false // break after the spaces, which are then dropped
	case a == ' ':
		return true
	case strings.ContainsRune(noStart, b), strings.ContainsRune(noEnd, a):
		return false
	case wide(a) || wide(b):
		return true
	case a == '/' && b != '/':
		return true // paths and addresses
	}
	return false
}

// wrap breaks s into lines no wider than width, measuring each character
// with w. Explicit newlines are kept (an empty line stays an empty line);
// nothing but the spaces at a break is dropped.
func wrap(s string, width float64, w func(rune) float64) []string {
	var out []string
	for para := range strings.SplitSeq(s, "\n") {
		out = append(out, wrapParagraph([]rune(strings.TrimRight(para, " ")), width, w)...)
	}
	return out
}

func wrapParagraph(rs []rune, width float64, w func(rune) float64) []string {
	var lines []string
	start := 0
	for start < len(rs) {
		lineW, brk, cut := 0.0, -1, len(rs)
		for i := start; i < len(rs); i++ {
			if i > start && canBreak(rs[i-1], rs[i]) {
				brk = i
			}
			lineW += w(rs[i])
			if lineW <= width || i == start {
				continue
			}
			switch {
			case rs[i] == ' ':
				cut = i
			case brk > start:
				cut = brk
			default:
				cut = i // a word longer than the line: break inside it
			}
			break
		}
		lines = append(lines, strings.TrimRight(string(rs[start:cut]), " "))
		start = cut
		for start < len(rs) && rs[start] == ' ' && cut < len(rs) {
			start++
		}
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// missingGlyph stands in for a character the bundled font cannot draw
// (an emoji, a rare ideograph): a visible box instead of nothing.
const missingGlyph = '□'

var face = sync.OnceValues(func() (*sfnt.Font, error) { return sfnt.Parse(assets.FontTTF) })

// coverage answers whether the bundled font has a glyph for a character,
// remembering the answers of one document.
type coverage struct {
	font  *sfnt.Font
	buf   sfnt.Buffer
	known map[rune]bool
}

func (c *coverage) has(r rune) bool {
	ok, seen := c.known[r]
	if !seen {
		g, err := c.font.GlyphIndex(&c.buf, r)
		ok = err == nil && g != 0
		c.known[r] = ok
	}
	return ok
}

// clean makes text printable with the bundled font: tabs become spaces,
// carriage returns and other control characters go, and characters the
// font lacks become □.
func (c *coverage) clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteRune(' ')
		case unicode.IsControl(r), r == '\u200b', r == '\ufeff':
		case r == ' ' || c.has(r):
			b.WriteRune(r)
		default:
			b.WriteRune(missingGlyph)
		}
	}
	return b.String()
}

// Package pdf prints a project's documents as A4 PDFs in Chinese with
// github.com/jung-kurt/gofpdf and the bundled font (assets.FontTTF): the
// handover minutes (会议交接纪要, SPEC §3) that a PM prints for everyone to
// sign, and the registration form (实施登记表 / 问题登记表, SPEC §2).
//
// Both take the project, the organisation directory (for people's names;
// nil prints their IDs) and Options, and return the PDF's bytes, so a
// screen or the command line writes them wherever it likes:
//
//	b, err := pdf.Minutes(p, org, pdf.Options{Generated: time.Now()})
//
// The same input and Options give the same bytes: the creation date is
// Options.Generated and nothing random goes into the file.
package pdf

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/jung-kurt/gofpdf"

	"lixiang/assets"
	"lixiang/domain"
)

// Options are what a rendering needs besides the project.
type Options struct {
	// Generated is when the document is made: printed in every page's
	// footer ("生成时间 2026-11-29 10:00") and written as the PDF's creation
	// and modification date. Its location is the time zone every time in
	// the document is shown in. The zero value means time.Now().
	Generated time.Time
	// Parent is the original project of an upgrade (历史项目升级扩展), when
	// the caller has it: the form then names it by number and project name
	// instead of by its ID.
	Parent *domain.Project
}

// Page geometry, in millimetres (A4 portrait).
const (
	pageW, pageH  = 210.0, 297.0
	marginX       = 18.0
	contentW      = pageW - 2*marginX
	contentTop    = 22.0  // below the running header
	contentBottom = 278.0 // above the running footer
	headerY       = 10.0
	footerY       = 282.5
)

// Type sizes (points) and the spacing of text in cells (millimetres).
const (
	sizeTitle    = 16.0
	sizeSubtitle = 10.0
	sizeSection  = 11.5
	sizeBody     = 9.5
	sizeDense    = 8.5 // tables with many columns
	sizeSmall    = 8.0
	leading      = 1.45 // line height as a multiple of the type size
	padX         = 1.8
	padY         = 1.3
	ptToMM       = 25.4 / 72
)

// Colours.
var (
	black     = rgb{0, 0, 0}
	grey      = rgb{110, 110, 110}
	lightGrey = rgb{150, 150, 150}
	border    = rgb{140, 140, 140}
	headFill  = rgb{232, 232, 232}
	labelFill = rgb{245, 245, 245}
)

type rgb struct{ r, g, b int }

const fontFamily = "wqy"

// doc is one document being laid out: the gofpdf document, the cursor,
// and what the running header and footer print. All page breaks are made
// here (gofpdf's automatic break is off), so a table repeats its header
// row and nothing is drawn below contentBottom.
type doc struct {
	f      *gofpdf.Fpdf
	loc    *time.Location
	gen    time.Time
	kind   string // running header: 立项通 · 项目会议交接纪要
	number string // running header, right: 实施登记号 SSDJ-2026-0137
	y      float64
	size   float64      // current type size, points
	units  map[rune]int // glyph widths in 1/1000 em
	cover  coverage     // which characters the font has
	onPage func(d *doc) // called on every new page after the header (table headers)
	sect   int          // sections numbered so far
	sub    int          // subsections of the current section so far
}

func newDoc(opts Options, kind, number, title, subject string) (*doc, error) {
	gen := opts.Generated
	if gen.IsZero() {
		gen = time.Now()
	}
	font, err := face()
	if err != nil {
		return nil, fmt.Errorf("read the bundled font: %w", err)
	}
	f := gofpdf.NewCustom(&gofpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	d := &doc{f: f, loc: gen.Location(), gen: gen, kind: kind, number: number,
		units: map[rune]int{}, cover: coverage{font: font, known: map[rune]bool{}}}
	f.SetMargins(marginX, contentTop, marginX)
	f.SetAutoPageBreak(false, pageH-contentBottom)
	f.SetCellMargin(0)
	f.SetCatalogSort(true)
	f.SetCreationDate(gen)
	f.SetModificationDate(gen)
	f.SetCreator("立项通 Lixiang", true)
	f.SetProducer("立项通 Lixiang (gofpdf)", true)
	f.SetTitle(d.cover.clean(title), true)
	f.SetSubject(subject, true)
	f.AddUTF8FontFromBytes(fontFamily, "", assets.FontTTF)
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("load the bundled font into the PDF: %w", err)
	}
	f.AliasNbPages("")
	f.SetHeaderFunc(d.header)
	f.SetFooterFunc(d.footer)
	d.setSize(sizeBody)
	f.SetLineWidth(0.2)
	d.color(black)
	return d, nil
}

// finish closes the document and returns its bytes, or the first error any
// drawing met.
func (d *doc) finish() ([]byte, error) {
	var b bytes.Buffer
	if err := d.f.Output(&b); err != nil {
		return nil, fmt.Errorf("render PDF: %w", err)
	}
	return b.Bytes(), nil
}

func (d *doc) setSize(pt float64) {
	d.size = pt
	d.f.SetFont(fontFamily, "", pt)
}

func (d *doc) color(c rgb) { d.f.SetTextColor(c.r, c.g, c.b) }

// lineH is the height of one line of text at the current size.
func (d *doc) lineH() float64 { return d.size * ptToMM * leading }

// width is the width of text at the current size.
func (d *doc) width(s string) float64 {
	total := 0.0
	for _, r := range s {
		total += d.runeW(r)
	}
	return total
}

func (d *doc) runeW(r rune) float64 {
	u, ok := d.units[r]
	if !ok {
		u = d.f.GetStringSymbolWidth(string(r))
		d.units[r] = u
	}
	return float64(u) * d.size * ptToMM / 1000
}

// lines wraps text (cleaned for the font) to width at the current size.
func (d *doc) lines(text string, width float64) []string {
	return wrap(d.cover.clean(text), width, d.runeW)
}

// text draws one line at x, y (the top of the line) in a box of width w,
// aligned "L", "C" or "R".
func (d *doc) text(x, y, w float64, s, align string) {
	if s == "" {
		return
	}
	d.f.SetXY(x, y)
	d.f.CellFormat(w, d.lineH(), s, "", 0, align, false, 0, "")
}

// bold draws text the way the single-weight font can be made bold: filled
// and stroked with a hairline of the same colour.
func (d *doc) bold(draw func()) {
	r, g, b := d.f.GetTextColor()
	dr, dg, db := d.f.GetDrawColor()
	lw := d.f.GetLineWidth()
	d.f.SetDrawColor(r, g, b)
	d.f.SetLineWidth(0.025 * d.size * ptToMM)
	d.f.SetTextRenderingMode(2)
	draw()
	d.f.SetTextRenderingMode(0)
	d.f.SetLineWidth(lw)
	d.f.SetDrawColor(dr, dg, db)
}

// room reports whether h millimetres still fit on the page.
func (d *doc) room(h float64) bool { return d.y+h <= contentBottom+0.01 }

// check records a layout error if something would end below the page's
// content area: the renderer never draws off the page.
func (d *doc) check(bottom float64) {
	if bottom > contentBottom+0.01 {
		d.f.SetErrorf("layout: content runs off page %d (%.1f mm > %.1f mm)", d.f.PageNo(), bottom, contentBottom)
	}
}

// newPage starts a page and redraws what continues on it (a table header).
func (d *doc) newPage() {
	d.f.AddPage()
	d.y = contentTop
	if d.onPage != nil {
		d.onPage(d)
	}
}

// ensure starts a new page unless h millimetres fit on this one.
func (d *doc) ensure(h float64) {
	if !d.room(h) {
		d.newPage()
	}
}

// header and footer run inside gofpdf's AddPage, which restores its own
// font afterwards; they restore the doc's type size the same way.
func (d *doc) header() {
	defer d.setSize(d.size)
	d.setSize(sizeSmall)
	d.color(grey)
	d.text(marginX, headerY, contentW/2, d.kind, "L")
	d.text(marginX+contentW/2, headerY, contentW/2, d.number, "R")
	d.f.SetDrawColor(lightGrey.r, lightGrey.g, lightGrey.b)
	d.f.Line(marginX, headerY+d.lineH()+0.6, pageW-marginX, headerY+d.lineH()+0.6)
	d.color(black)
}

func (d *doc) footer() {
	defer d.setSize(d.size)
	d.setSize(sizeSmall)
	d.color(grey)
	d.f.SetDrawColor(lightGrey.r, lightGrey.g, lightGrey.b)
	d.f.Line(marginX, footerY-1, pageW-marginX, footerY-1)
	d.text(marginX, footerY, contentW/2, "生成时间 "+d.gen.Format("2006-01-02 15:04"), "L")
	// The total is filled in when the document closes; the line is set
	// as if the total had as many digits as this page's number.
	n := strconv.Itoa(d.f.PageNo())
	w := d.width("第 " + n + " 页 / 共 " + n + " 页")
	d.text(pageW-marginX-w, footerY, w+10, "第 "+n+" 页 / 共 {nb} 页", "L")
	d.color(black)
}

// title draws the document title centred, wrapped if long, and an
// optional grey subtitle under it.
func (d *doc) title(title string, subtitles ...string) {
	d.setSize(sizeTitle)
	d.y += 1
	for _, l := range d.lines(title, contentW) {
		d.bold(func() { d.text(marginX, d.y, contentW, l, "C") })
		d.y += d.lineH()
	}
	d.setSize(sizeSubtitle)
	d.color(grey)
	for _, s := range subtitles {
		for _, l := range d.lines(s, contentW) {
			d.text(marginX, d.y, contentW, l, "C")
			d.y += d.lineH()
		}
	}
	d.color(black)
	d.setSize(sizeBody)
	d.y += 2
	d.check(d.y)
}

// chineseNumerals number the sections: 一、二、… 二十.
var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
	"十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十"}

// section starts a numbered section (一、会议信息), kept on one page with
// at least keep millimetres of what follows it.
func (d *doc) section(name string, keep float64) {
	d.setSize(sizeSection)
	h := 4 + d.lineH() + 1.5
	d.setSize(sizeBody)
	d.ensure(h + keep)
	d.setSize(sizeSection)
	d.y += 4
	label := name
	if d.sect < len(chineseNumerals) {
		label = chineseNumerals[d.sect] + "、" + name
	}
	d.sect++
	d.sub = 0
	d.bold(func() { d.text(marginX, d.y, contentW, label, "L") })
	d.y += d.lineH() + 1.5
	d.setSize(sizeBody)
}

// subsection is a numbered heading inside a section: （一）客户基本情况.
func (d *doc) subsection(name string, keep float64) {
	h := 2 + d.lineH() + 0.8
	d.ensure(h + keep)
	d.y += 2
	if d.sub < len(chineseNumerals) {
		name = "（" + chineseNumerals[d.sub] + "）" + name
	}
	d.sub++
	d.bold(func() { d.text(marginX, d.y, contentW, name, "L") })
	d.y += d.lineH() + 0.8
}

// paragraph draws wrapped text across the content width, breaking pages
// between lines.
func (d *doc) paragraph(s string, c rgb) {
	d.color(c)
	for _, l := range d.lines(s, contentW) {
		d.ensure(d.lineH())
		d.text(marginX, d.y, contentW, l, "L")
		d.y += d.lineH()
	}
	d.color(black)
	d.y += 1
}

package pdf

// column is one column of a table.
type column struct {
	title string
	width float64 // millimetres; 0 takes what the other columns leave
	align string  // "L" (default) or "C"
	fill  *rgb    // background of the body cells, e.g. a label column
}

// table describes how rows are drawn: thin borders, an optional grey
// header row repeated at the top of every page the table reaches, and the
// height of the tallest cell for every row.
type table struct {
	cols   []column
	header bool
	// minRow is the least height of a body row (signature rows leave room
	// to sign); such rows centre their text vertically.
	minRow float64
	// size is the type size of the body rows, when not sizeBody (dense
	// tables such as the approval history).
	size float64
	// cont repeats the first column's text with （续） when a row too tall
	// for the rest of the page continues on the next (label/value tables).
	cont bool
}

// splitRow is the least height, in millimetres, of a row that is split
// across pages rather than moved whole to the next page; shorter rows move.
const splitRow = 40.0

// widths fills in the column left at 0 so the columns span the page.
func (t *table) widths() {
	used, open := 0.0, -1
	for i, c := range t.cols {
		if c.width == 0 {
			open = i
		}
		used += c.width
	}
	if open >= 0 {
		t.cols[open].width = contentW - used
	}
}

// kv draws label/value rows as a two-column table with a light grey
// label column.
func (d *doc) kv(rows [][2]string) {
	if len(rows) == 0 {
		return
	}
	body := make([][]string, len(rows))
	for i, r := range rows {
		body[i] = []string{r[0], r[1]}
	}
	d.table(table{cols: []column{{width: 34, fill: &labelFill}, {}}, cont: true}, body)
}

// table draws rows (one string per column) below the cursor.
func (d *doc) table(t table, rows [][]string) {
	t.widths()
	defer d.setSize(d.size)
	if t.size > 0 {
		d.setSize(t.size)
	}
	lh := d.lineH()
	headH := 0.0
	if t.header {
		head := make([][]string, len(t.cols))
		n := 1
		for i, c := range t.cols {
			head[i] = d.lines(c.title, c.width-2*padX)
			n = max(n, len(head[i]))
		}
		headH = float64(n)*lh + 2*padY
		drawHead := func(d *doc) { d.drawRow(t, head, headH, true) }
		prev := d.onPage
		d.onPage = func(d *doc) {
			if prev != nil {
				prev(d)
			}
			drawHead(d)
		}
		defer func() { d.onPage = prev }()
		// The header row stays with the first rows.
		first := 2*padY + lh
		if len(rows) > 0 {
			first = max(first, min(d.rowHeight(t, rows[0]), 2*padY+3*lh))
		}
		d.ensure(headH + first)
		drawHead(d)
	}
	for _, row := range rows {
		cells := make([][]string, len(t.cols))
		n := 1
		for i, c := range t.cols {
			cells[i] = d.lines(cell(row, i), c.width-2*padX)
			n = max(n, len(cells[i]))
		}
		for {
			h := max(float64(n)*lh+2*padY, t.minRow)
			if d.room(h) {
				d.drawRow(t, cells, h, false)
				break
			}
			fit := int((contentBottom - d.y - 2*padY) / lh)
			if h < splitRow || fit < 3 {
				d.newPage()
				continue
			}
			// Split: the lines that fit here, the rest on the next page.
			part := make([][]string, len(cells))
			for i := range cells {
				k := min(fit, len(cells[i]))
				part[i], cells[i] = cells[i][:k], cells[i][k:]
			}
			d.drawRow(t, part, float64(fit)*lh+2*padY, false)
			n -= fit
			if t.cont && len(cells[0]) == 0 {
				cells[0] = d.lines(cell(row, 0)+"（续）", t.cols[0].width-2*padX)
				n = max(n, len(cells[0]))
			}
			d.newPage()
		}
	}
	d.y += 1.5
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// rowHeight is the height a row needs when it is not split.
func (d *doc) rowHeight(t table, row []string) float64 {
	n := 1
	for i, c := range t.cols {
		n = max(n, len(d.lines(cell(row, i), c.width-2*padX)))
	}
	return max(float64(n)*d.lineH()+2*padY, t.minRow)
}

// drawRow draws one row of height h at the cursor and moves the cursor
// below it; head rows are grey, centred and bold.
func (d *doc) drawRow(t table, cells [][]string, h float64, head bool) {
	d.check(d.y + h)
	lh := d.lineH()
	x := marginX
	d.f.SetDrawColor(border.r, border.g, border.b)
	for i, c := range t.cols {
		style := "D"
		switch {
		case head:
			d.f.SetFillColor(headFill.r, headFill.g, headFill.b)
			style = "FD"
		case c.fill != nil:
			d.f.SetFillColor(c.fill.r, c.fill.g, c.fill.b)
			style = "FD"
		}
		d.f.Rect(x, d.y, c.width, h, style)
		align := c.align
		if head {
			align = "C"
		}
		if align == "" {
			align = "L"
		}
		top := d.y + padY
		if head || t.minRow > 0 {
			top = d.y + (h-float64(len(cells[i]))*lh)/2
		}
		for k, l := range cells[i] {
			if head {
				d.bold(func() { d.text(x+padX, top+float64(k)*lh, c.width-2*padX, l, align) })
			} else {
				d.text(x+padX, top+float64(k)*lh, c.width-2*padX, l, align)
			}
		}
		x += c.width
	}
	d.y += h
}

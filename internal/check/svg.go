package check

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strconv"
)

// Panel is one address space of a layout drawing (a memory in bytes, a
// table in slots), drawn as one lane per module over a shared axis.
type Panel struct {
	Title string // e.g. "memory (bytes)"
	Lanes []Lane
}

// Lane is one row of a [Panel]: the ranges one module occupies. Note, if
// set, is written in grey across the lane (e.g. why it has no ranges).
type Lane struct {
	Name  string
	Note  string
	Spans []Span
}

// Span is one half-open range [Start, End) drawn in a [Lane]. Kind picks
// the colour: "data", "bss", "stack", "heap", "slots", "free"; "conflict"
// is drawn hatched in red over the others, to mark an overlap. Any other
// Kind is drawn grey. Label is written inside the span when it fits and is
// always the span's tooltip.
type Span struct {
	Start, End uint64
	Label      string
	Kind       string
}

var spanColours = map[string]string{
	"data": "#4e79a7", "bss": "#a0cbe8", "stack": "#f28e2b", "heap": "#59a14f",
	"slots": "#b07aa1", "free": "#e8e8e8",
}

// Geometry of the drawing, in SVG user units (pixels).
const (
	svgWidth     = 1100
	svgLeft      = 200 // room for lane names
	svgRight     = 30
	svgLaneH     = 40
	svgSpanH     = 24 // spans fill the top of a lane; conflicts get a strip below
	svgStripH    = 9
	svgLaneGap   = 6
	svgTitleH    = 28
	svgAxisH     = 70 // rotated tick labels
	svgLegendH   = 40
	svgCharWidth = 6.6 // estimate for 11px sans-serif
)

// DrawLayout writes an SVG picture of the panels: each panel is an address
// axis with one lane per module, ranges as coloured boxes, conflicts
// hatched red. The axis is not linear: every interval between two range
// boundaries gets a width that grows with the logarithm of its length, so
// that a 6-byte segment next to a 64 KiB stack stays visible; the ticks give
// the exact addresses. The SVG is plain (no scripts or external
// references); elements carry class and data-* attributes (panel, lane with
// data-name, span with data-start, data-end, data-kind) so that tools and
// tests can read the layout back.
func DrawLayout(w io.Writer, title string, panels ...Panel) error {
	bw := bufio.NewWriter(w)
	height := svgTitleH + svgLegendH
	for _, p := range panels {
		height += panelHeight(p)
	}
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		svgWidth, height, svgWidth, height)
	bw.WriteString(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#ffd6d6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d62728" stroke-width="3"/></pattern></defs>` + "\n")
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgWidth, height)
	fmt.Fprintf(bw, `<text x="10" y="19" font-size="14" font-weight="bold">%s</text>`+"\n", esc(title))
	y := svgTitleH
	for _, p := range panels {
		drawPanel(bw, p, y)
		y += panelHeight(p)
	}
	drawLegend(bw, y)
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

func panelHeight(p Panel) int {
	return svgTitleH + len(p.Lanes)*(svgLaneH+svgLaneGap) + svgAxisH
}

func esc(s string) string { return html.EscapeString(s) }

// axis maps addresses to x positions through the compressed scale.
type axis struct {
	bounds []uint64  // sorted distinct range boundaries
	xs     []float64 // x of each boundary
}

func newAxis(p Panel) *axis {
	seen := map[uint64]bool{0: true}
	for _, l := range p.Lanes {
		for _, s := range l.Spans {
			seen[s.Start], seen[s.End] = true, true
		}
	}
	a := &axis{}
	for v := range seen {
		a.bounds = append(a.bounds, v)
	}
	sort.Slice(a.bounds, func(i, j int) bool { return a.bounds[i] < a.bounds[j] })
	weights := make([]float64, len(a.bounds))
	var total float64
	for i := 1; i < len(a.bounds); i++ {
		weights[i] = 3 + math.Log2(1+float64(a.bounds[i]-a.bounds[i-1]))
		total += weights[i]
	}
	plot := float64(svgWidth - svgLeft - svgRight)
	x := float64(svgLeft)
	for i := range a.bounds {
		if i > 0 && total > 0 {
			x += weights[i] / total * plot
		}
		a.xs = append(a.xs, x)
	}
	return a
}

func (a *axis) x(v uint64) float64 {
	i := sort.Search(len(a.bounds), func(i int) bool { return a.bounds[i] >= v })
	if i < len(a.bounds) && a.bounds[i] == v {
		return a.xs[i]
	}
	return a.xs[len(a.xs)-1] // only boundaries are ever asked for
}

func drawPanel(w *bufio.Writer, p Panel, top int) {
	a := newAxis(p)
	fmt.Fprintf(w, `<g class="panel" data-title="%s">`+"\n", esc(p.Title))
	fmt.Fprintf(w, `<text x="10" y="%d" font-size="13" font-weight="bold">%s</text>`+"\n", top+19, esc(p.Title))
	y := top + svgTitleH
	for i, l := range p.Lanes {
		drawLaneBackground(w, l, y+i*(svgLaneH+svgLaneGap), i)
	}
	bottom := y + len(p.Lanes)*(svgLaneH+svgLaneGap)
	drawTicks(w, a, y-2, bottom)
	for i, l := range p.Lanes {
		drawLane(w, a, l, y+i*(svgLaneH+svgLaneGap), i)
	}
	w.WriteString("</g>\n")
}

func drawLaneBackground(w *bufio.Writer, l Lane, y, i int) {
	fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n",
		svgLeft, y, svgWidth-svgLeft-svgRight, svgLaneH, laneBackground(i))
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", svgLeft-8, y+svgLaneH/2+4, esc(l.Name))
}

func laneBackground(i int) string {
	if i%2 == 1 {
		return "#efefef"
	}
	return "#f7f7f7"
}

// drawLane draws a lane's spans: plain spans first, conflicts on top.
func drawLane(w *bufio.Writer, a *axis, l Lane, y, i int) {
	fmt.Fprintf(w, `<g class="lane" data-name="%s">`+"\n", esc(l.Name))
	if l.Note != "" {
		// Over the ticks, on a patch of the lane's background.
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%.1f" height="16" fill="%s"/>`+"\n",
			svgLeft+4, y+svgLaneH/2-8, float64(len(l.Note))*svgCharWidth+8, laneBackground(i))
		fmt.Fprintf(w, `<text x="%d" y="%d" fill="#666666" font-style="italic">%s</text>`+"\n", svgLeft+8, y+svgLaneH/2+4, esc(l.Note))
	}
	for pass := 0; pass < 2; pass++ {
		for _, s := range l.Spans {
			if (s.Kind == "conflict") != (pass == 1) || s.End <= s.Start {
				continue
			}
			drawSpan(w, a, s, y)
		}
	}
	w.WriteString("</g>\n")
}

func drawSpan(w *bufio.Writer, a *axis, s Span, y int) {
	x0, x1 := a.x(s.Start), a.x(s.End)
	width := math.Max(x1-x0, 1)
	tip := fmt.Sprintf("%s [%d,%d)", s.Label, s.Start, s.End)
	if s.Kind == "conflict" {
		// A hatched strip under the spans, and a red frame around the
		// conflicting part of the spans themselves.
		fmt.Fprintf(w, `<rect class="span" data-kind="conflict" data-start="%d" data-end="%d" x="%.1f" y="%d" width="%.1f" height="%d" fill="url(#hatch)" stroke="#d62728" stroke-width="1"><title>%s</title></rect>`+"\n",
			s.Start, s.End, x0, y+svgSpanH+5, width, svgStripH, esc(tip))
		fmt.Fprintf(w, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#d62728" stroke-width="2"/>`+"\n",
			x0, y+2, width, svgSpanH+1)
		return
	}
	fill := spanColours[s.Kind]
	if fill == "" {
		fill = "#bab0ac"
	}
	fmt.Fprintf(w, `<rect class="span" data-kind="%s" data-start="%d" data-end="%d" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" stroke="#333333" stroke-width="1"><title>%s</title></rect>`+"\n",
		esc(s.Kind), s.Start, s.End, x0, y+3, width, svgSpanH-1, fill, esc(tip))
	if s.Label != "" && float64(len(s.Label))*svgCharWidth+6 < x1-x0 {
		colour := "white"
		if s.Kind == "bss" || s.Kind == "free" {
			colour = "#1a1a1a"
		}
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`+"\n",
			(x0+x1)/2, y+3+svgSpanH/2+3, colour, esc(s.Label))
	}
}

// drawTicks draws a dotted line and a rotated address label at every
// boundary, skipping labels that would overprint the previous one.
func drawTicks(w *bufio.Writer, a *axis, top, bottom int) {
	lastX := math.Inf(-1)
	for i, v := range a.bounds {
		x := a.xs[i]
		fmt.Fprintf(w, `<line class="tick" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888888" stroke-dasharray="2,2"/>`+"\n",
			x, top, x, bottom)
		if x-lastX < 14 {
			continue
		}
		lastX = x
		fmt.Fprintf(w, `<text class="tick-label" x="%.1f" y="%d" transform="rotate(-40 %.1f %d)" text-anchor="end">%s</text>`+"\n",
			x, bottom+12, x, bottom+12, strconv.FormatUint(v, 10))
	}
}

func drawLegend(w *bufio.Writer, y int) {
	x := 10
	items := []struct{ kind, label string }{{"data", "data"}, {"bss", "zeroed data"}, {"stack", "stack"},
		{"heap", "heap (grows on)"}, {"slots", "table slots"}, {"conflict", "overlap / conflict"}}
	w.WriteString(`<g class="legend">` + "\n")
	for _, it := range items {
		fill := spanColours[it.kind]
		stroke := "#333333"
		if it.kind == "conflict" {
			fill, stroke = "url(#hatch)", "#d62728"
		}
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			x, y+12, fill, stroke, x+19, y+23, esc(it.label))
		x += 30 + int(float64(len(it.label))*svgCharWidth)
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" fill="#555555">axis not to scale: widths grow with log(length); ticks give exact addresses</text>`+"\n", x+10, y+23)
	w.WriteString("</g>\n")
}

// Panels turns the report into drawable panels: the shared memory, and the
// shared table when any module fills fixed slots. Each module gets a lane;
// hazards' overlaps are added to the lanes of the modules involved.
func (r *Report) Panels() []Panel {
	mem := Panel{Title: "shared memory (bytes)"}
	tab := Panel{Title: "shared table (slots)"}
	lane := map[string]int{}
	for _, m := range r.Modules {
		l := Lane{Name: m.Name}
		for _, d := range m.Data {
			l.Spans = append(l.Spans, Span{d.Start, d.End, d.What, d.What})
		}
		if m.Stack != nil {
			l.Spans = append(l.Spans, Span{m.Stack.Range.Start, m.Stack.Range.End, "stack", "stack"})
		}
		if m.Heap != nil && m.Heap.Range.End > m.Heap.Range.Start {
			l.Spans = append(l.Spans, Span{m.Heap.Range.Start, m.Heap.Range.End, "heap →", "heap"})
		}
		switch {
		case m.PIC:
			l.Note = "position-independent: placed by the loader, cannot collide"
		case !m.Shared && m.Memory != MemoryNone:
			l.Note = "defines its own memory: shares nothing (its ranges are not drawn)"
			l.Spans = nil
		case m.Memory == MemoryNone:
			l.Note = "no memory"
		}
		lane[m.Name] = len(mem.Lanes)
		mem.Lanes = append(mem.Lanes, l)
		t := Lane{Name: l.Name}
		if m.PIC {
			t.Note = l.Note
		}
		for _, s := range m.Slots {
			t.Spans = append(t.Spans, Span{s.Start, s.End, "slots", "slots"})
		}
		tab.Lanes = append(tab.Lanes, t)
	}
	slots := false
	for _, m := range r.Modules {
		slots = slots || len(m.Slots) > 0
	}
	for _, h := range r.Hazards {
		for _, rg := range h.Ranges {
			if rg.What != "overlap" {
				continue
			}
			p := &mem
			if rg.Space == Table {
				p = &tab
			}
			for _, name := range h.Modules {
				if i, ok := lane[name]; ok {
					p.Lanes[i].Spans = append(p.Lanes[i].Spans, Span{rg.Start, rg.End, h.Kind.String(), "conflict"})
				}
			}
		}
	}
	if slots {
		return []Panel{mem, tab}
	}
	return []Panel{mem}
}

// WriteSVG draws the report's memory (and table) layout with [DrawLayout].
func (r *Report) WriteSVG(w io.Writer) error {
	title := "wasmdl check: "
	switch n := len(r.Hazards); n {
	case 0:
		title += "no hazard"
	default:
		title += plural(n, "hazard")
	}
	return DrawLayout(w, title, r.Panels()...)
}

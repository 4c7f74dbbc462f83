// Command report turns the hyperfine results of bench/run.sh into the
// comparison table (Markdown, on stdout) and an SVG plot of start time vs N.
//
//	report -dir bench/build/results [-svg out.svg]
//
// It reads DIR/<variant>-<N>.csv as written by hyperfine --export-csv, for
// the variants cold, warm, floor, static and em. The first table is wall
// time (median), the second CPU time (user + system, means): on a shared
// machine the second is disturbed less by other processes.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", "bench/build/results", "folder of hyperfine CSV results")
	svg := flag.String("svg", "", "write the plot to this SVG file")
	flag.Parse()
	res := map[string]map[int]float64{} // variant -> N -> median seconds
	cpu := map[string]map[int]float64{} // variant -> N -> user+system seconds
	ns := map[int]bool{}
	files, _ := filepath.Glob(filepath.Join(*dir, "*.csv"))
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".csv")
		v, nstr, ok := strings.Cut(base, "-")
		n, err := strconv.Atoi(nstr)
		if !ok || err != nil {
			continue
		}
		cols, err := readCSV(f, "median", "user", "system")
		if err != nil {
			fmt.Fprintf(os.Stderr, "report: %s: %v\n", f, err)
			os.Exit(1)
		}
		if res[v] == nil {
			res[v], cpu[v] = map[int]float64{}, map[int]float64{}
		}
		res[v][n] = cols[0]
		cpu[v][n] = cols[1] + cols[2]
		ns[n] = true
	}
	if len(ns) == 0 {
		fmt.Fprintf(os.Stderr, "report: no results in %s\n", *dir)
		os.Exit(1)
	}
	var sizes []int
	for n := range ns {
		sizes = append(sizes, n)
	}
	sort.Ints(sizes)

	table(res, sizes)
	fmt.Println("\nWall time in ms, median of the hyperfine runs; ratios of medians.")
	fmt.Println()
	table(cpu, sizes)
	fmt.Println("\nCPU time (user + system) in ms, mean of the hyperfine runs; ratios of means.")
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(plot(res, sizes)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
}

func table(res map[string]map[int]float64, sizes []int) {
	ms := func(v string, n int) string {
		if t, ok := res[v][n]; ok {
			return fmt.Sprintf("%.1f", t*1e3)
		}
		return "-"
	}
	ratio := func(a, b string, n int) string {
		x, ok1 := res[a][n]
		y, ok2 := res[b][n]
		if !ok1 || !ok2 || y == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f", x/y)
	}
	fmt.Println("| N | wasmdl cold | wasmdl warm | floor | static | Emscripten | warm/floor | Emscripten/warm | warm/static | cold/warm |")
	fmt.Println("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, n := range sizes {
		fmt.Printf("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
			ms("cold", n), ms("warm", n), ms("floor", n), ms("static", n), ms("em", n),
			ratio("warm", "floor", n), ratio("em", "warm", n), ratio("warm", "static", n), ratio("cold", "warm", n))
	}
}

// readCSV reads the named columns (seconds) of a hyperfine CSV export.
func readCSV(path string, names ...string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("no data")
	}
	out := make([]float64, len(names))
	for i, name := range names {
		col := -1
		for j, h := range rows[0] {
			if h == name {
				col = j
			}
		}
		if col < 0 {
			return nil, fmt.Errorf("no %s column", name)
		}
		if out[i], err = strconv.ParseFloat(rows[1][col], 64); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// plot draws start time against N on log-log axes.
func plot(res map[string]map[int]float64, sizes []int) string {
	series := []struct {
		v, label, color string
		dash            bool
	}{
		{"warm", "wasmdl run (warm file cache)", "#1f77b4", false},
		{"floor", "floor: Go start + cached compile + instantiate", "#2ca02c", false},
		{"em", "Emscripten 3.1.6 on Node 20", "#d62728", false},
		{"cold", "wasmdl run (cold: empty cache)", "#1f77b4", true},
		{"static", "static variant, wasmdl run (warm)", "#7f7f7f", true},
	}
	const W, H, l, r, t, bm = 760.0, 500.0, 70.0, 20.0, 40.0, 150.0
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range res[s.v] {
			lo, hi = math.Min(lo, v*1e3), math.Max(hi, v*1e3)
		}
	}
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yhi == ylo {
		yhi++
	}
	xlo, xhi := math.Log10(float64(sizes[0])), math.Log10(float64(sizes[len(sizes)-1]))
	if xhi == xlo {
		xhi++
	}
	px := func(n float64) float64 { return l + (math.Log10(n)-xlo)/(xhi-xlo)*(W-l-r) }
	py := func(ms float64) float64 { return t + (yhi-math.Log10(ms))/(yhi-ylo)*(H-t-bm) }
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" font-family="sans-serif" font-size="13">`+"\n", W, H)
	w(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	w(`<text x="%g" y="22" font-size="15" text-anchor="middle">Start-up time of the N-library program (whole process, median)</text>`+"\n", W/2)
	for e := ylo; e <= yhi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if math.Log10(v) > yhi+1e-9 {
				continue
			}
			y := py(v)
			stroke := "#eee"
			if m == 1 {
				stroke = "#ccc"
			}
			w(`<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s"/>`+"\n", l, y, W-r, y, stroke)
			w(`<text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n", l-6, y+4, fmtMs(v))
		}
	}
	for _, n := range sizes {
		x := px(float64(n))
		w(`<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#ddd"/>`+"\n", x, t, x, H-bm)
		w(`<text x="%.1f" y="%g" text-anchor="middle">%d</text>`+"\n", x, H-bm+18, n)
	}
	w(`<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#333"/>`+"\n", l, t, W-l-r, H-t-bm)
	w(`<text x="%g" y="%g" text-anchor="middle">N (libraries), log scale</text>`+"\n", (W+l-r)/2, H-bm+38)
	w(`<text transform="translate(16 %g) rotate(-90)" text-anchor="middle">time (ms), log scale</text>`+"\n", (H-bm+t)/2)
	ly := H - bm + 62
	for _, s := range series {
		pts := res[s.v]
		if len(pts) == 0 {
			continue
		}
		dash := ""
		if s.dash {
			dash = ` stroke-dasharray="6 4"`
		}
		var poly []string
		for _, n := range sizes {
			if v, ok := pts[n]; ok {
				poly = append(poly, fmt.Sprintf("%.1f,%.1f", px(float64(n)), py(v*1e3)))
			}
		}
		w(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>`+"\n", strings.Join(poly, " "), s.color, dash)
		for _, p := range poly {
			x, y, _ := strings.Cut(p, ",")
			w(`<circle cx="%s" cy="%s" r="3.5" fill="%s"/>`+"\n", x, y, s.color)
		}
		w(`<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="2"%s/>`+"\n", l+10, ly-4, l+40, ly-4, s.color, dash)
		w(`<text x="%g" y="%g">%s</text>`+"\n", l+48, ly, s.label)
		ly += 18
	}
	w("</svg>\n")
	return b.String()
}

func fmtMs(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%gs", v/1000)
	case v >= 1:
		return fmt.Sprintf("%g", v)
	default:
		return fmt.Sprintf("%.1g", v)
	}
}

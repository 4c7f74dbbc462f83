package check

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// node is a generic XML element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the elements of n (at any depth) with the given class.
func (n node) find(class string) []node {
	var out []node
	for _, c := range n.Nodes {
		if c.attr("class") == class {
			out = append(out, c)
		}
		out = append(out, c.find(class)...)
	}
	return out
}

// drawn is what a parsed SVG shows: panel title → lane name → spans.
type drawn map[string]map[string][]string

func parseSVG(t *testing.T, b []byte) (drawn, node) {
	t.Helper()
	var root node
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("SVG does not parse: %v\n%s", err, b)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("root element %q", root.XMLName.Local)
	}
	d := drawn{}
	for _, p := range root.find("panel") {
		lanes := map[string][]string{}
		for _, l := range p.find("lane") {
			var spans []string
			for _, s := range l.find("span") {
				spans = append(spans, fmt.Sprintf("%s[%s,%s)", s.attr("data-kind"), s.attr("data-start"), s.attr("data-end")))
				checkBox(t, s)
			}
			sort.Strings(spans)
			lanes[l.attr("data-name")] = spans
		}
		d[p.attr("data-title")] = lanes
	}
	return d, root
}

// checkBox checks that a span is drawn with a positive size.
func checkBox(t *testing.T, s node) {
	t.Helper()
	w, err1 := strconv.ParseFloat(s.attr("width"), 64)
	h, err2 := strconv.ParseFloat(s.attr("height"), 64)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		t.Errorf("span %v has size %q x %q", s.Attrs, s.attr("width"), s.attr("height"))
	}
}

func TestWriteSVG(t *testing.T) {
	r := Check(load(t, seed+"hello_main.wasm", seed+"hello_extra.wasm", seed+"pic/libextra.so"))
	var buf bytes.Buffer
	if err := r.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	got, root := parseSVG(t, buf.Bytes())
	want := drawn{"shared memory (bytes)": {
		"hello_main.wasm":  {"conflict[1024,1030)", "conflict[1040,66576)", "data[1024,1030)", "stack[1040,66576)"},
		"hello_extra.wasm": {"conflict[1024,1030)", "conflict[1040,66576)", "data[1024,1030)", "stack[1040,66576)"},
		"libextra.so":      nil,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("drawn:\n got %v\nwant %v", got, want)
	}
	// The axis is monotonic: a range that starts later is drawn further right.
	xs := map[string]float64{}
	for _, s := range root.find("span") {
		x, _ := strconv.ParseFloat(s.attr("x"), 64)
		xs[s.attr("data-start")] = x
	}
	if !(xs["1024"] < xs["1040"]) {
		t.Errorf("x(1024) = %v, x(1040) = %v", xs["1024"], xs["1040"])
	}
}

func TestDrawLayoutTables(t *testing.T) {
	// The generic drawer, as "wasmdl run --map --svg" uses it: no conflicts,
	// a memory and a table panel, a lane without spans.
	panels := []Panel{
		{Title: "memory", Lanes: []Lane{
			{Name: "main.wasm", Spans: []Span{{1024, 2048, ".data", "data"}, {4096, 69632, "stack", "stack"}}},
			{Name: "libfoo.so", Spans: []Span{{2048, 2064, "", "data"}}},
			{Name: "empty & <odd> name"},
		}},
		{Title: "table", Lanes: []Lane{{Name: "main.wasm", Spans: []Span{{1, 3, "f, g", "slots"}}}}},
	}
	var buf bytes.Buffer
	if err := DrawLayout(&buf, "layout", panels...); err != nil {
		t.Fatal(err)
	}
	got, root := parseSVG(t, buf.Bytes())
	want := drawn{
		"memory": {"main.wasm": {"data[1024,2048)", "stack[4096,69632)"}, "libfoo.so": {"data[2048,2064)"},
			"empty & <odd> name": nil},
		"table": {"main.wasm": {"slots[1,3)"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("drawn:\n got %v\nwant %v", got, want)
	}
	if n := len(root.find("lane")); n != 4 {
		t.Errorf("%d lanes, want 4", n)
	}
}

package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// seed is where the seed experiments' fixtures live (testdata/build.sh);
// local fixtures are built from .wat by testdata/build.sh here.
const seed = "../../testdata/seed/"

// load parses the named fixtures; a name without a slash is local.
func load(t testing.TB, paths ...string) []Module {
	t.Helper()
	var ms []Module
	for _, p := range paths {
		if !strings.Contains(p, "/") {
			p = filepath.Join("testdata", p)
		}
		f, err := wasmfile.Open(p)
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		ms = append(ms, Module{Name: filepath.Base(p), File: f})
	}
	return ms
}

// summary renders a hazard compactly for comparisons:
// "kind a.wasm,b.wasm a.wasm:data[1024,1030) ...".
func summary(h Hazard) string {
	parts := []string{h.Kind.String(), strings.Join(h.Modules, ",")}
	for _, r := range h.Ranges {
		parts = append(parts, fmt.Sprintf("%s:%s%s", r.Module, r.What, r))
	}
	return strings.Join(parts, " ")
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		hazards []string          // summaries, in report order
		notes   []string          // "kind module"
		stacks  map[string]string // module → stack range
		says    []string          // substrings of the hazard and note messages
	}{{
		name:  "exp1 data overwritten by a later module",
		files: []string{seed + "hello_main.wasm", seed + "hello_extra.wasm"},
		hazards: []string{
			"data-overlap hello_main.wasm,hello_extra.wasm hello_main.wasm:data[1024,1030) hello_extra.wasm:data[1024,1030) hello_extra.wasm:overlap[1024,1030)",
			"separate-stacks hello_main.wasm,hello_extra.wasm hello_main.wasm:stack[1040,66576) hello_extra.wasm:stack[1040,66576)",
			"stack-overlap hello_main.wasm,hello_extra.wasm hello_main.wasm:stack[1040,66576) hello_extra.wasm:stack[1040,66576) hello_extra.wasm:overlap[1040,66576)",
		},
		stacks: map[string]string{"hello_main.wasm": "[1040,66576)", "hello_extra.wasm": "[1040,66576)"},
		says:   []string{`hello_extra.wasm [1024,1030) overwrites hello_main.wasm "hello" with "HELLO"`},
	}, {
		name:   "exp2 stack pointer observed by a callback: alone it only traps below 0",
		files:  []string{seed + "stack.wasm"},
		notes:  []string{"stack-reentry stack.wasm"},
		stacks: map[string]string{"stack.wasm": "[1024,66560)"},
		// The blog's run: 58368, 50176, ..., 1024, then -7168.
		says: []string{"func keeps 8192 bytes of stack while calling the import env.callback, through which the host may call back in",
			"8 levels fit between its initial stack pointer 66560 and address 0, level 9 moves the stack pointer to -7168, below address 0"},
	}, {
		name:  "exp2 stack re-entered next to another module's data",
		files: []string{seed + "stack.wasm", seed + "hello_main.wasm"},
		hazards: []string{
			"separate-stacks stack.wasm,hello_main.wasm stack.wasm:stack[1024,66560) hello_main.wasm:stack[1040,66576)",
			"stack-overlap stack.wasm,hello_main.wasm stack.wasm:stack[1024,66560) hello_main.wasm:stack[1040,66576) hello_main.wasm:overlap[1040,66560)",
			"stack-overlap stack.wasm,hello_main.wasm stack.wasm:stack[1024,66560) hello_main.wasm:data[1024,1030) stack.wasm:overlap[1024,1030)",
			"stack-overflow stack.wasm,hello_main.wasm stack.wasm:stack[1024,66560) hello_main.wasm:data[1024,1030)",
		},
		says: []string{`covers hello_main.wasm's data "hello" [1024,1030)`,
			"7 levels fit between its initial stack pointer 66560 and the end of hello_main.wasm's data at 1030, level 8 moves the stack pointer to 1024"},
	}, {
		name:  "exp3 a library's frame clobbers the caller's buffer",
		files: []string{seed + "clobber_main.wasm", seed + "clobber_lib.wasm"},
		hazards: []string{
			"separate-stacks clobber_main.wasm,clobber_lib.wasm clobber_main.wasm:stack[1024,66560) clobber_lib.wasm:stack[1024,66560)",
			"stack-overlap clobber_main.wasm,clobber_lib.wasm clobber_main.wasm:stack[1024,66560) clobber_lib.wasm:stack[1024,66560) clobber_lib.wasm:overlap[1024,66560)",
		},
		notes: []string{"stack-reentry clobber_main.wasm"},
		says:  []string{"clobber_main.wasm calls clobber_lib.wasm's func (imported as env.func), whose frames start at clobber_lib.wasm's own stack pointer 66560"},
	}, {
		name:   "exp4 a module with only a constant is safe alone",
		files:  []string{seed + "const_only.wasm"},
		stacks: map[string]string{"const_only.wasm": "[1040,66576)"},
	}, {
		name:  "exp4 its constant still lands on another module's",
		files: []string{seed + "hello_main.wasm", seed + "const_only.wasm"},
		hazards: []string{
			"data-overlap hello_main.wasm,const_only.wasm hello_main.wasm:data[1024,1030) const_only.wasm:data[1024,1040) const_only.wasm:overlap[1024,1030)",
			"separate-stacks hello_main.wasm,const_only.wasm hello_main.wasm:stack[1040,66576) const_only.wasm:stack[1040,66576)",
			"stack-overlap hello_main.wasm,const_only.wasm hello_main.wasm:stack[1040,66576) const_only.wasm:stack[1040,66576) const_only.wasm:overlap[1040,66576)",
		},
		says: []string{`const_only.wasm [1024,1030) overwrites hello_main.wasm "hello" with "only a"`},
	}, {
		name:  "stack-first: stacks at [0,64K), data above",
		files: []string{seed + "hello_main_stackfirst.wasm", seed + "hello_extra_stackfirst.wasm"},
		hazards: []string{
			"data-overlap hello_main_stackfirst.wasm,hello_extra_stackfirst.wasm hello_main_stackfirst.wasm:data[65536,65542) hello_extra_stackfirst.wasm:data[65536,65542) hello_extra_stackfirst.wasm:overlap[65536,65542)",
			"separate-stacks hello_main_stackfirst.wasm,hello_extra_stackfirst.wasm hello_main_stackfirst.wasm:stack[0,65536) hello_extra_stackfirst.wasm:stack[0,65536)",
			"stack-overlap hello_main_stackfirst.wasm,hello_extra_stackfirst.wasm hello_main_stackfirst.wasm:stack[0,65536) hello_extra_stackfirst.wasm:stack[0,65536) hello_extra_stackfirst.wasm:overlap[0,65536)",
		},
	}, {
		name:  "disjoint data (global-base 4096) but separate stacks is still flagged",
		files: []string{seed + "hello_main.wasm", seed + "hello_extra_base4096.wasm"},
		hazards: []string{
			"separate-stacks hello_main.wasm,hello_extra_base4096.wasm hello_main.wasm:stack[1040,66576) hello_extra_base4096.wasm:stack[4112,69648)",
			"stack-overlap hello_main.wasm,hello_extra_base4096.wasm hello_main.wasm:stack[1040,66576) hello_extra_base4096.wasm:stack[4112,69648) hello_extra_base4096.wasm:overlap[4112,66576)",
			"stack-overlap hello_main.wasm,hello_extra_base4096.wasm hello_main.wasm:stack[1040,66576) hello_extra_base4096.wasm:data[4096,4102) hello_main.wasm:overlap[4096,4102)",
		},
	}, {
		name:  "global-base 4096 against stack-first: each stack covers the other's data",
		files: []string{seed + "hello_main_base4096.wasm", seed + "hello_extra_stackfirst.wasm"},
		hazards: []string{
			"separate-stacks hello_main_base4096.wasm,hello_extra_stackfirst.wasm hello_main_base4096.wasm:stack[4112,69648) hello_extra_stackfirst.wasm:stack[0,65536)",
			"stack-overlap hello_main_base4096.wasm,hello_extra_stackfirst.wasm hello_main_base4096.wasm:stack[4112,69648) hello_extra_stackfirst.wasm:stack[0,65536) hello_extra_stackfirst.wasm:overlap[4112,65536)",
			"stack-overlap hello_main_base4096.wasm,hello_extra_stackfirst.wasm hello_main_base4096.wasm:stack[4112,69648) hello_extra_stackfirst.wasm:data[65536,65542) hello_main_base4096.wasm:overlap[65536,65542)",
			"stack-overlap hello_main_base4096.wasm,hello_extra_stackfirst.wasm hello_extra_stackfirst.wasm:stack[0,65536) hello_main_base4096.wasm:data[4096,4102) hello_extra_stackfirst.wasm:overlap[4096,4102)",
		},
	}, {
		name:  "emscripten: unnamed stack pointer, 5 MiB stacks",
		files: []string{seed + "em_hello_main.wasm", seed + "em_hello_extra.wasm"},
		hazards: []string{
			"data-overlap em_hello_main.wasm,em_hello_extra.wasm em_hello_main.wasm:data[1024,1029) em_hello_extra.wasm:data[1024,1029) em_hello_extra.wasm:overlap[1024,1029)",
			"separate-stacks em_hello_main.wasm,em_hello_extra.wasm em_hello_main.wasm:stack[1040,5243920) em_hello_extra.wasm:stack[1040,5243920)",
			"stack-overlap em_hello_main.wasm,em_hello_extra.wasm em_hello_main.wasm:stack[1040,5243920) em_hello_extra.wasm:stack[1040,5243920) em_hello_extra.wasm:overlap[1040,5243920)",
		},
		says: []string{"unnamed, recognised by how its code moves it (global 0) = 5243920"},
	}, {
		name:   "PIC rebuild: no hazard, and why",
		files:  []string{seed + "pic/main.wasm", seed + "pic/libextra.so", seed + "pic/libclobber.so"},
		notes:  []string{"stack-reentry main.wasm", "pic libextra.so", "pic libclobber.so"},
		stacks: map[string]string{"main.wasm": "[5648,71184)"},
		says: []string{"libextra.so is position-independent (shared library, imports env.__memory_base): the loader places its data at its own __memory_base",
			"__original_main keeps 96 bytes of stack while calling the import env.extra_greeting, through which libextra.so may call back in"},
	}, {
		name:    "a call chain deeper than a stack-first stack",
		files:   []string{"deep.wasm"},
		hazards: []string{"stack-overflow deep.wasm deep.wasm:stack[0,4096)"},
		says:    []string{"deep.wasm's stack needs 6000 bytes (the deepest call chain, outer → inner, takes 6000 bytes) but only 4096 bytes lie between its initial stack pointer 4096 and address 0"},
	}, {
		name:  "two allocators and a heap over later data",
		files: []string{"alloc_a.wasm", "alloc_b.wasm", "late_data.wasm"},
		hazards: []string{
			"separate-stacks alloc_a.wasm,alloc_b.wasm alloc_a.wasm:stack[1040,66576) alloc_b.wasm:stack[2064,67584)",
			"stack-overlap alloc_a.wasm,alloc_b.wasm alloc_a.wasm:stack[1040,66576) alloc_b.wasm:stack[2064,67584) alloc_b.wasm:overlap[2064,66576)",
			"stack-overlap alloc_a.wasm,alloc_b.wasm alloc_a.wasm:stack[1040,66576) alloc_b.wasm:data[2048,2060) alloc_a.wasm:overlap[2048,2060)",
			"allocators alloc_a.wasm,alloc_b.wasm alloc_a.wasm:heap[66576,131072) alloc_b.wasm:heap[67584,131072)",
			"heap-overlap alloc_a.wasm,alloc_b.wasm alloc_a.wasm:heap[66576,131072) alloc_b.wasm:stack[2064,67584) alloc_a.wasm:overlap[66576,67584)",
			"heap-overlap alloc_a.wasm,late_data.wasm alloc_a.wasm:heap[66576,131072) late_data.wasm:data[100000,100010) alloc_a.wasm:overlap[100000,100010)",
			"heap-overlap alloc_b.wasm,late_data.wasm alloc_b.wasm:heap[67584,131072) late_data.wasm:data[100000,100010) alloc_b.wasm:overlap[100000,100010)",
		},
		says: []string{"alloc_a.wasm (defines malloc, sbrk; executes memory.grow in sbrk; heap from 66576 up)"},
	}, {
		name:    "data past the initial memory",
		files:   []string{"past_memory.wasm"},
		hazards: []string{"data-past-memory past_memory.wasm past_memory.wasm:data[65530,65547) past_memory.wasm:overlap[65536,65547)"},
		says:    []string{"past_memory.wasm's data segment 1 [65530,65547) ends past its initial memory of 65536 bytes (1 page)"},
	}, {
		name:    "element segments writing the same slot",
		files:   []string{"elem_a.wasm", "elem_b.wasm"},
		hazards: []string{"table-overlap elem_a.wasm,elem_b.wasm elem_a.wasm:slots[1,3) elem_b.wasm:slots[2,4) elem_b.wasm:overlap[2,3)"},
		notes:   []string{"no-memory elem_a.wasm", "no-memory elem_b.wasm"},
		says:    []string{"slot 2: a_two → b_one"},
	}, {
		name:  "own memory and limits no memory meets",
		files: []string{"own_memory.wasm", "limits_big.wasm", "limits_small.wasm", "limits_shared.wasm"},
		hazards: []string{
			"own-memory own_memory.wasm",
			"limits limits_big.wasm,limits_small.wasm",
			"limits limits_big.wasm,limits_shared.wasm",
		},
		says: []string{"own_memory.wasm defines its own memory (min 1, in 64 KiB pages)",
			"no memory satisfies both limits_big.wasm, which imports it with at least 4 pages, and limits_small.wasm, which accepts at most 2 pages"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Check(load(t, tt.files...))
			var got, notes []string
			var text strings.Builder
			for _, h := range r.Hazards {
				got = append(got, summary(h))
				text.WriteString(h.Message + "\n")
			}
			for _, n := range r.Notes {
				notes = append(notes, n.Kind.String()+" "+strings.Join(n.Modules, ","))
				text.WriteString(n.Message + "\n")
			}
			if !reflect.DeepEqual(got, tt.hazards) {
				t.Errorf("hazards:\n got %q\nwant %q", got, tt.hazards)
			}
			if !reflect.DeepEqual(notes, tt.notes) {
				t.Errorf("notes: got %q, want %q", notes, tt.notes)
			}
			for name, want := range tt.stacks {
				for _, m := range r.Modules {
					if m.Name == name && (m.Stack == nil || m.Stack.Range.String() != want) {
						t.Errorf("%s stack: got %+v, want %s", name, m.Stack, want)
					}
				}
			}
			for _, s := range tt.says {
				if !strings.Contains(text.String(), s) {
					t.Errorf("no message says %q; messages:\n%s", s, text.String())
				}
			}
			if r.HasHazards() != (r.Fix != nil) {
				t.Errorf("fix %v with %d hazards", r.Fix, len(r.Hazards))
			}
		})
	}
}

func TestStackPointerByShape(t *testing.T) {
	// Emscripten at -O2 keeps no name section: global 0 is found because
	// stackAlloc subtracts from it and stores it back.
	m := load(t, seed+"em_hello_main.wasm")[0]
	if m.File.GlobalName(0) != "" {
		t.Fatalf("fixture has a name for global 0; the test needs an unnamed one")
	}
	r := Check([]Module{m})
	st := r.Modules[0].Stack
	if st == nil || st.Global != 0 || st.Name != "" || st.Initial != 5243920 {
		t.Fatalf("stack = %+v, want unnamed global 0 = 5243920", st)
	}
	if st.Range.Len() != 5<<20 {
		t.Errorf("stack size %d, want Emscripten's 5 MiB", st.Range.Len())
	}
}

func TestFix(t *testing.T) {
	r := Check(load(t, seed+"hello_main.wasm", seed+"hello_extra.wasm", seed+"pic/libextra.so"))
	if r.Fix == nil {
		t.Fatal("no fix")
	}
	want := "wasmdl run -L . --preload hello_extra.so --preload libextra.so hello_main.wasm"
	if r.Fix.Command != want {
		t.Errorf("command %q, want %q", r.Fix.Command, want)
	}
	var got []string
	for _, b := range r.Fix.Rebuild {
		got = append(got, b.Module+"→"+b.Output+" "+b.As)
	}
	wantRebuild := []string{"hello_main.wasm→hello_main.wasm PIE main", "hello_extra.wasm→hello_extra.so shared library"}
	if !reflect.DeepEqual(got, wantRebuild) {
		t.Errorf("rebuild %q, want %q", got, wantRebuild)
	}
	// A stack overflow is not cured by -fPIC alone.
	r = Check(load(t, "deep.wasm"))
	if len(r.Fix.Advice) != 1 || !strings.Contains(r.Fix.Advice[0], "-Wl,-z,stack-size=N for N well above 6000") {
		t.Errorf("advice %q", r.Fix.Advice)
	}
}

func TestQuoteBytes(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte("hello\x00"), `"hello"`},
		{[]byte("tab\there"), `"tab\there"`},
		{[]byte{0, 0, 0}, "3 zero bytes"},
		{[]byte{0}, "1 zero byte"},
		{[]byte("a\x00b"), "bytes 61 00 62"},
		{[]byte{0xff, 0xfe}, "bytes ff fe"},
		{bytes.Repeat([]byte{1}, 20), "bytes 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 …"},
		{[]byte("💩!!"), `"💩!!"`},
	}
	for _, tt := range tests {
		if got := quoteBytes(tt.in); got != tt.want {
			t.Errorf("quoteBytes(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestJSONSchema pins the documented field names (README.md, "JSON output").
func TestJSONSchema(t *testing.T) {
	r := Check(load(t, seed+"hello_main.wasm", seed+"hello_extra.wasm"))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schema"] != SchemaVersion {
		t.Errorf("schema = %v", doc["schema"])
	}
	keys := func(v any) []string {
		var ks []string
		for k := range v.(map[string]any) {
			ks = append(ks, k)
		}
		return sortedStrings(ks)
	}
	checks := []struct {
		what string
		v    any
		want []string
	}{
		{"report", doc, []string{"fix", "hazards", "modules", "notes", "schema"}},
		{"module", doc["modules"].([]any)[0], []string{"data", "heap", "kind", "memory", "name", "pic", "shared", "slots", "stack"}},
		{"stack", doc["modules"].([]any)[0].(map[string]any)["stack"],
			[]string{"assumed", "depth", "global", "initial", "max_frame", "name", "range", "recursion", "reentry", "why"}},
		{"hazard", doc["hazards"].([]any)[0], []string{"kind", "message", "modules", "ranges"}},
		{"range", doc["hazards"].([]any)[0].(map[string]any)["ranges"].([]any)[0], []string{"end", "module", "space", "start", "what"}},
		{"fix", doc["fix"], []string{"advice", "command", "rebuild"}},
	}
	for _, c := range checks {
		if got := keys(c.v); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s keys %q, want %q", c.what, got, c.want)
		}
	}
	if k := doc["hazards"].([]any)[0].(map[string]any)["kind"]; k != "data-overlap" {
		t.Errorf("kind encodes as %v", k)
	}
}

func sortedStrings(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := DataOverlap; k <= DataPastMemory; k++ {
		checkKindName(t, k, seen)
	}
	for k := PIC; k <= NoMemory; k++ {
		checkKindName(t, k, seen)
	}
}

func checkKindName(t *testing.T, k Kind, seen map[string]bool) {
	s := k.String()
	if strings.HasPrefix(s, "kind(") || seen[s] {
		t.Errorf("kind %d has name %q", int(k), s)
	}
	seen[s] = true
}

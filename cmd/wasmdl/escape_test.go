package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func TestSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"libfoo.so", "libfoo.so"},
		{"lib/with space/ü/日本.so", "lib/with space/ü/日本.so"},
		{`back\slash "quoted"`, `back\slash "quoted"`},
		{"a\nwasmdl: forged", `a\nwasmdl: forged`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"nul\x00byte", `nul\x00byte`},
		{"tab\there\r\a\b\f\v", `tab\there\r\a\b\f\v`},
		{"del\x7f", `del\x7f`},
		{"c1 csi \u009b31m", `c1 csi \u009b31m`},
		{"bidi \u202eexe.so", `bidi \u202eexe.so`},
		{"no-break\u00a0space", `no-break\u00a0space`},
		{"tag \U000e0041", `tag \U000e0041`},
		{"bad utf-8 \xff\xfe", `bad utf-8 \xff\xfe`},
		{"\ufffd is printable", "\ufffd is printable"},
	}
	for _, tt := range tests {
		if got := safe(tt.in); got != tt.want {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeLines(t *testing.T) {
	var b bytes.Buffer
	w := safeLines{&b}
	for _, s := range []string{"wasmdl: libs: a\nwasmdl: forged => x\n", "partial \x1b[2J", " line\n", "\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	want := "wasmdl: libs: a\\nwasmdl: forged => x\npartial \\x1b[2J line\n\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestMarshalIndent: the JSON writer indents as json.MarshalIndent does,
// escapes what safe escapes, and has no depth limit.
func TestMarshalIndent(t *testing.T) {
	v := map[string]any{
		"list": []any{1, "two", nil, true, []int{}, map[string]int{}, map[string]string{"k": "v"}},
		"text": "quote \" backslash \\ newline \n esc \x1b del \x7f c1 \u009b bidi \u202e tag \U000e0041 <&> ü",
	}
	got, err := marshalIndent(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "list": [
    1,
    "two",
    null,
    true,
    [],
    {},
    {
      "k": "v"
    }
  ],
  "text": "quote \" backslash \\ newline \n esc \u001b del \u007f c1 \u009b bidi \u202e tag \udb40\udc41 \u003c\u0026\u003e ü"
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var back map[string]any
	if err := json.Unmarshal(got, &back); err != nil || back["text"] != v["text"] {
		t.Errorf("does not decode to the same value: %v %q", err, back["text"])
	}
	// Identical to encoding/json's indentation for ordinary values.
	type rec struct {
		A []string       `json:"a"`
		B map[string]int `json:"b"`
		C *rec           `json:"c"`
	}
	r := rec{A: []string{"x", "y"}, B: map[string]int{"n": 1}, C: &rec{A: []string{}}}
	std, _ := json.MarshalIndent(r, "", "  ")
	if got, _ := marshalIndent(r); string(got) != string(std)+"\n" {
		t.Errorf("got\n%s\nencoding/json gives\n%s", got, std)
	}
}

// Names a module may hold to attack the terminal: a newline followed by a
// forged wasmdl line, an escape sequence, a NUL byte.
const (
	evilNL  = "nl\nwasmdl: forged"
	evilESC = "esc\x1b[31mred"
	evilNUL = "nul\x00byte"
)

// writeEvilModules writes, in dir:
//
//   - libneeds.so: a shared library whose NEEDED entries are the evil names;
//   - libundef.so: a shared library importing functions with the evil
//     names, and exporting them with an x in front, listed in IMPORT_INFO
//     and EXPORT_INFO too;
//   - main.wasm: a PIE main needing both, undef.wasm one needing libundef.so;
//   - trap.wasm: a plain module whose _start calls a function with an evil
//     name that traps;
//   - "lib\x1b[2Jname.so": libundef.so under a file name with an escape.
func writeEvilModules(t *testing.T, dir string) {
	t.Helper()
	i32 := wasmfile.GlobalType{Type: wasmfile.I32}
	none := wasmfile.FuncType{}
	write := func(name string, m *wasmgen.Module, d *wasmfile.Dylink) {
		t.Helper()
		b := m.Bytes()
		if d != nil {
			var err error
			if b, err = wasmfile.WithDylink(b, d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := wasmfile.Parse(b); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evil := []string{evilNL, evilESC, evilNUL}

	var needs wasmgen.Module
	needs.ImportGlobal("env", wasmfile.NameMemoryBase, i32)
	write("libneeds.so", &needs, &wasmfile.Dylink{Needed: []string{evilNL + ".so", evilESC + ".so", evilNUL + ".so"}})

	var undef wasmgen.Module
	undef.ImportGlobal("env", wasmfile.NameMemoryBase, i32)
	d := &wasmfile.Dylink{}
	for _, n := range evil {
		undef.ImportFunc("env", n, none)
		d.ImportInfo = append(d.ImportInfo, wasmfile.ImportInfo{Module: "env", Field: n, Flags: wasmfile.SymVisibilityHidden})
	}
	f := undef.Func(none, nil)
	for _, n := range evil {
		undef.Export("x"+n, wasmfile.KindFunc, f)
		d.ExportInfo = append(d.ExportInfo, wasmfile.SymbolInfo{Name: "x" + n, Flags: wasmfile.SymBindingWeak})
	}
	write("libundef.so", &undef, d)
	write("lib\x1b[2Jname.so", &undef, d)

	var main wasmgen.Module
	main.ImportGlobal("env", wasmfile.NameMemoryBase, i32)
	main.Export("_start", wasmfile.KindFunc, main.Func(none, nil))
	write("main.wasm", &main, &wasmfile.Dylink{Needed: []string{"libneeds.so", "libundef.so"}})
	write("undef.wasm", &main, &wasmfile.Dylink{Needed: []string{"libundef.so"}})

	var trap wasmgen.Module
	boom := trap.Func(none, wasmgen.Unreachable(nil))
	start := trap.Func(none, wasmgen.Call(nil, boom))
	trap.FuncName(boom, evilNL+evilESC)
	trap.Export("_start", wasmfile.KindFunc, start)
	write("trap.wasm", &trap, nil)
}

// TestEscapedNames runs every command on modules with hostile names: no
// output may hold a control character other than the line ends and tabs
// wasmdl writes itself, so no module can forge a line or colour the
// terminal.
func TestEscapedNames(t *testing.T) {
	dir := t.TempDir()
	writeEvilModules(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name   string
		args   []string
		status int
		want   []string // escaped forms that must appear
	}{
		{"inspect", []string{"inspect", p("libneeds.so"), p("libundef.so"), p("lib\x1b[2Jname.so")}, 0,
			[]string{`nl\nwasmdl: forged`, `esc\x1b[31mred`, `nul\x00byte`, `lib\x1b[2Jname.so`}},
		{"inspect --json", []string{"inspect", "--json", p("libneeds.so"), p("libundef.so")}, 0,
			[]string{`nl\nwasmdl: forged`, `esc\u001b[31mred`, `nul\u0000byte`}},
		{"ldd", []string{"ldd", p("main.wasm")}, 1, []string{`nl\nwasmdl: forged.so => not found`, `esc\x1b[31mred.so => not found`}},
		{"ldd --json", []string{"ldd", "--json", p("main.wasm")}, 1, []string{`nl\nwasmdl: forged.so`, `esc\u001b[31mred.so`}},
		{"run: missing libraries", []string{"run", "--preload", p("libneeds.so"), p("trap.wasm")}, exitLinkFailure,
			[]string{`nl\nwasmdl: forged.so: cannot open shared object file`, `esc\x1b[31mred.so: cannot open`, `nul\x00byte.so`}},
		{"run: undefined symbols", []string{"run", p("undef.wasm")}, exitLinkFailure,
			[]string{`undefined symbol: nl\nwasmdl: forged (needed by libundef.so)`, `undefined symbol: esc\x1b[31mred`,
				`undefined symbol: nul\x00byte`}},
		{"run: trap", []string{"run", p("trap.wasm")}, exitTrap, []string{`nl\nwasmdl: forgedesc\x1b[31mred()`}},
		{"check", []string{"check", p("trap.wasm"), p("lib\x1b[2Jname.so")}, 0, []string{`lib\x1b[2Jname.so`}},
	}
	t.Setenv("WASMDL_DEBUG", "all")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runCLI(tt.args...)
			all := out + errOut
			if status != tt.status {
				t.Errorf("status %d, want %d\n%s", status, tt.status, all)
			}
			for i := 0; i < len(all); i++ {
				if c := all[i]; c < ' ' && c != '\n' && c != '\t' || c == 0x7f {
					t.Fatalf("raw control character %q at byte %d:\n%s", c, i, all)
				}
			}
			for _, l := range strings.Split(all, "\n") {
				if strings.HasPrefix(strings.TrimLeft(l, "\t "), "wasmdl: forged") {
					t.Errorf("forged line %q", l)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %s:\n%s", w, all)
				}
			}
		})
	}
}

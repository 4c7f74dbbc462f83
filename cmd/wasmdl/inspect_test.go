package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// -update rewrites golden files. check_test.go may define the same flag;
// whichever init runs first defines it.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// compareGolden compares got with testdata/DIR/NAME, or writes it with
// -update.
func compareGolden(t *testing.T, dir, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", dir, name)
	if updating() {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/wasmdl -run 'Inspect|Ldd' -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

// runCLI runs wasmdl in-process.
func runCLI(args ...string) (stdout, stderr string, status int) {
	var out, errb bytes.Buffer
	status = mainArgs(args, &out, &errb)
	return out.String(), errb.String(), status
}

// inspectFixtures are the modules inspect is pinned on: every reader
// fixture (wasm-ld 19 libraries, PIE and non-PIE mains, Emscripten's side
// module), the seed experiments, and the synthetic modules of
// testdata/inspect.
func inspectFixtures(t *testing.T) []string {
	var files []string
	for _, pattern := range []string{
		"../../testdata/reader/*.so", "../../testdata/reader/*.wasm",
		"../../testdata/seed/*.wasm", "../../testdata/seed/pic/*",
		"testdata/inspect/*.wasm", "testdata/ldd/rpath/*.wasm", "testdata/ldd/rpath/deps/*.so",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			if ext := filepath.Ext(p); ext == ".wasm" || ext == ".so" {
				files = append(files, p)
			}
		}
	}
	return files
}

// goldenName turns ../../testdata/reader/libfoo.so into reader_libfoo.so.
func goldenName(p string) string {
	p = filepath.ToSlash(p)
	p = strings.TrimPrefix(p, "../../testdata/")
	p = strings.TrimPrefix(p, "testdata/")
	return strings.ReplaceAll(p, "/", "_")
}

func TestInspectGolden(t *testing.T) {
	if updating() {
		writeInspectFixtures(t)
	}
	files := inspectFixtures(t)
	if len(files) < 20 {
		t.Fatalf("only %d fixtures found", len(files))
	}
	for _, p := range files {
		t.Run(goldenName(p), func(t *testing.T) {
			out, errOut, status := runCLI("inspect", p)
			if status != 0 || errOut != "" {
				t.Fatalf("status %d, stderr %q", status, errOut)
			}
			compareGolden(t, "inspect", goldenName(p)+".golden", []byte(out))
			out, errOut, status = runCLI("inspect", "--json", p)
			if status != 0 || errOut != "" {
				t.Fatalf("--json: status %d, stderr %q", status, errOut)
			}
			compareGolden(t, "inspect", goldenName(p)+".json.golden", []byte(out))
		})
	}
}

// writeInspectFixtures makes the synthetic modules of testdata/inspect
// (with -update only; they are committed): a legacy "dylink" section, and a
// dylink.0 with an unknown subsection, a RUNTIME_PATH and a weak export.
func writeInspectFixtures(t *testing.T) {
	name := func(s string) []byte { return wasmfile.AppendName(nil, s) }
	u32 := func(v uint32) []byte { return wasmfile.AppendU32(nil, v) }
	section := func(id byte, parts ...[]byte) []byte {
		p := bytes.Join(parts, nil)
		return append(append([]byte{id}, u32(uint32(len(p)))...), p...)
	}
	header := []byte("\x00asm\x01\x00\x00\x00")
	memBase := bytes.Join([][]byte{name("env"), name("__memory_base"), {3, 0x7f, 0}}, nil)
	dataGlobal := section(wasmfile.SectionGlobal, u32(1), []byte{0x7f, 0, 0x41, 8, 0x0b})
	legacy := bytes.Join([][]byte{header,
		section(wasmfile.SectionCustom, name("dylink"), u32(16), u32(3), u32(2), u32(0), u32(1), name("libold.so")),
		section(wasmfile.SectionImport, u32(1), memBase),
		dataGlobal,
		section(wasmfile.SectionExport, u32(1), name("old_data"), []byte{3}, u32(1)),
	}, nil)
	d := &wasmfile.Dylink{
		MemInfo:     wasmfile.MemInfo{MemorySize: 8, MemoryAlign: 3},
		Needed:      []string{"libneed.so"},
		ExportInfo:  []wasmfile.SymbolInfo{{Name: "weak_data", Flags: wasmfile.SymBindingWeak}},
		RuntimePath: []string{"$ORIGIN/lib", "/opt/lib"},
	}
	payload := append(d.Encode(), 0x7f, 3, 1, 2, 3) // an unknown subsection
	modern := bytes.Join([][]byte{header,
		section(wasmfile.SectionCustom, name("dylink.0"), payload),
		section(wasmfile.SectionImport, u32(1), memBase),
		dataGlobal,
		section(wasmfile.SectionExport, u32(1), name("weak_data"), []byte{3}, u32(1)),
	}, nil)
	for file, b := range map[string][]byte{"legacy_dylink.wasm": legacy, "unknown_subsection.wasm": modern} {
		if _, err := wasmfile.Parse(b); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "inspect", file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.so")
	// A 15-byte module claiming 2^32-1 imports.
	if err := os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00\x02\x05\xff\xff\xff\xff\x0f"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := "../../testdata/reader/libbar.so"
	tests := []struct {
		name       string
		args       []string
		status     int
		wantStderr string
		wantFiles  int // text headers printed on stdout
	}{
		{"no arguments", []string{"inspect"}, 2, "usage: wasmdl inspect", 0},
		{"unknown flag", []string{"inspect", "-x", good}, 2, "flag provided but not defined: -x", 0},
		{"missing file", []string{"inspect", "nonexistent.so"}, 2, "wasmdl: nonexistent.so: cannot open: no such file or directory\n", 0},
		{"unreadable file, others still shown", []string{"inspect", bad, good, "../../testdata/reader/libbar.c"}, 2,
			"wasmdl: " + bad + ": offset 0xa: import section: count 4294967295, 0 bytes left: count larger than the bytes left\n" +
				"wasmdl: ../../testdata/reader/libbar.c: offset 0x0: not a WebAssembly module (bad magic)\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runCLI(tt.args...)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if !strings.HasPrefix(errOut, tt.wantStderr) || (strings.HasSuffix(tt.wantStderr, "\n") && errOut != tt.wantStderr) {
				t.Errorf("stderr\n%s\nwant\n%s", errOut, tt.wantStderr)
			}
			if n := strings.Count(out, "File: "); n != tt.wantFiles {
				t.Errorf("%d files shown, want %d:\n%s", n, tt.wantFiles, out)
			}
		})
	}
	t.Run("json lists the error", func(t *testing.T) {
		out, _, status := runCLI("inspect", "--json", bad, good)
		if status != 2 {
			t.Errorf("status %d, want 2", status)
		}
		var r struct {
			Schema int
			Files  []map[string]any
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Schema != 1 || len(r.Files) != 2 || len(r.Files[0]) != 2 || r.Files[0]["error"] == nil || r.Files[1]["kind"] != "shared_library" {
			t.Errorf("report %+v", r)
		}
	})
}

// TestInspectJSONFacts checks the JSON schema against facts of the
// fixtures, independently of the golden files.
func TestInspectJSONFacts(t *testing.T) {
	out, _, status := runCLI("inspect", "--json", "../../testdata/reader/libfoo.so", "../../testdata/reader/libtls.so",
		"../../testdata/reader/main.wasm", "../../testdata/reader/pie.wasm", "../../testdata/reader/em_side.wasm", "../../testdata/seed/stack.wasm")
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	var r InspectReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	foo, tls, main, pie, em, stack := r.Files[0], r.Files[1], r.Files[2], r.Files[3], r.Files[4], r.Files[5]
	kinds := []string{foo.Kind, tls.Kind, main.Kind, pie.Kind, em.Kind, stack.Kind}
	if strings.Join(kinds, " ") != "shared_library shared_library main pie_main shared_library plain" {
		t.Errorf("kinds %q", kinds)
	}
	if d := foo.Dylink; d.MemorySize != 36 || d.MemoryAlignLog2 != 2 || strings.Join(d.Needed, ",") != "libbar.so" ||
		len(d.ImportInfo) != 2 || strings.Join(d.ImportInfo[0].FlagNames, "|") != "WEAK|UNDEFINED" {
		t.Errorf("libfoo dylink %+v", d)
	}
	var weak, gotFunc []string
	for _, im := range foo.Imports {
		if im.Weak {
			weak = append(weak, im.Module+"."+im.Name)
		}
		if im.Role == "got_func" {
			gotFunc = append(gotFunc, im.Name)
		}
	}
	if strings.Join(weak, " ") != "env.weak_missing GOT.func.weak_missing GOT.mem.weak_missing_var" ||
		strings.Join(gotFunc, " ") != "weak_missing bar_sum" {
		t.Errorf("libfoo weak %q, GOT.func %q", weak, gotFunc)
	}
	if tls.TLS == nil || tls.TLS.Size != 32 || tls.TLS.Align != 16 || tls.Dylink.ExportInfo[0].FlagNames[0] != "TLS" {
		t.Errorf("libtls TLS %+v, export info %+v", tls.TLS, tls.Dylink.ExportInfo)
	}
	sym := func(f InspectFile, name string) InspectSymbol {
		for _, s := range f.Symbols {
			if s.Name == name {
				return s
			}
		}
		t.Fatalf("%s: no symbol %s", f.File, name)
		return InspectSymbol{}
	}
	if s := sym(tls, "tls_buf"); s.Kind != "tls" || s.Base != "__tls_base" || *s.Value != 16 {
		t.Errorf("tls_buf %+v", s)
	}
	if s := sym(main, "main_value"); s.Kind != "data" || s.Base != "absolute" || *s.Value != 3472 {
		t.Errorf("main_value %+v", s)
	}
	if s := sym(em, "em_fn_ptr"); s.Base != "__memory_base" || *s.Value != 20 {
		t.Errorf("em_fn_ptr %+v", s)
	}
	if s := sym(foo, "foo_call"); s.Kind != "func" || s.Signature != "(i32) -> i32" || s.Value != nil {
		t.Errorf("foo_call %+v", s)
	}
	if strings.Join(pie.EntryPoints, ",") != "__main_void" || *pie.StartFunction != 4 {
		t.Errorf("pie entry %q, start %v", pie.EntryPoints, pie.StartFunction)
	}
	if stack.Dylink != nil || stack.PIC {
		t.Errorf("stack.wasm %+v", stack)
	}
}

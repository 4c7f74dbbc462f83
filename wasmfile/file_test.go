package wasmfile

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
)

// symbolStrings formats f.Symbols() compactly: "func NAME SIG",
// "data NAME VALUE" or "tls NAME VALUE", with " weak" appended if flagged.
func symbolStrings(f *File) []string {
	var out []string
	for _, s := range f.Symbols() {
		var line string
		switch {
		case s.Func:
			t, _ := f.FuncType(s.Index)
			line = fmt.Sprintf("func %s %s", s.Name, t)
		case s.TLS:
			line = fmt.Sprintf("tls %s %d", s.Name, s.Value)
		case !s.ValueKnown:
			line = fmt.Sprintf("data %s ?", s.Name)
		default:
			line = fmt.Sprintf("data %s %d", s.Name, s.Value)
		}
		if s.Weak {
			line += " weak"
		}
		out = append(out, line)
	}
	return out
}

// importsWithRole lists the names of the imports that play role r.
func importsWithRole(f *File, r ImportRole) []string {
	var out []string
	for _, ci := range f.ClassifyImports() {
		if ci.Role == r {
			out = append(out, ci.Name)
		}
	}
	return out
}

func weakImports(f *File) []string {
	var out []string
	for _, ci := range f.ClassifyImports() {
		if ci.Weak {
			out = append(out, ci.Module+"."+ci.Name)
		}
	}
	return out
}

func dataStrings(f *File) []string {
	var out []string
	for _, d := range f.Data {
		if d.Mode == ModeActive {
			out = append(out, fmt.Sprintf("active (%s) %d", d.Offset, d.Size))
		} else {
			out = append(out, fmt.Sprintf("%s %d", d.Mode, d.Size))
		}
	}
	return out
}

func elemStrings(f *File) []string {
	var out []string
	for _, e := range f.Elements {
		out = append(out, fmt.Sprintf("%s table %d (%s) %v", e.Mode, e.Table, e.Offset, e.Funcs))
	}
	return out
}

// TestFixtures pins what the reader must see in each fixture of
// testdata/reader; the *.objdump files next to them show the same facts as
// wasm-objdump prints them.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file       string
		kind       Kind
		pic        bool
		dylink     *Dylink // compared without Subsections
		gotMem     []string
		gotFunc    []string
		weak       []string
		symbols    []string
		data       []string
		elems      []string
		start      int // -1: no start function
		moduleName string
		funcName   map[uint32]string
	}{
		{
			file: "libbar.so", kind: KindSharedLibrary, pic: true,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemorySize: 56, MemoryAlign: 4}},
			gotMem: []string{"bar_values"},
			symbols: []string{
				"func bar_sum (i32) -> i32", "data bar_values 16", "func bar_mul64 (i64, i64) -> i64",
				"func bar_scale (f64) -> f64", "data bar_name 48", "data bar_ctor_ran 52",
			},
			data:       []string{"active (global.get 0) 56"},
			start:      -1,
			moduleName: "libbar.so",
			funcName:   map[uint32]string{0: "__wasm_call_ctors", 2: "bar_sum"},
		},
		{
			file: "libfoo.so", kind: KindSharedLibrary, pic: true,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemorySize: 36, MemoryAlign: 2},
				Needed: []string{"libbar.so"},
				ImportInfo: []ImportInfo{
					{Module: "env", Field: "weak_missing", Flags: SymBindingWeak | SymUndefined},
					{Module: "env", Field: "weak_missing_var", Flags: SymBindingWeak | SymUndefined},
				}},
			gotMem:  []string{"foo_counter", "weak_missing_var", "bar_values", "bar_name", "foo_greeting"},
			gotFunc: []string{"weak_missing", "bar_sum"},
			weak:    []string{"env.weak_missing", "GOT.func.weak_missing", "GOT.mem.weak_missing_var"},
			symbols: []string{
				"func foo_call (i32) -> i32", "data foo_counter 20", "func foo_fn_addr () -> i32",
				"func foo_data_addr () -> i32", "func foo_name_len () -> i32",
				"data foo_greeting 24", "data foo_sum_ptr 28", "data foo_values_ptr 32",
			},
			data:       []string{"active (global.get 0) 36"},
			start:      -1,
			moduleName: "libfoo.so",
			funcName:   map[uint32]string{0: "weak_missing", 2: "strlen", 5: "foo_call"},
		},
		{
			file: "libtls.so", kind: KindSharedLibrary, pic: true,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemorySize: 40, MemoryAlign: 4},
				ExportInfo: []SymbolInfo{{Name: "tls_counter", Flags: SymTLS}, {Name: "tls_buf", Flags: SymTLS}}},
			symbols: []string{
				"func tls_next () -> i32", "tls tls_counter 0", "func tls_buf_addr () -> i32",
				"tls tls_buf 16", "data plain_value 32",
			},
			data:       []string{"passive 32", "passive 4"},
			start:      3,
			moduleName: "libtls.so",
			funcName:   map[uint32]string{1: "__wasm_init_tls", 3: "__wasm_init_memory"},
		},
		{
			file: "pie.wasm", kind: KindPIEMain, pic: true,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemorySize: 16, MemoryAlign: 2},
				Needed: []string{"libfoo.so"}},
			gotMem:     []string{"bar_values", "foo_counter"},
			symbols:    []string{"func __main_void () -> i32"},
			data:       []string{"active (global.get 0) 16"},
			start:      4,
			moduleName: "pie.wasm",
			funcName:   map[uint32]string{0: "foo_call", 4: "__wasm_apply_global_relocs"},
		},
		{
			file: "main.wasm", kind: KindMain, pic: false,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemoryAlign: 4, TableSize: 6},
				Needed: []string{"libfoo.so"}},
			gotMem: []string{"foo_greeting", "foo_counter"},
			symbols: []string{
				"func __original_main () -> i32", "func puts (i32) -> i32", "func printf (i32, i32) -> i32",
				"data main_foo_ptr 3476", "func main (i32, i32) -> i32", "data main_value 3472",
				"func __main_void () -> i32", "func malloc (i32) -> i32", "func free (i32) -> ()",
				"func calloc (i32, i32) -> i32", "func realloc (i32, i32) -> i32", "func abort () -> ()",
				"func exit (i32) -> ()", "func __cxa_atexit (i32, i32, i32) -> i32", "func atexit (i32) -> i32",
				"func getenv (i32) -> i32", "func fflush (i32) -> i32", "func fprintf (i32, i32, i32) -> i32",
				"func fputc (i32, i32) -> i32", "func fputs (i32, i32) -> i32",
				"func fwrite (i32, i32, i32, i32) -> i32", "func iprintf (i32, i32) -> i32",
				"func putchar (i32) -> i32", "func strlen (i32) -> i32", "func memcpy (i32, i32, i32) -> i32",
				"func snprintf (i32, i32, i32, i32) -> i32", "func sprintf (i32, i32, i32) -> i32",
				"data stderr 2988", "data stdout 1276", "func memset (i32, i32, i32) -> i32",
				"func memmove (i32, i32, i32) -> i32", "func strcmp (i32, i32) -> i32",
				"func strcpy (i32, i32) -> i32", "func strncmp (i32, i32, i32) -> i32",
				"func qsort (i32, i32, i32, i32) -> ()",
			},
			data:       []string{"active (i32.const 1024) 2448", "active (i32.const 3472) 248", "active (i32.const 3728) 1852"},
			elems:      []string{"active table 0 (i32.const 1) [34 32 36 38 74 82]"},
			start:      -1,
			moduleName: "main.wasm",
			funcName:   map[uint32]string{11: "_initialize", 57: "malloc"},
		},
		{
			// Emscripten 3.1.6 (LLVM 14): imports globals before memory and
			// table, applies relocations in its start function, no name section.
			file: "em_side.wasm", kind: KindSharedLibrary, pic: true,
			dylink: &Dylink{SectionName: "dylink.0", MemInfo: MemInfo{MemorySize: 24, MemoryAlign: 4, TableSize: 1}},
			gotMem: []string{"em_values", "em_fn_ptr", "em_value_ptr"},
			symbols: []string{
				"func em_compute (i32) -> i32", "data em_values 0", "data em_fn_ptr 20", "data em_value_ptr 16",
			},
			data:  []string{"active (global.get 0) 24"},
			elems: []string{"active table 0 (global.get 1) [2]"},
			start: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := mustOpen(t, "../testdata/reader/"+tt.file)
			if got := f.Kind(); got != tt.kind {
				t.Errorf("Kind() = %v, want %v", got, tt.kind)
			}
			if got := f.IsPIC(); got != tt.pic {
				t.Errorf("IsPIC() = %v, want %v", got, tt.pic)
			}
			if f.Dylink == nil {
				t.Fatal("no dylink.0 section")
			}
			if f.Dylink.sectionIndex != 0 || len(f.Sections) == 0 || f.Sections[0].Name != "dylink.0" {
				t.Errorf("dylink.0 is not the first section")
			}
			got := *f.Dylink
			got.Subsections, got.sectionIndex, got.sectionOff = nil, 0, 0
			if !reflect.DeepEqual(&got, tt.dylink) {
				t.Errorf("Dylink = %+v\nwant     %+v", got, *tt.dylink)
			}
			check := func(what string, got, want []string) {
				t.Helper()
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s:\n got %q\nwant %q", what, got, want)
				}
			}
			check("GOT.mem imports", importsWithRole(f, RoleGOTMem), tt.gotMem)
			check("GOT.func imports", importsWithRole(f, RoleGOTFunc), tt.gotFunc)
			check("weak imports", weakImports(f), tt.weak)
			check("symbols", symbolStrings(f), tt.symbols)
			check("data segments", dataStrings(f), tt.data)
			check("element segments", elemStrings(f), tt.elems)
			if tt.start < 0 && f.HasStart || tt.start >= 0 && (!f.HasStart || f.Start != uint32(tt.start)) {
				t.Errorf("start = %d (HasStart %v), want %d", f.Start, f.HasStart, tt.start)
			}
			if tt.moduleName == "" {
				if f.Names != nil {
					t.Errorf("Names = %+v, want none", f.Names)
				}
			} else {
				if f.Names == nil {
					t.Fatalf("no name section (NamesErr %v)", f.NamesErr)
				}
				if f.Names.Module != tt.moduleName {
					t.Errorf("module name %q, want %q", f.Names.Module, tt.moduleName)
				}
				for idx, want := range tt.funcName {
					if got := f.FuncName(idx); got != want {
						t.Errorf("FuncName(%d) = %q, want %q", idx, got, want)
					}
				}
			}
		})
	}
}

// TestFixtureDetails checks facts that only some fixtures have.
func TestFixtureDetails(t *testing.T) {
	t.Run("libtls shared memory and TLS globals", func(t *testing.T) {
		f := mustOpen(t, "../testdata/reader/libtls.so")
		mem := f.Imports[0]
		if mem.Kind != KindMemory || mem.Memory.Limits != (Limits{Min: 1, Max: 65536, HasMax: true, Shared: true}) {
			t.Errorf("memory import = %+v", mem)
		}
		for name, want := range map[string]int32{NameTLSSize: 32, NameTLSAlign: 16} {
			if v, ok := f.ExportedGlobalValue(name); !ok || v != want {
				t.Errorf("%s = %d, %v; want %d", name, v, ok, want)
			}
		}
		if !f.HasDataCount || f.DataCount != 2 {
			t.Errorf("data count = %d (%v), want 2", f.DataCount, f.HasDataCount)
		}
		if n := f.Names.Data[0]; n != ".tdata" {
			t.Errorf("data segment 0 name %q, want .tdata", n)
		}
		if g, ok := f.GlobalType(2); !ok || !g.Mutable || f.GlobalName(2) != NameTLSBase {
			t.Errorf("global 2 = %v %v %q, want mutable __tls_base", g, ok, f.GlobalName(2))
		}
	})
	t.Run("libfoo roles of every import", func(t *testing.T) {
		f := mustOpen(t, "../testdata/reader/libfoo.so")
		var got []string
		for _, ci := range f.ClassifyImports() {
			got = append(got, ci.Role.String())
		}
		want := "memory table memory base table base function function function " +
			"GOT.mem GOT.func GOT.mem GOT.mem GOT.func GOT.mem GOT.mem"
		if strings.Join(got, " ") != want {
			t.Errorf("roles = %q\nwant    %q", strings.Join(got, " "), want)
		}
		if f.NumImportedFuncs() != 3 || f.NumImportedGlobals() != 9 || f.NumImportedTables() != 1 || f.NumImportedMemories() != 1 {
			t.Errorf("imported funcs/globals/tables/memories = %d/%d/%d/%d", f.NumImportedFuncs(),
				f.NumImportedGlobals(), f.NumImportedTables(), f.NumImportedMemories())
		}
		if im, ok := f.ImportedFunc(1); !ok || im.Name != "bar_sum" {
			t.Errorf("ImportedFunc(1) = %v, %v", im, ok)
		}
		if _, ok := f.ImportedFunc(3); ok {
			t.Error("ImportedFunc(3) found a defined function")
		}
	})
	t.Run("main.wasm WASI imports and memory", func(t *testing.T) {
		f := mustOpen(t, "../testdata/reader/main.wasm")
		if got := len(importsWithRole(f, RoleWASI)); got != 7 {
			t.Errorf("%d WASI imports, want 7", got)
		}
		if got := importsWithRole(f, RoleFunc); strings.Join(got, " ") != "foo_call foo_name_len" {
			t.Errorf("env functions = %q", got)
		}
		if e, ok := f.Export(NameStackPointer); !ok || e.Kind != KindGlobal {
			t.Errorf("__stack_pointer export = %+v, %v", e, ok)
		}
		if v, ok := f.GlobalValue(2); !ok || v != 71120 {
			t.Errorf("__stack_pointer init = %d, %v; want 71120", v, ok)
		}
		if !f.ImportsModule("wasi_") || f.ImportsModule("GOT.func") {
			t.Error("ImportsModule disagrees with the imports")
		}
	})
	t.Run("em_side section order", func(t *testing.T) {
		f := mustOpen(t, "../testdata/reader/em_side.wasm")
		var ids []string
		for _, s := range f.Sections {
			ids = append(ids, SectionName(s.ID))
		}
		want := "custom type import function global export start element code data custom"
		if strings.Join(ids, " ") != want {
			t.Errorf("sections %q, want %q", strings.Join(ids, " "), want)
		}
		if len(f.Dylink.Subsections) != 1 || f.Dylink.Subsections[0].Type != DylinkMemInfo {
			t.Errorf("subsections %+v, want one MEM_INFO", f.Dylink.Subsections)
		}
	})
}

// TestSeedModulesArePlain: the seed experiments have no dynamic-linking
// metadata and must be classified as plain modules that simply run.
func TestSeedModulesArePlain(t *testing.T) {
	for _, name := range []string{
		"clobber_lib", "clobber_main", "const_only", "em_hello_extra", "em_hello_main", "hello_extra",
		"hello_extra_base4096", "hello_extra_stackfirst", "hello_main", "hello_main_base4096",
		"hello_main_stackfirst", "stack",
	} {
		t.Run(name, func(t *testing.T) {
			f := mustOpen(t, "../testdata/seed/"+name+".wasm")
			if f.Kind() != KindPlain || f.IsPIC() || f.Dylink != nil {
				t.Errorf("Kind %v, PIC %v, Dylink %v; want a plain module", f.Kind(), f.IsPIC(), f.Dylink)
			}
			if got := importsWithRole(f, RoleMemory); len(got) != 1 {
				t.Errorf("memory imports %q, want env.memory", got)
			}
		})
	}
	f := mustOpen(t, "../testdata/seed/const_only.wasm")
	if got := dataStrings(f); len(got) != 1 || got[0] != "active (i32.const 1024) 16" {
		t.Errorf("const_only data %q", got)
	}
	if len(f.Tables) != 1 || f.Tables[0] != (TableType{Elem: FuncRef, Limits: Limits{Min: 1, Max: 1, HasMax: true}}) {
		t.Errorf("const_only tables %+v", f.Tables)
	}
	if got := symbolStrings(f); strings.Join(got, ";") != "func get_message () -> i32" {
		t.Errorf("const_only symbols %q", got)
	}
}

// TestAllFixturesParse reads every module under testdata/ and checks the
// invariants every accessor relies on.
func TestAllFixturesParse(t *testing.T) {
	for _, p := range fixtures(t) {
		f, err := Open(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if f.NamesErr != nil {
			t.Errorf("%s: name section: %v", p, f.NamesErr)
		}
		if len(f.Code) != len(f.Funcs) {
			t.Errorf("%s: %d bodies for %d functions", p, len(f.Code), len(f.Funcs))
		}
		for i, d := range f.Data {
			if int(d.Size) != len(d.Bytes()) || !sameBytes(f.Raw()[d.FileOff:d.FileOff+int64(d.Size)], d.Bytes()) {
				t.Errorf("%s: data[%d] bytes do not match its placement", p, i)
			}
		}
		// testdata/dl/errors holds deliberately broken "libraries".
		if strings.HasSuffix(p, ".so") && !strings.Contains(p, "/errors/") && f.Kind() != KindSharedLibrary {
			t.Errorf("%s: Kind() = %v, want shared library", p, f.Kind())
		}
		// link/plain is an ordinary WASI command: no dylink.0, nothing shared.
		if strings.Contains(p, "/link/plain/") {
			if f.Kind() != KindPlain {
				t.Errorf("%s: Kind() = %v, want plain module", p, f.Kind())
			}
		} else if strings.Contains(p, "/link/") && strings.HasSuffix(p, "main.wasm") && f.Kind() != KindMain && f.Kind() != KindPIEMain {
			t.Errorf("%s: Kind() = %v, want a main", p, f.Kind())
		}
	}
}

func sameBytes(a, b []byte) bool { return string(a) == string(b) }

func TestReadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"lib/libx.so": {Data: module(custom("dylink.0", subsec(DylinkNeeded, leb(1), str("liby.so"))))},
		"bad.wasm":    {Data: []byte("MZ")},
	}
	f, err := ReadFS(fsys, "lib/libx.so")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Dylink.Needed; len(got) != 1 || got[0] != "liby.so" {
		t.Errorf("Needed = %q", got)
	}
	if _, err := ReadFS(fsys, "missing.so"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	var fe *FormatError
	if _, err := ReadFS(fsys, "bad.wasm"); !errors.As(err, &fe) || !errors.Is(err, ErrNotWasm) {
		t.Errorf("bad.wasm: %v", err)
	}
}

// TestParseErrors feeds malformed modules to Parse and pins the exact
// message, offset and sentinel of each failure.
func TestParseErrors(t *testing.T) {
	typeSec := section(SectionType, leb(1), raw(0x60, 0, 0)) // one () -> () type
	funcSec := section(SectionFunction, leb(1), leb(0))
	tests := []struct {
		name     string
		in       []byte
		wantErr  string
		sentinel error
	}{
		{"empty file", nil, "offset 0x0: header: unexpected end of data", ErrUnexpectedEOF},
		{"truncated magic", raw(0, 'a', 's'), "offset 0x3: header: unexpected end of data", ErrUnexpectedEOF},
		{"truncated version", raw(0, 'a', 's', 'm', 1, 0), "offset 0x6: header: unexpected end of data", ErrUnexpectedEOF},
		{"bad magic", raw(0, 'A', 'S', 'M', 1, 0, 0, 0), "offset 0x0: not a WebAssembly module (bad magic)", ErrNotWasm},
		{"short file with bad magic", []byte("MZ"), "offset 0x0: not a WebAssembly module (bad magic)", ErrNotWasm},
		{"bad version", raw(0, 'a', 's', 'm', 2, 0, 0, 0), "offset 0x4: unsupported binary format version 2", ErrBadVersion},
		{"component version", raw(0, 'a', 's', 'm', 0x0d, 0, 1, 0), "offset 0x4: unsupported binary format version 65549", ErrBadVersion},
		{"truncated section header", module(raw(SectionType)),
			"offset 0x9: type section: in LEB128 number: unexpected end of data", ErrUnexpectedEOF},
		{"section length past the end", module(raw(SectionType, 5, 0)),
			"offset 0x8: type section: section length 5 runs past the end of the file (1 bytes left)", ErrUnexpectedEOF},
		{"overlong LEB128 section length", module(raw(SectionType, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)),
			"offset 0x9: type section: more than 5 bytes for u32: malformed LEB128 number", ErrBadLEB128},
		{"overflowing LEB128 section length", module(raw(SectionType, 0xff, 0xff, 0xff, 0xff, 0x1f)),
			"offset 0x9: type section: u32 overflows: malformed LEB128 number", ErrBadLEB128},
		{"overflowing LEB128 count", module(section(SectionType, raw(0x80, 0x80, 0x80, 0x80, 0x10))),
			"offset 0xa: type section: u32 overflows: malformed LEB128 number", ErrBadLEB128},
		{"overflowing s32 constant", module(section(SectionGlobal, leb(1), raw(byte(I32), 0, opI32Const, 0xff, 0xff, 0xff, 0xff, 0x0f, opEnd))),
			"offset 0xe: global section: global[0]: s32 overflows: malformed LEB128 number", ErrBadLEB128},
		{"overlong s32 constant", module(section(SectionGlobal, leb(1), raw(byte(I32), 0, opI32Const, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, opEnd))),
			"offset 0xe: global section: global[0]: more than 5 bytes for s32: malformed LEB128 number", ErrBadLEB128},
		{"truncated limits", module(section(SectionMemory, leb(1), raw(1, 1))),
			"offset 0xd: memory section: memory[0]: in LEB128 number: unexpected end of data", ErrUnexpectedEOF},
		{"truncated parameter list", module(section(SectionType, leb(1), raw(0x60, 5, byte(I32)))),
			"offset 0xc: type section: type[0]: count 5, 1 bytes left: count larger than the bytes left", ErrTooMany},
		{"truncated import", module(typeSec, section(SectionImport, leb(1), str("env"), str("f"), raw(byte(KindFunc)))),
			`offset 0x18: import section: import[0] "env"."f": in LEB128 number: unexpected end of data`, ErrUnexpectedEOF},
		{"name longer than the section", module(section(SectionImport, leb(1), raw(9), []byte("env"))),
			"offset 0xb: import section: import[0]: name of 9 bytes, 3 left: unexpected end of data", ErrUnexpectedEOF},
		{"import type index out of range", module(typeSec, section(SectionImport, leb(1), str("env"), str("f"), raw(byte(KindFunc), 9))),
			`offset 0x18: import section: import[0] "env"."f": type index 9 out of range (1 types)`, nil},
		{"invalid import kind", module(section(SectionImport, leb(1), str("env"), str("f"), raw(7))),
			`offset 0x11: import section: import[0] "env"."f": invalid import kind 0x07`, nil},
		{"import count larger than the bytes left", module(section(SectionImport, raw(0xff, 0xff, 0xff, 0xff, 0x0f))),
			"offset 0xa: import section: count 4294967295, 0 bytes left: count larger than the bytes left", ErrTooMany},
		{"code count larger than the bytes left", module(section(SectionCode, leb(3), raw(2, 0, opEnd))),
			"offset 0xa: code section: count 3, 3 bytes left: count larger than the bytes left", ErrTooMany},
		{"invalid UTF-8 in an import name", module(section(SectionImport, leb(1), str("env"), raw(2, 0xc3, 0x28), raw(byte(KindFunc), 0))),
			"offset 0xf: import section: import[0]: name is not valid UTF-8", ErrBadUTF8},
		{"invalid UTF-8 in an export name", module(section(SectionExport, leb(1), raw(1, 0xff), raw(byte(KindFunc), 0))),
			"offset 0xb: export section: export[0]: name is not valid UTF-8", ErrBadUTF8},
		{"invalid UTF-8 in a custom section name", module(section(SectionCustom, raw(3, 'a', 0xfe, 'b'))),
			"offset 0xa: custom section: name is not valid UTF-8", ErrBadUTF8},
		{"duplicate section", module(typeSec, typeSec),
			"offset 0xe: type section: duplicate section", ErrSectionOrder},
		{"misordered sections", module(typeSec, funcSec, section(SectionImport, leb(0))),
			"offset 0x12: import section: section out of order", ErrSectionOrder},
		{"data count after code", module(section(SectionCode, leb(0)), section(SectionDataCount, leb(0))),
			"offset 0xb: data count section: section out of order", ErrSectionOrder},
		{"unknown section id", module(section(14)), "offset 0x8: unknown section id 14", nil},
		{"bytes left in a section", module(section(SectionType, leb(0), raw(0))),
			"offset 0xb: type section: section declares 2 bytes but 1 are left unread", nil},
		{"functions without code", module(typeSec, funcSec),
			"offset 0x12: 1 functions declared but no code section", nil},
		{"code for undeclared functions", module(typeSec, section(SectionCode, leb(1), raw(2, 0, opEnd))),
			"offset 0x10: code section: 1 function bodies for 0 declared functions", nil},
		{"data count mismatch", module(section(SectionDataCount, leb(2))),
			"offset 0xb: data count section: data count 2, but 0 data segments", nil},
		{"invalid value type", module(section(SectionType, leb(1), raw(0x60, 1, 0x40, 0))),
			"offset 0xd: type section: type[0]: invalid value type 0x40", nil},
		{"table of i32", module(section(SectionTable, leb(1), raw(byte(I32), 0, 1))),
			"offset 0xb: table section: table[0]: i32 is not a reference type", nil},
		{"bad byte after 0x40 table prefix", module(section(SectionTable, leb(1), raw(0x40, 1, byte(FuncRef), 0, 1, opRefNull, byte(FuncRef), opEnd))),
			"offset 0xc: table section: table[0]: expected 0x00 after 0x40 in a table definition, got 0x01", nil},
		{"shared memory without maximum", module(section(SectionMemory, leb(1), raw(2, 1))),
			"offset 0xb: memory section: memory[0]: shared memory without a maximum", nil},
		{"maximum below minimum", module(section(SectionMemory, leb(1), raw(1, 2, 1))),
			"offset 0xb: memory section: memory[0]: maximum 1 below minimum 2", nil},
		{"invalid limits flags", module(section(SectionMemory, leb(1), raw(8, 1))),
			"offset 0xb: memory section: memory[0]: invalid limits flags 0x08", nil},
		{"shared table", module(section(SectionTable, leb(1), raw(byte(FuncRef), 3, 1, 2))),
			"offset 0xc: table section: table[0]: invalid limits flags 0x03", nil},
		{"invalid mutability", module(section(SectionGlobal, leb(1), raw(byte(I32), 2, opI32Const, 0, opEnd))),
			"offset 0xc: global section: global[0]: invalid mutability 0x02", nil},
		{"non-constant global initialiser", module(section(SectionGlobal, leb(1), raw(byte(I32), 0, 0x20, 0, opEnd))),
			"offset 0xd: global section: global[0]: opcode 0x20 not allowed in a constant expression", nil},
		{"unterminated constant expression", module(section(SectionGlobal, leb(1), raw(byte(I32), 0, opI32Const, 0))),
			"offset 0xf: global section: global[0]: unexpected end of data", ErrUnexpectedEOF},
		{"invalid element flags", module(section(SectionElement, leb(1), leb(8), raw(0, 0))),
			"offset 0xb: element section: elem[0]: invalid element segment flags 8", nil},
		{"invalid element kind", module(section(SectionElement, leb(1), leb(1), raw(1), leb(0))),
			"offset 0xc: element section: elem[0]: invalid element kind 0x01", nil},
		{"invalid data flags", module(section(SectionData, leb(1), leb(3), raw(0))),
			"offset 0xb: data section: data[0]: invalid data segment flags 3", nil},
		{"data segment past the section", module(section(SectionData, leb(1), leb(1), leb(9), raw(1, 2))),
			"offset 0xd: data section: data[0]: 9 bytes wanted, 2 left: unexpected end of data", ErrUnexpectedEOF},
		{"invalid tag attribute", module(typeSec, section(SectionTag, leb(1), raw(1, 0))),
			"offset 0x11: tag section: tag[0]: invalid tag attribute 1", nil},
		{"invalid export kind", module(section(SectionExport, leb(1), str("x"), raw(5, 0))),
			`offset 0xd: export section: export[0] "x": invalid export kind 0x05`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", f)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error\n got %s\nwant %s", err, tt.wantErr)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FormatError", err)
			}
			if want := fmt.Sprintf("offset 0x%x: ", fe.Off); !strings.HasPrefix(tt.wantErr, want) {
				t.Errorf("FormatError.Off = 0x%x, message says %q", fe.Off, tt.wantErr)
			}
			if fe.Off < 0 || fe.Off > int64(len(tt.in)) {
				t.Errorf("offset 0x%x outside the %d-byte input", fe.Off, len(tt.in))
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
		})
	}
}

// TestHugeCounts: a 15-byte module that claims 2^32-1 entries in any vector
// must fail with ErrTooMany before anything is allocated for the entries
// (wazero v1.12.0 dies with "out of memory" on the same input).
func TestHugeCounts(t *testing.T) {
	huge := raw(0xff, 0xff, 0xff, 0xff, 0x0f)
	tests := []struct {
		name string
		in   []byte
	}{
		{"types", module(section(SectionType, huge))},
		{"imports", module(section(SectionImport, huge))},
		{"functions", module(section(SectionFunction, huge))},
		{"tables", module(section(SectionTable, huge))},
		{"memories", module(section(SectionMemory, huge))},
		{"tags", module(section(SectionTag, huge))},
		{"globals", module(section(SectionGlobal, huge))},
		{"exports", module(section(SectionExport, huge))},
		{"elements", module(section(SectionElement, huge))},
		{"code", module(section(SectionCode, huge))},
		{"data", module(section(SectionData, huge))},
		{"params", module(section(SectionType, leb(1), raw(0x60), huge))},
		{"element entries", module(section(SectionElement, leb(1), leb(1), raw(0), huge))},
		{"dylink needed", module(custom("dylink.0", subsec(DylinkNeeded, huge)))},
		{"dylink runtime path", module(custom("dylink.0", subsec(DylinkRuntimePath, huge)))},
		{"dylink export info", module(custom("dylink.0", subsec(DylinkExportInfo, huge)))},
		{"dylink import info", module(custom("dylink.0", subsec(DylinkImportInfo, huge)))},
		{"legacy dylink needed", module(custom("dylink", leb(0), leb(0), leb(0), leb(0), huge))},
		// A malformed name section is not fatal, except for the counts a
		// runtime allocates from before reading (see checkRuntimeNames).
		{"function names", module(custom("name", raw(1, 5), huge))},
		{"local names", module(custom("name", raw(2, 5), huge))},
		{"module name", module(custom("name", raw(0, 5), huge))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "imports" && len(tt.in) != 15 {
				t.Fatalf("the import case is %d bytes, want 15", len(tt.in))
			}
			_, err := Parse(tt.in)
			if !errors.Is(err, ErrTooMany) {
				t.Fatalf("Parse: %v, want ErrTooMany", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < 10; i++ {
				Parse(tt.in)
			}
			runtime.ReadMemStats(&after)
			if perRun := (after.TotalAlloc - before.TotalAlloc) / 10; perRun > 4096 {
				t.Errorf("Parse allocated %d bytes per run on a %d-byte module", perRun, len(tt.in))
			}
		})
	}
}

// TestNameSection: the name section is decoded, and a malformed one is
// reported in NamesErr without making the module unreadable.
func TestNameSection(t *testing.T) {
	nameMap := func(entries ...[]byte) []byte { return cat(leb(uint32(len(entries))), cat(entries...)) }
	good := custom("name",
		subsec(0, str("mod")),
		subsec(1, nameMap(cat(leb(0), str("f0")), cat(leb(3), str("f3")))),
		subsec(2, raw(0)), // local names: skipped
		subsec(7, nameMap(cat(leb(1), str("g1")))),
		subsec(9, nameMap(cat(leb(0), str(".rodata")))),
	)
	f, err := Parse(module(good))
	if err != nil {
		t.Fatal(err)
	}
	want := &Names{Module: "mod", Functions: map[uint32]string{0: "f0", 3: "f3"},
		Globals: map[uint32]string{1: "g1"}, Data: map[uint32]string{0: ".rodata"}}
	if !reflect.DeepEqual(f.Names, want) {
		t.Errorf("Names = %+v, want %+v", f.Names, want)
	}
	if f.FuncName(3) != "f3" || f.FuncName(4) != "" || f.GlobalName(1) != "g1" {
		t.Error("FuncName/GlobalName disagree with Names")
	}

	tests := []struct {
		name    string
		payload []byte
		wantErr string
	}{
		{"invalid UTF-8", subsec(0, raw(2, 0xc0, 0x80)),
			`offset 0x11: custom section "name": module name: name is not valid UTF-8`},
		{"subsections out of order", cat(subsec(1, leb(0)), subsec(0, str("m"))),
			`offset 0x12: custom section "name": name subsection 0 out of order: section out of order`},
		{"subsection past the end", raw(1, 9, 0),
			`offset 0xf: custom section "name": length 9, 1 bytes left: unexpected end of data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := module(custom("name", tt.payload), section(SectionType, leb(0)))
			f, err := Parse(in)
			if err != nil {
				t.Fatalf("a bad name section made the module unreadable: %v", err)
			}
			if f.Names != nil || f.NamesErr == nil || f.NamesErr.Error() != tt.wantErr {
				t.Errorf("Names %+v, NamesErr\n got %v\nwant %s", f.Names, f.NamesErr, tt.wantErr)
			}
			if len(f.Sections) != 2 {
				t.Errorf("%d sections after the name section, want 2", len(f.Sections))
			}
		})
	}
}

// TestSegments decodes every element and data segment encoding.
func TestSegments(t *testing.T) {
	typeSec := section(SectionType, leb(1), raw(0x60, 0, 0))
	funcSec := section(SectionFunction, leb(2), leb(0), leb(0))
	codeSec := section(SectionCode, leb(2), raw(2, 0, opEnd), raw(2, 0, opEnd))
	i32c := func(v byte) []byte { return raw(opI32Const, v, opEnd) }
	refFunc := func(f byte) []byte { return raw(opRefFunc, f, opEnd) }
	refNull := raw(opRefNull, byte(FuncRef), opEnd)
	elems := section(SectionElement, leb(8),
		cat(leb(0), i32c(1), leb(2), leb(0), leb(1)),                                // 0: active, table 0, func indices
		cat(leb(1), raw(0), leb(1), leb(1)),                                         // 1: passive, elemkind
		cat(leb(2), leb(0), i32c(5), raw(0), leb(1), leb(0)),                        // 2: active, explicit table
		cat(leb(3), raw(0), leb(1), leb(1)),                                         // 3: declarative
		cat(leb(4), i32c(7), leb(2), refFunc(1), refNull),                           // 4: active, expressions
		cat(leb(5), raw(byte(FuncRef)), leb(1), refFunc(0)),                         // 5: passive, expressions
		cat(leb(6), leb(0), raw(opGlobalGet, 0, opEnd), raw(byte(FuncRef)), leb(0)), // 6: active, table, exprs
		cat(leb(7), raw(byte(FuncRef)), leb(1), refFunc(1)),                         // 7: declarative, exprs
	)
	data := section(SectionData, leb(3),
		cat(leb(0), i32c(16), leb(2), raw('h', 'i')),
		cat(leb(1), leb(3), raw(1, 2, 3)),
		cat(leb(2), leb(0), raw(opGlobalGet, 0, opI32Const, 4, opI32Add, opEnd), leb(0)),
	)
	in := module(typeSec, funcSec, elems, section(SectionDataCount, leb(3)), codeSec, data)
	f, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"active table 0 (i32.const 1) [0 1]",
		"passive table 0 () [1]",
		"active table 0 (i32.const 5) [0]",
		"declarative table 0 () [1]",
		fmt.Sprintf("active table 0 (i32.const 7) [1 %d]", NullFunc),
		"passive table 0 () [0]",
		"active table 0 (global.get 0) []",
		"declarative table 0 () [1]",
	}
	if got := elemStrings(f); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("elements:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := dataStrings(f); strings.Join(got, ";") != "active (i32.const 16) 2;passive 3;active (global.get 0 i32.const 4 i32.add) 0" {
		t.Errorf("data: %q", got)
	}
	if string(f.Data[0].Bytes()) != "hi" || f.Data[0].FileOff != int64(strings.Index(string(in), "hi")) {
		t.Errorf("data[0] bytes %q at 0x%x", f.Data[0].Bytes(), f.Data[0].FileOff)
	}
	if f.Elements[0].Count() != 2 {
		t.Errorf("elem[0].Count() = %d", f.Elements[0].Count())
	}
	if len(f.Code) != 2 || len(f.Code[1].Bytes()) != 2 {
		t.Errorf("code bodies %+v", f.Code)
	}
}

// TestImportKinds decodes one import of every kind.
func TestImportKinds(t *testing.T) {
	in := module(
		section(SectionType, leb(1), raw(0x60, 1, byte(I32), 0)),
		section(SectionImport, leb(6),
			cat(str("env"), str("f"), raw(byte(KindFunc)), leb(0)),
			cat(str("env"), str("t"), raw(byte(KindTable), byte(FuncRef), 1), leb(2), leb(10)),
			cat(str("env"), str("m"), raw(byte(KindMemory), 3), leb(1), leb(16)),
			cat(str("env"), str("m64"), raw(byte(KindMemory), 4), raw(0x80, 0x80, 0x80, 0x80, 0x10)),
			cat(str("env"), str("g"), raw(byte(KindGlobal), byte(I64), 1)),
			cat(str("env"), str("__cpp_exception"), raw(byte(KindTag), 0), leb(0)),
		),
	)
	f, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, im := range f.Imports {
		switch im.Kind {
		case KindFunc:
			got = append(got, fmt.Sprintf("func %d", im.TypeIndex))
		case KindTable:
			got = append(got, fmt.Sprintf("table %s %s", im.Table.Elem, im.Table.Limits))
		case KindMemory:
			got = append(got, fmt.Sprintf("memory %s", im.Memory.Limits))
		case KindGlobal:
			got = append(got, fmt.Sprintf("global %s", im.Global))
		case KindTag:
			got = append(got, fmt.Sprintf("tag %d", im.Tag.TypeIndex))
		}
	}
	want := "func 0;table funcref min 2 max 10;memory min 1 max 16 shared;memory min 4294967296 i64;global mut i64;tag 0"
	if strings.Join(got, ";") != want {
		t.Errorf("imports\n got %s\nwant %s", strings.Join(got, ";"), want)
	}
	var roles []string
	for _, ci := range f.ClassifyImports() {
		roles = append(roles, ci.Role.String())
	}
	if strings.Join(roles, ",") != "function,table,memory,memory,global,tag" {
		t.Errorf("roles %q", roles)
	}
	if ft, ok := f.FuncType(0); !ok || ft.String() != "(i32) -> ()" {
		t.Errorf("FuncType(0) = %v, %v", ft, ok)
	}
	if _, ok := f.FuncType(1); ok {
		t.Error("FuncType(1) found a function that does not exist")
	}
	if _, ok := f.GlobalType(1); ok {
		t.Error("GlobalType(1) found a global that does not exist")
	}
}

package wasmfile

import (
	"strings"
	"testing"
)

// Pieces of synthetic modules for the classification tests.
var (
	typeVoid   = section(SectionType, leb(1), raw(0x60, 0, 0))
	oneFunc    = section(SectionFunction, leb(1), leb(0))
	oneBody    = section(SectionCode, leb(1), raw(2, 0, opEnd))
	importBase = cat(str("env"), str(NameMemoryBase), raw(byte(KindGlobal), byte(I32), 0))
)

func imports(entries ...[]byte) []byte {
	return section(SectionImport, leb(uint32(len(entries))), cat(entries...))
}

func exports(entries ...[]byte) []byte {
	return section(SectionExport, leb(uint32(len(entries))), cat(entries...))
}

func export(name string, k ExternKind, idx uint32) []byte {
	return cat(str(name), raw(byte(k)), leb(idx))
}

func TestKind(t *testing.T) {
	needed := custom("dylink.0", subsec(DylinkNeeded, leb(1), str("liba.so")))
	emptyDylink := custom("dylink.0", subsec(DylinkMemInfo, memInfo(0, 0, 0, 0)))
	stackPointer := section(SectionGlobal, leb(1), raw(byte(I32), 1, opI32Const, 0, opEnd))
	tests := []struct {
		name string
		in   []byte
		want Kind
		pic  bool
	}{
		{"empty module", module(), KindPlain, false},
		{"plain module with an entry", module(typeVoid, oneFunc, exports(export("_start", KindFunc, 0)), oneBody), KindPlain, false},
		{"shared library", module(emptyDylink, imports(importBase)), KindSharedLibrary, true},
		{"library without dylink.0 is still PIC", module(imports(importBase)), KindSharedLibrary, true},
		{"PIE main", module(emptyDylink, typeVoid, imports(importBase), oneFunc, exports(export("__main_void", KindFunc, 0)), oneBody), KindPIEMain, true},
		{"entry exported as a global does not count", module(typeVoid, imports(importBase), exports(export("_start", KindGlobal, 0))), KindSharedLibrary, true},
		{"__memory_base imported as a function is not PIC",
			module(typeVoid, imports(cat(str("env"), str(NameMemoryBase), raw(byte(KindFunc), 0)))), KindPlain, false},
		{"exports __stack_pointer", module(stackPointer, exports(export(NameStackPointer, KindGlobal, 0))), KindMain, false},
		{"imports the table", module(imports(cat(str("env"), str(NameTable), raw(byte(KindTable), byte(FuncRef), 0, 0)))), KindMain, false},
		{"needs libraries", module(needed), KindMain, false},
		{"dylink.0 and an entry", module(emptyDylink, typeVoid, oneFunc, exports(export("_initialize", KindFunc, 0)), oneBody), KindMain, false},
		{"GOT import and an entry",
			module(typeVoid, imports(cat(str("GOT.mem"), str("x"), raw(byte(KindGlobal), byte(I32), 1))), oneFunc,
				exports(export("_start", KindFunc, 0)), oneBody), KindMain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Kind(); got != tt.want {
				t.Errorf("Kind() = %v, want %v", got, tt.want)
			}
			if got := f.IsPIC(); got != tt.pic {
				t.Errorf("IsPIC() = %v, want %v", got, tt.pic)
			}
		})
	}
	names := map[Kind]string{KindPlain: "plain module", KindSharedLibrary: "shared library", KindPIEMain: "PIE main", KindMain: "non-PIE main", 9: "kind(9)"}
	for k, want := range names {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), want)
		}
	}
}

func TestClassifyImports(t *testing.T) {
	global := func(mod, name string, mut byte) []byte {
		return cat(str(mod), str(name), raw(byte(KindGlobal), byte(I32), mut))
	}
	in := module(
		custom("dylink.0", subsec(DylinkImportInfo, leb(3),
			str("env"), str("weak_fn"), leb(SymBindingWeak|SymUndefined),
			str("env"), str("weak_data"), leb(SymBindingWeak|SymUndefined),
			str("env"), str("strong_fn"), leb(SymUndefined))),
		typeVoid,
		imports(
			cat(str("env"), str("memory"), raw(byte(KindMemory), 0, 1)),
			cat(str("env"), str(NameTable), raw(byte(KindTable), byte(FuncRef), 0, 0)),
			global("env", NameStackPointer, 1),
			importBase,
			global("env", NameTableBase, 0),
			global("GOT.mem", "weak_data", 1),
			global("GOT.func", "weak_fn", 1),
			global("GOT.func", "strong_fn", 1),
			cat(str("env"), str("weak_fn"), raw(byte(KindFunc), 0)),
			cat(str("env"), str("strong_fn"), raw(byte(KindFunc), 0)),
			cat(str("wasi_snapshot_preview1"), str("fd_write"), raw(byte(KindFunc), 0)),
			cat(str("env"), str("__cpp_exception"), raw(byte(KindTag), 0), leb(0)),
			global("env", NameTLSBase, 1),
			cat(str("other"), str("f"), raw(byte(KindFunc), 0)),
			cat(str("GOT.mem"), str("notaglobal"), raw(byte(KindFunc), 0)),
		),
	)
	f, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ci := range f.ClassifyImports() {
		s := ci.Module + "." + ci.Name + "=" + ci.Role.String()
		if ci.Weak {
			s += " weak"
		}
		got = append(got, s)
	}
	want := []string{
		"env.memory=memory", "env.__indirect_function_table=table", "env.__stack_pointer=stack pointer",
		"env.__memory_base=memory base", "env.__table_base=table base",
		"GOT.mem.weak_data=GOT.mem weak", "GOT.func.weak_fn=GOT.func weak", "GOT.func.strong_fn=GOT.func",
		"env.weak_fn=function weak", "env.strong_fn=function", "wasi_snapshot_preview1.fd_write=WASI",
		"env.__cpp_exception=tag", "env.__tls_base=global", "other.f=other", "GOT.mem.notaglobal=other",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ClassifyImports:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ImportRole(99).String() != "role(99)" {
		t.Errorf("ImportRole(99) = %q", ImportRole(99).String())
	}
}

func TestSymbols(t *testing.T) {
	in := module(
		custom("dylink.0", subsec(DylinkExportInfo, leb(2), str("wdata"), leb(SymBindingWeak), str("tdata"), leb(SymTLS))),
		typeVoid,
		imports(importBase, cat(str("env"), str("reexported"), raw(byte(KindGlobal), byte(I32), 0))),
		oneFunc,
		section(SectionGlobal, leb(5),
			raw(byte(I32), 0, opI32Const, 16, opEnd), // 2 wdata
			raw(byte(I32), 0, opI32Const, 8, opEnd),  // 3 tdata
			raw(byte(I32), 1, opI32Const, 0, opEnd),  // 4 mutable: not a symbol
			raw(byte(I64), 0, opI64Const, 1, opEnd),  // 5 i64: not a symbol
			raw(byte(I32), 0, opGlobalGet, 0, opEnd), // 6 computed: value unknown
		),
		exports(
			export("fn", KindFunc, 0), export("wdata", KindGlobal, 2), export("tdata", KindGlobal, 3),
			export("mut", KindGlobal, 4), export("wide", KindGlobal, 5), export("computed", KindGlobal, 6),
			export("reexported", KindGlobal, 1), export(NameCallCtors, KindFunc, 0), export("bad", KindGlobal, 99),
			export("mem", KindMemory, 0),
		),
		oneBody,
	)
	f, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "func fn () -> ();data wdata 16 weak;tls tdata 8;data computed ?;data reexported ?"
	if got := strings.Join(symbolStrings(f), ";"); got != want {
		t.Errorf("Symbols:\n got %s\nwant %s", got, want)
	}
	if !IsABIExport(NameCallCtors) || IsABIExport("fn") || IsABIExport("__heap_base") {
		t.Error("IsABIExport disagrees with the ABI")
	}
	if _, ok := f.ExportedGlobalValue("fn"); ok {
		t.Error("ExportedGlobalValue of a function")
	}
	if v, ok := f.ExportedGlobalValue("wdata"); !ok || v != 16 {
		t.Errorf("ExportedGlobalValue(wdata) = %d, %v", v, ok)
	}
	if _, ok := f.GlobalValue(0); ok {
		t.Error("GlobalValue of an imported global")
	}
}

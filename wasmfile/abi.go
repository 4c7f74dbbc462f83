package wasmfile

import (
	"fmt"
	"strings"
)

// This file interprets a module through the WebAssembly dynamic-linking ABI
// (tool-conventions DynamicLinking.md): what kind of module it is, what role
// each import plays, and which symbols it defines. The linker and the hazard
// checker share it, so both see a module the same way.

// Kind classifies a module for dynamic linking.
type Kind int

// Module kinds.
const (
	// KindPlain is a module with no dynamic-linking metadata and no
	// recognisable main-module shape. It is instantiated as it is.
	KindPlain Kind = iota
	// KindSharedLibrary is position-independent (imports env.__memory_base)
	// and has no entry point: a side module built with -shared.
	KindSharedLibrary
	// KindPIEMain is position-independent and has an entry point (-pie).
	KindPIEMain
	// KindMain is a main module at fixed addresses that shares its memory,
	// table or stack pointer with libraries (exports or imports memory or
	// table, or exports __stack_pointer), or that needs libraries.
	KindMain
)

// String returns "shared library", "PIE main", "non-PIE main" or
// "plain module".
func (k Kind) String() string {
	switch k {
	case KindPlain:
		return "plain module"
	case KindSharedLibrary:
		return "shared library"
	case KindPIEMain:
		return "PIE main"
	case KindMain:
		return "non-PIE main"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ImportRole says what an import is for in the dynamic-linking ABI.
type ImportRole int

// Import roles.
const (
	RoleOther        ImportRole = iota
	RoleMemory                  // env.memory: the shared linear memory
	RoleTable                   // env.__indirect_function_table: the shared table
	RoleStackPointer            // env.__stack_pointer: the shared stack pointer
	RoleMemoryBase              // env.__memory_base: where this module's data goes
	RoleTableBase               // env.__table_base: where this module's table slots go
	RoleGOTMem                  // GOT.mem.X: address of data symbol X
	RoleGOTFunc                 // GOT.func.X: table index of function X
	RoleFunc                    // env.X function: a symbol called directly
	RoleWASI                    // wasi_snapshot_preview1 / wasi_unstable functions
	RoleTag                     // exception tags (__cpp_exception, __c_longjmp)
	RoleGlobal                  // other env globals (__tls_base, __heap_base, ...)
)

var roleNames = [...]string{"other", "memory", "table", "stack pointer", "memory base", "table base",
	"GOT.mem", "GOT.func", "function", "WASI", "tag", "global"}

// String returns the role's name as inspect prints it ("GOT.mem",
// "memory base", ...).
func (r ImportRole) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// ClassifiedImport is an import with its ABI role.
type ClassifiedImport struct {
	*Import
	Role ImportRole
	Weak bool // flagged WASM_SYM_BINDING_WEAK in dylink.0 IMPORT_INFO
}

// Symbol is something a module defines for other modules: a function or a
// data object.
type Symbol struct {
	Name string
	Func bool // a function (else data)
	// Index is the function index for functions, the global index holding the
	// address for data.
	Index uint32
	// Value is the data address: an offset from __memory_base for
	// position-independent modules, an absolute address for a non-PIE main, an
	// offset from __tls_base for TLS symbols. ValueKnown is false when the
	// global's initialiser is not a constant (a re-exported import).
	Value      uint32
	ValueKnown bool
	TLS        bool
	Weak       bool // flagged weak in EXPORT_INFO
}

// Well-known names of the ABI.
const (
	NameMemory          = "memory"
	NameTable           = "__indirect_function_table"
	NameStackPointer    = "__stack_pointer"
	NameMemoryBase      = "__memory_base"
	NameTableBase       = "__table_base"
	NameApplyDataRelocs = "__wasm_apply_data_relocs"
	NameCallCtors       = "__wasm_call_ctors"
	NameCallDtors       = "__wasm_call_dtors"
	NameInitTLS         = "__wasm_init_tls"
	NameTLSSize         = "__tls_size"
	NameTLSAlign        = "__tls_align"
	NameTLSBase         = "__tls_base"
)

// IsPIC reports whether the module is position-independent: it takes its
// data placement from an imported env.__memory_base.
func (f *File) IsPIC() bool {
	for i := range f.Imports {
		im := &f.Imports[i]
		if im.Module == "env" && im.Name == NameMemoryBase && im.Kind == KindGlobal {
			return true
		}
	}
	return false
}

// EntryPoints lists the program entry exports wasmdl recognises, in the order
// it tries them.
var EntryPoints = []string{"_start", "_initialize", "__main_void", "__main_argc_argv", "main"}

// HasEntry reports whether the module exports one of [EntryPoints] as a function.
func (f *File) HasEntry() bool {
	for _, name := range EntryPoints {
		if e, ok := f.Export(name); ok && e.Kind == KindFunc {
			return true
		}
	}
	return false
}

// Kind classifies the module; see [Kind]. Position independence is decided
// by the env.__memory_base import alone (wasm-ld imports it in every
// -shared and -pie output, even one without data; "has dylink.0" is not
// enough, since a non-PIE main that needs libraries has one too). A
// hand-made dylink.0 module without that import is therefore classified by
// its shape, as a non-PIE main or a plain module.
func (f *File) Kind() Kind {
	if f.IsPIC() {
		if f.HasEntry() {
			return KindPIEMain
		}
		return KindSharedLibrary
	}
	if f.Dylink != nil && len(f.Dylink.Needed) > 0 {
		return KindMain
	}
	if e, ok := f.Export(NameStackPointer); ok && e.Kind == KindGlobal {
		return KindMain
	}
	for i := range f.Imports {
		im := &f.Imports[i]
		if im.Module == "env" && (im.Name == NameTable && im.Kind == KindTable) {
			return KindMain
		}
		if (im.Module == "GOT.mem" || im.Module == "GOT.func") && f.HasEntry() {
			return KindMain
		}
	}
	if f.Dylink != nil && f.HasEntry() {
		return KindMain
	}
	return KindPlain
}

// weakImports returns the set of IMPORT_INFO entries flagged weak, keyed
// both by module+field and by field alone (wasm-ld records weak data symbols
// reached through GOT.mem under module "env").
func (f *File) weakImports() map[string]bool {
	if f.Dylink == nil {
		return nil
	}
	var m map[string]bool
	for _, ii := range f.Dylink.ImportInfo {
		if ii.Flags&SymBindingWeak == 0 {
			continue
		}
		if m == nil {
			m = map[string]bool{}
		}
		m[ii.Module+"\x00"+ii.Field] = true
		m["\x00"+ii.Field] = true
	}
	return m
}

// ClassifyImports returns the imports with their ABI roles, in import order.
func (f *File) ClassifyImports() []ClassifiedImport {
	weak := f.weakImports()
	out := make([]ClassifiedImport, len(f.Imports))
	for i := range f.Imports {
		im := &f.Imports[i]
		ci := ClassifiedImport{Import: im, Role: importRole(im)}
		switch ci.Role {
		case RoleGOTMem, RoleGOTFunc:
			ci.Weak = weak["GOT.mem\x00"+im.Name] || weak["GOT.func\x00"+im.Name] || weak["\x00"+im.Name]
		default:
			ci.Weak = weak[im.Module+"\x00"+im.Name]
		}
		out[i] = ci
	}
	return out
}

func importRole(im *Import) ImportRole {
	switch im.Module {
	case "GOT.mem":
		if im.Kind == KindGlobal {
			return RoleGOTMem
		}
	case "GOT.func":
		if im.Kind == KindGlobal {
			return RoleGOTFunc
		}
	case "wasi_snapshot_preview1", "wasi_unstable":
		return RoleWASI
	}
	if im.Kind == KindTag {
		return RoleTag
	}
	if im.Module != "env" {
		return RoleOther
	}
	switch im.Kind {
	case KindMemory:
		return RoleMemory
	case KindTable:
		return RoleTable
	case KindFunc:
		return RoleFunc
	case KindGlobal:
		switch im.Name {
		case NameStackPointer:
			return RoleStackPointer
		case NameMemoryBase:
			return RoleMemoryBase
		case NameTableBase:
			return RoleTableBase
		}
		return RoleGlobal
	}
	return RoleOther
}

// abiExports are exports that belong to the ABI machinery, not to the
// program: they are never offered as symbols to other modules.
var abiExports = map[string]bool{
	NameMemory: true, NameTable: true, NameStackPointer: true,
	NameMemoryBase: true, NameTableBase: true,
	NameApplyDataRelocs: true, NameCallCtors: true, NameCallDtors: true,
	NameInitTLS: true, NameTLSSize: true, NameTLSAlign: true, NameTLSBase: true,
	"__wasm_apply_global_relocs": true, "__wasm_apply_tls_relocs": true,
	"__wasm_init_memory": true, "__wasm_start": true,
	"_initialize": true, "_start": true,
	"__heap_base": false, "__data_end": false,
}

// IsABIExport reports whether an export name belongs to the linking
// machinery (memory, table, bases, relocation and constructor functions).
func IsABIExport(name string) bool { return abiExports[name] }

// Symbols returns the functions and data objects the module defines for
// others, in export order. Data symbols are exported immutable i32 globals;
// their Value is relative to __memory_base unless the module is a non-PIE
// main (absolute) or the symbol is TLS (relative to __tls_base).
func (f *File) Symbols() []Symbol {
	tls := map[string]bool{}
	weak := map[string]bool{}
	if f.Dylink != nil {
		for _, s := range f.Dylink.ExportInfo {
			if s.Flags&SymTLS != 0 {
				tls[s.Name] = true
			}
			if s.Flags&SymBindingWeak != 0 {
				weak[s.Name] = true
			}
		}
	}
	var out []Symbol
	for _, e := range f.Exports {
		if IsABIExport(e.Name) {
			continue
		}
		switch e.Kind {
		case KindFunc:
			out = append(out, Symbol{Name: e.Name, Func: true, Index: e.Index, Weak: weak[e.Name]})
		case KindGlobal:
			gt, ok := f.GlobalType(e.Index)
			if !ok || gt.Mutable || gt.Type != I32 {
				continue
			}
			s := Symbol{Name: e.Name, Index: e.Index, TLS: tls[e.Name], Weak: weak[e.Name]}
			if e.Index >= f.numImportedGlobals {
				g := f.Globals[e.Index-f.numImportedGlobals]
				if v, ok := g.Init.I32(); ok {
					s.Value, s.ValueKnown = uint32(v), true
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// GlobalValue returns the constant value of defined global idx, if its
// initialiser is a constant.
func (f *File) GlobalValue(idx uint32) (int32, bool) {
	if idx < f.numImportedGlobals || uint64(idx-f.numImportedGlobals) >= uint64(len(f.Globals)) {
		return 0, false
	}
	return f.Globals[idx-f.numImportedGlobals].Init.I32()
}

// ExportedGlobalValue returns the constant value of an exported i32 global
// such as __tls_size.
func (f *File) ExportedGlobalValue(name string) (int32, bool) {
	e, ok := f.Export(name)
	if !ok || e.Kind != KindGlobal {
		return 0, false
	}
	return f.GlobalValue(e.Index)
}

// ImportsModule reports whether any import comes from a module whose name
// starts with prefix.
func (f *File) ImportsModule(prefix string) bool {
	for i := range f.Imports {
		if strings.HasPrefix(f.Imports[i].Module, prefix) {
			return true
		}
	}
	return false
}

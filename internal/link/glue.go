package link

import (
	"fmt"
	"sort"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Import module names used by generated modules. The resolver of each
// instantiation maps them to the instance that provides the item; "$o<N>"
// is object number N of the process.
const (
	modShared = "$shared" // memory, table, stack pointer, tags (see Process.provider)
	modHost   = "$host"   // wasmdl's host functions
)

// definers numbers the instances a generated module imports functions
// from: "$d0", "$d1"... in order of first use. Its bytes then depend on the
// libraries involved, not on process-wide object numbers, so reopening a
// library generates the same bytes and hits the compilation cache.
type definers struct {
	list  []*object
	index map[*object]int
}

func (d *definers) name(o *object) string {
	if d.index == nil {
		d.index = map[*object]int{}
	}
	i, ok := d.index[o]
	if !ok {
		i = len(d.list)
		d.index[o] = i
		d.list = append(d.list, o)
	}
	return fmt.Sprintf("$d%d", i)
}

var (
	i32Type = wasmfile.GlobalType{Type: wasmfile.I32}
	mutI32  = wasmfile.GlobalType{Type: wasmfile.I32, Mutable: true}
)

// funcBinding says how one env function import of an object is satisfied.
type funcBinding struct {
	name string
	typ  wasmfile.FuncType
	kind bindKind
	def  *object // bindDirect, bindTrampoline
	slot uint32  // bindTrampoline: the function's one table slot
	id   int32   // bindMissingWeak: index into missingNames
}

type bindKind int

const (
	bindDirect      bindKind = iota // import straight from the definer's instance
	bindTrampoline                  // call_indirect through the definer's slot (definer not instantiated yet)
	bindHost                        // a wasmdl host function (libdl)
	bindMissingWeak                 // weak and undefined: trap with the name when called
)

// sharedItem names where one of the process-wide items comes from.
type sharedItem struct {
	provider *object // nil: the generated environment module
	export   string  // its export name in the provider
	// private: the main keeps its own and does not export it, so there is
	// none to share (a plain program run without libraries).
	private bool
}

// buildGlue generates the module that object o imports as "env": the shared
// memory, table and stack pointer re-exported, its own __memory_base and
// __table_base as constants, and one export per function import, bound as
// funcs says. Everything o imports from "env" must be listed here; the
// result depends only on the layout and the bindings, so it is
// byte-identical between runs with the same libraries.
func (p *Process) buildGlue(o *object, funcs map[string]*funcBinding) ([]byte, []*object, error) {
	var m wasmgen.Module
	var defs definers
	type exp struct {
		name string
		kind wasmfile.ExternKind
		idx  uint32
	}
	var exports []exp
	tableIdx := int64(-1)
	needTable := false
	var weakTrap uint32
	needWeakTrap := false
	for _, b := range funcs {
		switch b.kind {
		case bindTrampoline:
			needTable = true
		case bindMissingWeak:
			needWeakTrap = true
		}
	}
	// Pass 1: every import, so that definitions get their final indices.
	for _, ci := range o.info.imports {
		im := ci.Import
		if im.Module != "env" {
			continue
		}
		switch ci.Role {
		case wasmfile.RoleMemory, wasmfile.RoleTable, wasmfile.RoleStackPointer:
			if p.shared[im.Name].private {
				return nil, nil, fmt.Errorf("%s: imports env.%s, but %s keeps its own and does not export it", o.name, im.Name, p.main.name)
			}
		}
		switch ci.Role {
		case wasmfile.RoleMemory:
			src := p.shared[wasmfile.NameMemory]
			lim := wasmfile.Limits{Shared: im.Memory.Limits.Shared}
			if lim.Shared {
				lim.HasMax, lim.Max = true, 65536
			}
			idx := m.ImportMemory(p.sharedModName(wasmfile.NameMemory), src.export, lim)
			exports = append(exports, exp{im.Name, wasmfile.KindMemory, idx})
		case wasmfile.RoleTable:
			src := p.shared[wasmfile.NameTable]
			idx := m.ImportTable(p.sharedModName(wasmfile.NameTable), src.export, 0)
			tableIdx = int64(idx)
			exports = append(exports, exp{im.Name, wasmfile.KindTable, idx})
		case wasmfile.RoleStackPointer:
			if !im.Global.Mutable || im.Global.Type != wasmfile.I32 {
				return nil, nil, fmt.Errorf("%s: import env.%s must be (mut i32), is %s", o.name, im.Name, im.Global)
			}
			src := p.shared[wasmfile.NameStackPointer]
			idx := m.ImportGlobal(p.sharedModName(wasmfile.NameStackPointer), src.export, mutI32)
			exports = append(exports, exp{im.Name, wasmfile.KindGlobal, idx})
		case wasmfile.RoleTag:
			t, _ := o.info.file.FuncType(0)
			if int(im.Tag.TypeIndex) < len(o.info.file.Types) {
				t = o.info.file.Types[im.Tag.TypeIndex]
			}
			idx := m.ImportTag(p.sharedModName("tag:"+im.Name), im.Name, t)
			exports = append(exports, exp{im.Name, wasmfile.KindTag, idx})
		case wasmfile.RoleFunc:
			b := funcs[im.Name]
			switch b.kind {
			case bindDirect:
				idx := m.ImportFunc(defs.name(b.def), b.name, b.typ)
				exports = append(exports, exp{im.Name, wasmfile.KindFunc, idx})
			case bindHost:
				idx := m.ImportFunc(modHost, b.name, b.typ)
				exports = append(exports, exp{im.Name, wasmfile.KindFunc, idx})
			}
		}
	}
	// A main that defines the shared table itself is instantiated before
	// its glue could import that table, so its trampolines go through a
	// private table of the glue instead, filled once the definers exist.
	privateTramps := needTable && p.shared[wasmfile.NameTable].provider == o
	if needTable && tableIdx < 0 && !privateTramps {
		src := p.shared[wasmfile.NameTable]
		tableIdx = int64(m.ImportTable(p.sharedModName(wasmfile.NameTable), src.export, 0))
	}
	if needWeakTrap {
		weakTrap = m.ImportFunc(modHost, hostWeakMissing, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
	}
	// Pass 2: definitions.
	o.tramps = nil
	if privateTramps {
		n := uint64(0)
		for _, b := range funcs {
			if b.kind == bindTrampoline {
				n++
			}
		}
		tableIdx = int64(m.Table(wasmfile.Limits{Min: n, HasMax: true, Max: n}))
		exports = append(exports, exp{trampTable, wasmfile.KindTable, uint32(tableIdx)})
	}
	for _, ci := range o.info.imports {
		im := ci.Import
		if im.Module != "env" {
			continue
		}
		switch ci.Role {
		case wasmfile.RoleMemoryBase, wasmfile.RoleTableBase, wasmfile.RoleGlobal:
			v, ok := p.envGlobal(o, im.Name)
			if !ok {
				if ci.Weak {
					v = 0
				} else {
					return nil, nil, &UndefinedError{Symbol: im.Name, NeededBy: o.name}
				}
			}
			if im.Global.Type != wasmfile.I32 {
				return nil, nil, fmt.Errorf("%s: import env.%s must be an i32 global, is %s", o.name, im.Name, im.Global)
			}
			idx := m.GlobalI32(im.Global.Mutable, int32(v))
			exports = append(exports, exp{im.Name, wasmfile.KindGlobal, idx})
		case wasmfile.RoleFunc:
			b := funcs[im.Name]
			var body []byte
			switch b.kind {
			case bindTrampoline:
				for i := range b.typ.Params {
					body = wasmgen.LocalGet(body, uint32(i))
				}
				slot := b.slot
				if privateTramps {
					slot = uint32(len(o.tramps))
					o.tramps = append(o.tramps, slotFill{slot: slot, def: b.def, name: b.name, typ: b.typ})
				}
				body = wasmgen.I32Const(body, int32(slot))
				body = wasmgen.CallIndirect(body, m.Type(b.typ), uint32(tableIdx))
			case bindMissingWeak:
				body = wasmgen.I32Const(body, b.id)
				body = wasmgen.Call(body, weakTrap)
				body = wasmgen.Unreachable(body)
			default:
				continue
			}
			idx := m.Func(b.typ, body)
			exports = append(exports, exp{im.Name, wasmfile.KindFunc, idx})
		case wasmfile.RoleOther:
			return nil, nil, fmt.Errorf("%s: unsupported import env.%s (%s)", o.name, im.Name, im.Kind)
		}
	}
	for _, e := range exports {
		m.Export(e.name, e.kind, e.idx)
	}
	return m.Bytes(), defs.list, nil
}

// buildGOT generates a module exporting one mutable i32 global per name,
// holding its final value. GOT values are all known before any module of a
// batch is instantiated (bases and slots are chosen first), which is what
// LLVM 14 side modules need: they apply relocations in their start function.
func buildGOT(values map[string]uint32) []byte {
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	var m wasmgen.Module
	for _, n := range names {
		m.Export(n, wasmfile.KindGlobal, m.GlobalI32(true, int32(values[n])))
	}
	return m.Bytes()
}

// slotFill is a table slot the loader must fill with a function that is not
// already placed there by its module's own element segments.
type slotFill struct {
	slot uint32
	def  *object
	name string // export name in def
	typ  wasmfile.FuncType
}

// buildFiller generates a module whose active element segments write each
// function into its slot when instantiated: wazero has no table-set API, so
// this is how the loader places functions.
func (p *Process) buildFiller(fills []slotFill) ([]byte, []*object) {
	sort.Slice(fills, func(i, j int) bool { return fills[i].slot < fills[j].slot })
	var m wasmgen.Module
	var defs definers
	tab := m.ImportTable(p.sharedModName(wasmfile.NameTable), p.shared[wasmfile.NameTable].export, 0)
	idx := make([]uint32, len(fills))
	for i, f := range fills {
		if f.def == nil { // a wasmdl host function whose address was taken
			idx[i] = m.ImportFunc(modHost, f.name, f.typ)
			continue
		}
		idx[i] = m.ImportFunc(defs.name(f.def), f.name, f.typ)
	}
	for i := 0; i < len(fills); {
		j := i + 1
		for j < len(fills) && fills[j].slot == fills[j-1].slot+1 {
			j++
		}
		m.ActiveElemTable(tab, fills[i].slot, idx[i:j])
		i = j
	}
	return m.Bytes(), defs.list
}

// trampTable is the export name of a glue module's private trampoline table.
const trampTable = "$tramp"

// buildTrampFiller generates a module that fills o's private trampoline
// table (see buildGlue) with the functions its trampolines call.
func buildTrampFiller(o *object) ([]byte, []*object) {
	var m wasmgen.Module
	var defs definers
	self := defs.name(o) // "$d0": imports from it mean its glue, see resolve
	tab := m.ImportTable("$g"+self[2:], trampTable, uint32(len(o.tramps)))
	idx := make([]uint32, len(o.tramps))
	for i, t := range o.tramps {
		idx[i] = m.ImportFunc(defs.name(t.def), t.name, t.typ)
	}
	m.ActiveElemTable(tab, 0, idx)
	return m.Bytes(), defs.list
}

// buildEnv generates the process environment: whichever of memory, table
// and stack pointer the main module does not provide itself, plus one tag
// per exception tag name imported by any module.
func buildEnv(mem *wasmfile.Limits, table *wasmfile.Limits, stackTop *uint32, tags map[string]wasmfile.FuncType) []byte {
	var m wasmgen.Module
	if mem != nil {
		m.Export(wasmfile.NameMemory, wasmfile.KindMemory, m.Memory(*mem))
	}
	if table != nil {
		m.Export(wasmfile.NameTable, wasmfile.KindTable, m.Table(*table))
	}
	if stackTop != nil {
		m.Export(wasmfile.NameStackPointer, wasmfile.KindGlobal, m.GlobalI32(true, int32(*stackTop)))
	}
	names := make([]string, 0, len(tags))
	for n := range tags {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m.Export(n, wasmfile.KindTag, m.Tag(tags[n]))
	}
	return m.Bytes()
}

// buildTableOps generates helpers over the shared table, which wazero's API
// cannot grow or clear: grow(delta) -> old size, clear(start, n), size().
func buildTableOps(tableExport string) []byte {
	var m wasmgen.Module
	m.ImportTable(modShared+wasmfile.NameTable, tableExport, 0)
	i32 := wasmfile.I32
	grow := m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}},
		[]byte{0xd0, 0x70, 0x20, 0x00, 0xfc, 15, 0x00}) // ref.null func; local.get 0; table.grow 0
	clear := m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}},
		[]byte{0x20, 0x00, 0xd0, 0x70, 0x20, 0x01, 0xfc, 17, 0x00}) // local.get 0; ref.null; local.get 1; table.fill 0
	size := m.Func(wasmfile.FuncType{Results: []wasmfile.ValType{i32}}, []byte{0xfc, 16, 0x00})
	// call_v(slot) and call_i(arg, slot) call a table entry of type () -> ()
	// or (i32) -> () (exit handlers). wazero's table.LookupFunction returns
	// the wrong function for entries placed from an imported function, so
	// the host calls through call_indirect instead.
	voidType := m.Type(wasmfile.FuncType{})
	argType := m.Type(wasmfile.FuncType{Params: []wasmfile.ValType{i32}})
	callV := m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}},
		wasmgen.CallIndirect(wasmgen.LocalGet(nil, 0), voidType, 0))
	callI := m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}},
		wasmgen.CallIndirect(wasmgen.LocalGet(wasmgen.LocalGet(nil, 0), 1), argType, 0))
	m.Export("grow", wasmfile.KindFunc, grow)
	m.Export("clear", wasmfile.KindFunc, clear)
	m.Export("size", wasmfile.KindFunc, size)
	m.Export("call_v", wasmfile.KindFunc, callV)
	m.Export("call_i", wasmfile.KindFunc, callI)
	return m.Bytes()
}

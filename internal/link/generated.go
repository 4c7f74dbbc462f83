// The modules wasmdl generates (hub with the GOT, fillers, environment, table
// helpers) and the renaming of a module's imports to their providers.

package link

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
	"sync"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Import module names used by generated modules. The resolver of each
// instantiation maps them to the instance that provides the item; "$o<N>"
// is object number N of the process.
const (
	modShared = "$shared" // memory, table, stack pointer (see Process.provider)
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
	if i < len(definerNames) {
		return definerNames[i]
	}
	return "$d" + strconv.Itoa(i)
}

// definerNames are the first definers' names, made once.
var definerNames = func() (names [64]string) {
	for i := range names {
		names[i] = "$d" + strconv.Itoa(i)
	}
	return names
}()

var i32Type = wasmfile.GlobalType{Type: wasmfile.I32}

// funcBinding says how one env function import of an object is satisfied.
type funcBinding struct {
	name string
	typ  wasmfile.FuncType
	kind bindKind
	def  *object // bindDirect, bindTrampoline
	id   int32   // bindMissingWeak, bindLazy: its message (Linker.messages)
}

type bindKind int

const (
	bindDirect      bindKind = iota // import straight from the definer's instance
	bindTrampoline                  // call_indirect through the definer's slot (definer not instantiated yet)
	bindHost                        // a wasmdl host function (libdl)
	bindMissingWeak                 // weak and undefined: trap with the name when called
	bindSjlj                        // the loader's setjmp/longjmp runtime (exceptions.go)
	bindLazy                        // undefined under RTLD_LAZY: looked up when called (Process.lazyBind)
)

// sharedItem names where one of the process-wide items comes from.
type sharedItem struct {
	provider *object // nil: the generated environment module
	export   string  // its export name in the provider
	// private: the main keeps its own and does not export it, so there is
	// none to share (a plain program run without libraries).
	private bool
}

// hub is the one generated module a batch's objects import their "env"
// items and GOT entries from, besides the instances that define functions:
// each object's __memory_base and __table_base, the loader's layout
// globals, trampolines for functions whose definer is instantiated later
// (through a private table filled once everyone exists), and stubs that
// trap for undefined weak functions. One hub per batch, rather than a glue module per object,
// keeps the number of modules wazero compiles and instantiates close to
// the number of libraries.
type hub struct {
	m        wasmgen.Module
	exports  map[string]bool
	tramps   []slotFill // private trampoline table: entry i calls tramps[i]
	weakTrap int64      // function index of the imported trap, -1 until needed
	funcs    []hubFunc
	globals  []hubGlobal
	// sharedTable is set when slot calls need the process's table, whose
	// export name is tableExport.
	sharedTable bool
	tableExport string
}

type hubFunc struct {
	export string
	typ    wasmfile.FuncType
	tramp  int   // index into tramps, or -1
	trapID int32 // for stubs that trap
	slot   int64 // call through this slot of the shared table, or -1
	lazy   bool  // a lazy binding: call the slot hostLazyBind(trapID) returns
}

type hubGlobal struct {
	export  string
	mutable bool
	value   uint32
}

// hubModule is the import module name objects use for their batch's hub.
const hubModule = "$hub"

// newHub returns an empty hub with room for about n exports.
func newHub(n int) *hub {
	return &hub{exports: make(map[string]bool, n), funcs: make([]hubFunc, 0, n/2), globals: make([]hubGlobal, 0, n/2), weakTrap: -1}
}

func (h *hub) global(export string, mutable bool, v uint32) [2]string {
	if !h.exports[export] {
		h.exports[export] = true
		h.globals = append(h.globals, hubGlobal{export, mutable, v})
	}
	return [2]string{hubModule, export}
}

func (h *hub) trampoline(b *funcBinding) [2]string {
	export := "t:" + b.name
	if !h.exports[export] {
		h.exports[export] = true
		h.funcs = append(h.funcs, hubFunc{export: export, typ: b.typ, tramp: len(h.tramps), slot: -1})
		h.tramps = append(h.tramps, slotFill{slot: uint32(len(h.tramps)), def: b.def, name: b.name, typ: b.typ})
	}
	return [2]string{hubModule, export}
}

// lazyStub is the function an RTLD_LAZY library calls for an undefined
// function: it asks the loader for the definition's slot at each call (a
// library opened later with RTLD_GLOBAL may define it, as under glibc's
// lazy binding) and calls it, or traps naming the symbol.
func (h *hub) lazyStub(b *funcBinding) [2]string {
	export := "l:" + strconv.Itoa(int(b.id)) + ":" + typeString(b.typ)
	if !h.exports[export] {
		h.exports[export] = true
		h.funcs = append(h.funcs, hubFunc{export: export, typ: b.typ, tramp: -1, trapID: b.id, slot: -1, lazy: true})
		h.sharedTable = true
	}
	return [2]string{hubModule, export}
}

func (h *hub) trap(b *funcBinding) [2]string {
	export := "w:" + strconv.Itoa(int(b.id))
	if !h.exports[export] {
		h.exports[export] = true
		h.funcs = append(h.funcs, hubFunc{export: export, typ: b.typ, tramp: -1, trapID: b.id, slot: -1})
	}
	return [2]string{hubModule, export}
}

// slotCall is a function that calls through table slot: how later batches
// reach a function of a library merged into the first batch.
func (h *hub) slotCall(b *funcBinding, slot uint32) [2]string {
	var buf [64]byte
	name := strconv.AppendUint(append(buf[:0], "s:"...), uint64(slot), 10)
	export := string(append(append(name, ':'), typeString(b.typ)...))
	if !h.exports[export] {
		h.exports[export] = true
		h.funcs = append(h.funcs, hubFunc{export: export, typ: b.typ, tramp: -1, slot: int64(slot)})
		h.sharedTable = true
	}
	return [2]string{hubModule, export}
}

// empty reports whether the hub has nothing to provide.
func (h *hub) empty() bool { return len(h.exports) == 0 }

// typeStrings caches FuncType.String by the type's encoding: hub export
// names spell their type, and a dlopen names many.
var typeStrings struct {
	sync.RWMutex
	m map[string]string
}

// typeString is t.String(), made once per distinct type.
func typeString(t wasmfile.FuncType) string {
	if len(t.Params) > 255 || len(t.Params)+len(t.Results) > 31 {
		return t.String()
	}
	var buf [32]byte
	key := append(buf[:0], byte(len(t.Params)))
	for _, v := range t.Params {
		key = append(key, byte(v))
	}
	for _, v := range t.Results {
		key = append(key, byte(v))
	}
	typeStrings.RLock()
	s, ok := typeStrings.m[string(key)]
	typeStrings.RUnlock()
	if ok {
		return s
	}
	s = t.String()
	typeStrings.Lock()
	if typeStrings.m == nil {
		typeStrings.m = map[string]string{}
	}
	if len(typeStrings.m) < 4096 { // types come from modules: keep a bound
		typeStrings.m[string(key)] = s
	}
	typeStrings.Unlock()
	return s
}

// key identifies the hub's bytes: everything bytes encodes, serialised
// and hashed, so a dlopen that plans the same hub as an earlier one reuses
// its bytes without encoding them again.
func (h *hub) key() string {
	// Names are length-prefixed: they may hold any character.
	str := func(b []byte, s string) []byte {
		return append(strconv.AppendInt(append(b, ' '), int64(len(s)), 10), s...)
	}
	b := make([]byte, 0, 64*(len(h.globals)+len(h.funcs))+len(h.tableExport)+16)
	b = str(b, h.tableExport)
	b = strconv.AppendInt(append(b, ' '), int64(len(h.tramps)), 10)
	if h.sharedTable {
		b = append(b, 's')
	}
	for _, g := range h.globals {
		b = str(append(b, 'g'), g.export)
		if g.mutable {
			b = append(b, 'm')
		}
		b = strconv.AppendUint(append(b, ' '), uint64(g.value), 10)
	}
	for _, f := range h.funcs {
		b = str(append(b, 'f'), f.export)
		b = str(b, typeString(f.typ))
		b = strconv.AppendInt(append(b, ' '), int64(f.tramp), 10)
		b = strconv.AppendInt(append(b, ' '), int64(f.trapID), 10)
		b = strconv.AppendInt(append(b, ' '), f.slot, 10)
		if f.lazy {
			b = append(b, 'l')
		}
	}
	return "hub/" + hashKey(sha256.Sum256(b))
}

// bytes encodes the hub. Its content depends only on the layout and the
// bindings, so it is the same from run to run and hits the compilation cache.
func (h *hub) bytes() []byte {
	m := &h.m
	needTrap, needLazy := false, false
	for _, f := range h.funcs {
		if f.tramp < 0 && f.slot < 0 {
			if f.lazy {
				needLazy = true
			} else {
				needTrap = true
			}
		}
	}
	var trap, lazy uint32
	if needTrap {
		trap = m.ImportFunc(modHost, hostWeakMissing, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
	}
	if needLazy {
		lazy = m.ImportFunc(modHost, hostLazyBind, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}, Results: []wasmfile.ValType{wasmfile.I32}})
	}
	var shared uint32
	if h.sharedTable {
		shared = m.ImportTable(modShared+wasmfile.NameTable, h.tableExport, 0)
	}
	var tab uint32
	if len(h.tramps) > 0 {
		n := uint64(len(h.tramps))
		tab = m.Table(wasmfile.Limits{Min: n, HasMax: true, Max: n})
		m.Export(trampTable, wasmfile.KindTable, tab)
	}
	for _, g := range h.globals {
		m.Export(g.export, wasmfile.KindGlobal, m.GlobalI32(g.mutable, int32(g.value)))
	}
	for _, f := range h.funcs {
		var body []byte
		switch {
		case f.slot >= 0:
			body = wasmgen.LocalGets(body, len(f.typ.Params))
			body = wasmgen.I32Const(body, int32(uint32(f.slot)))
			body = wasmgen.CallIndirect(body, m.Type(f.typ), shared)
		case f.tramp >= 0:
			body = wasmgen.LocalGets(body, len(f.typ.Params))
			body = wasmgen.I32Const(body, int32(f.tramp))
			body = wasmgen.CallIndirect(body, m.Type(f.typ), tab)
		case f.lazy:
			body = wasmgen.LocalGets(body, len(f.typ.Params))
			body = wasmgen.I32Const(body, f.trapID)
			body = wasmgen.Call(body, lazy)
			body = wasmgen.CallIndirect(body, m.Type(f.typ), shared)
		default:
			body = wasmgen.I32Const(body, f.trapID)
			body = wasmgen.Call(body, trap)
			body = wasmgen.Unreachable(body)
		}
		m.Export(f.export, wasmfile.KindFunc, m.Func(f.typ, body))
	}
	return m.Bytes()
}

// planImports decides where each "env" import of o comes from, recording
// what the batch's hub must provide, and returns the new (module, field)
// of each import to rename and the definers "$d<N>" refers to. Renaming
// imports (a deterministic function of the bindings) lets the module be
// instantiated against existing instances with no glue module of its own.
func (p *Process) planImports(batch *batch, o *object, k int, funcs map[string]*funcBinding, h *hub) (map[int][2]string, []*object, error) {
	renames := make(map[int][2]string, len(o.info.imports))
	var defs definers
	fn := -1 // function index of the import
	for i, ci := range o.info.imports {
		im := ci.Import
		if im.Kind == wasmfile.KindFunc {
			fn++
		}
		if im.Module != "env" {
			continue
		}
		switch ci.Role {
		case wasmfile.RoleMemory, wasmfile.RoleTable, wasmfile.RoleStackPointer:
			// Whatever the import is called, there is one of each.
			item := map[wasmfile.ImportRole]string{wasmfile.RoleMemory: wasmfile.NameMemory,
				wasmfile.RoleTable: wasmfile.NameTable, wasmfile.RoleStackPointer: wasmfile.NameStackPointer}[ci.Role]
			src := p.shared[item]
			if src.private {
				return nil, nil, fmt.Errorf("%s: imports env.%s, but %s keeps its own and does not export it", o.name, im.Name, p.main.name)
			}
			if ci.Role == wasmfile.RoleStackPointer && (!im.Global.Mutable || im.Global.Type != wasmfile.I32) {
				return nil, nil, fmt.Errorf("%s: import env.%s must be (mut i32), is %s", o.name, im.Name, im.Global)
			}
			renames[i] = [2]string{p.sharedModName(item), src.export}
		case wasmfile.RoleTag:
			renames[i] = [2]string{modTag + im.Name, "tag"}
		case wasmfile.RoleMemoryBase, wasmfile.RoleTableBase, wasmfile.RoleGlobal:
			if im.Global.Type != wasmfile.I32 {
				return nil, nil, fmt.Errorf("%s: import env.%s must be an i32 global, is %s", o.name, im.Name, im.Global)
			}
			v, ok := p.envGlobal(o, im.Name)
			if !ok && !ci.Weak {
				return nil, nil, &UndefinedError{Symbol: im.Name, NeededBy: o.name}
			}
			export := "g:" + im.Name
			if ci.Role != wasmfile.RoleGlobal {
				export = im.Name + ":" + strconv.Itoa(k) // one per object
			}
			if im.Global.Mutable {
				export = "m" + export
			}
			renames[i] = h.global(export, im.Global.Mutable, v)
		case wasmfile.RoleFunc:
			b := funcs[im.Name]
			switch b.kind {
			case bindDirect:
				if b.def.slotOnly {
					// A library merged into the first batch exports
					// nothing: call it through its slot. The import is
					// the hub's caller of the slot; o's own calls of it
					// go to the slot directly (callsThroughSlots).
					slot := p.canonicalSlot(batch, b.def, b.name)
					renames[i] = h.slotCall(b, slot)
					if batch.slotCalls == nil {
						batch.slotCalls = map[*object]map[uint32]uint32{}
					}
					if batch.slotCalls[o] == nil {
						batch.slotCalls[o] = map[uint32]uint32{}
					}
					batch.slotCalls[o][uint32(fn)] = slot
					break
				}
				renames[i] = [2]string{defs.name(b.def), b.name}
			case bindHost:
				renames[i] = [2]string{modHost, b.name}
			case bindSjlj:
				renames[i] = [2]string{sjljModule, b.name}
			case bindTrampoline:
				renames[i] = h.trampoline(b)
			case bindMissingWeak:
				renames[i] = h.trap(b)
			case bindLazy:
				renames[i] = h.lazyStub(b)
				p.noteLazy(b.id, lazyRef{o, b.name, b.typ})
			}
		case wasmfile.RoleOther:
			return nil, nil, fmt.Errorf("%s: unsupported import env.%s (%s)", o.name, im.Name, im.Kind)
		}
	}
	return renames, defs.list, nil
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
	var m wasmgen.Module
	var defs definers
	p.addFills(&m, &defs, fills)
	return m.Bytes(), defs.list
}

// addFills adds to m the shared table's import and the element segments
// that place fills (sorted by slot here), importing each function.
func (p *Process) addFills(m *wasmgen.Module, defs *definers, fills []slotFill) {
	if len(fills) == 0 {
		return
	}
	sort.Slice(fills, func(i, j int) bool { return fills[i].slot < fills[j].slot })
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
}

// trampTable is the export name of the hub's private trampoline table.
const trampTable = "$tramp"

// buildTrampFiller generates a module that fills the hub's private
// trampoline table with the functions its trampolines call.
func buildTrampFiller(tramps []slotFill) ([]byte, []*object) {
	var m wasmgen.Module
	var defs definers
	addTrampFills(&m, &defs, tramps)
	return m.Bytes(), defs.list
}

// addTrampFills adds to m the hub's trampoline table's import and the
// element segment that fills it.
func addTrampFills(m *wasmgen.Module, defs *definers, tramps []slotFill) {
	if len(tramps) == 0 {
		return
	}
	tab := m.ImportTable(hubModule, trampTable, uint32(len(tramps)))
	idx := make([]uint32, len(tramps))
	for i, t := range tramps {
		idx[i] = m.ImportFunc(defs.name(t.def), t.name, t.typ)
	}
	m.ActiveElemTable(tab, 0, idx)
}

// buildEnv generates the process environment: whichever of memory, table
// and stack pointer the main module does not provide itself.
func buildEnv(mem *wasmfile.Limits, table *wasmfile.Limits, stackTop *uint32) []byte {
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
	return m.Bytes()
}

// tableOpsModule is buildTableOps(tableExport), built once per Linker
// for the last export name asked (every program of a Linker usually has
// the same): every process and fork instantiates it.
func (l *Linker) tableOpsModule(tableExport string) []byte {
	l.compileMu.Lock()
	defer l.compileMu.Unlock()
	if l.tableOps.data == nil || l.tableOps.export != tableExport {
		l.tableOps.export, l.tableOps.data = tableExport, buildTableOps(tableExport)
	}
	return l.tableOps.data
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

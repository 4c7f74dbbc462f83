// Package wasmgen encodes the small modules wasmdl generates at load time:
// the process environment (memory, table, stack pointer), per-module import
// hub (bases, trampolines, stubs), GOT globals, table fillers and the
// initialiser. Output is a pure function of the
// builder's contents, so identical layouts give byte-identical modules that
// hit wazero's compilation cache.
package wasmgen

import (
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Module is a module under construction. Index spaces follow the binary
// format: imports of a kind come before definitions of that kind, so add all
// imports before definitions.
type Module struct {
	types     []wasmfile.FuncType
	imports   []byte
	numImport int
	nFuncImp  uint32
	nGlobImp  uint32
	nTabImp   uint32
	nMemImp   uint32
	nTagImp   uint32
	funcs     []uint32 // type index per defined function
	bodies    [][]byte
	tables    []byte
	nTables   int
	memories  []byte
	nMems     int
	tags      []byte
	nTags     int
	globals   []byte
	nGlobals  int
	exports   []byte
	nExports  int
	elems     []byte
	nElems    int
	data      []byte
	nData     int
	dataCount bool
	typeIndex map[string]uint32
	names     []byte // function-names subsection entries
	nNames    int
}

// Type returns the index of t, adding it if new.
func (m *Module) Type(t wasmfile.FuncType) uint32 {
	if len(m.types) < 8 {
		for i, u := range m.types {
			if u.Equal(t) {
				return uint32(i)
			}
		}
	} else {
		// A merged module has hundreds of types: index them.
		if m.typeIndex == nil {
			m.typeIndex = make(map[string]uint32, len(m.types))
			for i, u := range m.types {
				m.typeIndex[typeKey(u)] = uint32(i)
			}
		}
		if i, ok := m.typeIndex[typeKey(t)]; ok {
			return i
		}
	}
	m.types = append(m.types, t)
	i := uint32(len(m.types) - 1)
	if m.typeIndex != nil {
		m.typeIndex[typeKey(t)] = i
	}
	return i
}

func typeKey(t wasmfile.FuncType) string {
	b := make([]byte, 0, len(t.Params)+len(t.Results)+1)
	for _, v := range t.Params {
		b = append(b, byte(v))
	}
	b = append(b, 0)
	for _, v := range t.Results {
		b = append(b, byte(v))
	}
	return string(b)
}

func (m *Module) importHeader(module, name string, kind wasmfile.ExternKind) {
	m.imports = wasmfile.AppendName(m.imports, module)
	m.imports = wasmfile.AppendName(m.imports, name)
	m.imports = append(m.imports, byte(kind))
	m.numImport++
}

// ImportFunc adds a function import and returns its function index.
func (m *Module) ImportFunc(module, name string, t wasmfile.FuncType) uint32 {
	ti := m.Type(t)
	m.importHeader(module, name, wasmfile.KindFunc)
	m.imports = wasmfile.AppendU32(m.imports, ti)
	m.nFuncImp++
	return m.nFuncImp - 1
}

// ImportTable adds a funcref table import with the given minimum and no maximum.
func (m *Module) ImportTable(module, name string, min uint32) uint32 {
	m.importHeader(module, name, wasmfile.KindTable)
	m.imports = append(m.imports, byte(wasmfile.FuncRef))
	m.imports = appendLimits(m.imports, wasmfile.Limits{Min: uint64(min)})
	m.nTabImp++
	return m.nTabImp - 1
}

// ImportMemory adds a memory import.
func (m *Module) ImportMemory(module, name string, l wasmfile.Limits) uint32 {
	m.importHeader(module, name, wasmfile.KindMemory)
	m.imports = appendLimits(m.imports, l)
	m.nMemImp++
	return m.nMemImp - 1
}

// ImportGlobal adds a global import and returns its global index.
func (m *Module) ImportGlobal(module, name string, t wasmfile.GlobalType) uint32 {
	m.importHeader(module, name, wasmfile.KindGlobal)
	m.imports = append(m.imports, byte(t.Type), boolByte(t.Mutable))
	m.nGlobImp++
	return m.nGlobImp - 1
}

// ImportTag adds an exception tag import.
func (m *Module) ImportTag(module, name string, t wasmfile.FuncType) uint32 {
	ti := m.Type(t)
	m.importHeader(module, name, wasmfile.KindTag)
	m.imports = append(m.imports, 0)
	m.imports = wasmfile.AppendU32(m.imports, ti)
	m.nTagImp++
	return m.nTagImp - 1
}

// Func defines a function with the given body (locals declarations and
// code, without the final end, which Func appends) and returns its index.
func (m *Module) Func(t wasmfile.FuncType, body []byte) uint32 {
	m.funcs = append(m.funcs, m.Type(t))
	b := append([]byte{0}, body...) // no locals
	b = append(b, 0x0b)
	m.bodies = append(m.bodies, b)
	return m.nFuncImp + uint32(len(m.funcs)) - 1
}

// RawFunc defines a function of type t whose body is already encoded:
// local declarations, code and the final end.
func (m *Module) RawFunc(t wasmfile.FuncType, body []byte) uint32 {
	m.funcs = append(m.funcs, m.Type(t))
	m.bodies = append(m.bodies, body)
	return m.nFuncImp + uint32(len(m.funcs)) - 1
}

// FuncBody is the encoded body (local declarations, code, final end) of
// defined function idx, or nil if idx is not a defined function.
func (m *Module) FuncBody(idx uint32) []byte {
	if idx < m.nFuncImp || idx-m.nFuncImp >= uint32(len(m.bodies)) {
		return nil
	}
	return m.bodies[idx-m.nFuncImp]
}

// SetFuncBody replaces the body of defined function idx with an encoded
// one (local declarations, code, final end) of the same type.
func (m *Module) SetFuncBody(idx uint32, body []byte) {
	if idx >= m.nFuncImp && idx-m.nFuncImp < uint32(len(m.bodies)) {
		m.bodies[idx-m.nFuncImp] = body
	}
}

// NumFuncs is the number of functions so far, imported and defined: the
// index the next defined function will get.
func (m *Module) NumFuncs() uint32 { return m.nFuncImp + uint32(len(m.funcs)) }

// NumGlobals is the number of globals so far, imported and defined.
func (m *Module) NumGlobals() uint32 { return m.nGlobImp + uint32(m.nGlobals) }

// Table defines a funcref table.
func (m *Module) Table(l wasmfile.Limits) uint32 {
	m.tables = append(m.tables, byte(wasmfile.FuncRef))
	m.tables = appendLimits(m.tables, l)
	m.nTables++
	return m.nTabImp + uint32(m.nTables) - 1
}

// Memory defines a memory.
func (m *Module) Memory(l wasmfile.Limits) uint32 {
	m.memories = appendLimits(m.memories, l)
	m.nMems++
	return m.nMemImp + uint32(m.nMems) - 1
}

// Tag defines an exception tag of signature t.
func (m *Module) Tag(t wasmfile.FuncType) uint32 {
	m.tags = append(m.tags, 0)
	m.tags = wasmfile.AppendU32(m.tags, m.Type(t))
	m.nTags++
	return m.nTagImp + uint32(m.nTags) - 1
}

// GlobalI32 defines an i32 global with a constant initial value.
func (m *Module) GlobalI32(mutable bool, v int32) uint32 {
	m.globals = append(m.globals, byte(wasmfile.I32), boolByte(mutable), 0x41)
	m.globals = wasmfile.AppendS64(m.globals, int64(v))
	m.globals = append(m.globals, 0x0b)
	m.nGlobals++
	return m.nGlobImp + uint32(m.nGlobals) - 1
}

// Global defines a global of type t whose initial value is the constant
// expression init (without its end).
func (m *Module) Global(t wasmfile.GlobalType, init []byte) uint32 {
	m.globals = append(m.globals, byte(t.Type), boolByte(t.Mutable))
	m.globals = append(m.globals, init...)
	m.globals = append(m.globals, 0x0b)
	m.nGlobals++
	return m.nGlobImp + uint32(m.nGlobals) - 1
}

// ActiveData adds an active data segment for memory 0 at a constant offset.
func (m *Module) ActiveData(offset uint32, data []byte) {
	m.data = append(m.data, 0, 0x41)
	m.data = wasmfile.AppendS64(m.data, int64(int32(offset)))
	m.data = append(m.data, 0x0b)
	m.data = wasmfile.AppendU32(m.data, uint32(len(data)))
	m.data = append(m.data, data...)
	m.nData++
}

// PassiveData adds a passive data segment (for memory.init).
func (m *Module) PassiveData(data []byte) {
	m.data = append(m.data, 1)
	m.data = wasmfile.AppendU32(m.data, uint32(len(data)))
	m.data = append(m.data, data...)
	m.nData++
}

// WithDataCount makes Bytes emit the data count section, which
// memory.init and data.drop need.
func (m *Module) WithDataCount() { m.dataCount = true }

// Elem adds an element segment already encoded (flags and all), for
// segments the helpers above do not cover.
func (m *Module) Elem(encoded []byte) {
	m.elems = append(m.elems, encoded...)
	m.nElems++
}

// FuncName names function idx in the "name" section, which wazero shows
// in stack traces. Names must be added in increasing index order.
func (m *Module) FuncName(idx uint32, name string) {
	m.names = wasmfile.AppendU32(m.names, idx)
	m.names = wasmfile.AppendName(m.names, name)
	m.nNames++
}

// Export exports item idx of the given kind under name.
func (m *Module) Export(name string, kind wasmfile.ExternKind, idx uint32) {
	m.exports = wasmfile.AppendName(m.exports, name)
	m.exports = append(m.exports, byte(kind))
	m.exports = wasmfile.AppendU32(m.exports, idx)
	m.nExports++
}

// ActiveElem adds an active element segment for table 0 at a constant
// offset, holding the given function indices.
func (m *Module) ActiveElem(offset uint32, funcs []uint32) {
	m.elems = append(m.elems, 0, 0x41)
	m.elems = wasmfile.AppendS64(m.elems, int64(int32(offset)))
	m.elems = append(m.elems, 0x0b)
	m.elems = wasmfile.AppendU32(m.elems, uint32(len(funcs)))
	for _, f := range funcs {
		m.elems = wasmfile.AppendU32(m.elems, f)
	}
	m.nElems++
}

// ActiveElemTable adds an active element segment for table index tab.
func (m *Module) ActiveElemTable(tab, offset uint32, funcs []uint32) {
	if tab == 0 {
		m.ActiveElem(offset, funcs)
		return
	}
	m.elems = append(m.elems, 2)
	m.elems = wasmfile.AppendU32(m.elems, tab)
	m.elems = append(m.elems, 0x41)
	m.elems = wasmfile.AppendS64(m.elems, int64(int32(offset)))
	m.elems = append(m.elems, 0x0b, 0x00)
	m.elems = wasmfile.AppendU32(m.elems, uint32(len(funcs)))
	for _, f := range funcs {
		m.elems = wasmfile.AppendU32(m.elems, f)
	}
	m.nElems++
}

// Bytes encodes the module.
func (m *Module) Bytes() []byte {
	codeSize := 0
	for _, b := range m.bodies {
		codeSize += len(b) + 5
	}
	out := make([]byte, 0, 64+codeSize+len(m.data)+len(m.imports)+len(m.exports)+len(m.elems)+len(m.globals)+len(m.names)+8*len(m.types)+5*len(m.funcs))
	out = append(out, 0, 'a', 's', 'm', 1, 0, 0, 0)
	section := func(id byte, count int, payload []byte) {
		if count == 0 {
			return
		}
		p := wasmfile.AppendU32(nil, uint32(count))
		p = append(p, payload...)
		out = append(out, id)
		out = wasmfile.AppendU32(out, uint32(len(p)))
		out = append(out, p...)
	}
	var types []byte
	for _, t := range m.types {
		types = append(types, 0x60)
		types = wasmfile.AppendU32(types, uint32(len(t.Params)))
		for _, v := range t.Params {
			types = append(types, byte(v))
		}
		types = wasmfile.AppendU32(types, uint32(len(t.Results)))
		for _, v := range t.Results {
			types = append(types, byte(v))
		}
	}
	section(wasmfile.SectionType, len(m.types), types)
	section(wasmfile.SectionImport, m.numImport, m.imports)
	var funcs []byte
	for _, ti := range m.funcs {
		funcs = wasmfile.AppendU32(funcs, ti)
	}
	section(wasmfile.SectionFunction, len(m.funcs), funcs)
	section(wasmfile.SectionTable, m.nTables, m.tables)
	section(wasmfile.SectionMemory, m.nMems, m.memories)
	section(wasmfile.SectionTag, m.nTags, m.tags)
	section(wasmfile.SectionGlobal, m.nGlobals, m.globals)
	section(wasmfile.SectionExport, m.nExports, m.exports)
	section(wasmfile.SectionElement, m.nElems, m.elems)
	if m.dataCount {
		out = append(out, wasmfile.SectionDataCount)
		n := wasmfile.AppendU32(nil, uint32(m.nData))
		out = wasmfile.AppendU32(out, uint32(len(n)))
		out = append(out, n...)
	}
	code := make([]byte, 0, codeSize)
	for _, b := range m.bodies {
		code = wasmfile.AppendU32(code, uint32(len(b)))
		code = append(code, b...)
	}
	section(wasmfile.SectionCode, len(m.bodies), code)
	section(wasmfile.SectionData, m.nData, m.data)
	if m.nNames > 0 {
		sub := wasmfile.AppendU32(nil, uint32(m.nNames))
		sub = append(sub, m.names...)
		payload := wasmfile.AppendName(nil, "name")
		payload = append(payload, 1) // function names
		payload = wasmfile.AppendU32(payload, uint32(len(sub)))
		payload = append(payload, sub...)
		out = append(out, 0)
		out = wasmfile.AppendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	return out
}

func appendLimits(b []byte, l wasmfile.Limits) []byte {
	flags := byte(0)
	if l.HasMax {
		flags |= 1
	}
	if l.Shared {
		flags |= 2
	}
	b = append(b, flags)
	b = wasmfile.AppendU32(b, uint32(l.Min))
	if l.HasMax {
		b = wasmfile.AppendU32(b, uint32(l.Max))
	}
	return b
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Instruction helpers for function bodies.

// LocalGet appends local.get i.
func LocalGet(b []byte, i uint32) []byte { return wasmfile.AppendU32(append(b, 0x20), i) }

// LocalGets appends local.get 0 … local.get n-1: a function's parameters,
// to forward them.
func LocalGets(b []byte, n int) []byte {
	for i := 0; i < n; i++ {
		b = LocalGet(b, uint32(i))
	}
	return b
}

// ReadU32 decodes the unsigned LEB128 number at the start of b, which the
// reader has validated, and returns it with its length in bytes: what the
// loader's rewriters use to step through immediates they copy.
func ReadU32(b []byte) (uint32, int) {
	var v uint32
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, len(b)
}

// I32Const appends i32.const v.
func I32Const(b []byte, v int32) []byte { return wasmfile.AppendS64(append(b, 0x41), int64(v)) }

// Call appends call f.
func Call(b []byte, f uint32) []byte { return wasmfile.AppendU32(append(b, 0x10), f) }

// CallIndirect appends call_indirect (type ti) on table tab.
func CallIndirect(b []byte, ti, tab uint32) []byte {
	b = wasmfile.AppendU32(append(b, 0x11), ti)
	return wasmfile.AppendU32(b, tab)
}

// ReturnCallIndirect appends return_call_indirect (tail-call proposal).
func ReturnCallIndirect(b []byte, ti, tab uint32) []byte {
	b = wasmfile.AppendU32(append(b, 0x13), ti)
	return wasmfile.AppendU32(b, tab)
}

// Unreachable appends unreachable.
func Unreachable(b []byte) []byte { return append(b, 0x00) }

// GlobalSet appends global.set g.
func GlobalSet(b []byte, g uint32) []byte { return wasmfile.AppendU32(append(b, 0x24), g) }

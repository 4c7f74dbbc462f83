// Package floor measures what instantiating a dynamically linked program
// costs with plain wazero and no linking at all: the same main module and
// libraries, each instantiated once, with every import satisfied by a few
// stub modules made once ahead of time (one "env" exporting the memory, the
// table and a trapping function per imported name, one "GOT.mem" and one
// "GOT.func" exporting a global per name). Nothing is resolved, relocated or
// initialised; the modules are not runnable afterwards. It is the floor the
// benchmarks of bench/ compare wasmdl against.
//
// It reads module files with its own small parser (imports and dylink.0
// only) so that it depends on nothing of wasmdl.
package floor

import (
	"errors"
	"fmt"
)

// Wasm kinds and value types used here.
const (
	kindFunc   = 0
	kindTable  = 1
	kindMemory = 2
	kindGlobal = 3
	kindTag    = 4

	valI32     = 0x7f
	refFuncref = 0x70
)

type funcType struct {
	params, results string // value type bytes
}

type limits struct {
	min, max uint64
	hasMax   bool
	shared   bool
}

type wasmImport struct {
	module, name string
	kind         byte
	fn           funcType
	lim          limits // table, memory
	globalType   byte
	mutable      bool
}

// moduleInfo is what the floor needs of a module file.
type moduleInfo struct {
	imports   []wasmImport
	memSize   uint64 // dylink.0 MEM_INFO
	memAlign  uint32
	tableSize uint64
	needed    []string
	dylink    bool
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := r.byte()
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	r.fail("bad LEB128")
	return 0
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)-r.off) {
		r.fail("unexpected end")
		return nil
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

func (r *reader) name() string { return string(r.bytes(r.uleb())) }

func (r *reader) limits() limits {
	flags := r.byte()
	l := limits{min: r.uleb(), hasMax: flags&1 != 0, shared: flags&2 != 0}
	if l.hasMax {
		l.max = r.uleb()
	}
	return l
}

// parse reads the type and import sections and dylink.0 of a module.
func parse(data []byte) (*moduleInfo, error) {
	if len(data) < 8 || string(data[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	r := &reader{b: data, off: 8}
	mi := &moduleInfo{}
	var types []funcType
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.uleb()
		sec := &reader{b: r.bytes(size)}
		switch id {
		case 0:
			if sec.name() == "dylink.0" {
				mi.dylink = true
				for sec.off < len(sec.b) && sec.err == nil {
					t := sec.byte()
					sub := &reader{b: sec.bytes(sec.uleb())}
					switch t {
					case 1:
						mi.memSize = sub.uleb()
						mi.memAlign = uint32(sub.uleb())
						mi.tableSize = sub.uleb()
					case 2:
						for n := sub.uleb(); n > 0 && sub.err == nil; n-- {
							mi.needed = append(mi.needed, sub.name())
						}
					}
					if sub.err != nil {
						return nil, sub.err
					}
				}
			}
		case 1:
			for n := sec.uleb(); n > 0 && sec.err == nil; n-- {
				if sec.byte() != 0x60 {
					return nil, errors.New("type section: not a function type")
				}
				p := sec.bytes(sec.uleb())
				res := sec.bytes(sec.uleb())
				types = append(types, funcType{string(p), string(res)})
			}
		case 2:
			for n := sec.uleb(); n > 0 && sec.err == nil; n-- {
				im := wasmImport{module: sec.name(), name: sec.name(), kind: sec.byte()}
				switch im.kind {
				case kindFunc:
					ti := sec.uleb()
					if ti >= uint64(len(types)) {
						return nil, fmt.Errorf("import %s.%s: bad type index", im.module, im.name)
					}
					im.fn = types[ti]
				case kindTable:
					sec.byte() // reference type
					im.lim = sec.limits()
				case kindMemory:
					im.lim = sec.limits()
				case kindGlobal:
					im.globalType = sec.byte()
					im.mutable = sec.byte() == 1
				default:
					return nil, fmt.Errorf("import %s.%s: kind %d not supported by the floor", im.module, im.name, im.kind)
				}
				mi.imports = append(mi.imports, im)
			}
		}
		if sec.err != nil {
			return nil, sec.err
		}
		if id == 2 {
			break // nothing after the imports matters
		}
	}
	return mi, r.err
}

// ---- encoder for the stub modules ----

type encoder []byte

func (e *encoder) uleb(v uint64) {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			*e = append(*e, c|0x80)
			continue
		}
		*e = append(*e, c)
		return
	}
}

func (e *encoder) sleb(v int64) {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			*e = append(*e, c)
			return
		}
		*e = append(*e, c|0x80)
	}
}

func (e *encoder) name(s string) {
	e.uleb(uint64(len(s)))
	*e = append(*e, s...)
}

func (e *encoder) limits(l limits) {
	var flags byte
	if l.hasMax {
		flags |= 1
	}
	if l.shared {
		flags |= 2
	}
	*e = append(*e, flags)
	e.uleb(l.min)
	if l.hasMax {
		e.uleb(l.max)
	}
}

func (e *encoder) section(id byte, body encoder) {
	*e = append(*e, id)
	e.uleb(uint64(len(body)))
	*e = append(*e, body...)
}

type stubGlobal struct {
	name    string
	typ     byte
	mutable bool
	value   int64
}

type stubFunc struct {
	name string
	typ  funcType
}

// stubModule is a module that defines and exports everything listed.
type stubModule struct {
	memory  *limits
	table   *limits
	globals []stubGlobal
	funcs   []stubFunc
	// export names of the memory and table
	memoryNames, tableNames []string
}

func (m *stubModule) encode() []byte {
	out := encoder("\x00asm\x01\x00\x00\x00")
	typeIdx := map[funcType]int{}
	var types encoder
	var ntypes uint64
	var fsec encoder
	fsec.uleb(uint64(len(m.funcs)))
	for _, f := range m.funcs {
		i, ok := typeIdx[f.typ]
		if !ok {
			i = int(ntypes)
			typeIdx[f.typ] = i
			ntypes++
			types = append(types, 0x60)
			types.uleb(uint64(len(f.typ.params)))
			types = append(types, f.typ.params...)
			types.uleb(uint64(len(f.typ.results)))
			types = append(types, f.typ.results...)
		}
		fsec.uleb(uint64(i))
	}
	if len(m.funcs) > 0 {
		var t encoder
		t.uleb(ntypes)
		t = append(t, types...)
		out.section(1, t)
		out.section(3, fsec)
	}
	if m.table != nil {
		var t encoder
		t.uleb(1)
		t = append(t, refFuncref)
		t.limits(*m.table)
		out.section(4, t)
	}
	if m.memory != nil {
		var t encoder
		t.uleb(1)
		t.limits(*m.memory)
		out.section(5, t)
	}
	if len(m.globals) > 0 {
		var t encoder
		t.uleb(uint64(len(m.globals)))
		for _, g := range m.globals {
			t = append(t, g.typ)
			if g.mutable {
				t = append(t, 1)
			} else {
				t = append(t, 0)
			}
			switch g.typ {
			case 0x7f: // i32.const
				t = append(t, 0x41)
				t.sleb(int64(int32(g.value)))
			case 0x7e: // i64.const
				t = append(t, 0x42)
				t.sleb(g.value)
			case 0x7d: // f32.const 0
				t = append(t, 0x43, 0, 0, 0, 0)
			case 0x7c: // f64.const 0
				t = append(t, 0x44, 0, 0, 0, 0, 0, 0, 0, 0)
			default: // a reference type: ref.null
				t = append(t, 0xd0, g.typ)
			}
			t = append(t, 0x0b)
		}
		out.section(6, t)
	}
	var ex encoder
	ex.uleb(uint64(len(m.globals) + len(m.funcs) + len(m.memoryNames) + len(m.tableNames)))
	for _, n := range m.memoryNames {
		ex.name(n)
		ex = append(ex, kindMemory, 0)
	}
	for _, n := range m.tableNames {
		ex.name(n)
		ex = append(ex, kindTable, 0)
	}
	for i, g := range m.globals {
		ex.name(g.name)
		ex = append(ex, kindGlobal)
		ex.uleb(uint64(i))
	}
	for i, f := range m.funcs {
		ex.name(f.name)
		ex = append(ex, kindFunc)
		ex.uleb(uint64(i))
	}
	out.section(7, ex)
	if len(m.funcs) > 0 {
		var c encoder
		c.uleb(uint64(len(m.funcs)))
		for range m.funcs {
			c = append(c, 3, 0, 0x00, 0x0b) // size 3: no locals, unreachable, end
		}
		out.section(10, c)
	}
	return out
}

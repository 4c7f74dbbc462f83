package check

import (
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// This file reads each module's fixed layout: where its data segments,
// stack, heap and table slots lie. The rules in the other files compare
// those layouts.

const pageSize = 65536

// set is the analysed set of modules.
type set struct {
	mods  []*mod
	infos []ModuleInfo
	// memEnd is the initial size in bytes of the shared memory: the largest
	// minimum any sharer asks for. Heaps are drawn up to it.
	memEnd uint64
	// provider is the index of the one module that defines and exports the
	// shared memory, or -1 when every sharer imports it.
	provider int
}

// mod is one module and what the rules learn about it.
type mod struct {
	Module
	idx  int
	info *ModuleInfo
	data []dataSeg
	sp   *spGlobal // own stack pointer, or nil
	// code holds each defined function's instructions; codeErr is set when
	// a body could not be decoded (the stack analysis then gives up).
	code    [][]wasmfile.Instr
	codeErr error
	// provider maps "module.name" of each function import to the module of
	// the set that exports a function of that name (the first one).
	provider map[string]string
	// why explains the stack's depth, recursion and re-entry figures.
	why struct{ depth, recursion, reentry string }
}

// dataSeg is one active data segment at a fixed address.
type dataSeg struct {
	Range
	index int
	name  string // from the name section, e.g. ".rodata"
	bytes []byte
}

func newSet(mods []Module) *set {
	s := &set{provider: -1}
	for i, m := range mods {
		md := &mod{Module: m, idx: i}
		s.mods = append(s.mods, md)
		s.infos = append(s.infos, ModuleInfo{
			Name: m.Name, Kind: m.File.Kind().String(), PIC: m.File.IsPIC(),
			Memory: memoryUse(m.File), Data: []Range{}, Slots: []Range{},
		})
	}
	s.decideSharing()
	for i, md := range s.mods {
		md.info = &s.infos[i]
		md.decode()
		if md.info.Shared {
			if min, ok := memoryMin(md.File); ok && min*pageSize > s.memEnd {
				s.memEnd = min * pageSize
			}
		}
	}
	s.findProviders()
	for _, md := range s.mods {
		md.readData()
		md.readStack()
		md.readSlots()
	}
	for _, md := range s.mods {
		md.readHeap(s.memEnd)
	}
	return s
}

func memoryUse(f *wasmfile.File) MemoryUse {
	switch {
	case f.NumImportedMemories() > 0:
		return MemoryImported
	case len(f.Memories) == 0:
		return MemoryNone
	}
	for _, e := range f.Exports {
		if e.Kind == wasmfile.KindMemory && e.Index == 0 {
			return MemoryExported
		}
	}
	return MemoryDefined
}

// memoryMin is the minimum size in pages of the module's memory 0.
func memoryMin(f *wasmfile.File) (uint64, bool) {
	if l, ok := memoryLimits(f); ok {
		return l.Min, true
	}
	return 0, false
}

func memoryLimits(f *wasmfile.File) (wasmfile.Limits, bool) {
	for _, im := range f.Imports {
		if im.Kind == wasmfile.KindMemory {
			return im.Memory.Limits, true
		}
	}
	if len(f.Memories) > 0 {
		return f.Memories[0].Limits, true
	}
	return wasmfile.Limits{}, false
}

// decideSharing marks which modules' memory is the shared one: every
// importer, plus the single module that defines and exports a memory when
// no other module defines one. A lone module always "shares" with itself,
// so that its stack can still be checked against its own data.
func (s *set) decideSharing() {
	var definers []int
	for i := range s.infos {
		switch s.infos[i].Memory {
		case MemoryImported:
			s.infos[i].Shared = true
		case MemoryExported, MemoryDefined:
			definers = append(definers, i)
		}
	}
	if len(s.infos) == 1 && len(definers) == 1 {
		s.infos[0].Shared = true
		return
	}
	if len(definers) == 1 && s.infos[definers[0]].Memory == MemoryExported {
		s.provider = definers[0]
		s.infos[definers[0]].Shared = true
	}
}

// decode decodes every function body once; the stack and allocator rules
// walk the result.
func (m *mod) decode() {
	for i := range m.File.Code {
		ins, err := m.File.Instructions(i)
		if err != nil {
			m.codeErr = err
			m.code = nil
			return
		}
		m.code = append(m.code, ins)
	}
}

// constI32 evaluates a constant expression that does not depend on an
// imported global (such as __memory_base): an absolute address.
func constI32(f *wasmfile.File, e wasmfile.ConstExpr) (uint64, bool) {
	v, err := e.Eval(func(g uint32) (uint64, bool) {
		if v, ok := f.GlobalValue(g); ok {
			return uint64(uint32(v)), true
		}
		return 0, false
	})
	return uint64(uint32(v)), err == nil
}

func (m *mod) readData() {
	if !m.info.Shared || m.info.PIC {
		return
	}
	f := m.File
	for i := range f.Data {
		d := &f.Data[i]
		if d.Mode != wasmfile.ModeActive || d.Memory != 0 || d.Size == 0 {
			continue
		}
		off, ok := constI32(f, d.Offset)
		if !ok {
			continue // placed relative to an imported base: not fixed
		}
		seg := dataSeg{Range: Range{Module: m.Name, Space: Memory, Start: off, End: off + uint64(d.Size), What: "data"},
			index: i, bytes: d.Bytes()}
		if f.Names != nil {
			seg.name = f.Names.Data[uint32(i)]
		}
		if seg.name == ".bss" || (seg.name == "" && allZero(seg.bytes)) {
			seg.What = "bss"
		}
		m.data = append(m.data, seg)
		m.info.Data = append(m.info.Data, seg.Range)
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// readSlots records the active element segments at fixed slots of an
// imported table (table 0, the one modules share).
func (m *mod) readSlots() {
	f := m.File
	if f.NumImportedTables() == 0 || m.info.PIC {
		return
	}
	for i := range f.Elements {
		e := &f.Elements[i]
		if e.Mode != wasmfile.ModeActive || e.Table != 0 || e.Count() == 0 {
			continue
		}
		off, ok := constI32(f, e.Offset)
		if !ok {
			continue
		}
		m.info.Slots = append(m.info.Slots, Range{Module: m.Name, Space: Table, Start: off,
			End: off + uint64(e.Count()), What: "slots"})
	}
}

// funcName names function index idx for messages.
func funcName(f *wasmfile.File, idx uint32) string {
	if n := f.FuncName(idx); n != "" {
		return n
	}
	if im, ok := f.ImportedFunc(idx); ok {
		return im.Module + "." + im.Name
	}
	for _, e := range f.Exports {
		if e.Kind == wasmfile.KindFunc && e.Index == idx {
			return e.Name
		}
	}
	return fmt.Sprintf("func[%d]", idx)
}

// exportedGlobal returns the constant value of a global exported as name,
// or named so in the name section.
func exportedGlobal(f *wasmfile.File, name string) (uint64, bool) {
	if v, ok := f.ExportedGlobalValue(name); ok {
		return uint64(uint32(v)), true
	}
	if f.Names != nil {
		for idx, n := range f.Names.Globals {
			if n == name {
				if v, ok := f.GlobalValue(idx); ok {
					return uint64(uint32(v)), true
				}
			}
		}
	}
	return 0, false
}

// sharers returns the modules whose memory is the shared one and whose
// layout is fixed (not position-independent).
func (s *set) sharers() []*mod {
	var out []*mod
	for _, m := range s.mods {
		if m.info.Shared && !m.info.PIC {
			out = append(out, m)
		}
	}
	return out
}

// overlap returns the intersection of a and b, if any.
func overlap(a, b Range) (Range, bool) {
	lo, hi := max(a.Start, b.Start), min(a.End, b.End)
	if lo >= hi {
		return Range{}, false
	}
	return Range{Space: a.Space, Start: lo, End: hi, What: "overlap"}, true
}

// findProviders records, for every function import, which other module of
// the set exports a function of that name: the call goes there, not to the
// host.
func (s *set) findProviders() {
	for _, m := range s.mods {
		m.provider = map[string]string{}
		for _, im := range m.File.Imports {
			if im.Kind != wasmfile.KindFunc {
				continue
			}
			for _, o := range s.mods {
				if e, ok := o.File.Export(im.Name); ok && o != m && e.Kind == wasmfile.KindFunc {
					m.provider[im.Module+"."+im.Name] = o.Name
					break
				}
			}
		}
	}
}

// Stages chooseShared and layoutBatch: where memory, table and stack come
// from, and where each module's data, TLS and table slots go.

package link

import (
	"fmt"
	"sort"

	"github.com/wasmdl/wasmdl/wasmfile"
)

const pageSize = 65536

// maxTableSlots bounds the process's function table: a module that claims
// more slots (a million is dozens of times what large programs use) is
// refused with its name instead of making the host allocate its table.
const maxTableSlots = 1 << 20

// span is a range [start, end) of memory bytes or table slots.
type span struct{ start, end uint32 }

// allocator hands out ranges of a growable space (linear memory in bytes,
// or the function table in slots) that the loader owns. Everything below
// floor belongs to someone else (the main module's data, stack and heap, or
// its own table slots); the loader only ever takes space at or above the
// space's end when it must grow, and reuses what dlclose gives back.
type allocator struct {
	what  string // "memory" or "table", for errors
	end   uint64 // current size of the space
	brk   uint64 // first free byte/slot above everything allocated at the top
	limit uint64 // the space may not grow past this
	free  []span // returned ranges, sorted by start, coalesced
	unit  uint64 // growth granularity (a page for memory, 1 for tables)
}

// alloc returns an aligned range of n units. It prefers a returned range
// (first fit), else takes it at brk, growing end to a multiple of unit.
func (a *allocator) alloc(n, align uint32) (uint32, error) {
	if align == 0 {
		align = 1
	}
	for i, s := range a.free {
		start := alignUp64(uint64(s.start), uint64(align))
		if start+uint64(n) <= uint64(s.end) {
			a.take(i, uint32(start), uint32(start)+n)
			return uint32(start), nil
		}
	}
	start := alignUp64(a.brk, uint64(align))
	end := start + uint64(n)
	if end > a.limit {
		return 0, fmt.Errorf("%s: %d more %s needed at %d exceeds the limit of %d", a.what, n, a.unitName(), start, a.limit)
	}
	if start > a.brk {
		a.release(span{uint32(a.brk), uint32(start)}, false)
	}
	a.brk = end
	if end > a.end {
		a.end = alignUp64(end, a.unit)
		if a.end > a.limit {
			a.end = a.limit
		}
	}
	return uint32(start), nil
}

func (a *allocator) unitName() string {
	if a.what == "memory" {
		return "bytes"
	}
	return "slots"
}

// take removes [start, end) from free[i], keeping any remainder.
func (a *allocator) take(i int, start, end uint32) {
	s := a.free[i]
	var rest []span
	if s.start < start {
		rest = append(rest, span{s.start, start})
	}
	if end < s.end {
		rest = append(rest, span{end, s.end})
	}
	a.free = append(a.free[:i], append(rest, a.free[i+1:]...)...)
}

// release gives a range back for reuse.
func (a *allocator) release(s span, _ bool) {
	if s.start >= s.end {
		return
	}
	a.free = append(a.free, s)
	sort.Slice(a.free, func(i, j int) bool { return a.free[i].start < a.free[j].start })
	merged := a.free[:1]
	for _, f := range a.free[1:] {
		last := &merged[len(merged)-1]
		if f.start <= last.end {
			if f.end > last.end {
				last.end = f.end
			}
			continue
		}
		merged = append(merged, f)
	}
	a.free = merged
}

func alignUp64(v, align uint64) uint64 {
	if align <= 1 {
		return v
	}
	return (v + align - 1) / align * align
}

func alignUp(v, align uint32) uint32 { return uint32(alignUp64(uint64(v), uint64(align))) }

// Region is one placed range: Kind is "data", "tls", "stack", "heap" (memory,
// in bytes) or "table" (slots).
type Region struct {
	Module     string
	Kind       string
	Start, End uint64
}

// Layout lists every region the loader placed, memory first, by address.
// It waits for the process like an entry point, except when called from
// one of the host's host functions while the process waits for it.
func (p *Process) Layout() []Region {
	if p.mu.TryLock() {
		defer p.mu.Unlock()
	} else if p.hostDepth.Load() == 0 {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	return p.layout()
}

func (p *Process) layout() []Region {
	// An object whose file can no longer be parsed (see materialize) is
	// a library: its regions are known without its file, except TLS.
	_ = p.materialize()
	var rs []Region
	main := p.main
	if !main.info.pic {
		if hb, ok := main.info.file.ExportedGlobalValue("__heap_base"); ok && uint64(uint32(hb)) <= p.memFloor {
			rs = append(rs, Region{main.name, "data+stack", 0, uint64(uint32(hb))})
			if uint64(uint32(hb)) < p.memFloor {
				rs = append(rs, Region{main.name, "heap", uint64(uint32(hb)), p.memFloor})
			}
		} else if main.info.file.NumImportedMemories() > 0 || len(main.info.file.Memories) > 0 {
			rs = append(rs, Region{main.name, "data+stack+heap", 0, p.memFloor})
		}
	}
	if p.stackHigh > p.stackLow {
		rs = append(rs, Region{"(stack)", "stack", uint64(p.stackLow), uint64(p.stackHigh)})
	}
	for _, o := range p.objects {
		if o.state == stateClosed || (o.info != nil && !o.info.pic) {
			continue
		}
		rs = append(rs, Region{o.name, "data", uint64(o.memoryBase), uint64(o.memoryBase) + uint64(o.memorySize)})
		if o.info != nil && o.info.hasTLS {
			rs = append(rs, Region{o.name, "tls", uint64(o.tlsBase), uint64(o.tlsBase) + uint64(o.info.tlsSize)})
		}
	}
	if p.heapBase != 0 {
		rs = append(rs, Region{"(heap)", "heap", uint64(p.heapBase), p.heapEnd})
	}
	if p.breakCell != 0 {
		rs = append(rs, Region{"(wasmdl)", "loader", uint64(p.breakCell), uint64(p.breakCell) + breakCellSize})
	}
	for _, g := range p.guestBufs {
		rs = append(rs, g)
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start < rs[j].Start })
	if !main.info.pic && p.tableFloor > 1 {
		rs = append(rs, Region{main.name, "table", 1, p.tableFloor})
	}
	for _, o := range p.objects {
		if o.state == stateClosed {
			continue
		}
		if (o.info == nil || o.info.pic) && o.tableSize > 0 {
			rs = append(rs, Region{o.name, "table", uint64(o.tableBase), uint64(o.tableBase) + uint64(o.tableSize)})
		}
		// Slots the loader gave functions that their module's own element
		// segments do not place (exported functions whose address is taken).
		extra := append([]uint32(nil), o.extraSlots...)
		sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
		for i := 0; i < len(extra); {
			j := i + 1
			for j < len(extra) && extra[j] == extra[j-1]+1 {
				j++
			}
			rs = append(rs, Region{o.name, "table", uint64(extra[i]), uint64(extra[j-1]) + 1})
			i = j
		}
	}
	return rs
}

// chooseShared decides where the process's memory, table and stack pointer
// come from: a non-PIE main that defines them is adopted (it was linked to
// own them); everything else is created by a generated environment module.
func (p *Process) chooseShared(b *batch) error {
	mf := p.main.info.file
	if len(mf.Memories) > 0 {
		if min, limit := mf.Memories[0].Limits.Min, uint64(p.l.cfg.maxPages()); min > limit {
			return fmt.Errorf("%s: its own memory starts at %d pages (%d MiB), over the memory limit of %d pages (%d MiB)",
				p.main.name, min, min/16, limit, limit/16)
		}
	}
	for _, item := range []struct {
		name string
		kind wasmfile.ExternKind
		has  bool
	}{
		{wasmfile.NameMemory, wasmfile.KindMemory, len(mf.Memories) > 0},
		{wasmfile.NameTable, wasmfile.KindTable, len(mf.Tables) > 0},
		{wasmfile.NameStackPointer, wasmfile.KindGlobal, definesStackPointer(mf)},
	} {
		if !item.has {
			// Created by the generated environment, under the ABI name.
			p.shared[item.name] = sharedItem{export: item.name}
			continue
		}
		exp := exportOf(mf, item.kind, item.name)
		if exp == "" {
			if p.needs(b, item.name) {
				return fmt.Errorf("%s: defines its own %s but does not export it, so libraries cannot share it: link it with -Wl,--export=%s (or import it)", p.main.name, item.name, item.name)
			}
			p.shared[item.name] = sharedItem{private: true}
			continue
		}
		p.shared[item.name] = sharedItem{provider: p.main, export: exp}
	}
	for _, o := range b.objects {
		for _, ci := range o.info.imports {
			if ci.Role == wasmfile.RoleMemory && ci.Memory.Limits.Shared {
				p.memShared = true
			}
		}
	}
	return nil
}

func definesStackPointer(f *wasmfile.File) bool {
	e, ok := f.Export(wasmfile.NameStackPointer)
	return ok && e.Kind == wasmfile.KindGlobal && e.Index >= f.NumImportedGlobals()
}

// exportOf returns the name under which f exports its first defined item of
// kind (preferring the ABI name), or "".
func exportOf(f *wasmfile.File, kind wasmfile.ExternKind, preferred string) string {
	if e, ok := f.Export(preferred); ok && e.Kind == kind {
		return e.Name
	}
	for _, e := range f.Exports {
		if e.Kind == kind && e.Index == 0 {
			return e.Name
		}
	}
	return ""
}

// needs reports whether any object of b other than the main imports item from env.
func (p *Process) needs(b *batch, item string) bool {
	for _, o := range b.objects {
		if o.isMain {
			continue
		}
		for _, ci := range o.info.imports {
			if ci.Module == "env" && ci.Name == item {
				return true
			}
		}
	}
	return false
}

// layoutBatch chooses every new object's __memory_base, __table_base and
// TLS block. For the first batch it also sets up the address spaces: a
// non-PIE main keeps its own data, stack and heap below its initial memory
// size and its table slots below its initial table size, so libraries go
// above both; a PIE main gets a stack (16-byte aligned top) and everything
// is placed from address 1024 up (low addresses stay unused, so a null
// pointer plus a small offset never lands in data).
func (p *Process) layoutBatch(b *batch) error {
	cfg := &p.l.cfg
	limit := uint64(cfg.maxPages()) * pageSize
	first := p.mem.what == ""
	if first {
		p.mem = allocator{what: "memory", limit: limit, unit: pageSize}
		p.table = allocator{what: "table", limit: maxTableSlots, unit: 1}
		if !p.main.info.pic {
			floor := p.main.info.initialMemory()
			if floor > limit {
				return fmt.Errorf("%s: its initial memory of %d bytes exceeds the memory limit of %d bytes", p.main.name, floor, limit)
			}
			p.mem.end, p.mem.brk = floor, floor
			p.memFloor = floor
			tfloor := uint64(1)
			mf := p.main.info.file
			for _, im := range mf.Imports {
				if im.Kind == wasmfile.KindTable && im.Table.Limits.Min > tfloor {
					tfloor = im.Table.Limits.Min
				}
			}
			if len(mf.Tables) > 0 && mf.Tables[0].Limits.Min > tfloor {
				tfloor = mf.Tables[0].Limits.Min
			}
			p.table.end, p.table.brk = tfloor, tfloor
			p.tableFloor = tfloor
		} else {
			p.mem.brk = 1024
			p.table.end, p.table.brk = 1, 1 // slot 0 stays null
			size := cfg.stackSize()
			low, err := p.mem.alloc(size, 16)
			if err != nil {
				return fmt.Errorf("%s: no room for its stack of %d bytes within the memory limit of %d bytes", p.main.name, size, limit)
			}
			p.stackLow, p.stackHigh = low, low+size
		}
		if !p.shared[wasmfile.NameMemory].private {
			// The first thing the loader owns: what the virtual
			// memory.size reads (memory.go).
			cell, err := p.mem.alloc(breakCellSize, breakCellSize)
			if err != nil {
				return fmt.Errorf("%s: no room for the loader's %d bytes above its initial memory of %d bytes within the memory limit of %d bytes",
					p.main.name, breakCellSize, p.memFloor, limit)
			}
			p.breakCell = cell
		}
	} else {
		// The program may have grown the memory since the last batch:
		// what it grew is its own, and this batch goes above.
		p.refreshMemory()
	}
	for _, o := range b.objects {
		mi := o.info
		if !mi.pic {
			continue
		}
		var err error
		o.memorySize = mi.memInfo.MemorySize
		if o.memoryBase, err = p.mem.alloc(o.memorySize, 1<<mi.memInfo.MemoryAlign); err != nil {
			return fmt.Errorf("%s: cannot place its %d bytes of data: %w", o.name, o.memorySize, err)
		}
		o.tableSize = mi.memInfo.TableSize
		if o.tableBase, err = p.allocSlots(o.tableSize, 1<<mi.memInfo.TableAlign); err != nil {
			return fmt.Errorf("%s: cannot place its %d table slots: %w", o.name, o.tableSize, err)
		}
		if mi.hasTLS {
			if o.tlsBase, err = p.mem.alloc(mi.tlsSize, mi.tlsAlign); err != nil {
				return fmt.Errorf("%s: cannot place its %d bytes of thread-local data: %w", o.name, mi.tlsSize, err)
			}
		}
	}
	if first {
		if p.main.info.pic {
			// A PIE main's heap starts above everything placed at load
			// time and is the program's from then on: the loader's own
			// allocations continue above it.
			p.heapBase = alignUp(uint32(p.mem.brk), 16)
			p.heapEnd = alignUp64(p.mem.brk+pageSize, pageSize)
			if p.heapEnd > p.mem.limit {
				return fmt.Errorf("%s: no room for a heap within the memory limit of %d bytes", p.main.name, p.mem.limit)
			}
			p.mem.end, p.mem.brk = max(p.mem.end, p.heapEnd), p.heapEnd
			p.programTop = uint32(p.heapEnd / pageSize)
		} else {
			p.programTop = uint32(p.memFloor / pageSize)
		}
		p.loaderEnd = uint32(alignUp64(p.mem.end, pageSize) / pageSize)
	}
	return nil
}

// layoutSymbol returns the values of the linker-defined layout symbols,
// which only exist when the loader laid the memory out (a PIE main).
func (p *Process) layoutSymbol(name string) (uint32, bool) {
	if !p.main.info.pic {
		return 0, false
	}
	switch name {
	case "__heap_base":
		return p.heapBase, true
	case "__heap_end":
		return uint32(min(p.heapEnd, 0xffffffff)), true
	case "__stack_low":
		return p.stackLow, true
	case "__stack_high":
		return p.stackHigh, true
	}
	return 0, false
}

// envGlobal is the value of an env global import of o.
func (p *Process) envGlobal(o *object, name string) (uint32, bool) {
	switch name {
	case wasmfile.NameMemoryBase:
		return o.memoryBase, true
	case wasmfile.NameTableBase:
		return o.tableBase, true
	}
	return p.layoutSymbol(name)
}

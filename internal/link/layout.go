package link

import (
	"fmt"
	"sort"
)

const pageSize = 65536

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
func (p *Process) Layout() []Region {
	var rs []Region
	main := p.main
	if !main.info.pic {
		if hb, ok := main.info.file.ExportedGlobalValue("__heap_base"); ok {
			rs = append(rs, Region{main.name, "data+stack", 0, uint64(uint32(hb))})
		} else if main.info.file.NumImportedMemories() > 0 || len(main.info.file.Memories) > 0 {
			rs = append(rs, Region{main.name, "data+stack+heap", 0, p.memFloor})
		}
	}
	if p.stackHigh > p.stackLow {
		rs = append(rs, Region{"(stack)", "stack", uint64(p.stackLow), uint64(p.stackHigh)})
	}
	for _, o := range p.objects {
		if o.state == stateClosed || !o.info.pic {
			continue
		}
		rs = append(rs, Region{o.name, "data", uint64(o.memoryBase), uint64(o.memoryBase) + uint64(o.memorySize)})
		if o.info.hasTLS {
			rs = append(rs, Region{o.name, "tls", uint64(o.tlsBase), uint64(o.tlsBase) + uint64(o.info.tlsSize)})
		}
	}
	if p.heapBase != 0 {
		rs = append(rs, Region{"(heap)", "heap", uint64(p.heapBase), p.mem.end})
	}
	if !main.info.pic && p.tableFloor > 1 {
		rs = append(rs, Region{main.name, "table", 1, p.tableFloor})
	}
	for _, o := range p.objects {
		if o.state == stateClosed {
			continue
		}
		if o.info.pic && o.tableSize > 0 {
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

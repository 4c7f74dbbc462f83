package check

import (
	"fmt"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// allocatorNames are functions whose definition makes a module an allocator.
var allocatorNames = []string{"malloc", "calloc", "realloc", "aligned_alloc", "sbrk", "dlmalloc",
	"emscripten_builtin_malloc"}

// readHeap records the module's allocator, if it has one: it defines one of
// allocatorNames (exported or named in the name section) or executes
// memory.grow on its memory. Its heap starts at __heap_base; without one,
// where wasm-ld puts it, above the data and the stack.
func (m *mod) readHeap(memEnd uint64) {
	ev := m.allocatorEvidence()
	if len(ev) == 0 {
		return
	}
	h := &Heap{Evidence: ev}
	m.info.Heap = h
	if !m.info.Shared || m.info.PIC {
		return // placed by the loader, or in its own memory
	}
	start, ok := exportedGlobal(m.File, "__heap_base")
	if !ok {
		for _, d := range m.data {
			start = max(start, d.End)
		}
		if st := m.info.Stack; st != nil {
			start = max(start, st.Range.End)
		}
		start = align16(start)
		h.Assumed = "no __heap_base: assumed the heap starts above the data and the stack, as wasm-ld lays it out"
	}
	h.Range = Range{Module: m.Name, Space: Memory, Start: start, End: max(start, memEnd), What: "heap"}
}

func (m *mod) allocatorEvidence() []string {
	f := m.File
	var ev []string
	defined := map[string]bool{}
	for _, e := range f.Exports {
		if e.Kind == wasmfile.KindFunc && e.Index >= f.NumImportedFuncs() {
			defined[e.Name] = true
		}
	}
	if f.Names != nil {
		for idx, n := range f.Names.Functions {
			if idx >= f.NumImportedFuncs() {
				defined[n] = true
			}
		}
	}
	var defs []string
	for _, n := range allocatorNames {
		if defined[n] {
			defs = append(defs, n)
		}
	}
	if len(defs) > 0 {
		ev = append(ev, "defines "+strings.Join(defs, ", "))
	}
	var growers []string
	for i, ins := range m.code {
		for _, in := range ins {
			if in.Op == wasmfile.OpMemoryGrow && in.Imm == 0 {
				growers = append(growers, funcName(f, f.NumImportedFuncs()+uint32(i)))
				break
			}
		}
	}
	if len(growers) > 3 {
		growers = append(growers[:3], "…")
	}
	if len(growers) > 0 {
		ev = append(ev, "executes memory.grow in "+strings.Join(growers, ", "))
	}
	return ev
}

// checkHeaps reports several allocators over the shared memory, and heaps
// that cover another module's data or stack. A heap has no end: it starts
// at its base and takes what memory.grow adds.
func checkHeaps(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	var allocs []*mod
	for _, m := range s.mods {
		if m.info.Heap != nil && m.info.Shared {
			allocs = append(allocs, m)
		}
	}
	if len(allocs) > 1 {
		h := Hazard{Kind: Allocators}
		var parts []string
		for _, m := range allocs {
			h.Modules = append(h.Modules, m.Name)
			where := "placed by the loader"
			if !m.info.PIC {
				where = fmt.Sprintf("heap from %d up", m.info.Heap.Range.Start)
				h.Ranges = append(h.Ranges, m.info.Heap.Range)
			}
			parts = append(parts, fmt.Sprintf("%s (%s; %s)", m.Name, strings.Join(m.info.Heap.Evidence, "; "), where))
		}
		h.Message = fmt.Sprintf("%d modules manage memory on their own: %s. Each allocator believes the memory "+
			"above its heap base and every page memory.grow adds belong to it alone, so two of them hand out "+
			"the same bytes, and memory one of them frees is reused by the other", len(allocs), strings.Join(parts, "; "))
		hs = append(hs, h)
	}
	for _, a := range allocs {
		if a.info.PIC {
			continue
		}
		heap := a.info.Heap.Range
		for _, b := range s.sharers() {
			if a == b {
				continue
			}
			for _, r := range b.ownRanges() {
				if r.End <= heap.Start {
					continue
				}
				ov := Range{Module: a.Name, Space: Memory, Start: max(heap.Start, r.Start), End: r.End, What: "overlap"}
				hs = append(hs, Hazard{Kind: HeapOverlap, Modules: order(a, b),
					Ranges: []Range{heap, r, ov},
					Message: fmt.Sprintf("the heap of %s starts at %d and covers %s's %s %s: %s's allocator "+
						"hands out those bytes as if they were free", a.Name, heap.Start, b.Name, r.What, ov, a.Name)})
			}
		}
	}
	return hs, nil
}

// ownRanges lists the module's fixed data and stack ranges.
func (m *mod) ownRanges() []Range {
	var rs []Range
	for _, d := range m.data {
		rs = append(rs, d.Range)
	}
	if m.info.Stack != nil {
		rs = append(rs, m.info.Stack.Range)
	}
	return rs
}

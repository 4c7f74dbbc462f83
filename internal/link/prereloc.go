// Stage mergeBatch, continued: data relocations applied when merging.

package link

import (
	"errors"
	"sort"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// A library's __wasm_apply_data_relocs writes, into its own data, the
// addresses its pointers hold: each write is "base + offset" stored at
// "base + offset", where the bases are __memory_base, __table_base and GOT
// entries. In the merged module every one of those is a constant (the
// layout is final when the batch is merged), so after mergeBatch has
// folded them the function is a straight line of constants, additions and
// stores. Its result is known before the process exists, as a static
// linker (or prelink) knows it: the merge writes the values into the data
// segments themselves and leaves the function with an empty body.
//
// That is what the static build of the same C has, and what made the
// merged program bigger than it: relocation code was a quarter of the
// merged code of the benchmark program, compiled, validated and loaded at
// every start to run once.
//
// The result is the same memory as running the function would give, at
// every point a program can observe: the initialiser writes all data
// segments, then (before any object's relocations) only TLS set-up, which
// touches neither data segments nor their pointers, and a step whose
// relocations are already in the data is a call of an empty function. So
// the merge does it only where nothing else can run first or call the
// function again:
//   - no object of the batch has a start function (those run before every
//     initialisation step and may read data before relocation, as LLVM 14
//     and Emscripten libraries relocating in their start function do);
//   - the function is called by nothing but the initialiser: no call or
//     ref.func of it in any body, no table slot, not the main's (the main's
//     exports are the host's to call);
//   - every write is an i32.store or i64.store at a 32-bit constant address,
//     of a constant, and falls inside one of the batch's active data
//     segments (a write into memory no segment covers is left to run).
// Otherwise the object's function is kept as it is.

// relocStore is one write of a relocation function: width bytes of value,
// little-endian, at addr.
type relocStore struct {
	addr  uint64
	width int
	value uint64
}

// errNotConstant says a relocation function does more than constant stores.
var errNotConstant = errors.New("not constant stores")

// Bounds on the work a library's relocation function may cause at merge
// time (its code is the library's, so untrusted): the stores kept in
// memory, and the segments examined for one store (data segments of a
// batch do not overlap, so one or two are; overlapping segments are left
// to the function rather than searched quadratically).
const (
	maxPreRelocStores   = 1 << 18
	maxSegmentsPerStore = 16
)

// relocCandidates finds the objects whose relocations the merge may apply:
// called after placeFuncs (merged indices are final) and before code, which
// marks those a body calls (see noteCall).
func (mg *merger) relocCandidates() {
	for _, c := range mg.comps {
		if c.f.HasStart {
			return
		}
	}
	mg.relocs = map[uint32]*mergeComp{}
	for _, c := range mg.comps {
		if c.o.isMain {
			continue
		}
		fi, ok := c.exports[wasmfile.NameApplyDataRelocs]
		if !ok || fi < c.f.NumImportedFuncs() || int(fi) >= len(c.funcs) {
			continue
		}
		mg.relocs[c.funcs[fi]] = c
	}
	drop := func(idx uint32) {
		if _, ok := mg.relocs[idx]; ok {
			mg.relocs[idx] = nil
		}
	}
	for _, c := range mg.comps {
		for _, seg := range c.f.Elements {
			for _, fi := range seg.Funcs {
				if fi != wasmfile.NullFunc && int(fi) < len(c.funcs) {
					drop(c.funcs[fi])
				}
			}
		}
		if c.o.isMain {
			for _, e := range c.f.Exports {
				if e.Kind == wasmfile.KindFunc && int(e.Index) < len(c.funcs) {
					drop(c.funcs[e.Index])
				}
			}
		}
	}
	// Functions the loader puts in table slots, and trampolines' targets.
	for _, fills := range [][]slotFill{mg.b.fills, mg.b.tramps} {
		for _, fl := range fills {
			if c := mg.byObj[fl.def]; c != nil {
				if fi, ok := c.exports[fl.name]; ok && int(fi) < len(c.funcs) {
					drop(c.funcs[fi])
				}
			}
		}
	}
}

// noteCall records that code calls or takes the reference of merged
// function target: if it is a relocation function, it stays as it is.
func (mg *merger) noteCall(target uint32) {
	if _, ok := mg.relocs[target]; ok {
		mg.relocs[target] = nil
	}
}

// preRelocate runs, at merge time, the relocation function idx of c (its
// body as code rewrote it), if it is a candidate and only stores constants
// into data segments: the values go into the segments (mg.patched) and the
// function gets an empty body. It is called in initialisation order, so
// that two objects writing the same byte leave it as running them would.
func (mg *merger) preRelocate(c *mergeComp, idx uint32) error {
	if cand, ok := mg.relocs[idx]; !ok || cand != c {
		return nil
	}
	body := mg.m.FuncBody(idx)
	if body == nil {
		return nil
	}
	stores, err := evalRelocStores(body, int(idx))
	if err != nil {
		mg.p.debugf("merge", "%s: relocations left to run: %v", c.o.name, err)
		return nil
	}
	if mg.segs == nil {
		if err := mg.indexSegments(); err != nil {
			return err
		}
	}
	// Every write must land inside a segment before any is applied.
	for _, st := range stores {
		if len(mg.segmentsCovering(st.addr, st.width)) == 0 {
			mg.p.debugf("merge", "%s: relocations left to run: a write at %#x is outside every data segment", c.o.name, st.addr)
			return nil
		}
	}
	for _, st := range stores {
		for _, k := range mg.segmentsCovering(st.addr, st.width) {
			s := &mg.segs[k]
			data, ok := mg.patched[s.index]
			if !ok {
				data = append([]byte(nil), s.bytes...)
				mg.patched[s.index] = data
			}
			for b := 0; b < st.width; b++ {
				if at := st.addr + uint64(b); at >= s.start && at-s.start < uint64(len(data)) {
					data[at-s.start] = byte(st.value >> (8 * b))
				}
			}
		}
	}
	mg.m.SetFuncBody(idx, []byte{0, 0x0b}) // no locals, end
	mg.preRelocated++
	return nil
}

// evalRelocStores runs a function body made of i32/i64 constants,
// additions, subtractions and stores, and returns its stores; anything
// else is errNotConstant. The stack holds at most one value per byte of
// the body.
func evalRelocStores(body []byte, index int) ([]relocStore, error) {
	type value struct {
		v     uint64
		is64  bool
		valid bool
	}
	var stack []value
	var stores []relocStore
	pop := func() value {
		if len(stack) == 0 {
			return value{}
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v
	}
	ended := false
	err := wasmfile.EachInstructionIn(body, 0, len(body), index, func(in wasmfile.Instr) error {
		if ended {
			return errNotConstant
		}
		switch in.Op {
		case wasmfile.OpI32Const:
			stack = append(stack, value{v: uint64(uint32(in.Imm)), valid: true})
		case wasmfile.OpI64Const:
			stack = append(stack, value{v: in.Imm, is64: true, valid: true})
		case wasmfile.OpI32Add, wasmfile.OpI32Sub, 0x7c, 0x7d: // i64.add, i64.sub
			b, a := pop(), pop()
			is64 := in.Op == 0x7c || in.Op == 0x7d
			if !a.valid || !b.valid || a.is64 != is64 || b.is64 != is64 {
				return errNotConstant
			}
			r := a.v + b.v
			if in.Op == wasmfile.OpI32Sub || in.Op == 0x7d {
				r = a.v - b.v
			}
			if !is64 {
				r = uint64(uint32(r))
			}
			stack = append(stack, value{v: r, is64: is64, valid: true})
		case 0x36, 0x37: // i32.store, i64.store
			val, addr := pop(), pop()
			is64 := in.Op == 0x37
			if in.Imm2 != 0 || !val.valid || !addr.valid || addr.is64 || val.is64 != is64 {
				return errNotConstant
			}
			width := 4
			if is64 {
				width = 8
			}
			ea := addr.v + in.Imm
			if ea+uint64(width) > 1<<32 {
				return errNotConstant // it would trap
			}
			if len(stores) == maxPreRelocStores {
				return errNotConstant
			}
			stores = append(stores, relocStore{addr: ea, width: width, value: val.v})
		case 0x01: // nop
		case wasmfile.OpEnd:
			ended = true
		default:
			return errNotConstant
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(stack) != 0 {
		return nil, errNotConstant
	}
	return stores, nil
}

// dataSeg is one active data segment of the batch at its final offset.
type dataSeg struct {
	start uint64
	bytes []byte
	index uint32 // its merged data index
}

// indexSegments lists the batch's active data segments by offset.
func (mg *merger) indexSegments() error {
	mg.segs = []dataSeg{}
	mg.patched = map[uint32][]byte{}
	for _, c := range mg.comps {
		for d := range c.f.Data {
			seg := &c.f.Data[d]
			if seg.Mode != wasmfile.ModeActive || len(seg.Bytes()) == 0 {
				continue
			}
			off, err := mg.dataOffset(c, d)
			if err != nil {
				return err
			}
			mg.segs = append(mg.segs, dataSeg{start: uint64(off), bytes: seg.Bytes(), index: c.dataBase + uint32(d)})
		}
	}
	sort.SliceStable(mg.segs, func(i, j int) bool { return mg.segs[i].start < mg.segs[j].start })
	mg.maxEnd = make([]uint64, len(mg.segs))
	var maxEnd uint64
	for k, s := range mg.segs {
		maxEnd = max(maxEnd, s.start+uint64(len(s.bytes)))
		mg.maxEnd[k] = maxEnd
	}
	return nil
}

// segmentsCovering returns the positions in mg.segs of every segment
// that holds a byte of [addr, addr+width), or nil unless one of them holds
// all of it. The initialiser writes each of them, so each must carry the
// value where it overlaps the write.
func (mg *merger) segmentsCovering(addr uint64, width int) []int {
	end := addr + uint64(width)
	// Segments starting at or after end cannot hold a byte of the write;
	// walking back from there, none before k can once maxEnd[k] <= addr.
	n := sort.Search(len(mg.segs), func(i int) bool { return mg.segs[i].start >= end })
	var out []int
	whole := false
	for k := n - 1; k >= 0 && mg.maxEnd[k] > addr; k-- {
		if n-k > maxSegmentsPerStore {
			return nil
		}
		s := &mg.segs[k]
		if segEnd := s.start + uint64(len(s.bytes)); segEnd > addr {
			out = append(out, k)
			whole = whole || (s.start <= addr && segEnd >= end)
		}
	}
	if !whole {
		return nil
	}
	return out
}

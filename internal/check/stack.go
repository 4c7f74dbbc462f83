package check

import (
	"fmt"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// This file finds a module's own stack pointer and infers its stack range
// from the layout wasm-ld produces (lld/wasm/Writer.cpp layoutMemory):
//
//   - default: data from --global-base (1024) up, then the stack, then the
//     heap: the stack is [align16(__data_end), __stack_pointer);
//   - --stack-first: the stack is [0, __stack_pointer), data above it.
//
// Emscripten (LLVM 14) uses the default order with a 5 MiB stack.

// spGlobal is a module's own stack pointer.
type spGlobal struct {
	index   uint32
	name    string // "" when recognised by shape only
	initial uint64
}

// findStackPointer returns the module's own stack pointer: a defined,
// mutable i32 global with a constant initial value that is named
// __stack_pointer (name section or export), or else the first such global
// that code moves down the way clang's prologues do:
// global.get g; i32.const N (or any value); i32.sub; ... global.set g.
func (m *mod) findStackPointer() *spGlobal {
	f := m.File
	nImp := f.NumImportedGlobals()
	candidate := func(idx uint32) (*spGlobal, bool) {
		gt, ok := f.GlobalType(idx)
		if !ok || idx < nImp || !gt.Mutable || gt.Type != wasmfile.I32 {
			return nil, false
		}
		v, ok := f.GlobalValue(idx)
		if !ok {
			return nil, false
		}
		return &spGlobal{index: idx, initial: uint64(uint32(v))}, true
	}
	if e, ok := f.Export(wasmfile.NameStackPointer); ok && e.Kind == wasmfile.KindGlobal {
		if sp, ok := candidate(e.Index); ok {
			sp.name = wasmfile.NameStackPointer
			return sp
		}
	}
	for i := range f.Globals {
		idx := nImp + uint32(i)
		if f.GlobalName(idx) == wasmfile.NameStackPointer {
			if sp, ok := candidate(idx); ok {
				sp.name = wasmfile.NameStackPointer
				return sp
			}
		}
	}
	for i := range f.Globals {
		idx := nImp + uint32(i)
		if sp, ok := candidate(idx); ok && m.movesDown(idx) {
			return sp
		}
	}
	return nil
}

// movesDown reports whether some function subtracts from global g and
// stores the result back into it.
func (m *mod) movesDown(g uint32) bool {
	for _, ins := range m.code {
		sub, set := false, false
		for i, in := range ins {
			if in.Op == wasmfile.OpGlobalGet && uint32(in.Imm) == g && i+2 < len(ins) && ins[i+2].Op == wasmfile.OpI32Sub {
				sub = true
			}
			if in.Op == wasmfile.OpGlobalSet && uint32(in.Imm) == g {
				set = true
			}
		}
		if sub && set {
			return true
		}
	}
	return false
}

// importsStackPointer reports whether the module imports a mutable i32
// env.__stack_pointer: it shares the stack of whoever provides it.
func importsStackPointer(f *wasmfile.File) bool {
	for _, im := range f.Imports {
		if im.Kind == wasmfile.KindGlobal && im.Module == "env" && im.Name == wasmfile.NameStackPointer {
			return true
		}
	}
	return false
}

func (m *mod) readStack() {
	if !m.info.Shared || m.info.PIC {
		return
	}
	sp := m.findStackPointer()
	if sp == nil {
		return
	}
	m.sp = sp
	st := &Stack{Global: sp.index, Name: sp.name, Initial: sp.initial}
	lo, assumed := m.stackLow(sp.initial)
	st.Range = Range{Module: m.Name, Space: Memory, Start: lo, End: sp.initial, What: "stack"}
	st.Assumed = assumed
	m.frames(st)
	m.info.Stack = st
}

// stackLow infers the bottom of the stack whose top is initial, and says how.
func (m *mod) stackLow(initial uint64) (uint64, string) {
	f := m.File
	if lo, ok := exportedGlobal(f, "__stack_low"); ok && lo <= initial {
		return lo, "from the module's __stack_low"
	}
	var dataEnd, dataStart uint64 = 0, ^uint64(0)
	for _, d := range m.data {
		dataStart = min(dataStart, d.Start)
		if d.Start < initial {
			dataEnd = max(dataEnd, d.End)
		}
	}
	if de, ok := exportedGlobal(f, "__data_end"); ok && de <= initial {
		dataEnd = max(dataEnd, de)
	}
	switch {
	case len(m.data) > 0 && initial <= dataStart:
		return 0, "wasm-ld's --stack-first layout (the data lies above the initial value): " +
			"the stack fills [0, initial)"
	case dataEnd > 0:
		lo := min(align16(dataEnd), initial)
		s := "wasm-ld's default layout: from the end of the data, rounded up to 16, to the initial value"
		if initial-lo == pageSize {
			s += " (64 KiB, wasm-ld's default -z stack-size)"
		}
		return lo, s
	case initial >= pageSize:
		return initial - pageSize, "no data bounds it: wasm-ld's default 64 KiB stack (-z stack-size) under the initial value"
	}
	return 0, "no data bounds it and the initial value is below 64 KiB: the stack fills [0, initial)"
}

func align16(v uint64) uint64 { return (v + 15) &^ 15 }

// sizeWords formats a byte count the way messages use it: "65536 bytes (64 KiB)".
func sizeWords(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d bytes (%d MiB)", n, n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d bytes (%d KiB)", n, n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// funcInfo is what one defined function does to the stack.
type funcInfo struct {
	frame    int64    // bytes its prologue subtracts from the stack pointer
	dynamic  bool     // it also subtracts a value that is not a constant (alloca)
	callees  []uint32 // defined functions it may call (function indices)
	indirect bool     // it makes indirect calls (callees include every table entry)
	reenter  string   // an import it calls through which the host may re-enter, or ""
}

// frames fills st.MaxFrame, Depth, Reentry and Why from the module's code.
func (m *mod) frames(st *Stack) {
	if m.codeErr != nil {
		st.Why = "code not analysed: " + m.codeErr.Error()
		return
	}
	fs := m.funcInfos()
	for _, fi := range fs {
		st.MaxFrame = max(st.MaxFrame, fi.frame)
	}
	w := &walker{m: m, fs: fs, depth: map[uint32]int64{}, reent: map[uint32]int64{}, next: map[uint32]uint32{}, state: map[uint32]int{}}
	var deepest uint32
	for i := range fs {
		idx := m.File.NumImportedFuncs() + uint32(i)
		if d := w.walk(idx); d > st.Depth {
			st.Depth, deepest = d, idx
		}
	}
	if st.Depth > 0 {
		m.why.depth = fmt.Sprintf("the deepest call chain, %s, takes %d bytes", w.chain(deepest), st.Depth)
	}
	if w.cycleCost > 0 {
		st.Recursion = w.cycleCost
		m.why.recursion = fmt.Sprintf("%s is recursive, %d bytes a level", w.cycle, w.cycleCost)
	}
	var entry string
	var entryIdx uint32
	for _, e := range m.File.Exports {
		if e.Kind != wasmfile.KindFunc || e.Index < m.File.NumImportedFuncs() {
			continue
		}
		if c := w.reent[e.Index]; c > st.Reentry {
			st.Reentry, entry, entryIdx = c, e.Name, e.Index
		}
	}
	if st.Reentry > 0 {
		via := w.reentryVia(entryIdx)
		from := "the host"
		if p := m.provider[via]; p != "" {
			from = p
		}
		m.why.reentry = fmt.Sprintf("%s keeps %d bytes of stack while calling the import %s, "+
			"through which %s may call back in", entry, st.Reentry, via, from)
	}
	var why []string
	for _, s := range []string{m.why.depth, m.why.recursion, m.why.reentry} {
		if s != "" {
			why = append(why, s)
		}
	}
	st.Why = strings.Join(why, "; ")
}

// funcInfos decodes what each defined function does to the stack pointer
// and whom it calls. call_indirect may reach any function placed in a table
// by an element segment, and any import placed there.
func (m *mod) funcInfos() []funcInfo {
	f := m.File
	nImp := f.NumImportedFuncs()
	var indirect []uint32
	indirectImport := ""
	for _, e := range f.Elements {
		for _, fi := range e.Funcs {
			switch {
			case fi == wasmfile.NullFunc:
			case fi >= nImp:
				indirect = append(indirect, fi)
			case indirectImport == "" && m.reentrant(fi):
				indirectImport = importName(f, fi)
			}
		}
	}
	out := make([]funcInfo, len(m.code))
	for i, ins := range m.code {
		fi := &out[i]
		for j, in := range ins {
			switch in.Op {
			case wasmfile.OpGlobalGet:
				if uint32(in.Imm) != m.sp.index || j+2 >= len(ins) || ins[j+2].Op != wasmfile.OpI32Sub {
					continue
				}
				if ins[j+1].Op == wasmfile.OpI32Const {
					fi.frame = max(fi.frame, int64(int32(ins[j+1].Imm)))
				} else {
					fi.dynamic = true
				}
			case wasmfile.OpCall, wasmfile.OpReturnCall:
				callee := uint32(in.Imm)
				if callee >= nImp {
					fi.callees = append(fi.callees, callee)
				} else if fi.reenter == "" && m.reentrant(callee) {
					fi.reenter = importName(f, callee)
				}
			case wasmfile.OpCallIndirect, wasmfile.OpReturnCallIndirect, wasmfile.OpCallRef, wasmfile.OpReturnCallRef:
				if !fi.indirect {
					fi.indirect = true
					fi.callees = append(fi.callees, indirect...)
				}
				if fi.reenter == "" && indirectImport != "" {
					fi.reenter = indirectImport
				}
			}
		}
	}
	return out
}

// reentrant reports whether calling imported function idx may lead the host
// back into the module. WASI functions never call back.
func (m *mod) reentrant(idx uint32) bool {
	im, ok := m.File.ImportedFunc(idx)
	if !ok {
		return false
	}
	return im.Module != "wasi_snapshot_preview1" && im.Module != "wasi_unstable"
}

// walker computes, for each function, the deepest chain of frames below it
// (depth) and the most stack held at a call that may re-enter (reent),
// remembering one recursive cycle.
type walker struct {
	m         *mod
	fs        []funcInfo
	depth     map[uint32]int64
	reent     map[uint32]int64  // only for functions that reach a re-entrant import
	next      map[uint32]uint32 // deepest callee of each function
	state     map[uint32]int    // 1 on the path, 2 done
	path      []uint32
	cycle     string
	cycleCost int64
}

func (w *walker) info(idx uint32) *funcInfo {
	return &w.fs[idx-w.m.File.NumImportedFuncs()]
}

// walk returns depth(idx); a back edge (recursion) counts as 0 and records
// the cycle.
func (w *walker) walk(idx uint32) int64 {
	switch w.state[idx] {
	case 1:
		w.noteCycle(idx)
		return 0
	case 2:
		return w.depth[idx]
	}
	w.state[idx] = 1
	w.path = append(w.path, idx)
	fi := w.info(idx)
	var deepest int64
	reaches := fi.reenter != ""
	reent := fi.frame
	for _, c := range fi.callees {
		if d := w.walk(c); d > deepest {
			deepest = d
			w.next[idx] = c
		}
		if r, ok := w.reent[c]; ok {
			reaches = true
			reent = max(reent, fi.frame+r)
		}
	}
	w.path = w.path[:len(w.path)-1]
	w.state[idx] = 2
	w.depth[idx] = fi.frame + deepest
	if reaches {
		w.reent[idx] = reent
	}
	return w.depth[idx]
}

func (w *walker) noteCycle(idx uint32) {
	start := len(w.path) - 1
	for start > 0 && w.path[start] != idx {
		start--
	}
	var cost int64
	names := make([]string, 0, len(w.path)-start+1)
	for _, p := range w.path[start:] {
		cost += w.info(p).frame
		names = append(names, funcName(w.m.File, p))
	}
	if cost > w.cycleCost {
		w.cycleCost = cost
		w.cycle = strings.Join(append(names, funcName(w.m.File, idx)), " → ")
	}
}

// chain names the deepest call chain starting at idx.
func (w *walker) chain(idx uint32) string {
	names := []string{funcName(w.m.File, idx)}
	seen := map[uint32]bool{idx: true}
	for {
		n, ok := w.next[idx]
		if !ok || seen[n] {
			return strings.Join(names, " → ")
		}
		seen[n] = true
		names = append(names, funcName(w.m.File, n))
		idx = n
	}
}

// reentryVia names the import through which the re-entry cost of idx is
// reached.
func (w *walker) reentryVia(idx uint32) string {
	seen := map[uint32]bool{}
	for !seen[idx] {
		seen[idx] = true
		fi := w.info(idx)
		if fi.reenter != "" && fi.frame == w.reent[idx] {
			return fi.reenter
		}
		best, found := uint32(0), false
		for _, c := range fi.callees {
			if r, ok := w.reent[c]; ok && fi.frame+r == w.reent[idx] {
				best, found = c, true
				break
			}
		}
		if !found {
			return fi.reenter
		}
		idx = best
	}
	return "an import"
}

// importName names imported function idx as "module.name".
func importName(f *wasmfile.File, idx uint32) string {
	if im, ok := f.ImportedFunc(idx); ok {
		return im.Module + "." + im.Name
	}
	return funcName(f, idx)
}

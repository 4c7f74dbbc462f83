package ehtrans

import (
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// The rewrite of a function takes two passes over its instructions. The
// first (this file) learns what the second must know before it reaches
// the instruction concerned: at a try, which catch clauses follow and
// whether it ends with delegate (and to which label); at a catch, whether
// a rethrow will need the exception as an exnref. It also checks the
// structure the rewrite relies on (catch inside a try, labels in range).

type frameKind uint8

const (
	frameFunc  frameKind = iota // the function body
	frameBlock                  // block, loop, if
	frameTry                    // legacy try
	frameTable                  // try_table already in the input
)

type tryKind uint8

const (
	tryPlain    tryKind = iota // try ... end without catches: a plain block
	tryCatch                   // try ... catch/catch_all ... end
	tryDelegate                // try ... delegate
)

// tryInfo describes one legacy try of a function; they are numbered in
// order of appearance.
type tryInfo struct {
	kind     tryKind
	ref      bool   // tryCatch: a rethrow names one of its handlers
	delegate uint32 // tryDelegate: its label
	first    int32  // tryCatch: first clause in funcState.clauses
	last     int32  // tryCatch: last clause
	nclauses int32
}

// clause is one catch (tag) or catch_all (all) of a legacy try. The
// clauses of a try are chained through next, since those of tries nested
// in its handlers come between them.
type clause struct {
	tag   uint32
	all   bool
	next  int32 // next clause of the same try, or -1
	label int32 // emitter: output label of the clause's handler block
}

// frame is one open control construct, for both passes.
type frame struct {
	kind    frameKind
	isIf    bool
	try     int32  // frameTry: index into funcState.tries
	handler bool   // frameTry: inside a catch or catch_all handler
	label   int32  // emitter: the output label a branch to this frame targets
	exn     uint32 // emitter: local holding the caught exnref
	ctx     int32  // emitter: handler context inside the frame (funcState.ctxs), -1 for none
	outer   int32  // emitter, frameTry: the context around the try
}

// ctxNode is a handler context: the catches of a try whose body holds the
// code, then those of its parent context.
type ctxNode struct {
	try    int32
	parent int32
}

// funcState is the per-function state, reused from one function to the
// next.
type funcState struct {
	index   int // defined function (code section entry)
	tries   []tryInfo
	clauses []clause
	frames  []frame
	ctxs    []ctxNode

	// refTypes are the type indices of the function's call_ref
	// instructions: each gets a local of type (ref null $t) that holds
	// the reference while the call is wrapped in a try_table.
	refTypes []uint32
	refLocal map[uint32]uint32 // type index -> position in refTypes

	// Emitter state.
	depth    int32  // open output labels, the function's included
	next     int32  // index of the next try
	exnBase  uint64 // index of the first new local: the call_ref locals, then the exnref ones
	exnDepth uint64 // handlers that keep an exnref, open at this point
	exnMax   uint64 // new exnref locals needed
}

func (t *translator) errf(off int64, format string, args ...any) error {
	return &wasmfile.FormatError{
		Off:     off,
		Section: "code section",
		Item:    fmt.Sprintf("func[%d]", int(t.f.NumImportedFuncs())+t.fn.index),
		Msg:     fmt.Sprintf(format, args...),
	}
}

// frameAt returns the frame a label index refers to, or nil.
func (s *funcState) frameAt(depth uint64) *frame {
	if depth >= uint64(len(s.frames)) {
		return nil
	}
	return &s.frames[len(s.frames)-1-int(depth)]
}

// analyze is the first pass over defined function i.
func (t *translator) analyze(i int) error {
	s := &t.fn
	clear(s.refLocal)
	*s = funcState{index: i, tries: s.tries[:0], clauses: s.clauses[:0], frames: s.frames[:0], ctxs: s.ctxs[:0],
		refTypes: s.refTypes[:0], refLocal: s.refLocal}
	s.frames = append(s.frames, frame{kind: frameFunc})
	done := false
	err := t.f.EachInstruction(i, func(in *wasmfile.Instr) error {
		if done {
			return t.errf(in.Off, "instruction after the end of the function")
		}
		switch in.Op {
		case opBlock, opLoop, opIf:
			s.frames = append(s.frames, frame{kind: frameBlock, isIf: in.Op == opIf})
		case opElse:
			if top := s.frameAt(0); top.kind != frameBlock || !top.isIf {
				return t.errf(in.Off, "else outside an if")
			}
		case opTry:
			s.frames = append(s.frames, frame{kind: frameTry, try: int32(len(s.tries))})
			s.tries = append(s.tries, tryInfo{kind: tryPlain, first: -1, last: -1})
		case opTryTable:
			if err := t.checkTableLabels(in); err != nil {
				return err
			}
			s.frames = append(s.frames, frame{kind: frameTable})
		case opCatch, opCatchAll:
			return t.analyzeCatch(in)
		case opDelegate:
			return t.analyzeDelegate(in)
		case opRethrow:
			f := s.frameAt(in.Imm)
			if f == nil || f.kind != frameTry || !f.handler {
				return t.errf(in.Off, "rethrow %d does not name an enclosing catch or catch_all", in.Imm)
			}
			s.tries[f.try].ref = true
		case opEnd:
			if s.frameAt(0).kind == frameFunc {
				done = true
			}
			s.frames = s.frames[:len(s.frames)-1]
		case opBr, opBrIf:
			if s.frameAt(in.Imm) == nil {
				return t.errf(in.Off, "branch depth %d out of range", in.Imm)
			}
		case opBrTable:
			return t.checkBrTable(in)
		case opCallRef:
			if _, ok := s.refLocal[uint32(in.Imm)]; !ok {
				if s.refLocal == nil {
					s.refLocal = map[uint32]uint32{}
				}
				s.refLocal[uint32(in.Imm)] = uint32(len(s.refTypes))
				s.refTypes = append(s.refTypes, uint32(in.Imm))
			}
		}
		return nil
	})
	if err == nil && !done {
		body := &t.f.Code[i]
		err = t.errf(body.FileOff+int64(len(body.Bytes())), "function body ends inside a block")
	}
	return err
}

func (t *translator) analyzeCatch(in *wasmfile.Instr) error {
	s := &t.fn
	top := s.frameAt(0)
	if top.kind != frameTry {
		return t.errf(in.Off, "catch outside a try")
	}
	ti := &s.tries[top.try]
	if ti.last >= 0 && s.clauses[ti.last].all {
		return t.errf(in.Off, "catch after catch_all")
	}
	c := clause{all: in.Op == opCatchAll, next: -1}
	if !c.all {
		if in.Imm >= uint64(len(t.tags)) {
			return t.errf(in.Off, "catch of tag %d out of range (%d tags)", in.Imm, len(t.tags))
		}
		c.tag = uint32(in.Imm)
	}
	n := int32(len(s.clauses))
	s.clauses = append(s.clauses, c)
	if ti.last >= 0 {
		s.clauses[ti.last].next = n
	} else {
		ti.first = n
	}
	ti.kind, ti.last = tryCatch, n
	ti.nclauses++
	top.handler = true
	return nil
}

func (t *translator) analyzeDelegate(in *wasmfile.Instr) error {
	s := &t.fn
	x := s.frameAt(0)
	if x.kind != frameTry || x.handler {
		return t.errf(in.Off, "delegate outside a try body")
	}
	ti := &s.tries[x.try]
	s.frames = s.frames[:len(s.frames)-1]
	if in.Imm >= uint64(len(s.frames)) {
		return t.errf(in.Off, "delegate depth %d out of range", in.Imm)
	}
	for d := uint64(0); d < in.Imm; d++ {
		if s.frameAt(d).kind == frameTable {
			// The try_table would see the exception first; the
			// rewrite cannot skip it.
			return t.errf(in.Off, "delegate past a try_table is not supported")
		}
	}
	ti.kind, ti.delegate = tryDelegate, uint32(in.Imm)
	return nil
}

func (t *translator) checkBrTable(in *wasmfile.Instr) error {
	imm := t.raw[in.Off+1 : in.End]
	n, k := uleb32(imm)
	imm = imm[k:]
	for j := uint32(0); j <= n; j++ {
		d, k := uleb32(imm)
		imm = imm[k:]
		if t.fn.frameAt(uint64(d)) == nil {
			return t.errf(in.Off, "branch depth %d out of range", d)
		}
	}
	return nil
}

// checkTableLabels checks the labels of a try_table's catch clauses.
func (t *translator) checkTableLabels(in *wasmfile.Instr) error {
	imm := t.raw[in.Off+1 : in.End]
	imm = imm[blockTypeLen(imm):]
	n, k := uleb32(imm)
	imm = imm[k:]
	for j := uint32(0); j < n; j++ {
		kind := imm[0]
		imm = imm[1:]
		if kind == catchTag || kind == catchTagRef {
			_, k = uleb32(imm)
			imm = imm[k:]
		}
		d, k := uleb32(imm)
		imm = imm[k:]
		if t.fn.frameAt(uint64(d)) == nil {
			return t.errf(in.Off, "catch clause depth %d out of range", d)
		}
	}
	return nil
}

// blockTypeLen is the length of the block type that starts b, which the
// reader has already decoded: 0x40, a value type, (ref null? ht) or a
// type index.
func blockTypeLen(b []byte) int {
	n := 0
	if b[0] == 0x63 || b[0] == 0x64 {
		n = 1
	}
	for b[n]&0x80 != 0 {
		n++
	}
	return n + 1
}

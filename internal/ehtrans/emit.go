package ehtrans

import (
	"github.com/wasmdl/wasmdl/wasmfile"
)

// The second pass writes the new code. Every legacy label maps to one
// output label (frame.label, counted from the function's own label 0); a
// branch is renumbered as the distance between the current output depth
// and that label, which absorbs every block the rewrite adds.
//
// A try with catches
//
//	try bt  body  catch $a  ha  catch_all  hb  end
//
// becomes blocks for its handlers, with the body in the innermost one:
//
//	block bt                               ;; the try's label
//	  block [params] -> []                 ;; catch_all's
//	    block [params] -> [$a's values]
//	      body
//	      br 2                             ;; body done: leave with the results
//	    end
//	    ha
//	    br 1
//	  end
//	  hb
//	end
//
// (with rethrow: each block also receives the exnref, and the handler
// starts by storing it in a new local). A try without catches, and a try
// that delegates, become a plain block.
//
// Nothing in this shape catches: each instruction that can throw (a call,
// throw, throw_ref, rethrow) inside a try body is wrapped instead in its
// own try_table whose clauses are every handler the legacy rules would
// try, in order, up to the first catch_all: the catches of the enclosing
// try bodies from the inside out, following delegates, skipping tries
// whose handler holds the instruction. The clauses branch straight to the
// handlers' blocks. So no try_table contains another, or any code that
// could change a local before the exception: wazero v1.12's compiler
// gives a handler the locals as they were on entry to the try_table
// (wazero issue 2503), and keeps the handler of an enclosing try_table
// active when a catch clause branches past it.

// rewrite returns defined function i's new body (local declarations and
// code), appended to out.
func (t *translator) rewrite(i int, out []byte) ([]byte, error) {
	if err := t.analyze(i); err != nil {
		return nil, err
	}
	s := &t.fn
	body := t.f.Code[i].Bytes()
	entries, total, codeStart := readLocals(body)
	ft, ok := t.f.FuncType(t.f.NumImportedFuncs() + uint32(i))
	if !ok {
		return nil, t.errf(t.f.Code[i].FileOff, "function has no valid type")
	}
	s.exnBase = uint64(len(ft.Params)) + total
	s.frames = append(s.frames[:0], frame{kind: frameFunc, ctx: -1})
	s.depth, s.next = 1, 0
	t.code = t.code[:0]
	if err := t.f.EachInstruction(i, t.emit); err != nil {
		return nil, err
	}
	if s.exnBase+uint64(len(s.refTypes))+s.exnMax > 1<<32-1 {
		return nil, t.errf(t.f.Code[i].FileOff, "too many locals")
	}
	entries += len(s.refTypes)
	if s.exnMax > 0 {
		entries++ // the new exnref locals
	}
	out = wasmfile.AppendU32(out, uint32(entries))
	_, n := uleb32(body)
	out = append(out, body[n:codeStart]...)
	for _, ty := range s.refTypes {
		out = append(out, 1, 0x63) // one (ref null $ty)
		out = wasmfile.AppendS64(out, int64(ty))
	}
	if s.exnMax > 0 {
		out = wasmfile.AppendU32(out, uint32(s.exnMax))
		out = append(out, byte(exnRef))
	}
	return append(out, t.code...), nil
}

// readLocals reads the local declarations of a body the reader has
// decoded: the number of entries, the number of locals they declare and
// where the code starts.
func readLocals(body []byte) (entries int, total uint64, codeStart int) {
	n, off := uleb32(body)
	for j := uint32(0); j < n; j++ {
		count, k := uleb32(body[off:])
		total += uint64(count)
		off += k
		if body[off] == 0x63 || body[off] == 0x64 { // (ref null? ht)
			off++
		}
		for body[off]&0x80 != 0 {
			off++
		}
		off++
	}
	return int(n), total, off
}

func (t *translator) put(b ...byte) { t.code = append(t.code, b...) }

func (t *translator) putU32(v uint32) { t.code = wasmfile.AppendU32(t.code, v) }

// br writes a branch to output label target.
func (t *translator) br(target int32) {
	t.put(opBr)
	t.putU32(uint32(t.fn.depth - 1 - target))
}

// mapDepth turns a legacy label index into an output one.
func (t *translator) mapDepth(d uint32) uint32 {
	return uint32(t.fn.depth - 1 - t.fn.frameAt(uint64(d)).label)
}

// open starts an output block; end closes the innermost one.
func (t *translator) open() {
	t.put(opBlock)
	t.fn.depth++
}

func (t *translator) end() {
	t.put(opEnd)
	t.fn.depth--
}

// emit writes the rewrite of one instruction.
func (t *translator) emit(in *wasmfile.Instr) error {
	s := &t.fn
	switch in.Op {
	case opBlock, opLoop, opIf:
		s.frames = append(s.frames, frame{kind: frameBlock, label: s.depth, ctx: s.frameAt(0).ctx})
		s.depth++
	case opTryTable:
		t.emitTryTable(in)
		return nil
	case opTry:
		return t.emitTry(in)
	case opCatch, opCatchAll:
		t.emitCatch(s.frameAt(0))
		return nil
	case opDelegate:
		s.frames = s.frames[:len(s.frames)-1]
		t.end()
		return nil
	case opEnd:
		t.emitEnd()
		return nil
	case opBr, opBrIf:
		t.put(byte(in.Op))
		t.putU32(t.mapDepth(uint32(in.Imm)))
		return nil
	case opBrTable:
		imm := t.raw[in.Off+1 : in.End]
		n, k := uleb32(imm)
		imm = imm[k:]
		t.put(opBrTable)
		t.putU32(n)
		for j := uint32(0); j <= n; j++ {
			d, k := uleb32(imm)
			imm = imm[k:]
			t.putU32(t.mapDepth(d))
		}
		return nil
	case opRethrow, opThrow, opThrowRef, opCall, opCallIndirect, opCallRef:
		return t.emitThrowing(in)
	}
	t.put(t.raw[in.Off:in.End]...)
	return nil
}

// blockParams returns the parameters of a block type.
func (t *translator) blockParams(in *wasmfile.Instr) ([]wasmfile.ValType, error) {
	if b := t.raw[in.Off+1]; b == 0x63 || b == 0x64 || int64(in.Imm) < 0 {
		return nil, nil // empty, or one result
	}
	if in.Imm >= uint64(len(t.f.Types)) {
		return nil, t.errf(in.Off, "block type %d out of range (%d types)", in.Imm, len(t.f.Types))
	}
	return t.f.Types[in.Imm].Params, nil
}

func (t *translator) emitTry(in *wasmfile.Instr) error {
	s := &t.fn
	ti := &s.tries[s.next]
	f := frame{kind: frameTry, try: s.next, label: s.depth, ctx: s.frameAt(0).ctx}
	f.outer = f.ctx
	s.next++
	bt := t.raw[in.Off+1 : in.End]
	t.open() // the try's label
	t.put(bt...)
	switch ti.kind {
	case tryDelegate:
		// The body's exceptions go where they would go if thrown just
		// inside the label the delegate names.
		f.ctx = s.frameAt(uint64(ti.delegate)).ctx
	case tryCatch:
		params, err := t.blockParams(in)
		if err != nil {
			return err
		}
		t.order = t.order[:0]
		for c := ti.first; c >= 0; c = s.clauses[c].next {
			t.order = append(t.order, c)
		}
		// The handlers' blocks, the last clause's outermost.
		for k := len(t.order) - 1; k >= 0; k-- {
			cl := &s.clauses[t.order[k]]
			t.scratch = t.scratch[:0]
			if !cl.all {
				t.scratch = append(t.scratch, t.f.Types[t.tags[cl.tag]].Params...)
			}
			if ti.ref {
				t.scratch = append(t.scratch, exnRef)
			}
			cl.label = s.depth
			t.open()
			t.code = t.types.appendBlockType(t.code, params, t.scratch)
		}
		f.ctx = int32(len(s.ctxs))
		s.ctxs = append(s.ctxs, ctxNode{try: f.try, parent: f.outer})
	}
	s.frames = append(s.frames, f)
	return nil
}

// emitTryTable copies a try_table of the input with its clause labels
// renumbered.
func (t *translator) emitTryTable(in *wasmfile.Instr) {
	s := &t.fn
	imm := t.raw[in.Off+1 : in.End]
	n := blockTypeLen(imm)
	t.put(opTryTable)
	t.put(imm[:n]...)
	imm = imm[n:]
	count, k := uleb32(imm)
	imm = imm[k:]
	t.putU32(count)
	for j := uint32(0); j < count; j++ {
		kind := imm[0]
		imm = imm[1:]
		t.put(kind)
		if kind == catchTag || kind == catchTagRef {
			tag, k := uleb32(imm)
			imm = imm[k:]
			t.putU32(tag)
		}
		d, k := uleb32(imm)
		imm = imm[k:]
		t.putU32(t.mapDepth(d))
	}
	// Inside, what the try_table lets through propagates naturally.
	s.frames = append(s.frames, frame{kind: frameTable, label: s.depth, ctx: -1})
	s.depth++
}

// emitCatch ends the body or the previous handler of a try and starts
// the next handler.
func (t *translator) emitCatch(f *frame) {
	s := &t.fn
	ti := &s.tries[f.try]
	t.br(f.label)
	t.end()
	if !f.handler {
		f.handler, f.ctx = true, f.outer
		if ti.ref {
			f.exn = uint32(s.exnBase + uint64(len(s.refTypes)) + s.exnDepth)
			s.exnDepth++
			s.exnMax = max(s.exnMax, s.exnDepth)
		}
	}
	if ti.ref {
		t.put(opLocalSet)
		t.putU32(f.exn)
	}
}

func (t *translator) emitEnd() {
	s := &t.fn
	f := s.frames[len(s.frames)-1]
	s.frames = s.frames[:len(s.frames)-1]
	if f.kind == frameFunc {
		t.put(opEnd)
		return
	}
	if f.kind == frameTry && s.tries[f.try].ref {
		s.exnDepth--
	}
	t.end()
}

// Limits that keep hostile input from making the rewrite quadratic: the
// handlers looked at for one instruction, and the clauses of its
// try_table.
const (
	maxChainWalk   = 4096
	maxChainLength = 256
)

// emitThrowing writes an instruction that can throw, wrapped in a
// try_table with the handlers that apply to it, if any.
func (t *translator) emitThrowing(in *wasmfile.Instr) error {
	if in.Op == opThrow && in.Imm >= uint64(len(t.tags)) {
		return t.errf(in.Off, "throw of tag %d out of range (%d tags)", in.Imm, len(t.tags))
	}
	n, err := t.handlerChain(in)
	if err != nil {
		return err
	}
	if n == 0 && in.Op != opRethrow {
		t.put(t.raw[in.Off:in.End]...)
		return nil
	}
	if len(t.code) > t.limit {
		return t.errf(in.Off, "rewritten code larger than %d bytes", t.limit)
	}
	var ref uint32
	if n > 0 && in.Op == opCallRef {
		// The reference waits in a local, so that the try_table has
		// the callee's own type.
		ref = uint32(t.fn.exnBase) + t.fn.refLocal[uint32(in.Imm)]
		t.put(opLocalSet)
		t.putU32(ref)
	}
	if n > 0 {
		t.put(opTryTable)
		if err := t.appendThrowingType(in); err != nil {
			return err
		}
		t.putU32(uint32(n))
		t.put(t.chain...)
	}
	switch {
	case in.Op == opRethrow:
		t.put(opLocalGet)
		t.putU32(t.fn.frameAt(in.Imm).exn)
		t.put(opThrowRef)
	case in.Op == opCallRef && n > 0:
		t.put(opLocalGet)
		t.putU32(ref)
		t.put(t.raw[in.Off:in.End]...)
	default:
		t.put(t.raw[in.Off:in.End]...)
	}
	if n > 0 {
		t.put(opEnd)
		if in.Op == opRethrow || in.Op == opThrow || in.Op == opThrowRef {
			// Never reached; keeps the code after it unreachable,
			// as it is after a bare throw.
			t.put(opUnreachable)
		}
	}
	return nil
}

// handlerChain encodes in t.chain the catch clauses that apply at this
// point, as seen from a try_table placed here, and returns their number:
// those of the tries in whose body the point lies, innermost first,
// following delegates, up to the first catch_all. A tag already caught
// further in is left out, since its later clauses can never match.
func (t *translator) handlerChain(in *wasmfile.Instr) (int, error) {
	s := &t.fn
	t.chain, t.chainTags = t.chain[:0], t.chainTags[:0]
	walked := 0
	for ctx := s.frameAt(0).ctx; ctx >= 0; ctx = s.ctxs[ctx].parent {
		ti := &s.tries[s.ctxs[ctx].try]
	clauses:
		for c := ti.first; c >= 0; c = s.clauses[c].next {
			if walked++; walked > maxChainWalk {
				return 0, t.errf(in.Off, "more than %d enclosing catch clauses", maxChainWalk)
			}
			cl := &s.clauses[c]
			if !cl.all {
				for _, tag := range t.chainTags {
					if tag == cl.tag {
						continue clauses
					}
				}
				if len(t.chainTags) == maxChainLength {
					return 0, t.errf(in.Off, "more than %d different tags caught around one instruction", maxChainLength)
				}
				t.chainTags = append(t.chainTags, cl.tag)
			}
			kind := byte(catchTag)
			if cl.all {
				kind = catchAll
			}
			if ti.ref {
				kind++ // catch_ref, catch_all_ref
			}
			t.chain = append(t.chain, kind)
			if !cl.all {
				t.chain = wasmfile.AppendU32(t.chain, cl.tag)
			}
			t.chain = wasmfile.AppendU32(t.chain, uint32(s.depth-1-cl.label))
			if cl.all {
				return len(t.chainTags) + 1, nil
			}
		}
	}
	return len(t.chainTags), nil
}

// appendThrowingType writes the block type of the try_table around
// instruction in: the instruction's own type.
func (t *translator) appendThrowingType(in *wasmfile.Instr) error {
	switch in.Op {
	case opRethrow:
		t.put(0x40)
	case opThrowRef:
		t.code = t.types.appendBlockType(t.code, []wasmfile.ValType{exnRef}, nil)
	case opThrow:
		t.code = t.types.appendBlockType(t.code, t.f.Types[t.tags[in.Imm]].Params, nil)
	case opCall:
		if in.Imm >= uint64(len(t.funcTypes)) {
			return t.errf(in.Off, "call of function %d out of range (%d functions)", in.Imm, len(t.funcTypes))
		}
		t.code = wasmfile.AppendS64(t.code, int64(t.funcTypes[in.Imm]))
	case opCallRef:
		if in.Imm >= uint64(len(t.f.Types)) {
			return t.errf(in.Off, "type index %d out of range (%d types)", in.Imm, len(t.f.Types))
		}
		t.code = wasmfile.AppendS64(t.code, int64(in.Imm))
	case opCallIndirect:
		if in.Imm >= uint64(len(t.f.Types)) {
			return t.errf(in.Off, "type index %d out of range (%d types)", in.Imm, len(t.f.Types))
		}
		// The callee's parameters, then the table index.
		ft := t.f.Types[in.Imm]
		key := appendVals(append(t.types.key2[:0], 0x60), ft.Params, 1)
		if t.table64(in.Imm2) {
			key = append(key, byte(wasmfile.I64))
		} else {
			key = append(key, byte(wasmfile.I32))
		}
		t.types.key2 = appendVals(key, ft.Results, 0)
		t.code = wasmfile.AppendS64(t.code, int64(t.types.lookupEncoded(t.types.key2)))
	}
	return nil
}

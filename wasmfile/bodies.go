package wasmfile

// This file checks every function body against the Bounds, before a
// runtime sees it. wazero v1.12 decodes a body's local declarations into a
// slice of 8-byte value types sized by their sum (a 40-byte module
// declaring 2^32-1 locals kills the process), keeps one control frame per
// open block and one stack entry per pushed value while validating, and
// its compiler builds a basic block per block and branch target and an SSA
// parameter per local live across each merge. The checks here bound each
// of those by counting, in one pass over the instructions, with memory
// proportional to counts already checked (the nesting depth, the locals).

// frame is an open block: what it takes and leaves on the stack.
type frame struct {
	params, results uint32
	loop            bool // a branch to a loop carries its parameters
}

// arity is the number of values a branch to the frame carries.
func (fr *frame) arity() uint32 {
	if fr.loop {
		return fr.params
	}
	return fr.results
}

// localUse is what the LocalFlow estimate remembers about one local. gen
// says which function the entry belongs to, so that entries need no
// clearing between functions (a function may declare 50,000 locals in a
// few bytes).
type localUse struct {
	gen     uint32
	mark    uint32 // control units at its last set or upward-exposed read
	lastOcc uint32 // control units at its last set or read
	setIn   uint32 // basic block of its last set (0: none)
	charged uint32 // outermost loop whose end it was charged for (0: none)
}

// bodyChecker holds the scratch state reused across the bodies of one
// module.
type bodyChecker struct {
	f           *File
	frames      []frame
	locals      []localUse
	pending     []uint32 // locals to charge at the end of the outermost loop
	gen         uint32
	totalLocals uint64
	cur         cursor    // of the body being checked
	state       bodyState // of the body being checked
}

// checkBodies checks every function body; see [Bounds].
func (f *File) checkBodies() error {
	k := &bodyChecker{f: f}
	for i := range f.Code {
		if err := k.check(i); err != nil {
			return err
		}
	}
	return nil
}

// bodyState is the running count of one body.
type bodyState struct {
	*cursor
	lim      *Bounds
	nlocals  uint64
	units    uint64 // control units (Bounds.Control)
	bb       uint32 // current basic block, from 1
	extra    uint64 // values pushed beyond one per instruction
	flow     uint64 // Bounds.LocalFlow
	outer    int    // index in frames of the outermost open loop, or -1
	loopAt   uint32 // units when it was entered
	epoch    uint32 // number of outermost loops entered
	instrOff int    // offset of the current instruction, for errors
}

func (k *bodyChecker) check(i int) error {
	f := k.f
	body := &f.Code[i]
	start := int(body.FileOff)
	c := &k.cur
	*c = cursor{b: f.raw, off: start, end: start + len(body.body), section: "code section"}
	c.setItem("func", int64(f.numImportedFuncs)+int64(i))
	s := &k.state
	*s = bodyState{cursor: c, lim: &f.lim, outer: -1, bb: 1}
	if uint64(len(body.body)) > uint64(s.lim.FunctionSize) {
		return c.limitErr(start, uint64(len(body.body)), "bytes of code", s.lim.FunctionSize)
	}
	ft := &f.Types[f.Funcs[i]] // checked when the function section was read
	if err := k.readLocals(s, uint64(len(ft.Params))); err != nil {
		return err
	}
	k.gen++
	k.frames = append(k.frames[:0], frame{results: uint32(len(ft.Results))})
	if err := k.scan(s); err != nil {
		return err
	}
	if len(k.frames) != 0 {
		return c.errf(c.off, ErrUnexpectedEOF, "function body does not end with end")
	}
	return nil
}

// Immediate kinds of one-byte opcodes, for the fast path of scan. Anything
// else (prefixed families, br_table, select with types, try_table,
// ref.null, unknown opcodes) is decoded by cursor.instr.
const (
	immSlow  = iota
	immNone  // no immediate
	immU32   // one u32 (index, depth)
	immU32x2 // two u32 (call_indirect, return_call_indirect)
	immBlock // a block type
	immMem   // memarg
	immS32   // i32.const
	immS64   // i64.const
	immF32   // 4 bytes
	immF64   // 8 bytes
)

// opImm gives the immediate kind of each opcode byte; opStep marks those
// the checker accounts for (see bodyChecker.step).
var opImm, opStep = opTables()

func opTables() (imm [256]uint8, step [256]bool) {
	set := func(k uint8, ops ...byte) {
		for _, op := range ops {
			imm[op] = k
		}
	}
	set(immNone, 0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4)
	for op := 0x45; op <= 0xc4; op++ {
		imm[op] = immNone
	}
	set(immU32, 0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18,
		0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40, 0xd2, 0xd5, 0xd6)
	set(immU32x2, 0x11, 0x13)
	set(immBlock, 0x02, 0x03, 0x04, 0x06)
	for op := 0x28; op <= 0x3e; op++ {
		imm[op] = immMem
	}
	set(immS32, 0x41)
	set(immS64, 0x42)
	set(immF32, 0x43)
	set(immF64, 0x44)
	// local.get, local.set and local.tee are accounted for by scan itself.
	for _, op := range []byte{0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x0c, 0x0d, 0x0e,
		0x10, 0x11, 0x14, 0x18, 0x19, 0x1c, 0x1f, 0xd5, 0xd6} {
		step[op] = true
	}
	return imm, step
}

// scan walks the instructions of a body. Common instructions with short
// immediates are skipped inline; anything else, and any malformed
// encoding, goes through cursor.instr, so that errors read the same as
// those of [File.EachInstruction].
func (k *bodyChecker) scan(s *bodyState) error {
	c := s.cursor
	b, off, end := c.b, c.off, c.end
	var in Instr
	for off < end {
		op := b[off]
		next, ok := off+1, true
		in.Imm = 0
		switch opImm[op] {
		case immNone:
		case immU32:
			in.Imm, next, ok = leb28(b, next, end)
		case immU32x2:
			if in.Imm, next, ok = leb28(b, next, end); ok {
				in.Imm2, next, ok = leb28(b, next, end)
			}
		case immBlock:
			in.Imm, next, ok = blockType1(b, next, end)
		case immMem:
			var align uint64
			if align, next, ok = leb28(b, next, end); ok && align&0x40 == 0 {
				next, ok = skipLEB(b, next, end, 9)
			} else {
				ok = false // multi-memory index: the careful way
			}
		case immS32:
			next, ok = skipLEB(b, next, end, 4)
		case immS64:
			next, ok = skipLEB(b, next, end, 9)
		case immF32:
			next += 4
			ok = next <= end
		case immF64:
			next += 8
			ok = next <= end
		default:
			ok = false
		}
		if !ok {
			c.off = off
			var err error
			if in, err = c.instr(); err != nil {
				return err
			}
			next = c.off
		}
		switch {
		case op == 0x20: // local.get, local.set, local.tee: the most common
			s.instrOff = off
			if err := k.read(s, in.Imm); err != nil {
				return err
			}
		case op == 0x21 || op == 0x22:
			k.set(s, in.Imm)
		case opStep[op]:
			in.Op = Opcode(op)
			s.instrOff = off
			if err := k.step(s, &in); err != nil {
				return err
			}
			if len(k.frames) == 0 && next < end {
				return c.errf(next, nil, "instructions after the function's final end")
			}
		}
		off = next
	}
	c.off = off
	return nil
}

// leb28 reads an unsigned LEB128 of at most 4 bytes (28 bits); longer
// encodings report !ok, for the careful decoder to check.
func leb28(b []byte, off, end int) (uint64, int, bool) {
	var v uint64
	for i := 0; i < 4 && off < end; i++ {
		x := b[off]
		off++
		v |= uint64(x&0x7f) << (7 * i)
		if x < 0x80 {
			return v, off, true
		}
	}
	return 0, off, false
}

// skipLEB skips a LEB128 of at most n bytes, n below the type's maximum
// so that no overflow check is needed; longer encodings report !ok.
func skipLEB(b []byte, off, end, n int) (int, bool) {
	for i := 0; i < n && off < end; i++ {
		x := b[off]
		off++
		if x < 0x80 {
			return off, true
		}
	}
	return off, false
}

// blockType1 reads a one-byte block type: 0x40, a value type, or a type
// index below 64. Others (longer indices, reference types) report !ok.
func blockType1(b []byte, off, end int) (uint64, int, bool) {
	if off >= end {
		return 0, off, false
	}
	x := b[off]
	switch {
	case x < 0x40:
		return uint64(x), off + 1, true
	case x < 0x80 && x != 0x63 && x != 0x64:
		return uint64(int64(x) - 0x80), off + 1, true // a negative s33
	}
	return 0, off, false
}

// readLocals reads the local declarations, checking their sum (with the
// parameters) against Bounds.Locals before anything is sized by it.
func (k *bodyChecker) readLocals(s *bodyState, params uint64) error {
	c := s.cursor
	n, err := c.count(2) // count + type
	if err != nil {
		return err
	}
	s.nlocals = params
	for j := 0; j < n; j++ {
		at := c.off
		cnt, err := c.u32()
		if err != nil {
			return err
		}
		// At most 2^32 * 2^32 before the check fires: no overflow.
		s.nlocals += uint64(cnt)
		if s.nlocals > uint64(s.lim.Locals) {
			return c.limitErr(at, s.nlocals, "locals (parameters included)", s.lim.Locals)
		}
		k.totalLocals += uint64(cnt)
		if k.totalLocals > uint64(s.lim.TotalLocals) {
			return c.limitErr(at, k.totalLocals, "locals in all functions", s.lim.TotalLocals)
		}
		if err := c.skipValType(); err != nil {
			return err
		}
	}
	return nil
}

// step accounts for one instruction.
func (k *bodyChecker) step(s *bodyState, in *Instr) error {
	switch in.Op {
	case OpBlock, OpLoop, OpIf, 0x06, 0x1f: // try, try_table
		return k.enter(s, in)
	case OpElse, 0x07, 0x19: // else, catch, catch_all
		if err := s.unit(1); err != nil {
			return err
		}
		top := &k.frames[len(k.frames)-1]
		if in.Op == OpElse {
			return s.push(top.params)
		}
		if in.Op == 0x07 {
			return s.push(k.tagParams(in.Imm))
		}
		return nil
	case OpEnd, 0x18: // end, delegate
		return k.leave(s, in.Op == 0x18)
	case OpBr:
		return s.unit(1)
	case OpBrIf, 0xd5, 0xd6: // br_if, br_on_null, br_on_non_null
		if err := s.unit(1); err != nil {
			return err
		}
		n := k.labelArity(in.Imm)
		if in.Op == 0xd5 {
			n++ // the reference goes on when the branch is not taken
		}
		return s.push(n)
	case OpBrTable:
		return s.unit(in.Imm + 1) // targets and the default
	case OpCall:
		if ft, ok := k.f.FuncType(uint32(in.Imm)); ok {
			return s.push(uint32(len(ft.Results)))
		}
	case OpCallIndirect, OpCallRef:
		if in.Imm < uint64(len(k.f.Types)) {
			return s.push(uint32(len(k.f.Types[in.Imm].Results)))
		}
	case 0x1c: // select t*
		if in.Imm != 1 {
			return s.errf(s.instrOff, nil, "select with %d types, want 1", in.Imm)
		}
	}
	return nil
}

// enter opens a block, loop, if, try or try_table.
func (k *bodyChecker) enter(s *bodyState, in *Instr) error {
	params, results, err := k.blockArity(s, in.Imm)
	if err != nil {
		return err
	}
	if depth := len(k.frames); depth > int(s.lim.Nesting) { // the function's own frame is not a block
		return s.limitErr(s.instrOff, uint64(depth), "nested blocks", s.lim.Nesting)
	}
	units := uint64(1)
	if in.Op == 0x1f {
		units += in.Imm2 // catch clauses
	}
	if err := s.unit(units); err != nil {
		return err
	}
	loop := in.Op == OpLoop
	k.frames = append(k.frames, frame{params: params, results: results, loop: loop})
	if loop && s.outer < 0 {
		s.outer, s.loopAt = len(k.frames)-1, uint32(s.units)
		s.epoch++
		k.pending = k.pending[:0]
	}
	return s.push(params) // a block's parameters are pushed again inside it
}

// leave closes the innermost frame (end, or delegate for a try).
func (k *bodyChecker) leave(s *bodyState, delegate bool) error {
	if delegate {
		if err := s.unit(1); err != nil {
			return err
		}
	}
	top := len(k.frames) - 1
	fr := k.frames[top]
	k.frames = k.frames[:top]
	s.bb++
	if top == s.outer {
		// Closing the outermost loop: a local live around it gets a block
		// parameter in every block from its last use to the back edge.
		for _, x := range k.pending {
			s.flow += uint64(uint32(s.units) - k.locals[x].lastOcc)
		}
		s.outer = -1
		if s.flow > uint64(s.lim.LocalFlow) {
			return s.limitErr(s.instrOff, s.flow, "local flow units", s.lim.LocalFlow)
		}
	}
	if top == 0 {
		return nil // the function's end: its results are returned
	}
	return s.push(fr.results)
}

// blockArity returns the parameters and results of a block type (an s33:
// a type index, or a negative value type code, or -64 for none).
func (k *bodyChecker) blockArity(s *bodyState, bt uint64) (uint32, uint32, error) {
	switch v := int64(bt); {
	case v == -64:
		return 0, 0, nil
	case v < 0:
		return 0, 1, nil
	case v >= int64(len(k.f.Types)):
		// A (ref null ht) block type with a concrete heap type also lands
		// here; wazero refuses out-of-range indices either way.
		return 0, 0, s.errf(s.instrOff, nil, "block type index %d out of range (%d types)", v, len(k.f.Types))
	default:
		t := &k.f.Types[v]
		return uint32(len(t.Params)), uint32(len(t.Results)), nil
	}
}

// labelArity is the number of values a branch to depth carries, or 0 for a
// depth out of range (refused by the runtime's validator).
func (k *bodyChecker) labelArity(depth uint64) uint32 {
	if depth >= uint64(len(k.frames)) {
		return 0
	}
	return k.frames[len(k.frames)-1-int(depth)].arity()
}

// tagParams is the number of parameters of tag index idx, or 0.
func (k *bodyChecker) tagParams(idx uint64) uint32 {
	f := k.f
	var ti uint32
	switch {
	case idx < uint64(len(f.importsByKind[KindTag])):
		ti = f.Imports[f.importsByKind[KindTag][idx]].Tag.TypeIndex
	case idx-uint64(len(f.importsByKind[KindTag])) < uint64(len(f.Tags)):
		ti = f.Tags[idx-uint64(len(f.importsByKind[KindTag]))].TypeIndex
	default:
		return 0
	}
	if ti >= uint32(len(f.Types)) {
		return 0
	}
	return uint32(len(f.Types[ti].Params))
}

// unit counts n control units (Bounds.Control) and starts a basic block.
func (s *bodyState) unit(n uint64) error {
	s.units += n
	s.bb++
	if s.units > uint64(s.lim.Control) {
		return s.limitErr(s.instrOff, s.units, "blocks and branch targets", s.lim.Control)
	}
	return nil
}

// push counts an instruction pushing n values (Bounds.StackValues).
func (s *bodyState) push(n uint32) error {
	if n <= 1 {
		return nil
	}
	s.extra += uint64(n - 1)
	if s.extra > uint64(s.lim.StackValues) {
		return s.limitErr(s.instrOff, s.extra, "values pushed beyond one per instruction", s.lim.StackValues)
	}
	return nil
}

// use returns the entry of local x for the current function. Only locals
// the function declares get one, so the slice is bounded by Bounds.Locals.
func (k *bodyChecker) use(s *bodyState, x uint64) *localUse {
	if x >= s.nlocals {
		return nil // the runtime's validator refuses it
	}
	if n := x + 1; n > uint64(len(k.locals)) {
		k.locals = append(k.locals, make([]localUse, n-uint64(len(k.locals)))...)
	}
	u := &k.locals[x]
	if u.gen != k.gen {
		*u = localUse{gen: k.gen}
	}
	return u
}

func (k *bodyChecker) set(s *bodyState, x uint64) {
	if u := k.use(s, x); u != nil {
		u.mark, u.lastOcc, u.setIn = uint32(s.units), uint32(s.units), s.bb
	}
}

// read accounts for a local.get: if the local was not set in this basic
// block, an SSA compiler looks for its value in every block back to its
// previous set or read.
func (k *bodyChecker) read(s *bodyState, x uint64) error {
	u := k.use(s, x)
	if u == nil {
		return nil
	}
	units := uint32(s.units)
	u.lastOcc = units
	if u.setIn == s.bb {
		return nil
	}
	if s.outer >= 0 && u.mark < s.loopAt && u.charged != s.epoch {
		u.charged = s.epoch
		k.pending = append(k.pending, uint32(x)) // at most once per local and loop
	}
	s.flow += uint64(units - u.mark)
	u.mark = units
	if s.flow > uint64(s.lim.LocalFlow) {
		return s.limitErr(s.instrOff, s.flow, "local flow units", s.lim.LocalFlow)
	}
	return nil
}

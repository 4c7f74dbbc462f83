package wasmfile

import "fmt"

// This file decodes function bodies into instructions, for analyses that
// look at what code does rather than at what a module declares: which
// functions call which, which ones move the stack pointer and by how much,
// who executes memory.grow. It decodes immediates only; it does not
// validate types. Core 2.0 plus tail calls, exceptions (legacy and
// try_table), typed function references, SIMD, relaxed SIMD, threads and
// memory64 are understood; GC instructions (prefix 0xfb) are not.

// Opcode identifies an instruction: its opcode byte, or for the prefixed
// families (0xfb, 0xfc, 0xfd, 0xfe) prefix<<16 | sub-opcode.
type Opcode uint32

// Opcodes that analyses of clang and wasm-ld output commonly look for. Any
// other instruction is still decoded; compare its Opcode numerically.
const (
	OpUnreachable        Opcode = 0x00
	OpBlock              Opcode = 0x02
	OpLoop               Opcode = 0x03
	OpIf                 Opcode = 0x04
	OpElse               Opcode = 0x05
	OpEnd                Opcode = 0x0b
	OpBr                 Opcode = 0x0c
	OpBrIf               Opcode = 0x0d
	OpBrTable            Opcode = 0x0e
	OpReturn             Opcode = 0x0f
	OpCall               Opcode = 0x10
	OpCallIndirect       Opcode = 0x11
	OpReturnCall         Opcode = 0x12
	OpReturnCallIndirect Opcode = 0x13
	OpCallRef            Opcode = 0x14
	OpReturnCallRef      Opcode = 0x15
	OpDrop               Opcode = 0x1a
	OpLocalGet           Opcode = 0x20
	OpLocalSet           Opcode = 0x21
	OpLocalTee           Opcode = 0x22
	OpGlobalGet          Opcode = 0x23
	OpGlobalSet          Opcode = 0x24
	OpMemorySize         Opcode = 0x3f
	OpMemoryGrow         Opcode = 0x40
	OpI32Const           Opcode = 0x41
	OpI64Const           Opcode = 0x42
	OpI32Add             Opcode = 0x6a
	OpI32Sub             Opcode = 0x6b
	OpI32And             Opcode = 0x71
	OpRefFunc            Opcode = 0xd2
	OpMemoryInit         Opcode = 0xfc<<16 | 8
	OpMemoryCopy         Opcode = 0xfc<<16 | 10
	OpMemoryFill         Opcode = 0xfc<<16 | 11
	OpTableGrow          Opcode = 0xfc<<16 | 15
)

// Instr is one decoded instruction. Imm and Imm2 hold its first two
// immediates as unsigned bits:
//   - indices (function, type, local, global, table, memory, tag, data,
//     element) and branch depths;
//   - i32.const and i64.const values, sign-extended to 64 bits (use
//     int32(Imm) or int64(Imm)); f32/f64 constants as their bit patterns;
//   - call_indirect and return_call_indirect: Imm the type, Imm2 the table;
//   - memory.size and memory.grow: Imm the memory index;
//   - loads and stores: Imm the static offset, Imm2 the memory index;
//   - br_table: Imm the number of labels, Imm2 the default depth;
//   - block, loop, if, try, try_table: Imm the block type as a signed s33;
//   - try_table: Imm2 the number of catch clauses;
//   - select with types (0x1c): Imm the number of types.
//
// Immediates that do not fit (v128 constants, shuffle lanes, select's types,
// the catch clauses of try_table) are skipped.
type Instr struct {
	Op   Opcode
	Off  int64 // file offset of the opcode's first byte
	End  int64 // file offset just past the instruction
	Imm  uint64
	Imm2 uint64
}

// Instructions decodes the body of defined function i (0 is the first
// function of the code section, not the first function index), skipping its
// local declarations. The final end is included. Errors are *FormatError
// with the offset of the undecodable byte.
func (f *File) Instructions(i int) ([]Instr, error) {
	var out []Instr
	err := f.EachInstruction(i, func(in *Instr) error {
		// Every instruction consumes at least one byte, so out is bounded
		// by the body size.
		out = append(out, *in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachInstruction is Instructions without the slice: it calls fn with
// each instruction of body i in order (the pointer is reused), and stops
// at the first error, fn's included.
func (f *File) EachInstruction(i int, fn func(*Instr) error) error {
	if i < 0 || i >= len(f.Code) {
		return fmt.Errorf("wasmfile: no function body %d (module has %d)", i, len(f.Code))
	}
	body := &f.Code[i]
	start := int(body.FileOff)
	c := &cursor{b: f.raw, off: start, end: start + len(body.body), section: "code section"}
	if len(f.raw) < c.end || start < 0 {
		// A File not built by Parse: decode the body slice on its own.
		c = &cursor{b: body.body, end: len(body.body), section: c.section}
	}
	c.setItem("code", int64(i))
	if err := c.skipLocals(); err != nil {
		return err
	}
	var in Instr
	for c.left() > 0 {
		var err error
		if in, err = c.instr(); err != nil {
			return err
		}
		in.End = int64(c.off)
		if err := fn(&in); err != nil {
			return err
		}
	}
	if in.Op != OpEnd {
		return c.errf(c.off, ErrUnexpectedEOF, "function body does not end with end")
	}
	return nil
}

func (c *cursor) skipLocals() error {
	n, err := c.count(2) // count + type
	if err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		if _, err := c.u32(); err != nil {
			return err
		}
		if err := c.skipValType(); err != nil {
			return err
		}
	}
	return nil
}

// skipValType reads a value type, including (ref null? heaptype).
func (c *cursor) skipValType() error {
	at := c.off
	b, err := c.byte()
	if err != nil {
		return err
	}
	switch {
	case b == 0x63 || b == 0x64: // (ref null ht), (ref ht)
		_, err = c.sleb(33)
		return err
	case validValType(b) || (b >= 0x69 && b <= 0x74):
		return nil
	}
	return c.errf(at, nil, "invalid value type 0x%02x", b)
}

// blockType reads a block type: 0x40, a value type, or a type index (s33).
func (c *cursor) blockType() (uint64, error) {
	if c.left() > 0 && (c.b[c.off] == 0x63 || c.b[c.off] == 0x64) {
		c.off++
		v, err := c.sleb(33)
		return uint64(v), err
	}
	v, err := c.sleb(33)
	return uint64(v), err
}

// memarg reads align (with the multi-memory flag bit 6) and offset; it
// returns offset and memory index.
func (c *cursor) memarg() (uint64, uint64, error) {
	align, err := c.u32()
	if err != nil {
		return 0, 0, err
	}
	var mem uint32
	if align&0x40 != 0 {
		if mem, err = c.u32(); err != nil {
			return 0, 0, err
		}
	}
	off, err := c.u64()
	return off, uint64(mem), err
}

// instr decodes one instruction.
func (c *cursor) instr() (Instr, error) {
	at := c.off
	b, err := c.byte()
	if err != nil {
		return Instr{}, err
	}
	in := Instr{Op: Opcode(b), Off: int64(at)}
	u := func() (uint64, error) { v, err := c.u32(); return uint64(v), err }
	switch {
	case b == 0x02 || b == 0x03 || b == 0x04 || b == 0x06: // block loop if try
		in.Imm, err = c.blockType()
	case b == 0x1f: // try_table
		if in.Imm, err = c.blockType(); err == nil {
			in.Imm2, err = c.skipCatches()
		}
	case b == 0x07 || b == 0x08 || b == 0x09 || b == 0x18 || // catch throw rethrow delegate
		b == 0x0c || b == 0x0d || b == 0x10 || b == 0x12 || b == 0x14 || b == 0x15 ||
		(b >= 0x20 && b <= 0x26) || b == 0xd2 || b == 0xd5 || b == 0xd6:
		in.Imm, err = u()
	case b == 0x0e: // br_table
		in.Imm, in.Imm2, err = c.brTable()
	case b == 0x11 || b == 0x13: // call_indirect, return_call_indirect
		if in.Imm, err = u(); err == nil {
			in.Imm2, err = u()
		}
	case b == 0x1c: // select t*
		in.Imm, err = c.skipTypes()
	case b >= 0x28 && b <= 0x3e: // loads and stores
		in.Imm, in.Imm2, err = c.memarg()
	case b == 0x3f || b == 0x40: // memory.size, memory.grow
		in.Imm, err = u()
	case b == 0x41:
		var v int64
		v, err = c.sleb(32)
		in.Imm = uint64(v)
	case b == 0x42:
		var v int64
		v, err = c.sleb(64)
		in.Imm = uint64(v)
	case b == 0x43 || b == 0x44:
		in.Imm, err = c.littleEndian(4 + 4*int(b-0x43))
	case b == 0xd0: // ref.null ht
		var v int64
		v, err = c.sleb(33)
		in.Imm = uint64(v)
	case b == 0xfc || b == 0xfd || b == 0xfe:
		return c.prefixed(at, b)
	case b <= 0x01 || b == 0x05 || b == 0x0a || b == 0x0b || b == 0x0f || b == 0x19 ||
		b == 0x1a || b == 0x1b || (b >= 0x45 && b <= 0xc4) || (b >= 0xd1 && b <= 0xd4):
		// no immediates
	default:
		return in, c.errf(at, nil, "unknown opcode 0x%02x", b)
	}
	return in, err
}

func (c *cursor) littleEndian(n int) (uint64, error) {
	bs, err := c.bytes(n)
	var v uint64
	for i := len(bs) - 1; i >= 0; i-- {
		v = v<<8 | uint64(bs[i])
	}
	return v, err
}

func (c *cursor) brTable() (uint64, uint64, error) {
	n, err := c.count(1)
	if err != nil {
		return 0, 0, err
	}
	for j := 0; j < n; j++ {
		if _, err := c.u32(); err != nil {
			return 0, 0, err
		}
	}
	def, err := c.u32()
	return uint64(n), uint64(def), err
}

// skipTypes reads select's value types and returns their number.
func (c *cursor) skipTypes() (uint64, error) {
	n, err := c.count(1)
	if err != nil {
		return 0, err
	}
	for j := 0; j < n; j++ {
		if err := c.skipValType(); err != nil {
			return 0, err
		}
	}
	return uint64(n), nil
}

// skipCatches reads try_table's catch clauses and returns their number.
func (c *cursor) skipCatches() (uint64, error) {
	n, err := c.count(2)
	if err != nil {
		return 0, err
	}
	for j := 0; j < n; j++ {
		at := c.off
		kind, err := c.byte()
		if err != nil {
			return 0, err
		}
		if kind > 3 {
			return 0, c.errf(at, nil, "invalid catch kind %d", kind)
		}
		if kind < 2 { // catch, catch_ref: tag index
			if _, err := c.u32(); err != nil {
				return 0, err
			}
		}
		if _, err := c.u32(); err != nil { // label
			return 0, err
		}
	}
	return uint64(n), nil
}

// prefixed decodes the 0xfc (misc), 0xfd (SIMD) and 0xfe (threads) families.
func (c *cursor) prefixed(at int, prefix byte) (Instr, error) {
	sub, err := c.u32()
	if err != nil {
		return Instr{}, err
	}
	if sub > 0xffff {
		return Instr{}, c.errf(at, nil, "unknown opcode 0x%02x %d", prefix, sub)
	}
	in := Instr{Op: Opcode(prefix)<<16 | Opcode(sub), Off: int64(at)}
	var n int // number of u32 immediates for the simple cases
	switch prefix {
	case 0xfc:
		switch {
		case sub <= 7: // saturating truncations
		case sub == 8 || sub == 10 || sub == 12 || sub == 14: // memory.init, memory.copy, table.init, table.copy
			n = 2
		case sub == 9 || sub == 11 || sub == 13 || (sub >= 15 && sub <= 17):
			n = 1
		default:
			return in, c.errf(at, nil, "unknown opcode 0xfc %d", sub)
		}
	case 0xfd:
		return in, c.simdImmediates(at, sub, &in)
	case 0xfe:
		switch {
		case sub == 0x03: // atomic.fence
			_, err = c.byte()
			return in, err
		case sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e):
			in.Imm, in.Imm2, err = c.memarg()
			return in, err
		default:
			return in, c.errf(at, nil, "unknown opcode 0xfe %d", sub)
		}
	}
	imms := [2]*uint64{&in.Imm, &in.Imm2}
	for j := 0; j < n; j++ {
		v, err := c.u32()
		if err != nil {
			return in, err
		}
		*imms[j] = uint64(v)
	}
	return in, nil
}

func (c *cursor) simdImmediates(at int, sub uint32, in *Instr) error {
	var err error
	switch {
	case sub <= 0x0b || sub == 0x5c || sub == 0x5d: // loads, stores, load zero
		in.Imm, in.Imm2, err = c.memarg()
	case sub == 0x0c || sub == 0x0d: // v128.const, i8x16.shuffle
		_, err = c.bytes(16)
	case sub >= 0x15 && sub <= 0x22: // extract_lane, replace_lane
		_, err = c.byte()
	case sub >= 0x54 && sub <= 0x5b: // load_lane, store_lane
		if in.Imm, in.Imm2, err = c.memarg(); err == nil {
			_, err = c.byte()
		}
	case sub <= 0x113:
		// no immediates
	default:
		return c.errf(at, nil, "unknown opcode 0xfd %d", sub)
	}
	return err
}

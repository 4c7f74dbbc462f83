package wasmfile

import (
	"errors"
	"fmt"
	"math"
)

// Opcodes that may appear in constant expressions (core 2.0 plus
// extended-const and reference types).
const (
	opEnd        = 0x0b
	opGlobalGet  = 0x23
	opI32Const   = 0x41
	opI64Const   = 0x42
	opF32Const   = 0x43
	opF64Const   = 0x44
	opI32Add     = 0x6a
	opI32Sub     = 0x6b
	opI32Mul     = 0x6c
	opI64Add     = 0x7c
	opI64Sub     = 0x7d
	opI64Mul     = 0x7e
	opRefNull    = 0xd0
	opRefFunc    = 0xd2
	opSIMDPrefix = 0xfd
)

// ConstOp is one instruction of a constant expression.
type ConstOp struct {
	Opcode byte   // opI32Const etc.; 0xfd for v128.const
	Imm    uint64 // constant bits, global or function index, or heap type
}

// ConstExpr is a decoded constant expression (without its final end).
type ConstExpr struct {
	Ops []ConstOp
}

// I32 returns the value if e is exactly "i32.const v".
func (e ConstExpr) I32() (int32, bool) {
	if len(e.Ops) == 1 && e.Ops[0].Opcode == opI32Const {
		return int32(e.Ops[0].Imm), true
	}
	return 0, false
}

// GlobalGet returns the index if e is exactly "global.get g".
func (e ConstExpr) GlobalGet() (uint32, bool) {
	if len(e.Ops) == 1 && e.Ops[0].Opcode == opGlobalGet {
		return uint32(e.Ops[0].Imm), true
	}
	return 0, false
}

// RefFunc returns the function index if e is exactly "ref.func f".
func (e ConstExpr) RefFunc() (uint32, bool) {
	if len(e.Ops) == 1 && e.Ops[0].Opcode == opRefFunc {
		return uint32(e.Ops[0].Imm), true
	}
	return 0, false
}

// ErrNotConstant is returned by [ConstExpr.Eval] when a global's value is unknown.
var ErrNotConstant = errors.New("value depends on an unknown global")

// Eval evaluates e as an integer. global returns the value of global index g,
// or false when it is not known (an import, say); then Eval fails with
// ErrNotConstant. Floats are returned as their bit patterns.
func (e ConstExpr) Eval(global func(g uint32) (uint64, bool)) (uint64, error) {
	var stack []uint64
	pop2 := func() (uint64, uint64, error) {
		if len(stack) < 2 {
			return 0, 0, errors.New("constant expression: stack underflow")
		}
		a, b := stack[len(stack)-2], stack[len(stack)-1]
		stack = stack[:len(stack)-2]
		return a, b, nil
	}
	for _, op := range e.Ops {
		switch op.Opcode {
		case opI32Const, opI64Const, opF32Const, opF64Const, opRefFunc, opRefNull:
			stack = append(stack, op.Imm)
		case opGlobalGet:
			if global == nil {
				return 0, ErrNotConstant
			}
			v, ok := global(uint32(op.Imm))
			if !ok {
				return 0, ErrNotConstant
			}
			stack = append(stack, v)
		case opI32Add, opI32Sub, opI32Mul, opI64Add, opI64Sub, opI64Mul:
			a, b, err := pop2()
			if err != nil {
				return 0, err
			}
			var r uint64
			switch op.Opcode {
			case opI32Add:
				r = uint64(uint32(a) + uint32(b))
			case opI32Sub:
				r = uint64(uint32(a) - uint32(b))
			case opI32Mul:
				r = uint64(uint32(a) * uint32(b))
			case opI64Add:
				r = a + b
			case opI64Sub:
				r = a - b
			case opI64Mul:
				r = a * b
			}
			stack = append(stack, r)
		default:
			return 0, fmt.Errorf("constant expression: cannot evaluate opcode 0x%02x", op.Opcode)
		}
	}
	if len(stack) != 1 {
		return 0, errors.New("constant expression: does not leave exactly one value")
	}
	return stack[0], nil
}

// String formats e in the text format, e.g. "(global.get 1) (i32.const 16) (i32.add)".
func (e ConstExpr) String() string {
	s := ""
	for i, op := range e.Ops {
		if i > 0 {
			s += " "
		}
		switch op.Opcode {
		case opI32Const:
			s += fmt.Sprintf("i32.const %d", int32(op.Imm))
		case opI64Const:
			s += fmt.Sprintf("i64.const %d", int64(op.Imm))
		case opF32Const:
			s += fmt.Sprintf("f32.const %g", math.Float32frombits(uint32(op.Imm)))
		case opF64Const:
			s += fmt.Sprintf("f64.const %g", math.Float64frombits(op.Imm))
		case opGlobalGet:
			s += fmt.Sprintf("global.get %d", op.Imm)
		case opRefFunc:
			s += fmt.Sprintf("ref.func %d", op.Imm)
		case opRefNull:
			s += "ref.null " + ValType(op.Imm).String()
		case opI32Add:
			s += "i32.add"
		case opI32Sub:
			s += "i32.sub"
		case opI32Mul:
			s += "i32.mul"
		case opI64Add:
			s += "i64.add"
		case opI64Sub:
			s += "i64.sub"
		case opI64Mul:
			s += "i64.mul"
		case opSIMDPrefix:
			s += "v128.const"
		default:
			s += fmt.Sprintf("op(0x%02x)", op.Opcode)
		}
	}
	return s
}

// constExpr reads a constant expression up to and including its end opcode.
func (c *cursor) constExpr() (ConstExpr, error) {
	var e ConstExpr
	for {
		at := c.off
		op, err := c.byte()
		if err != nil {
			return e, err
		}
		var imm uint64
		switch op {
		case opEnd:
			return e, nil
		case opI32Const:
			v, err := c.sleb(32)
			if err != nil {
				return e, err
			}
			imm = uint64(uint32(int32(v)))
		case opI64Const:
			v, err := c.sleb(64)
			if err != nil {
				return e, err
			}
			imm = uint64(v)
		case opF32Const:
			b, err := c.bytes(4)
			if err != nil {
				return e, err
			}
			imm = uint64(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
		case opF64Const:
			b, err := c.bytes(8)
			if err != nil {
				return e, err
			}
			for i := 7; i >= 0; i-- {
				imm = imm<<8 | uint64(b[i])
			}
		case opGlobalGet, opRefFunc:
			v, err := c.u32()
			if err != nil {
				return e, err
			}
			imm = uint64(v)
		case opRefNull:
			t, err := c.byte()
			if err != nil {
				return e, err
			}
			imm = uint64(t)
		case opI32Add, opI32Sub, opI32Mul, opI64Add, opI64Sub, opI64Mul:
		case opSIMDPrefix:
			sub, err := c.u32()
			if err != nil {
				return e, err
			}
			if sub != 12 { // v128.const
				return e, c.errf(at, nil, "opcode 0xfd %d not allowed in a constant expression", sub)
			}
			if _, err := c.bytes(16); err != nil {
				return e, err
			}
		default:
			return e, c.errf(at, nil, "opcode 0x%02x not allowed in a constant expression", op)
		}
		// Expressions are tiny in practice; a long one is bounded by the
		// section size because every op consumes at least one byte.
		e.Ops = append(e.Ops, ConstOp{Opcode: op, Imm: imm})
	}
}

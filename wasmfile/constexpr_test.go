package wasmfile

import (
	"errors"
	"testing"
)

func TestConstExpr(t *testing.T) {
	globals := func(g uint32) (uint64, bool) {
		if g == 0 {
			return 1024, true
		}
		return 0, false
	}
	tests := []struct {
		name    string
		in      []byte
		str     string
		want    uint64
		wantErr string
	}{
		{"i32.const", raw(opI32Const, 0x7f, opEnd), "i32.const -1", 0xffffffff, ""},
		{"i64.const", raw(opI64Const, 0x7f, opEnd), "i64.const -1", ^uint64(0), ""},
		{"f32.const", raw(opF32Const, 0, 0, 0x80, 0x3f, opEnd), "f32.const 1", 0x3f800000, ""},
		{"f64.const", raw(opF64Const, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, opEnd), "f64.const 1", 0x3ff0000000000000, ""},
		{"extended const", raw(opGlobalGet, 0, opI32Const, 16, opI32Add, opI32Const, 2, opI32Mul, opI32Const, 8, opI32Sub, opEnd),
			"global.get 0 i32.const 16 i32.add i32.const 2 i32.mul i32.const 8 i32.sub", 2072, ""},
		{"i64 arithmetic", raw(opI64Const, 3, opI64Const, 4, opI64Mul, opI64Const, 2, opI64Add, opI64Const, 1, opI64Sub, opEnd),
			"i64.const 3 i64.const 4 i64.mul i64.const 2 i64.add i64.const 1 i64.sub", 13, ""},
		{"i32 wraps", raw(opI32Const, 0x7f, opI32Const, 1, opI32Add, opEnd), "i32.const -1 i32.const 1 i32.add", 0, ""},
		{"ref.func", raw(opRefFunc, 5, opEnd), "ref.func 5", 5, ""},
		{"ref.null", raw(opRefNull, byte(ExternRef), opEnd), "ref.null externref", uint64(ExternRef), ""},
		{"unknown global", raw(opGlobalGet, 1, opEnd), "global.get 1", 0, ErrNotConstant.Error()},
		{"stack underflow", raw(opI32Const, 1, opI32Add, opEnd), "i32.const 1 i32.add", 0, "constant expression: stack underflow"},
		{"two values", raw(opI32Const, 1, opI32Const, 2, opEnd), "i32.const 1 i32.const 2", 0, "constant expression: does not leave exactly one value"},
		{"v128.const", cat(raw(opSIMDPrefix, 12), make([]byte, 16), raw(opEnd)), "v128.const", 0, "constant expression: cannot evaluate opcode 0xfd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cursor{b: tt.in, end: len(tt.in)}
			e, err := c.constExpr()
			if err != nil {
				t.Fatal(err)
			}
			if c.left() != 0 {
				t.Errorf("%d bytes left after end", c.left())
			}
			if e.String() != tt.str {
				t.Errorf("String() = %q, want %q", e.String(), tt.str)
			}
			v, err := e.Eval(globals)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("Eval error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || v != tt.want {
				t.Errorf("Eval = %d, %v; want %d", v, err, tt.want)
			}
		})
	}
	if _, err := (ConstExpr{Ops: []ConstOp{{Opcode: opGlobalGet}}}).Eval(nil); !errors.Is(err, ErrNotConstant) {
		t.Errorf("Eval(nil) of global.get: %v", err)
	}
	e := ConstExpr{Ops: []ConstOp{{Opcode: opI32Const, Imm: 0xfffffff0}}}
	if v, ok := e.I32(); !ok || v != -16 {
		t.Errorf("I32() = %d, %v", v, ok)
	}
	if _, ok := e.GlobalGet(); ok {
		t.Error("GlobalGet() of i32.const")
	}
	if _, ok := e.RefFunc(); ok {
		t.Error("RefFunc() of i32.const")
	}
	bad := []struct {
		in      []byte
		wantErr string
	}{
		{raw(0xfd, 13), "offset 0x0: opcode 0xfd 13 not allowed in a constant expression"},
		{raw(0x10, 0), "offset 0x0: opcode 0x10 not allowed in a constant expression"},
		{raw(opF64Const, 1, 2), "offset 0x1: 8 bytes wanted, 2 left: unexpected end of data"},
	}
	for _, b := range bad {
		c := &cursor{b: b.in, end: len(b.in)}
		if _, err := c.constExpr(); err == nil || err.Error() != b.wantErr {
			t.Errorf("constExpr(% x) = %v, want %s", b.in, err, b.wantErr)
		}
	}
}

func TestTypeStrings(t *testing.T) {
	ft := FuncType{Params: []ValType{I32, F64}, Results: []ValType{I64, V128}}
	if got := ft.String(); got != "(i32, f64) -> (i64, v128)" {
		t.Errorf("FuncType.String() = %q", got)
	}
	if !ft.Equal(FuncType{Params: []ValType{I32, F64}, Results: []ValType{I64, V128}}) || ft.Equal(FuncType{Params: []ValType{I32}}) {
		t.Error("FuncType.Equal")
	}
	for v, want := range map[ValType]string{F32: "f32", FuncRef: "funcref", ExnRef: "exnref", 0x01: "valtype(0x01)"} {
		if v.String() != want {
			t.Errorf("ValType(0x%02x) = %q, want %q", byte(v), v.String(), want)
		}
	}
	for k, want := range map[ExternKind]string{KindFunc: "func", KindTag: "tag", 7: "kind(7)"} {
		if k.String() != want {
			t.Errorf("ExternKind(%d) = %q, want %q", k, k.String(), want)
		}
	}
	for m, want := range map[SegmentMode]string{ModeActive: "active", ModeDeclarative: "declarative", 5: "mode(5)"} {
		if m.String() != want {
			t.Errorf("SegmentMode(%d) = %q, want %q", m, m.String(), want)
		}
	}
	if s := (GlobalType{Type: I32, Mutable: true}).String(); s != "mut i32" {
		t.Errorf("GlobalType = %q", s)
	}
	if s := SectionName(99); s != "unknown(99)" {
		t.Errorf("SectionName(99) = %q", s)
	}
	fe := &FormatError{Off: 0x1f3, Section: "import section", Item: `import[3] "env"."f"`, Msg: "unexpected end of data", Err: ErrUnexpectedEOF}
	if fe.Error() != `offset 0x1f3: import section: import[3] "env"."f": unexpected end of data` || !errors.Is(fe, ErrUnexpectedEOF) {
		t.Errorf("FormatError = %q", fe.Error())
	}
}

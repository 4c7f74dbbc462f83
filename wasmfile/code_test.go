package wasmfile

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// codeModule is wat2wasm --enable-all of this function (plus an import
// env.f, a shared memory, a table and a global):
//
//	(func $main (param $x i32) (result i32) (local $l i64) (local f32 f32)
//	  (global.set $g (i32.sub (global.get $g) (i32.const -16)))
//	  (block $b (result i32) (loop $lp (br_if $lp (i32.eqz (local.get $x)))
//	    (br_table $lp $lp (local.get $x))) (i32.const 1))
//	  drop
//	  (if (result i32) (local.get $x) (then (i32.const 2)) (else (i32.const 3)))
//	  (call_indirect (type $t) (i32.const 0))
//	  (drop (call $f (i32.load offset=12 (i32.const 4))))
//	  (i64.store offset=8 (i32.const 0) (i64.const -5))
//	  (drop (f32.const 1.5)) (drop (f64.const 2.25))
//	  (drop (memory.grow (i32.const 1)))
//	  (memory.copy (i32.const 0) (i32.const 1) (i32.const 2))
//	  (memory.fill (i32.const 0) (i32.const 1) (i32.const 2))
//	  (drop (i32x4.extract_lane 2 (v128.const i32x4 1 2 3 4)))
//	  (drop (i32.atomic.rmw.add offset=4 (i32.const 0) (i32.const 1)))
//	  (atomic.fence)
//	  (return_call $f (i32.const 9)))
const codeModule = "0061736d0100000001060160017f017f02090103656e7601660000030201000404017000020504010301020606017f0141000b" +
	"0a9001018d0102017e027d230041706b2400027f03402000450d0020000e0100000b41010b1a2000047f41020541030b4100110000" +
	"410428020c10001a4100427b370308430000c03f1a4400000000000002401a410140001a410041014102fc0a0000410041014102fc" +
	"0b00fd0c01000000020000000300000004000000fd1b021a41004101fe1e02041afe0300410912000b"

func codeFile(t *testing.T, patch func([]byte)) *File {
	t.Helper()
	b, err := hex.DecodeString(codeModule)
	if err != nil {
		t.Fatal(err)
	}
	if patch != nil {
		patch(b)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestInstructions(t *testing.T) {
	f := codeFile(t, nil)
	ins, err := f.Instructions(0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, fmt.Sprintf("%x:%x/%d/%d", in.Off, uint32(in.Op), int64(in.Imm), int64(in.Imm2)))
	}
	want := []string{
		"3e:23/0/0", "40:41/-16/0", "42:6b/0/0", "43:24/0/0", // global.get, i32.const -16, i32.sub, global.set
		"45:2/-1/0", "47:3/-64/0", // block i32 (0x7f as s33), loop (0x40)
		"49:20/0/0", "4b:45/0/0", "4c:d/0/0", "4e:20/0/0", "50:e/1/0", "54:b/0/0", // br_table: 1 label, default 0
		"55:41/1/0", "57:b/0/0", "58:1a/0/0",
		"59:20/0/0", "5b:4/-1/0", "5d:41/2/0", "5f:5/0/0", "60:41/3/0", "62:b/0/0",
		"63:41/0/0", "65:11/0/0", // call_indirect type 0 table 0
		"68:41/4/0", "6a:28/12/0", "6d:10/0/0", "6f:1a/0/0", // i32.load offset 12, call 0
		"70:41/0/0", "72:42/-5/0", "74:37/8/0",
		"77:43/1069547520/0", "7c:1a/0/0", "7d:44/4612248968380809216/0", "86:1a/0/0", // f32 1.5, f64 2.25 bits
		"87:41/1/0", "89:40/0/0", "8b:1a/0/0", // memory.grow 0
		"8c:41/0/0", "8e:41/1/0", "90:41/2/0", "92:fc000a/0/0",
		"96:41/0/0", "98:41/1/0", "9a:41/2/0", "9c:fc000b/0/0",
		"9f:fd000c/0/0", "b1:fd001b/0/0", "b4:1a/0/0",
		"b5:41/0/0", "b7:41/1/0", "b9:fe001e/4/0", "bd:1a/0/0", "be:fe0003/0/0",
		"c1:41/9/0", "c3:12/0/0", "c5:b/0/0",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("instructions:\n got %v\nwant %v", got, want)
	}
	if ins[0].Op != OpGlobalGet || ins[2].Op != OpI32Sub || ins[35].Op != OpMemoryGrow || ins[40].Op != OpMemoryCopy {
		t.Errorf("named opcodes do not match: %v %v %v %v", ins[0].Op, ins[2].Op, ins[35].Op, ins[40].Op)
	}
}

// TestInstructionsErrors: Parse decodes every body, so a body that does
// not decode makes the module unreadable, with the offset of the bad byte
// and the function index.
func TestInstructionsErrors(t *testing.T) {
	tests := []struct {
		name  string
		patch func([]byte)
		want  string
	}{
		{"unknown opcode", func(b []byte) { b[0x58] = 0x27 },
			`offset 0x58: code section: func[1]: unknown opcode 0x27`},
		{"GC prefix", func(b []byte) { b[0x58] = 0xfb },
			`offset 0x58: code section: func[1]: unknown opcode 0xfb`},
		{"unknown misc opcode", func(b []byte) { b[0x93] = 0x7f },
			`offset 0x92: code section: func[1]: unknown opcode 0xfc 127`},
		{"no final end", func(b []byte) { b[0xc5] = 0x1a },
			`offset 0xc6: code section: func[1]: function body does not end with end: unexpected end of data`},
		{"immediate runs past the body", func(b []byte) { b[0xc4] = 0x80; b[0xc5] = 0x80 },
			`offset 0xc4: code section: func[1]: in LEB128 number: unexpected end of data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(codeModule)
			if err != nil {
				t.Fatal(err)
			}
			tt.patch(b)
			_, err = Parse(b)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *FormatError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
	if _, err := codeFile(t, nil).Instructions(1); err == nil {
		t.Error("Instructions(1) of a module with one body: no error")
	}
	// A File not built by Parse is decoded body by body.
	f := &File{Code: []FuncBody{{body: []byte{0x00, 0x27, 0x0b}}}}
	if _, err := f.Instructions(0); err == nil || err.Error() != "offset 0x1: code section: code[0]: unknown opcode 0x27" {
		t.Errorf("Instructions of an undecodable body: %v", err)
	}
}

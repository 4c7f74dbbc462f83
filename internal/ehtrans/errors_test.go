package ehtrans

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// legacyModule builds a module with a tag (i32), an imported function
// and one defined function () -> () whose code is code followed by end.
// It returns the module and the file offset of the code.
func legacyModule(t *testing.T, code []byte) ([]byte, int64) {
	t.Helper()
	build := func(code []byte) []byte {
		m := &wasmgen.Module{}
		m.ImportFunc("env", "f", wasmfile.FuncType{})
		m.Tag(wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
		m.Func(wasmfile.FuncType{}, code)
		return m.Bytes()
	}
	// The offset comes from the same module with nops in place of the
	// code, which the reader accepts (it refuses some of the bodies here).
	f, err := wasmfile.Parse(build(make([]byte, len(code))))
	if err != nil {
		t.Fatal(err)
	}
	return build(code), f.Code[0].FileOff + 1 // after the empty local declarations
}

// TestTranslateErrors checks the errors for malformed legacy code: each
// names the function (index 1, after the import) and the offset of the
// instruction at fault.
func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		at   int // offset of the bad instruction in code; -1: the body's end
		msg  string
	}{
		{"catch outside a try", []byte{0x02, 0x40, 0x07, 0x00, 0x0b, 0x06, 0x40, 0x0b}, 2, "catch outside a try"},
		{"catch after catch_all", []byte{0x06, 0x40, 0x19, 0x07, 0x00, 0x0b}, 3, "catch after catch_all"},
		{"catch of a missing tag", []byte{0x06, 0x40, 0x07, 0x01, 0x0b}, 2, "catch of tag 1 out of range (1 tags)"},
		{"delegate out of range", []byte{0x06, 0x40, 0x18, 0x01}, 2, "delegate depth 1 out of range"},
		{"delegate after catch", []byte{0x06, 0x40, 0x19, 0x18, 0x00}, 3, "delegate outside a try body"},
		{"delegate past a try_table", []byte{0x1f, 0x40, 0x00, 0x06, 0x40, 0x18, 0x01, 0x0b}, 5, "delegate past a try_table is not supported"},
		{"rethrow in a try body", []byte{0x06, 0x40, 0x09, 0x00, 0x0b}, 2, "rethrow 0 does not name an enclosing catch or catch_all"},
		{"rethrow naming a block", []byte{0x06, 0x40, 0x19, 0x02, 0x40, 0x09, 0x00, 0x0b, 0x0b}, 5, "rethrow 0 does not name an enclosing catch or catch_all"},
		{"branch out of range", []byte{0x06, 0x40, 0x0c, 0x02, 0x0b}, 2, "branch depth 2 out of range"},
		{"br_table out of range", []byte{0x06, 0x40, 0x41, 0x00, 0x0e, 0x01, 0x00, 0x07, 0x0b}, 4, "branch depth 7 out of range"},
		{"else outside an if", []byte{0x06, 0x40, 0x05, 0x0b}, 2, "else outside an if"},
		{"throw of a missing tag", []byte{0x06, 0x40, 0x08, 0x03, 0x19, 0x0b}, 2, "throw of tag 3 out of range (1 tags)"},
		// The reader refuses these before the translator sees them.
		{"try with a missing block type", []byte{0x06, 0x05, 0x19, 0x0b}, 0, "block type index 5 out of range (2 types)"},
		{"body ends inside a block", []byte{0x06, 0x40}, 3, "function body does not end with end: unexpected end of data"},
		{"instructions after the end", []byte{0x06, 0x40, 0x0b, 0x0b, 0x01}, 4, "instructions after the function's final end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			module, code := legacyModule(t, tt.code)
			at := code + int64(tt.at)
			if tt.at < 0 {
				at = code + int64(len(tt.code)) + 1 // past Func's end
			}
			_, err := Translate(module)
			want := fmt.Sprintf("offset 0x%x: code section: func[1]: %s", at, tt.msg)
			if err == nil || err.Error() != want {
				t.Fatalf("got %v\nwant %s", err, want)
			}
			var fe *wasmfile.FormatError
			if !errors.As(err, &fe) || fe.Off != at {
				t.Errorf("not a *wasmfile.FormatError at 0x%x: %#v", at, err)
			}
		})
	}
}

// TestTranslateMalformed checks that a module the reader refuses gives
// the reader's error.
func TestTranslateMalformed(t *testing.T) {
	module, _ := legacyModule(t, []byte{0x06, 0x40, 0x0b})
	module = module[:len(module)-2] // cut into the code section
	_, err := Translate(module)
	var fe *wasmfile.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("got %v, want a *wasmfile.FormatError", err)
	}
}

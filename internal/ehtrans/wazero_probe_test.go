package ehtrans

import (
	"context"
	"runtime"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// TestWazeroTryTableBugs pins the two behaviours of wazero v1.12's
// compiler that make the rewrite wrap every throwing instruction in its
// own try_table (see emit.go) instead of translating each try to one
// try_table. The interpreter gets both right. When this test fails after
// a wazero upgrade, the compiler has been fixed (issue 2503 for the first)
// and the simpler translation would do.
func TestWazeroTryTableBugs(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("wazero has no compiler for", runtime.GOARCH)
	}
	ctx := context.Background()
	tests := []struct {
		name           string
		locals         byte // i32 locals
		code           []byte
		want, compiler int32
	}{
		{
			// local = 5 inside the try_table body, then throw: the
			// handler must see 5.
			name:   "handler sees the locals of the try_table's entry",
			locals: 1,
			code: []byte{
				0x02, 0x40, // block
				0x1f, 0x40, 0x01, 0x02, 0x00, // try_table (catch_all 0)
				0x41, 0x05, 0x21, 0x00, // local 0 = 5
				0x08, 0x00, // throw 0
				0x0b, 0x0b,
				0x20, 0x00, // local 0
			},
			want: 5, compiler: 0,
		},
		{
			// B's catch clause branches past A; a throw after that
			// must not be caught by A (1) but by the outermost (2).
			name: "catch clause past an enclosing try_table leaves it active",
			code: []byte{
				0x02, 0x7f, // block $o (result i32)
				0x02, 0x40, // block $oh
				0x1f, 0x40, 0x01, 0x02, 0x00, // try_table O (catch_all $oh)
				0x02, 0x69, // block $land (result exnref)
				0x02, 0x40, // block $ah
				0x1f, 0x40, 0x01, 0x02, 0x00, // try_table A (catch_all $ah)
				0x1f, 0x40, 0x01, 0x03, 0x02, // try_table B (catch_all_ref $land)
				0x08, 0x00, // throw 0
				0x0b, 0x0b, // end B, end A
				0x00,                   // unreachable
				0x0b,                   // end $ah: A caught
				0x41, 0x01, 0x0c, 0x03, // br $o 1
				0x0b,       // end $land
				0x1a,       // drop
				0x08, 0x00, // throw 0
				0x0b,       // end O
				0x00,       // unreachable
				0x0b,       // end $oh: O caught
				0x41, 0x02, // 2
				0x0b, // end $o
			},
			want: 2, compiler: 1,
		},
	}
	for _, tc := range tests {
		m := &wasmgen.Module{}
		m.Tag(wasmfile.FuncType{})
		body := append([]byte{0}, tc.code...)
		if tc.locals > 0 {
			body = append([]byte{1, tc.locals, byte(wasmfile.I32)}, tc.code...)
		}
		body = append(body, 0x0b)
		f := m.RawFunc(wasmfile.FuncType{Results: []wasmfile.ValType{wasmfile.I32}}, body)
		m.Export("f", wasmfile.KindFunc, f)
		for _, engine := range []struct {
			name string
			cfg  wazero.RuntimeConfig
			want int32
		}{
			{"compiler", wazero.NewRuntimeConfigCompiler(), tc.compiler},
			{"interpreter", wazero.NewRuntimeConfigInterpreter(), tc.want},
		} {
			r := wazero.NewRuntimeWithConfig(ctx, engine.cfg.WithCoreFeatures(features))
			mod, err := r.Instantiate(ctx, m.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			res, err := mod.ExportedFunction("f").Call(ctx)
			if err != nil {
				t.Errorf("%s, %s: %v", tc.name, engine.name, err)
			} else if got := api.DecodeI32(res[0]); got != engine.want {
				t.Errorf("%s, %s: got %d, want %d", tc.name, engine.name, got, engine.want)
			}
			r.Close(ctx)
		}
	}
}

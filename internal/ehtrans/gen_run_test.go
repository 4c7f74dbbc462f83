package ehtrans

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// genInputs are the arguments each generated program is run with.
var genInputs = []int32{0, 1, 2, 3, 5, 6, 7, -1, 12, 0x55}

// checkGenerated translates the program generated from b, runs it on
// wazero and compares each input's outcome with the interpreter's.
func checkGenerated(t testing.TB, ctx context.Context, r wazero.Runtime, b []byte) {
	p := generate(b)
	in := p.encode()
	out, err := Translate(in)
	if err != nil {
		t.Fatalf("translate: %v\nprogram: %x", err, b)
	}
	compiled, err := r.CompileModule(ctx, out)
	if err != nil {
		t.Fatalf("compile: %v\nprogram: %x", err, b)
	}
	defer compiled.Close(ctx)
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	run, wrap := mod.ExportedFunction("run"), mod.ExportedFunction("wrapped")
	for _, x := range genInputs {
		want, exn, ok := p.run(x)
		if !ok {
			continue
		}
		res, err := wrap.Call(ctx, api.EncodeI32(x))
		if err != nil || api.DecodeI32(res[0]) != wrapped(want, exn) {
			t.Fatalf("wrapped(%d) = %v, %v; want %d\nprogram: %x", x, res, err, wrapped(want, exn), b)
		}
		res, err = run.Call(ctx, api.EncodeI32(x))
		switch {
		case exn != nil && (err == nil || !strings.Contains(err.Error(), "uncaught exception")):
			t.Fatalf("run(%d) = %v, %v; want uncaught exception (tag %d)\nprogram: %x", x, res, err, exn.tag, b)
		case exn == nil && err != nil:
			t.Fatalf("run(%d): %v; want %d\nprogram: %x", x, err, want, b)
		case exn == nil && api.DecodeI32(res[0]) != want:
			t.Fatalf("run(%d) = %d, want %d\nprogram: %x", x, api.DecodeI32(res[0]), want, b)
		}
	}
}

// TestGenerated runs a fixed series of generated programs.
func TestGenerated(t *testing.T) {
	ctx := context.Background()
	for _, engine := range []struct {
		name string
		cfg  wazero.RuntimeConfig
	}{
		{"default", wazero.NewRuntimeConfig()},
		{"interpreter", wazero.NewRuntimeConfigInterpreter()},
	} {
		t.Run(engine.name, func(t *testing.T) {
			r := wazero.NewRuntimeWithConfig(ctx, engine.cfg.WithCoreFeatures(features))
			defer r.Close(ctx)
			rng := rand.New(rand.NewSource(1))
			n := 300
			if testing.Short() {
				n = 50
			}
			for i := 0; i < n; i++ {
				b := make([]byte, 64+rng.Intn(400))
				rng.Read(b)
				t.Run(fmt.Sprint(i), func(t *testing.T) { checkGenerated(t, ctx, r, b) })
			}
		})
	}
}

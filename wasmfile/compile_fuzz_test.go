package wasmfile

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// compileTimeout bounds one CompileModule in FuzzCompile. Small inputs
// compile in milliseconds; one that takes longer asks the compiler for
// work out of proportion to its size.
const compileTimeout = 10 * time.Second

// FuzzCompile runs every input through Parse and, when Parse accepts it,
// through wazero's CompileModule with the features wasmdl enables
// (wasmdl.RuntimeConfig): whatever the reader lets through must not make
// the runtime exhaust memory, panic or hang. Seeded with the fixtures, the
// instruction-decoder test module and the hostile modules of
// hostile_test.go, which Parse must refuse. Failures found by fuzzing are
// kept under testdata/fuzz/FuzzCompile.
//
// Run it with an address-space limit, so that a regression shows as a
// failed allocation rather than as the host's OOM killer:
//
//	(ulimit -v 8000000; go test ./wasmfile -run '^$' -fuzz FuzzCompile -fuzztime 10m)
func FuzzCompile(f *testing.F) {
	for _, p := range fixtures(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 64<<10 { // the larger ones add compile time, not coverage
			f.Add(b)
		}
	}
	f.Add(mustHex(f, codeModule))
	for _, b := range hostileModules() {
		f.Add(b)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|
		experimental.CoreFeaturesThreads|experimental.CoreFeaturesExtendedConst|
		experimental.CoreFeaturesTailCall|experimental.CoreFeaturesExceptionHandling))
	f.Cleanup(func() { rt.Close(ctx) })
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Parse(b); err != nil {
			checkFormatError(t, err, len(b))
			return
		}
		compileBounded(t, rt, b)
	})
}

// compileBounded compiles b, which Parse accepted, and fails the test if
// wazero panics or takes more than compileTimeout. wazero may refuse the
// module: it validates, the reader does not.
func compileBounded(t *testing.T, rt wazero.Runtime, b []byte) {
	t.Helper()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic: %v", r)
			}
		}()
		cm, err := rt.CompileModule(ctx, b)
		if err == nil {
			cm.Close(ctx)
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("CompileModule of a module Parse accepted: %v", err)
		}
	case <-time.After(compileTimeout):
		t.Fatalf("CompileModule of a %d-byte module Parse accepted took more than %v", len(b), compileTimeout)
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bodyTemplate returns a module around one function body: types with
// several parameters and results, a memory, a table, a mutable global, a
// tag, and three functions (the fuzzed one, of type typ%4, and two of the
// other types to call), so that most inputs reach wazero's validator and
// compiler instead of failing on the module's structure.
func bodyTemplate(typ byte, body []byte) []byte {
	types := [][]byte{
		raw(0x60, 0, 0),
		raw(0x60, 2, 0x7f, 0x7f, 1, 0x7f),
		raw(0x60, 0, 3, 0x7f, 0x7e, 0x7f),
		raw(0x60, 1, 0x7e, 0),
	}
	callee := raw(0, 0x0b) // () -> ()
	callee3 := raw(0, 0x41, 1, 0x42, 2, 0x41, 3, 0x0b)
	return module(
		section(SectionType, leb(uint32(len(types))), cat(types...)),
		section(SectionFunction, leb(3), raw(typ%4, 0, 2)),
		section(SectionTable, leb(1), raw(0x70, 0, 10)),
		section(SectionMemory, leb(1), raw(0, 1)),
		section(SectionTag, leb(1), raw(0, 3)),
		section(SectionGlobal, leb(1), raw(0x7f, 1, 0x41, 0, 0x0b)),
		section(SectionElement, leb(1), raw(0, 0x41, 0, 0x0b, 2, 1, 2)),
		section(SectionCode, leb(3),
			leb(uint32(len(body))), body,
			leb(uint32(len(callee))), callee,
			leb(uint32(len(callee3))), callee3),
	)
}

// FuzzCompileBody is FuzzCompile for function bodies: the input is one
// body (local declarations, then instructions), put in bodyTemplate.
// Seeded with every function body of the fixtures and the bodies of the
// hostile modules.
func FuzzCompileBody(f *testing.F) {
	for _, p := range fixtures(f) {
		m, err := Open(p)
		if err != nil {
			continue
		}
		for i := range m.Code {
			if b := m.Code[i].Bytes(); len(b) <= 4096 {
				ti := m.Funcs[i]
				f.Add(byte(len(m.Types[ti].Params)), b)
			}
		}
	}
	for _, in := range hostileModules() {
		if m, err := (Options{Bounds: Bounds{Locals: math.MaxUint32, TotalLocals: math.MaxUint32,
			Nesting: math.MaxUint32, Control: math.MaxUint32, LocalFlow: math.MaxUint32,
			StackValues: math.MaxUint32}}).Parse(in); err == nil && len(m.Code) > 0 {
			f.Add(byte(0), m.Code[0].Bytes())
		}
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|
		experimental.CoreFeaturesThreads|experimental.CoreFeaturesExtendedConst|
		experimental.CoreFeaturesTailCall|experimental.CoreFeaturesExceptionHandling))
	f.Cleanup(func() { rt.Close(ctx) })
	f.Fuzz(func(t *testing.T, typ byte, body []byte) {
		b := bodyTemplate(typ, body)
		if _, err := Parse(b); err != nil {
			checkFormatError(t, err, len(b))
			return
		}
		compileBounded(t, rt, b)
	})
}

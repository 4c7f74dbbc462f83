package wasmfile

import (
	"context"
	"encoding/hex"
	"fmt"
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
			done <- nil // wazero may refuse what the reader accepts: it validates, the reader does not
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("CompileModule of a module Parse accepted: %v", err)
			}
		case <-time.After(compileTimeout):
			t.Fatalf("CompileModule of a %d-byte module Parse accepted took more than %v", len(b), compileTimeout)
		}
	})
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

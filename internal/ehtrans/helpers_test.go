package ehtrans

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// features are the ones wasmdl runs modules with.
const features = api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling | experimental.CoreFeaturesTailCall

// compileCache is shared by the tests: many of them instantiate the same
// module in fresh runtimes.
var compileCache = wazero.NewCompilationCache()

func newRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCoreFeatures(features).WithCompilationCache(compileCache))
}

// expected maps a fixture (relative to testdata) to its exported
// functions and, for each, the (input, outcome) pairs Node gave.
type expected map[string]map[string][][2]any

func loadExpected(t testing.TB) expected {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// instantiate runs a translated module in r. Shared libraries (*.so) get
// the environment of testdata/sjlj/env.wat and have their relocations and
// constructors run, as Node's expect.mjs does.
func instantiate(t testing.TB, ctx context.Context, r wazero.Runtime, name string, module []byte) api.Module {
	t.Helper()
	if strings.HasSuffix(name, ".so") {
		env := readTestdata(t, "sjlj/env.wasm")
		if _, err := r.InstantiateWithConfig(ctx, env, wazero.NewModuleConfig().WithName("env")); err != nil {
			t.Fatalf("env: %v", err)
		}
	}
	m, err := r.InstantiateWithConfig(ctx, module, wazero.NewModuleConfig().WithName(filepath.Base(name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, f := range []string{"__wasm_apply_data_relocs", "__wasm_call_ctors"} {
		if fn := m.ExportedFunction(f); fn != nil {
			if _, err := fn.Call(ctx); err != nil {
				t.Fatalf("%s: %s: %v", name, f, err)
			}
		}
	}
	return m
}

// outcome calls f(x) and describes the result as expect.mjs does: the
// i32 returned, "exception" for an uncaught exception, "trap" otherwise.
func outcome(ctx context.Context, f api.Function, x int32) any {
	res, err := f.Call(ctx, api.EncodeI32(x))
	switch {
	case err == nil:
		return float64(api.DecodeI32(res[0]))
	case strings.Contains(err.Error(), "uncaught exception"):
		return "exception"
	}
	var exit interface{ ExitCode() uint32 }
	if errors.As(err, &exit) {
		return "exit"
	}
	return "trap"
}

package wasmdl_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmdl/wasmdl"
)

// TestLookupMergedLibrary calls, from Go, functions of libraries loaded
// with the main: merged (reached through their table slots) and separate
// (exported by their own instances) give the same results.
func TestLookupMergedLibrary(t *testing.T) {
	ctx := context.Background()
	for _, merge := range []bool{true, false} {
		rt := newRuntime(t)
		cfg := wasmdl.NewConfig().WithSearchPath("testdata/link/calls").WithMerge(merge)
		p, err := wasmdl.NewLinker(rt, cfg).Load(ctx, "testdata/link/calls/main.wasm")
		if err != nil {
			t.Fatal(err)
		}
		call := func(name string, args ...uint64) uint64 {
			t.Helper()
			s, err := p.Lookup(ctx, name)
			if err != nil {
				t.Fatalf("merge=%t: %v", merge, err)
			}
			fn := s.Function()
			if fn == nil {
				t.Fatalf("merge=%t: %s: no function", merge, name)
			}
			res, err := fn.Call(ctx, args...)
			if err != nil {
				t.Fatalf("merge=%t: %s: %v", merge, name, err)
			}
			return res[0]
		}
		if got := int32(call("three_add", 40, 2)); got != 42 {
			t.Errorf("merge=%t: three_add(40, 2) = %d", merge, got)
		}
		if got := int32(call("one_sum", 10)); got != 45 {
			t.Errorf("merge=%t: one_sum(10) = %d", merge, got)
		}
		if got := math.Float64frombits(call("three_mix", 1, 2, uint64(math.Float32bits(3.5)), math.Float64bits(4.25))); got != 10.75 {
			t.Errorf("merge=%t: three_mix = %g", merge, got)
		}
		// The same function pointer as the program's.
		a, _ := p.Lookup(ctx, "three_add")
		b, _ := p.Lookup(ctx, "three_add")
		if a.Address != b.Address || a.Address == 0 {
			t.Errorf("merge=%t: three_add slots %d and %d", merge, a.Address, b.Address)
		}
		// A fork has the slots placed before it, and places new ones on
		// its own: the same pointer, and the same function behind it, in
		// both; the parent's later placements are not the child's.
		child, err := p.Fork(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c := lookupIn(t, child, "three_add"); c.Address != a.Address {
			t.Errorf("merge=%t: three_add in the fork at slot %d, in the parent %d", merge, c.Address, a.Address)
		}
		if res, err := lookupIn(t, child, "three_add").Call(ctx, int32(1), int32(2)); err != nil || res[0] != int32(3) {
			t.Errorf("merge=%t: three_add in the fork: %v, %v", merge, res, err)
		}
		inChild := lookupIn(t, child, "one_sum")
		inParent := lookupIn(t, p, "one_sum")
		if inChild.Address != inParent.Address {
			t.Errorf("merge=%t: one_sum placed at %d in the fork and %d in the parent", merge, inChild.Address, inParent.Address)
		}
		if res, err := inChild.Call(ctx, int32(10)); err != nil || res[0] != int32(45) {
			t.Errorf("merge=%t: one_sum in the fork: %v, %v", merge, res, err)
		}
		child.Close(ctx)
		p.Close(ctx)
	}
}

// TestMergeCache: with a cache folder, a second Linker (another process,
// as far as wasmdl knows) finds the merged program there and skips the
// merge; a damaged file is ignored and rewritten.
func TestMergeCache(t *testing.T) {
	dir := t.TempDir()
	want, err := os.ReadFile("testdata/link/fnptr/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		var out bytes.Buffer
		cfg := wasmdl.NewConfig().WithSearchPath("testdata/link/fnptr").WithCacheDir(dir)
		if status := runCase(t, wasmdl.NewLinker(newRuntime(t), cfg), "testdata/link/fnptr/main.wasm", &out); status != 0 {
			t.Fatalf("exit status %d", status)
		}
		if out.String() != string(want) {
			t.Fatalf("output\n%s\nwant\n%s", out.String(), want)
		}
	}
	run()
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.wasm"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one merged program", files)
	}
	first, _ := os.ReadFile(files[0])
	run()
	if again, _ := os.ReadFile(files[0]); !bytes.Equal(first, again) {
		t.Fatal("the cached program changed on a second run")
	}
	// Damage the module: the checksum no longer matches, so it is rebuilt.
	bad := append([]byte{}, first...)
	bad[len(bad)-1] ^= 0xff
	if err := os.WriteFile(files[0], bad, 0o644); err != nil {
		t.Fatal(err)
	}
	run()
	if fixed, _ := os.ReadFile(files[0]); !bytes.Equal(first, fixed) {
		t.Fatal("a damaged cache file was not rewritten")
	}
}

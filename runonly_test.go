package wasmdl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdl/wasmdl"
)

// loadedMemory loads main from dir with cfg and returns a copy of the whole
// memory once relocations and constructors ran, before the program's
// entry, with the layout and the traces of the merge.
func loadedMemory(t *testing.T, dir string, cfg wasmdl.Config) ([]byte, []wasmdl.Region, string) {
	t.Helper()
	ctx := context.Background()
	var trace bytes.Buffer
	cfg = cfg.WithSearchPath(dir).WithDebug(&trace, "merge")
	p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, filepath.Join(dir, "main.wasm"), wasmdl.WithStdout(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	return hzSnapshot(t, p), p.Layout(), trace.String()
}

// TestRelocationsAppliedWhenMerging: the merged program of a closed world
// has its data relocations already in its data and nothing it cannot reach
// (the traces say so), and after loading, every byte of memory (every
// pointer each library holds to data and functions of its own, of others
// and of the main, every table slot number in them, and everything else)
// is the byte the same program has when each module is instantiated on its
// own and runs its relocations itself.
func TestRelocationsAppliedWhenMerging(t *testing.T) {
	programs := []string{
		"testdata/seed/pic", "testdata/link/ptrs", "testdata/link/fnptr", "testdata/link/diamond",
		"testdata/link/calls", "testdata/link/data", "testdata/link/interpose", "testdata/link/chain50",
		"testdata/link/libc", "testdata/link/weak", "testdata/cxx/classes", "testdata/cxx/statics",
		"testdata/reader", "testdata/link/closedworld",
	}
	applied, dropped := 0, 0
	for _, dir := range programs {
		t.Run(strings.TrimPrefix(dir, "testdata/"), func(t *testing.T) {
			merged, mergedLayout, trace := loadedMemory(t, dir, wasmdl.NewConfig().WithRunOnly())
			separate, separateLayout, _ := loadedMemory(t, dir, wasmdl.NewConfig().WithMerge(false))
			if strings.Contains(trace, "data relocations of") {
				applied++
			}
			if strings.Contains(trace, "nothing can call left out") {
				dropped++
			}
			// Table slots may differ: a merged program that is no closed
			// world gives every library function its slot at once.
			if a, b := memoryRegions(mergedLayout), memoryRegions(separateLayout); a != b {
				t.Fatalf("layouts differ:\nmerged   %v\nseparate %v", a, b)
			}
			if err := hzDiff(merged, separate); err != nil {
				t.Fatalf("merged and separate memories: %v\nlayout %v", err, mergedLayout)
			}
		})
	}
	// The mechanisms ran: most of these programs have relocations, some
	// have library functions their program never calls.
	if applied < len(programs)/2 || dropped == 0 {
		t.Errorf("relocations applied in %d of %d programs, functions left out in %d", applied, len(programs), dropped)
	}
}

func memoryRegions(layout []wasmdl.Region) string {
	var out []string
	for _, r := range layout {
		if r.Kind != "table" {
			out = append(out, fmt.Sprint(r))
		}
	}
	return strings.Join(out, " ")
}

// TestRunOnlyRefusesLookups: a Linker that only runs programs refuses the
// host's Lookup and Open, with ErrRunOnly, in processes and their forks,
// and the process still runs.
func TestRunOnlyRefusesLookups(t *testing.T) {
	ctx := context.Background()
	cfg := wasmdl.NewConfig().WithSearchPath("testdata/link/calls").WithRunOnly()
	var out bytes.Buffer
	p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, "testdata/link/calls/main.wasm", wasmdl.WithStdout(&out))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	child, err := p.Fork(ctx, wasmdl.WithStdout(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	defer child.Close(ctx)
	for _, proc := range []*wasmdl.Process{p, child} {
		if _, err := proc.Lookup(ctx, "three_add"); !errors.Is(err, wasmdl.ErrRunOnly) {
			t.Errorf("Lookup: %v, want ErrRunOnly", err)
		}
		if _, err := proc.Open(ctx, "libone.so", wasmdl.Now); !errors.Is(err, wasmdl.ErrRunOnly) {
			t.Errorf("Open: %v, want ErrRunOnly", err)
		}
	}
	if status, err := p.Run(ctx); err != nil || status != 0 || out.Len() == 0 {
		t.Fatalf("Run: %d, %v, output %q", status, err, out.String())
	}
}

// TestRunOnlyForksRunConcurrently: a closed-world program (functions left
// out, relocations applied when merging) loaded once and forked from many
// goroutines at once; every fork runs the whole program (pointers through
// libraries, megabytes of malloc, exit handlers) and prints what ld.so's
// run prints, and the parent's memory is, byte for byte, what it was
// before, so it then runs the same way.
func TestRunOnlyForksRunConcurrently(t *testing.T) {
	ctx := context.Background()
	dir := "testdata/link/closedworld"
	want, err := os.ReadFile(filepath.Join(dir, "expected.stdout"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := wasmdl.NewConfig().WithSearchPath(dir).WithRunOnly()
	var parentOut bytes.Buffer
	parent, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, filepath.Join(dir, "main.wasm"), wasmdl.WithStdout(&parentOut))
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close(ctx)
	before := hzSnapshot(t, parent)

	const forks = 8
	outs := make([]bytes.Buffer, forks)
	errs := make(chan error, forks)
	var wg sync.WaitGroup
	for i := range forks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			child, err := parent.Fork(ctx, wasmdl.WithStdout(&outs[i]))
			if err != nil {
				errs <- err
				return
			}
			defer child.Close(ctx)
			if status, err := child.Run(ctx); err != nil || status != 0 {
				errs <- fmt.Errorf("fork %d: status %d, %v", i, status, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range outs {
		if outs[i].String() != string(want) {
			t.Errorf("fork %d printed:\n%s\nwant:\n%s", i, outs[i].String(), want)
		}
	}
	if err := hzDiff(before, hzSnapshot(t, parent)); err != nil {
		t.Fatalf("the parent's memory changed while its forks ran: %v", err)
	}
	if status, err := parent.Run(ctx); err != nil || status != 0 || parentOut.String() != string(want) {
		t.Fatalf("parent: status %d, %v, printed:\n%s", status, err, parentOut.String())
	}
}

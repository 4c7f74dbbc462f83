package wasmdl_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/wasmdl/wasmdl"
)

// TestFork: a fork starts where its parent is (libraries loaded, their
// state, the heap), runs no constructor again, has its own output, and
// neither sees the other's writes, opens or closes; forks of forks work,
// and closing the parent leaves its forks running. Merged and separate.
func TestFork(t *testing.T) {
	ctx := context.Background()
	for _, merge := range []bool{true, false} {
		l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithMerge(merge).WithHostFuncs(logFunc))
		var hostOut bytes.Buffer
		parent, err := l.Load(ctx, "testdata/dl/plugin/host.wasm", wasmdl.WithStdout(&hostOut))
		if err != nil {
			t.Fatal(err)
		}
		apply := func(p *wasmdl.Process, x int32) int32 {
			t.Helper()
			s, err := p.Lookup(ctx, "plugin_apply")
			if err != nil {
				t.Fatalf("merge=%t: %v", merge, err)
			}
			res, err := s.Call(ctx, x)
			if err != nil {
				t.Fatalf("merge=%t: %v", merge, err)
			}
			return res[0].(int32)
		}
		if _, err := parent.Open(ctx, "libplugin.so", wasmdl.Now|wasmdl.Global); err != nil {
			t.Fatal(err)
		}
		greet, err := parent.Open(ctx, "libgreet.so", wasmdl.Now|wasmdl.Global)
		if err != nil {
			t.Fatal(err)
		}
		apply(parent, 1)
		apply(parent, 1) // two calls counted in the library's data

		var out1 bytes.Buffer
		child, err := parent.Fork(ctx, wasmdl.WithStdout(&out1))
		if err != nil {
			t.Fatalf("merge=%t: fork: %v", merge, err)
		}
		// The library's state came along: the third call in both.
		if got := apply(child, 10); got != 103 {
			t.Errorf("merge=%t: child plugin_apply = %d, want 103", merge, got)
		}
		if got := apply(parent, 10); got != 103 {
			t.Errorf("merge=%t: parent plugin_apply = %d, want 103 (the child's call is its own)", merge, got)
		}
		// libc in the child: malloc on a copy of the parent's heap, its own stdout.
		g, _ := child.Lookup(ctx, "greet")
		if res, err := g.Call(ctx, 5); err != nil || res[0] != int32(10) {
			t.Fatalf("merge=%t: child greet = %v, %v", merge, res, err)
		}
		if out1.String() != "greetings number 5\n" || hostOut.Len() != 0 {
			t.Errorf("merge=%t: child printed %q, parent %q", merge, out1.String(), hostOut.String())
		}
		// dlopen and dlclose in the child do not touch the parent.
		tools, err := child.Open(ctx, "libtools.so", wasmdl.Now|wasmdl.Global)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parent.Lookup(ctx, "count"); err == nil {
			t.Errorf("merge=%t: the parent sees a library the child opened", merge)
		}
		if err := greet.Close(ctx); err != nil { // closes the parent's handle only
			t.Fatal(err)
		}
		if _, err := child.Lookup(ctx, "greet"); err != nil {
			t.Errorf("merge=%t: the child lost a library the parent closed: %v", merge, err)
		}
		// A fork of the fork, then the parent and the child closed.
		grand, err := child.Fork(ctx)
		if err != nil {
			t.Fatalf("merge=%t: fork of a fork: %v", merge, err)
		}
		c1, _ := lookupIn(t, grand, "count").Call(ctx)
		c2, _ := lookupIn(t, child, "count").Call(ctx)
		if c1[0] != int32(1) || c2[0] != int32(1) {
			t.Errorf("merge=%t: count in the grandchild %v, in the child %v, want 1 each", merge, c1, c2)
		}
		_ = tools
		parent.Close(ctx)
		child.Close(ctx)
		if got := apply(grand, 10); got != 104 {
			t.Errorf("merge=%t: grandchild after its ancestors closed: plugin_apply = %d, want 104", merge, got)
		}
		grand.Close(ctx)
		// A dead process cannot be forked.
		dead, _ := l.Load(ctx, "testdata/dl/plugin/host.wasm")
		dead.Run(ctx)
		if _, err := dead.Fork(ctx); !errors.Is(err, wasmdl.ErrDead) {
			t.Errorf("merge=%t: fork of a dead process: %v", merge, err)
		}
		dead.Close(ctx)
	}
}

// TestForkMemoryStress forks the memory stress program after its startup
// libraries' constructors ran, and runs it in the fork: every byte it
// checks must be as the parent left it. The second fork comes after the
// host grew the parent's memory: the fork's virtual memory.size must see
// those pages as the program's.
func TestForkMemoryStress(t *testing.T) {
	ctx := context.Background()
	want, err := os.ReadFile("testdata/mem/lazy/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir("testdata/mem/lazy").WithSearchPath("../libs"))
	parent, err := l.Load(ctx, "main.wasm")
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close(ctx)
	for i := 0; i < 2; i++ {
		if i == 1 {
			if _, ok := parent.Memory().Grow(3); !ok {
				t.Fatal("cannot grow the parent's memory")
			}
		}
		var out bytes.Buffer
		child, err := parent.Fork(ctx, wasmdl.WithStdout(&out), wasmdl.WithArgs("main.wasm", "7", "1500"))
		if err != nil {
			t.Fatal(err)
		}
		status, err := child.Run(ctx)
		child.Close(ctx)
		if err != nil || status != 0 || out.String() != string(want) {
			t.Fatalf("fork %d: status %d, %v\n%s", i, status, err, out.String())
		}
	}
}

func lookupIn(t *testing.T, p *wasmdl.Process, name string) *wasmdl.Symbol {
	t.Helper()
	s, err := p.Lookup(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package wasmdl_test

// Consequence checks for Process.Fork: every test runs guest code (or
// reads memory) in parents and forks and asserts what they produce, merged
// and --separate (WithMerge(false)). Run them with
//
//	go test . -run TestForkHazard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/internal/suitetest"
)

// ---------------------------------------------------------------- helpers

// hzModes is the two ways a program is instantiated.
var hzModes = []struct {
	name  string
	merge bool
}{{"merged", true}, {"separate", false}}

// syncBuf is a bytes.Buffer safe for a process's stdout while the test
// reads it from another goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hzCall looks name up in p's global scope and calls it.
func hzCall(t *testing.T, p *wasmdl.Process, name string, args ...any) int32 {
	t.Helper()
	ctx := context.Background()
	s, err := p.Lookup(ctx, name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	res, err := s.Call(ctx, args...)
	if err != nil {
		t.Fatalf("call %s%v: %v", name, args, err)
	}
	return res[0].(int32)
}

// hzLibCall looks name up in lib and calls it.
func hzLibCall(t *testing.T, lib *wasmdl.Library, name string, args ...any) int32 {
	t.Helper()
	ctx := context.Background()
	s, err := lib.Lookup(ctx, name)
	if err != nil {
		t.Fatalf("lookup %s in %s: %v", name, lib.Name(), err)
	}
	res, err := s.Call(ctx, args...)
	if err != nil {
		t.Fatalf("call %s%v in %s: %v", name, args, lib.Name(), err)
	}
	return res[0].(int32)
}

func hzOpen(t *testing.T, p *wasmdl.Process, name string, flags wasmdl.Flags) *wasmdl.Library {
	t.Helper()
	lib, err := p.Open(context.Background(), name, flags)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return lib
}

func hzFork(t *testing.T, p *wasmdl.Process, opts ...wasmdl.Option) *wasmdl.Process {
	t.Helper()
	c, err := p.Fork(context.Background(), opts...)
	if err != nil {
		t.Fatalf("fork: %v", err)
	}
	return c
}

// hzSnapshot copies the whole memory of p.
func hzSnapshot(t *testing.T, p *wasmdl.Process) []byte {
	t.Helper()
	m := p.Memory()
	b, ok := m.Read(0, m.Size())
	if !ok {
		t.Fatal("cannot read the memory")
	}
	return bytes.Clone(b)
}

// hzDiff describes where two memories differ (nil if they are equal).
func hzDiff(a, b []byte) error {
	if len(a) != len(b) {
		return fmt.Errorf("sizes differ: %d and %d bytes", len(a), len(b))
	}
	var ranges []string
	n := 0
	for i := 0; i < len(a); i++ {
		if a[i] == b[i] {
			continue
		}
		j := i
		for j < len(a) && a[j] != b[j] {
			j++
		}
		n += j - i
		if len(ranges) < 8 {
			ranges = append(ranges, fmt.Sprintf("[%#x,%#x) %x vs %x", i, j, a[i:min(j, i+8)], b[i:min(j, i+8)]))
		}
		i = j
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d bytes differ: %s", n, strings.Join(ranges, "; "))
}

// hzPattern is a distinctive, position-dependent fill.
func hzPattern(off, n uint32, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		x := off + uint32(i)
		b[i] = byte(x*131+x>>8*7+x>>16*3) ^ seed
	}
	return b
}

// pluginHost loads testdata/dl/plugin/host.wasm, a libc main that plugins
// needing libc are opened into.
func pluginHost(t *testing.T, rt wazero.Runtime, merge bool, opts ...wasmdl.Option) *wasmdl.Process {
	t.Helper()
	cfg := wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithMerge(merge).WithHostFuncs(logFunc)
	p, err := wasmdl.NewLinker(rt, cfg).Load(context.Background(), "testdata/dl/plugin/host.wasm", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pluginParent is pluginHost in a runtime of its own, closed when the test
// ends, with libs opened RTLD_NOW|RTLD_GLOBAL.
func pluginParent(t *testing.T, merge bool, libs ...string) *wasmdl.Process {
	t.Helper()
	p := pluginHost(t, newRuntime(t), merge)
	t.Cleanup(func() { p.Close(context.Background()) })
	for _, lib := range libs {
		hzOpen(t, p, lib, wasmdl.Now|wasmdl.Global)
	}
	return p
}

// ---------------------------------------------------- 1: concurrent stress

// stress20 is what testdata/mem's program prints with arguments "7 20"
// under every allocator that has a heap (lazy, heapend, pie): the first
// eight lines are those of expected.stdout (they do not depend on the
// number of random operations), the rest is the program's deterministic
// summary for 20 operations.
const stress20 = `startup libraries as loaded: yes
8 MiB of malloc churn: 39 blocks live, all verified
the program grew memory itself: 41 blocks live, all verified
8 MiB more: 96 blocks live, all verified
every library opened after the heap grew: all verified
dlerror: libnope.so: cannot open shared object file: No such file or directory
dladdr(check_fill of libpat4.so): check_fill in libpat4.so
dladdr(bss+1000 of libpat6.so): bss+1000 in libpat6.so
20 random operations: all verified
mallocs 259, frees 168, reallocs 2, dlopens 11, dlcloses 11, memory grown 2 times
bytes verified: 86803108
`

// noalloc20 is the same for testdata/mem/noalloc (no heap): its first six
// lines are those of its expected.stdout.
const noalloc20 = `startup libraries as loaded: yes
the program grew memory itself: 2 blocks live, all verified
every library opened after the heap grew: all verified
dlerror: libnope.so: cannot open shared object file: No such file or directory
dladdr(check_fill of libpat4.so): check_fill in libpat4.so
dladdr(bss+1000 of libpat6.so): bss+1000 in libpat6.so
20 random operations: all verified
mallocs 0, frees 0, reallocs 0, dlopens 15, dlcloses 15, memory grown 2 times
bytes verified: 2097152
`

// stressCase is one memory-stress program and what it must print.
type stressCase struct {
	variant string
	args    []string
	want    string
}

func stressCases(t *testing.T) (lazy20, pie20, noalloc stressCase) {
	t.Helper()
	// The constants' first lines must be the fixtures': the check that
	// they are what the program prints, not what wasmdl happened to.
	for _, c := range []struct {
		file, want string
		lines      int
	}{{"testdata/mem/lazy/expected.stdout", stress20, 8}, {"testdata/mem/noalloc/expected.stdout", noalloc20, 6}} {
		exp, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.SplitAfter(string(exp), "\n"); !strings.HasPrefix(c.want, strings.Join(lines[:c.lines], "")) {
			t.Fatalf("the expected output of 20 operations does not start like %s", c.file)
		}
	}
	args := []string{"main.wasm", "7", "20"}
	return stressCase{"lazy", args, stress20}, stressCase{"pie", args, stress20}, stressCase{"noalloc", args, noalloc20}
}

func stressLinker(t *testing.T, variant string, merge bool) *wasmdl.Linker {
	cfg := wasmdl.NewConfig().WithDir("testdata/mem/" + variant).WithSearchPath("../libs").WithMerge(merge)
	return wasmdl.NewLinker(newRuntime(t), cfg)
}

// TestForkHazardConcurrentStress forks the memory stress program twice
// and runs the parent and both forks at the same time from three
// goroutines: each checks every byte it owns, so a page shared between
// them, or one the copy-on-write mapping lost, stops it with status 1.
func TestForkHazardConcurrentStress(t *testing.T) {
	longUnderRace(t)
	lazy20, pie20, noalloc := stressCases(t)
	type run struct {
		sc    stressCase
		merge bool
	}
	runs := []run{{lazy20, true}, {noalloc, true}, {noalloc, false}}
	if !testing.Short() {
		runs = append(runs, run{pie20, false})
	}
	for _, r := range runs {
		mode := "merged"
		if !r.merge {
			mode = "separate"
		}
		t.Run(r.sc.variant+"/"+mode, func(t *testing.T) {
			ctx := context.Background()
			l := stressLinker(t, r.sc.variant, r.merge)
			outs := make([]*syncBuf, 3)
			for i := range outs {
				outs[i] = &syncBuf{}
			}
			parent, err := l.Load(ctx, "main.wasm", wasmdl.WithStdout(outs[0]), wasmdl.WithArgs(r.sc.args...))
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			// Arguments given explicitly: TestForkHazardDefaultArgs checks
			// the default.
			c1 := hzFork(t, parent, wasmdl.WithStdout(outs[1]), wasmdl.WithArgs(r.sc.args...))
			defer c1.Close(ctx)
			c2 := hzFork(t, parent, wasmdl.WithStdout(outs[2]), wasmdl.WithArgs(r.sc.args...))
			defer c2.Close(ctx)
			procs := []*wasmdl.Process{parent, c1, c2}
			status := make([]int, 3)
			errs := make([]error, 3)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, p := range procs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status[i], errs[i] = p.Run(ctx)
				}()
			}
			close(start)
			wg.Wait()
			for i, who := range []string{"parent", "fork 1", "fork 2"} {
				if errs[i] != nil || status[i] != 0 || outs[i].String() != r.sc.want {
					t.Errorf("%s: status %d, err %v, output:\n%s", who, status[i], errs[i], outs[i].String())
				}
			}
		})
	}
}

// ------------------------------------------------- 2: memory isolation

// TestForkHazardMemoryIsolation: right after a fork the child's memory is
// the parent's byte for byte; then each one's host writes over its whole
// memory, and pages grown afterwards, are invisible to the other. A fork
// of a scribbled process gets the scribbles.
func TestForkHazardMemoryIsolation(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			parent := pluginParent(t, m.merge, "libplugin.so", "libgreet.so")
			if got := hzCall(t, parent, "plugin_apply", 1); got != 11 {
				t.Fatalf("plugin_apply(1) = %d", got)
			}
			hzCall(t, parent, "greet", 1) // malloc and stdio in the parent's heap

			child := hzFork(t, parent)
			defer child.Close(ctx)
			pSnap, cSnap := hzSnapshot(t, parent), hzSnapshot(t, child)
			if err := hzDiff(pSnap, cSnap); err != nil {
				t.Fatalf("the fork's memory is not the parent's: %v", err)
			}

			// The child scribbles over everything, then grows and
			// scribbles over the new pages too.
			cm := child.Memory()
			size := cm.Size()
			if !cm.Write(0, hzPattern(0, size, 0xA5)) {
				t.Fatal("cannot write the child's memory")
			}
			prev, ok := cm.Grow(3)
			if !ok || prev*65536 != size {
				t.Fatalf("child Grow(3) = %d, %t (size was %d bytes)", prev, ok, size)
			}
			fresh, _ := cm.Read(size, 3*65536)
			if i := bytes.IndexFunc(fresh, func(r rune) bool { return r != 0 }); i >= 0 {
				t.Errorf("the child's new pages are not zero at %#x", size+uint32(i))
			}
			if !cm.Write(size, hzPattern(size, 3*65536, 0xA5)) {
				t.Fatal("cannot write the child's new pages")
			}
			back, _ := cm.Read(0, cm.Size())
			if !bytes.Equal(back, hzPattern(0, cm.Size(), 0xA5)) {
				t.Errorf("the child's memory does not hold what was written to it")
			}
			if parent.Memory().Size() != size {
				t.Errorf("the parent's memory changed size: %d, was %d", parent.Memory().Size(), size)
			}
			if err := hzDiff(hzSnapshot(t, parent), pSnap); err != nil {
				t.Errorf("the child's writes reached the parent: %v", err)
			}
			// The parent still works.
			if got := hzCall(t, parent, "plugin_apply", 1); got != 12 {
				t.Errorf("parent plugin_apply(1) after the child scribbled = %d, want 12", got)
			}

			// A fork of the scribbled child is a copy of it.
			grand := hzFork(t, child)
			defer grand.Close(ctx)
			if err := hzDiff(hzSnapshot(t, grand), hzSnapshot(t, child)); err != nil {
				t.Errorf("fork of the scribbled child: %v", err)
			}

			// The other way round: a second fork, then the parent
			// scribbles and grows.
			c2 := hzFork(t, parent)
			defer c2.Close(ctx)
			c2Snap := hzSnapshot(t, c2)
			if err := hzDiff(c2Snap, hzSnapshot(t, parent)); err != nil {
				t.Fatalf("second fork: %v", err)
			}
			pm := parent.Memory()
			psize := pm.Size()
			pm.Write(0, hzPattern(0, psize, 0x3C))
			if _, ok := pm.Grow(2); !ok {
				t.Fatal("cannot grow the parent")
			}
			pm.Write(psize, hzPattern(psize, 2*65536, 0x3C))
			if err := hzDiff(hzSnapshot(t, c2), c2Snap); err != nil {
				t.Errorf("the parent's writes reached its fork: %v", err)
			}
			if err := hzDiff(hzSnapshot(t, child), back); err != nil {
				t.Errorf("the parent's writes reached its first fork: %v", err)
			}
			// And a fork taken now has the parent's scribbles.
			c3 := hzFork(t, parent)
			defer c3.Close(ctx)
			if err := hzDiff(hzSnapshot(t, c3), hzSnapshot(t, parent)); err != nil {
				t.Errorf("fork after the parent scribbled and grew: %v", err)
			}
		})
	}
}

// TestForkHazardHostWriteThenFork: the host writes the parent's memory
// (without growing it) between two forks, as a server passing a request
// through memory would. The second fork must see the write: it is "a copy
// of p's memory" when Fork is called.
func TestForkHazardHostWriteThenFork(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			parent := pluginParent(t, m.merge, "libplugin.so")
			hzCall(t, parent, "plugin_apply", 1)

			first := hzFork(t, parent)
			defer first.Close(ctx)
			pm := parent.Memory()
			addr := pm.Size() - 4096
			marker := []byte("written by the host after the first fork")
			if !pm.Write(addr, marker) {
				t.Fatal("cannot write the parent's memory")
			}
			second := hzFork(t, parent)
			defer second.Close(ctx)
			got, _ := second.Memory().Read(addr, uint32(len(marker)))
			if !bytes.Equal(got, marker) {
				t.Errorf("the second fork does not see the host's write at %#x: %q", addr, got)
			}
			if err := hzDiff(hzSnapshot(t, second), hzSnapshot(t, parent)); err != nil {
				t.Errorf("second fork vs parent: %v", err)
			}
			// The first fork, taken before the write, must not see it.
			got, _ = first.Memory().Read(addr, uint32(len(marker)))
			if bytes.Equal(got, marker) {
				t.Errorf("the first fork sees a write made after it")
			}
		})
	}
}

// ----------------------------------------------- 3: dlopen/dlclose cycles

// TestForkHazardAfterDlopenCycles: the parent opens and closes libraries
// several times (memory and table slots go back to its free lists, slots
// become tombstones), then forks. Parent and fork then do the same opens
// and calls: same results, same placement, and the fork reuses memory
// as the parent does.
func TestForkHazardAfterDlopenCycles(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			var pOut, cOut syncBuf
			parent := pluginHost(t, newRuntime(t), m.merge, wasmdl.WithStdout(&pOut))
			defer parent.Close(ctx)
			for i := 0; i < 4; i++ {
				pl := hzOpen(t, parent, "libplugin.so", wasmdl.Now)
				if got := hzLibCall(t, pl, "plugin_apply", 1); got != 11 {
					t.Fatalf("cycle %d: plugin_apply(1) = %d, want 11", i, got)
				}
				big := hzOpen(t, parent, "libbig.so", wasmdl.Now)
				if hzLibCall(t, big, "big_touch") != 1 {
					t.Fatalf("cycle %d: libbig.so's data was not zero", i)
				}
				gr := hzOpen(t, parent, "libgreet.so", wasmdl.Now)
				if got := hzLibCall(t, gr, "greet", i); got != int32(2*i) {
					t.Fatalf("cycle %d: greet = %d", i, got)
				}
				p2 := hzOpen(t, parent, "libplugin2.so", wasmdl.Now|wasmdl.Global)
				if got := hzLibCall(t, p2, "plugin_apply", 1); got != 21 {
					t.Fatalf("cycle %d: plugin2 plugin_apply(1) = %d, want 21", i, got)
				}
				// Closed in an order other than opened.
				for _, lib := range []*wasmdl.Library{big, pl, p2, gr} {
					if err := lib.Close(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Libraries left open across the fork, one of them dirty.
			big := hzOpen(t, parent, "libbig.so", wasmdl.Now)
			hzLibCall(t, big, "big_touch")
			tools := hzOpen(t, parent, "libtools.so", wasmdl.Now|wasmdl.Global)
			if got := hzLibCall(t, tools, "count"); got != 1 {
				t.Fatalf("count = %d", got)
			}
			wantOut := pOut.String()

			child := hzFork(t, parent, wasmdl.WithStdout(&cOut))
			defer child.Close(ctx)
			type result struct {
				apply, apply2, touch, greet, count int32
				slots                              [3]uint32
				layout                             []wasmdl.Region
				size                               uint32
			}
			exercise := func(p *wasmdl.Process) result {
				var r result
				pl := hzOpen(t, p, "libplugin.so", wasmdl.Now)
				s, err := pl.Lookup(ctx, "plugin_apply")
				if err != nil {
					t.Fatal(err)
				}
				r.slots[0] = s.Address
				r.apply = hzLibCall(t, pl, "plugin_apply", 3)
				b2 := hzOpen(t, p, "libbig.so", wasmdl.Now) // a second reference
				r.touch = hzLibCall(t, b2, "big_touch")
				gr := hzOpen(t, p, "libgreet.so", wasmdl.Now)
				s, err = gr.Lookup(ctx, "greet")
				if err != nil {
					t.Fatal(err)
				}
				r.slots[1] = s.Address
				r.greet = hzLibCall(t, gr, "greet", 7)
				r.count = hzCall(t, p, "count") // libtools, opened global before the fork
				p2 := hzOpen(t, p, "libplugin2.so", wasmdl.Now)
				s, err = p2.Lookup(ctx, "plugin_apply")
				if err != nil {
					t.Fatal(err)
				}
				r.slots[2] = s.Address
				r.apply2 = hzLibCall(t, p2, "plugin_apply", 3)
				r.layout = p.Layout()
				for _, lib := range []*wasmdl.Library{pl, b2, gr, p2} {
					if err := lib.Close(ctx); err != nil {
						t.Fatal(err)
					}
				}
				r.size = p.Memory().Size()
				return r
			}
			cr := exercise(child)
			pr := exercise(parent)
			want := result{apply: 31, apply2: 61, touch: 1, greet: 14, count: 2}
			for who, r := range map[string]result{"fork": cr, "parent": pr} {
				if r.apply != want.apply || r.apply2 != want.apply2 || r.touch != want.touch || r.greet != want.greet || r.count != want.count {
					t.Errorf("%s: apply %d, apply2 %d, big_touch %d, greet %d, count %d; want %d %d %d %d %d",
						who, r.apply, r.apply2, r.touch, r.greet, r.count, want.apply, want.apply2, want.touch, want.greet, want.count)
				}
			}
			if cr.slots != pr.slots {
				t.Errorf("same opens from the same state gave other table slots: fork %v, parent %v", cr.slots, pr.slots)
			}
			if fmt.Sprint(cr.layout) != fmt.Sprint(pr.layout) {
				t.Errorf("same opens from the same state gave another layout:\nfork   %v\nparent %v", cr.layout, pr.layout)
			}
			if cr.size != pr.size {
				t.Errorf("memory size after the same opens: fork %d, parent %d", cr.size, pr.size)
			}
			if got := cOut.String(); got != "greetings number 7\n" {
				t.Errorf("the fork printed %q", got)
			}
			if got := pOut.String(); got != wantOut+"greetings number 7\n" {
				t.Errorf("the parent printed %q, want %q", got, wantOut+"greetings number 7\n")
			}
			// Many more cycles in the fork: its memory stays flat.
			before := child.Memory().Size()
			for i := 0; i < 30; i++ {
				b := hzOpen(t, child, "libbig.so", wasmdl.Now)
				hzLibCall(t, b, "big_touch")
				g := hzOpen(t, child, "libgreet.so", wasmdl.Now)
				hzLibCall(t, g, "greet", 1)
				b.Close(ctx)
				g.Close(ctx)
			}
			if after := child.Memory().Size(); after != before {
				t.Errorf("the fork's memory grew from %d to %d bytes over 30 cycles", before, after)
			}
		})
	}
}

// -------------------------------------------- 4: chains of forks, closed

// TestForkHazardChainClose: a fork of a fork of a fork, each taken after
// its parent advanced; the four processes are closed in several orders,
// and after every close each survivor still calls into every library,
// prints to its own stdout, and opens and closes a library.
func TestForkHazardChainClose(t *testing.T) {
	ctx := context.Background()
	orders := [][4]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 2, 0, 3}, {2, 0, 3, 1}, {1, 3, 0, 2}, {0, 2, 1, 3}}
	for _, m := range hzModes {
		rt := newRuntime(t)
		for _, order := range orders {
			t.Run(fmt.Sprintf("%s/%v", m.name, order), func(t *testing.T) {
				outs := [4]*syncBuf{{}, {}, {}, {}}
				var procs [4]*wasmdl.Process
				closed := [4]bool{}
				defer func() {
					for i, p := range procs {
						if p != nil && !closed[i] {
							p.Close(ctx)
						}
					}
				}()
				procs[0] = pluginHost(t, rt, m.merge, wasmdl.WithStdout(outs[0]))
				hzOpen(t, procs[0], "libplugin.so", wasmdl.Now|wasmdl.Global)
				hzOpen(t, procs[0], "libgreet.so", wasmdl.Now|wasmdl.Global)
				hzOpen(t, procs[0], "libtools.so", wasmdl.Now|wasmdl.Global)
				var calls, counts [4]int32
				wantOut := [4]string{}
				// Each generation calls once more before being forked.
				for g := 0; g < 4; g++ {
					if g > 0 {
						procs[g] = hzFork(t, procs[g-1], wasmdl.WithStdout(outs[g]))
						calls[g], counts[g] = calls[g-1], counts[g-1]
					}
					calls[g]++
					if got := hzCall(t, procs[g], "plugin_apply", 2); got != 20+calls[g] {
						t.Fatalf("generation %d: plugin_apply(2) = %d, want %d", g, got, 20+calls[g])
					}
					counts[g]++
					if got := hzCall(t, procs[g], "count"); got != counts[g] {
						t.Fatalf("generation %d: count = %d, want %d", g, got, counts[g])
					}
				}
				check := func(step string) {
					for i, p := range procs {
						if closed[i] {
							continue
						}
						calls[i]++
						if got := hzCall(t, p, "plugin_apply", 3); got != 30+calls[i] {
							t.Errorf("%s: process %d: plugin_apply(3) = %d, want %d", step, i, got, 30+calls[i])
						}
						counts[i]++
						if got := hzCall(t, p, "count"); got != counts[i] {
							t.Errorf("%s: process %d: count = %d, want %d", step, i, got, counts[i])
						}
						n := int32(100*i + int(calls[i]))
						if got := hzCall(t, p, "greet", n); got != 2*n {
							t.Errorf("%s: process %d: greet(%d) = %d", step, i, n, got)
						}
						wantOut[i] += fmt.Sprintf("greetings number %d\n", n)
						if got := outs[i].String(); got != wantOut[i] {
							t.Errorf("%s: process %d printed %q, want %q", step, i, got, wantOut[i])
						}
						big := hzOpen(t, p, "libbig.so", wasmdl.Now)
						if hzLibCall(t, big, "big_touch") != 1 {
							t.Errorf("%s: process %d: libbig.so not zeroed on load", step, i)
						}
						if err := big.Close(ctx); err != nil {
							t.Errorf("%s: process %d: %v", step, i, err)
						}
					}
				}
				check("before any close")
				for _, i := range order {
					if err := procs[i].Close(ctx); err != nil {
						t.Fatalf("close %d: %v", i, err)
					}
					closed[i] = true
					if _, err := procs[i].Lookup(ctx, "count"); !errors.Is(err, wasmdl.ErrClosed) {
						t.Errorf("lookup in closed process %d: %v", i, err)
					}
					check(fmt.Sprintf("after closing %d", i))
				}
			})
		}
	}
}

// ------------------------------------- 5: Run in a fork = a fresh Load+Run

// hzFixture is a program under testdata and how wasmdl run runs it.
type hzFixture struct {
	name, dir string
	search    []string
	args      []string
	env       [][2]string
}

func hzFixtures(t *testing.T) []hzFixture {
	t.Helper()
	var dirs []string
	for _, root := range []string{"testdata/link", "testdata/dl", "testdata/eh", "testdata/cxx"} {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	// testdata/mem is in the stress tests above.
	dirs = append(dirs, "testdata/seed/pic")
	var out []hzFixture
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "main.wasm")); err != nil {
			continue
		}
		f := hzFixture{name: strings.TrimPrefix(dir, "testdata/"), dir: dir, args: []string{"main.wasm"}}
		for _, l := range suitetest.Lines(filepath.Join(dir, "flags")) {
			fs := strings.Fields(l)
			for i := 0; i+1 < len(fs); i++ {
				if fs[i] == "-L" {
					f.search = append(f.search, fs[i+1])
				}
			}
		}
		f.search = append(f.search, ".")
		f.args = append(f.args, suitetest.Lines(filepath.Join(dir, "args"))...)
		for _, kv := range suitetest.Lines(filepath.Join(dir, "env")) {
			k, v, _ := strings.Cut(kv, "=")
			f.env = append(f.env, [2]string{k, v})
		}
		out = append(out, f)
	}
	if len(out) < 30 {
		t.Fatalf("found only %d fixture programs", len(out))
	}
	return out
}

// hzOutcome is what a run produced.
type hzOutcome struct {
	status int
	err    string
	stdout string
}

func (f hzFixture) opts(stdout io.Writer) []wasmdl.Option {
	opts := []wasmdl.Option{wasmdl.WithStdout(stdout), wasmdl.WithArgs(f.args...)}
	for _, kv := range f.env {
		opts = append(opts, wasmdl.WithEnv(kv[0], kv[1]))
	}
	return opts
}

func hzRun(p *wasmdl.Process, out *bytes.Buffer) hzOutcome {
	status, err := p.Run(context.Background())
	o := hzOutcome{status: status, stdout: out.String()}
	if err != nil {
		o.err = err.Error()
	}
	return o
}

// TestForkHazardRunMatchesFresh runs every fixture program four ways, in
// one Linker per mode: a fresh Load+Run; a fork of a loaded (never run)
// parent; a second fork taken after the first ran; the parent itself
// after both forks exist. All four must print the same thing and end with
// the same status, and that must be what Linux printed (expected.stdout,
// expected.exit).
func TestForkHazardRunMatchesFresh(t *testing.T) {
	longUnderRace(t)
	ctx := context.Background()
	fixtures := hzFixtures(t)
	for _, m := range hzModes {
		rt := newRuntime(t)
		linkers := map[string]*wasmdl.Linker{}
		for _, f := range fixtures {
			t.Run(m.name+"/"+f.name, func(t *testing.T) {
				if f.name == "link/bigbss" && !m.merge {
					t.Skip("slow (1.5 s a run); its merged run forks a large memory")
				}
				l := linkers[f.dir]
				if l == nil {
					l = wasmdl.NewLinker(rt, wasmdl.NewConfig().WithDir(f.dir).WithSearchPath(f.search...).WithMerge(m.merge))
					linkers[f.dir] = l
				}
				var freshOut bytes.Buffer
				fresh, err := l.Load(ctx, "main.wasm", f.opts(&freshOut)...)
				if err != nil {
					t.Fatalf("fresh load: %v", err)
				}
				want := hzRun(fresh, &freshOut)
				fresh.Close(ctx)
				if exp, err := os.ReadFile(filepath.Join(f.dir, "expected.stdout")); err == nil && want.stdout != string(exp) {
					t.Fatalf("a fresh run does not print expected.stdout (not a fork problem):\n%s", want.stdout)
				}

				var pOut, c1Out, c2Out bytes.Buffer
				parent, err := l.Load(ctx, "main.wasm", f.opts(&pOut)...)
				if err != nil {
					t.Fatal(err)
				}
				defer parent.Close(ctx)
				// What constructors printed while the parent loaded went
				// to the parent's stdout: a fork prints the rest.
				atLoad := pOut.String()
				if !strings.HasPrefix(want.stdout, atLoad) {
					t.Fatalf("the load printed %q, not the start of a fresh run's output", atLoad)
				}
				wantFork := want
				wantFork.stdout = want.stdout[len(atLoad):]
				c1, err := parent.Fork(ctx, f.opts(&c1Out)...)
				if err != nil {
					if strings.Contains(err.Error(), "cannot be forked") {
						t.Skipf("documented limitation: %v", err)
					}
					t.Fatalf("fork: %v", err)
				}
				defer c1.Close(ctx)
				if got := hzRun(c1, &c1Out); got != wantFork {
					t.Errorf("fork of the loaded program:\n got status %d, err %q, stdout:\n%s\nwant status %d, err %q, stdout:\n%s",
						got.status, got.err, got.stdout, wantFork.status, wantFork.err, wantFork.stdout)
				}
				// (TestForkHazardDefaultArgs checks forks without WithArgs.)
				c2 := hzFork(t, parent, f.opts(&c2Out)...)
				defer c2.Close(ctx)
				if got := hzRun(parent, &pOut); got != want {
					t.Errorf("the parent after forking:\n got status %d, err %q, stdout:\n%s\nwant status %d, err %q, stdout:\n%s",
						got.status, got.err, got.stdout, want.status, want.err, want.stdout)
				}
				if got := hzRun(c2, &c2Out); got != wantFork {
					t.Errorf("second fork, run after its parent ran:\n got status %d, err %q, stdout:\n%s\nwant status %d, err %q, stdout:\n%s",
						got.status, got.err, got.stdout, wantFork.status, wantFork.err, wantFork.stdout)
				}
			})
		}
	}
}

// TestForkHazardDefaultArgs: "its arguments default to p's" (Fork's
// documentation). The program's argv (WASI args_get, what wasi-libc's
// main gets) must then be the parent's, not empty.
func TestForkHazardDefaultArgs(t *testing.T) {
	ctx := context.Background()
	want, err := os.ReadFile("testdata/link/args/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"main.wasm"}, suitetest.Lines("testdata/link/args/args")...)
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir("testdata/link/args").WithSearchPath(".").WithMerge(m.merge))
			parent, err := l.Load(ctx, "main.wasm", wasmdl.WithArgs(args...))
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			var out bytes.Buffer
			child := hzFork(t, parent, wasmdl.WithStdout(&out), wasmdl.WithEnv("WASMDL_TEST_GREETING", "hello from env"))
			defer child.Close(ctx)
			status, err := child.Run(ctx)
			if err != nil || status != 0 || out.String() != string(want) {
				t.Errorf("fork without WithArgs of a parent loaded with %q: status %d, %v, printed:\n%s", args, status, err, out.String())
			}
		})
	}
}

// TestForkHazardLaunchRecord: a process started from a launch record
// (WithCacheDir, second load) has its libraries unparsed until libdl
// needs them; its forks must run, dlopen and dlsym as a fresh process.
func TestForkHazardLaunchRecord(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dir, lib, fn string
		args         []any
		want         int32
	}{
		{"testdata/dl/lazy", "libneedy.so", "needy_ok", nil, 7},
		{"testdata/dl/global", "libprov.so", "prov_fn", []any{5}, 1005},
		{"testdata/dl/dladdr", "libwhere.so", "where_plain", []any{5}, 6},
	} {
		dir := tc.dir
		t.Run(dir, func(t *testing.T) {
			want, err := os.ReadFile(dir + "/expected.stdout")
			if err != nil {
				t.Fatal(err)
			}
			cache := t.TempDir()
			cfg := wasmdl.NewConfig().WithDir(dir).WithSearchPath(".").WithCacheDir(cache)
			l := wasmdl.NewLinker(newRuntime(t), cfg)
			var out bytes.Buffer
			if status := runCase(t, l, "main.wasm", &out); status != 0 || out.String() != string(want) {
				t.Fatalf("first run: status %d\n%s", status, out.String())
			}
			if recs, _ := filepath.Glob(filepath.Join(cache, "wasmdl-launch-*", "*")); len(recs) != 1 {
				t.Fatalf("launch records after the first run: %v, want one", recs)
			}
			var pOut, cOut bytes.Buffer
			parent, err := l.Load(ctx, "main.wasm", wasmdl.WithStdout(&pOut))
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			// Arguments given explicitly: TestForkHazardDefaultArgs checks
			// the default.
			child := hzFork(t, parent, wasmdl.WithStdout(&cOut), wasmdl.WithArgs("main.wasm"))
			defer child.Close(ctx)
			// A Go-side dlopen and dlsym in a second fork: they make the
			// fork parse its libraries.
			c2 := hzFork(t, parent)
			defer c2.Close(ctx)
			lib := hzOpen(t, c2, tc.lib, wasmdl.Lazy)
			if got := hzLibCall(t, lib, tc.fn, tc.args...); got != tc.want {
				t.Errorf("%s%v in a fork of a launched process = %d, want %d", tc.fn, tc.args, got, tc.want)
			}
			for who, p := range map[string]*wasmdl.Process{"fork": child, "parent": parent} {
				buf := &cOut
				if who == "parent" {
					buf = &pOut
				}
				status, err := p.Run(ctx)
				if err != nil || status != 0 || buf.String() != string(want) {
					t.Errorf("%s: status %d, %v\n%s", who, status, err, buf.String())
				}
			}
		})
	}
}

// ------------------------------------------------- 6: host-grown memory

// TestForkHazardHostGrownMemory: the host grows the parent's memory and
// fills the new pages with its own data, then forks; the fork grows more
// and fills that too. The malloc-heavy program then runs in the fork and
// in the parent: each must print what it prints alone, and the host's
// pages must come out of the run untouched (they are the host's, never
// the program's heap).
func TestForkHazardHostGrownMemory(t *testing.T) {
	longUnderRace(t)
	ctx := context.Background()
	lazy20, pie20, noalloc := stressCases(t)
	type run struct {
		sc        stressCase
		merge     bool
		runParent bool
	}
	// The parent's own run (a control: no fork involved) only where it is
	// cheap.
	runs := []run{{lazy20, true, false}, {noalloc, false, true}, {noalloc, true, true}}
	if !testing.Short() {
		runs = append(runs, run{pie20, false, false})
	}
	for _, r := range runs {
		mode := "merged"
		if !r.merge {
			mode = "separate"
		}
		t.Run(r.sc.variant+"/"+mode, func(t *testing.T) {
			l := stressLinker(t, r.sc.variant, r.merge)
			var pOut, cOut syncBuf
			parent, err := l.Load(ctx, "main.wasm", wasmdl.WithStdout(&pOut), wasmdl.WithArgs(r.sc.args...))
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			pm := parent.Memory()
			pStart, ok := pm.Grow(5)
			if !ok {
				t.Fatal("cannot grow the parent")
			}
			pStart *= 65536
			pm.Write(pStart, hzPattern(pStart, 5*65536, 0x77))

			child := hzFork(t, parent, wasmdl.WithStdout(&cOut), wasmdl.WithArgs(r.sc.args...))
			defer child.Close(ctx)
			cm := child.Memory()
			cStart, ok := cm.Grow(2)
			if !ok {
				t.Fatal("cannot grow the fork")
			}
			cStart *= 65536
			cm.Write(cStart, hzPattern(cStart, 2*65536, 0x99))

			status, err := child.Run(ctx)
			if err != nil || status != 0 || cOut.String() != r.sc.want {
				t.Errorf("fork: status %d, %v\n%s", status, err, cOut.String())
			}
			if got, _ := cm.Read(pStart, 5*65536); !bytes.Equal(got, hzPattern(pStart, 5*65536, 0x77)) {
				var over []string
				for _, reg := range child.Layout() {
					if reg.Kind != "table" && reg.Start < uint64(pStart)+5*65536 && reg.End > uint64(pStart) {
						over = append(over, fmt.Sprintf("%s %s [%#x,%#x)", reg.Module, reg.Kind, reg.Start, reg.End))
					}
				}
				t.Errorf("the fork's run overwrote the pages [%#x,%#x) its parent's host grew: %v; placed there now: %v",
					pStart, pStart+5*65536, hzDiff(got, hzPattern(pStart, 5*65536, 0x77)), over)
			}
			if got, _ := cm.Read(cStart, 2*65536); !bytes.Equal(got, hzPattern(cStart, 2*65536, 0x99)) {
				t.Errorf("the fork's run overwrote the pages its host grew")
			}
			if !r.runParent {
				return
			}
			status, err = parent.Run(ctx)
			if err != nil || status != 0 || pOut.String() != r.sc.want {
				t.Errorf("parent: status %d, %v\n%s", status, err, pOut.String())
			}
			if got, _ := pm.Read(pStart, 5*65536); !bytes.Equal(got, hzPattern(pStart, 5*65536, 0x77)) {
				t.Errorf("the parent's run overwrote the pages its host grew")
			}
		})
	}
}

// TestForkHazardProgramGrownMemory: the program's own malloc grows the
// memory (memory.grow, the program's pages) before the fork; the host
// fills the block. Libraries opened afterwards, in the parent or in the
// fork, must be placed elsewhere: the block must come out intact, and
// the libraries' data must be theirs (libbig.so finds its 1 MiB zeroed).
func TestForkHazardProgramGrownMemory(t *testing.T) {
	ctx := context.Background()
	const blockSize = 3 << 20
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			parent := pluginParent(t, m.merge)
			before := parent.Memory().Size()
			block := uint32(hzCall(t, parent, "malloc", blockSize))
			if block == 0 || parent.Memory().Size() <= before {
				t.Fatalf("malloc(%d) = %#x, memory %d -> %d bytes: the program did not grow the memory", blockSize, block, before, parent.Memory().Size())
			}
			fill := hzPattern(block, blockSize, 0x5B)
			parent.Memory().Write(block, fill)
			child := hzFork(t, parent)
			defer child.Close(ctx)
			for _, p := range []struct {
				who string
				p   *wasmdl.Process
			}{{"fork", child}, {"parent", parent}} {
				for _, name := range []string{"libbig.so", "libplugin.so", "libgreet.so", "libtools.so"} {
					lib := hzOpen(t, p.p, name, wasmdl.Now)
					if name == "libbig.so" {
						if hzLibCall(t, lib, "big_touch") != 1 {
							t.Errorf("%s: libbig.so's data was not zero when it loaded (placed over used memory)", p.who)
						}
					}
				}
				got, _ := p.p.Memory().Read(block, blockSize)
				if err := hzDiff(got, fill); err != nil {
					t.Errorf("%s: the malloc'd block [%#x,%#x) was overwritten by libraries opened after the fork (offsets in the block): %v", p.who, block, block+blockSize, err)
				}
				for _, r := range p.p.Layout() {
					if r.Kind != "table" && r.Module != "host.wasm" && r.Start < uint64(block)+blockSize && r.End > uint64(block) {
						t.Errorf("%s: %s's %s [%#x,%#x) overlaps the program's malloc'd block [%#x,%#x)", p.who, r.Module, r.Kind, r.Start, r.End, block, block+blockSize)
					}
				}
			}
		})
	}
}

// ------------------------------------------------ more Fork hazards

// TestForkHazardLazyBinding: a library opened with RTLD_LAZY binds its
// undefined functions when they are called (glibc's lazy binding). In a
// fork, a call must bind exactly as in the parent: to the definition the
// parent opened before forking, or to one the fork opens itself.
func TestForkHazardLazyBinding(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir("testdata/dl/lazy").WithSearchPath(".").WithMerge(m.merge))
			needy := func(p *wasmdl.Process, x int32) (int32, error) {
				lib, err := p.Open(ctx, "libneedy.so", wasmdl.Lazy|wasmdl.NoLoad)
				if err != nil {
					return 0, err
				}
				defer lib.Close(ctx)
				s, err := lib.Lookup(ctx, "needy")
				if err != nil {
					return 0, err
				}
				res, err := s.Call(ctx, x)
				if err != nil {
					return 0, err
				}
				return res[0].(int32), nil
			}

			// Bound in the parent before the fork.
			parent, err := l.Load(ctx, "main.wasm")
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			n := hzOpen(t, parent, "libneedy.so", wasmdl.Lazy)
			if got := hzLibCall(t, n, "needy_ok"); got != 7 {
				t.Fatalf("needy_ok = %d", got)
			}
			hzOpen(t, parent, "libprov.so", wasmdl.Now|wasmdl.Global)
			if got, err := needy(parent, 4); err != nil || got != 41 {
				t.Fatalf("parent needy(4) = %d, %v", got, err)
			}
			child := hzFork(t, parent)
			defer child.Close(ctx)
			if got, err := needy(child, 5); err != nil || got != 51 {
				t.Errorf("fork, definition opened by the parent: needy(5) = %d, %v; want 51", got, err)
			}
			if got, err := needy(parent, 6); err != nil || got != 61 {
				t.Errorf("parent after the fork: needy(6) = %d, %v; want 61", got, err)
			}

			// Not bound before the fork: the fork opens the definition.
			p2, err := l.Load(ctx, "main.wasm")
			if err != nil {
				t.Fatal(err)
			}
			defer p2.Close(ctx)
			hzOpen(t, p2, "libneedy.so", wasmdl.Lazy)
			c2 := hzFork(t, p2)
			defer c2.Close(ctx)
			hzOpen(t, c2, "libprov.so", wasmdl.Now|wasmdl.Global)
			if got, err := needy(c2, 4); err != nil || got != 41 {
				t.Errorf("fork, definition opened by the fork: needy(4) = %d, %v; want 41", got, err)
			}
		})
	}
}

// TestForkHazardTLS: thread-local data (a library's TLS block, its
// __tls_base, shared memory) continues in a fork where the parent left it.
func TestForkHazardTLS(t *testing.T) {
	ctx := context.Background()
	want, err := os.ReadFile("testdata/link/tls/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir("testdata/link/tls").WithSearchPath(".").WithMerge(m.merge))
			parent, err := l.Load(ctx, "main.wasm")
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			// A fork of the untouched parent runs the program as Linux did.
			var out bytes.Buffer
			c0 := hzFork(t, parent, wasmdl.WithStdout(&out))
			if status, err := c0.Run(ctx); err != nil || status != 0 || out.String() != string(want) {
				t.Errorf("fork run: status %d, %v\n%s", status, err, out.String())
			}
			c0.Close(ctx)

			if a, b := hzCall(t, parent, "tls_next"), hzCall(t, parent, "tls_next"); a != 42 || b != 43 {
				t.Fatalf("parent tls_next = %d, %d", a, b)
			}
			addr := hzCall(t, parent, "tls_counter_addr")
			child := hzFork(t, parent)
			defer child.Close(ctx)
			if got := hzCall(t, child, "tls_counter_addr"); got != addr {
				t.Errorf("tls_counter_addr: fork %#x, parent %#x", got, addr)
			}
			if got := hzCall(t, child, "tls_next"); got != 44 {
				t.Errorf("fork tls_next = %d, want 44", got)
			}
			if got := hzCall(t, child, "tls_next"); got != 45 {
				t.Errorf("fork tls_next = %d, want 45", got)
			}
			if got := hzCall(t, parent, "tls_next"); got != 44 {
				t.Errorf("parent tls_next after the fork's calls = %d, want 44", got)
			}
			grand := hzFork(t, child)
			defer grand.Close(ctx)
			if got := hzCall(t, grand, "tls_next"); got != 46 {
				t.Errorf("grandchild tls_next = %d, want 46", got)
			}
			// The TLS counter through memory: the fork's own copy.
			v, _ := grand.Memory().ReadUint32Le(uint32(addr))
			pv, _ := parent.Memory().ReadUint32Le(uint32(addr))
			if v != 46 || pv != 44 {
				t.Errorf("tls_counter in memory: grandchild %d, parent %d; want 46, 44", v, pv)
			}
		})
	}
}

// TestForkHazardEmptyProcess: a plugin host without a program
// (LoadEmpty) forks too; the fork's plugins print to its own stdout.
func TestForkHazardEmptyProcess(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			var pOut, cOut syncBuf
			cfg := wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithMerge(m.merge).WithHostFuncs(logFunc)
			parent, err := wasmdl.NewLinker(newRuntime(t), cfg).LoadEmpty(ctx, wasmdl.WithStdout(&pOut))
			if err != nil {
				t.Fatal(err)
			}
			defer parent.Close(ctx)
			hzOpen(t, parent, "libtools.so", wasmdl.Now|wasmdl.Global)
			hzOpen(t, parent, "libplugin.so", wasmdl.Now|wasmdl.Global)
			hzCall(t, parent, "count")
			hzCall(t, parent, "plugin_apply", 1)
			child := hzFork(t, parent, wasmdl.WithStdout(&cOut))
			defer child.Close(ctx)
			if got := hzCall(t, child, "say_hello"); got != 20 {
				t.Errorf("fork say_hello = %d", got)
			}
			if got := hzCall(t, child, "count"); got != 2 {
				t.Errorf("fork count = %d, want 2", got)
			}
			if got := hzCall(t, child, "plugin_apply", 1); got != 12 {
				t.Errorf("fork plugin_apply = %d, want 12", got)
			}
			if cOut.String() != "hello from a plugin\n" || pOut.String() != "" {
				t.Errorf("fork printed %q, parent %q", cOut.String(), pOut.String())
			}
			// The stack pointer: the same in both, where a call leaves it.
			sp1, sp2 := hzCall(t, parent, "stack_probe"), hzCall(t, child, "stack_probe")
			if sp1 != sp2 {
				t.Errorf("stack_probe: parent %#x, fork %#x", sp1, sp2)
			}
		})
	}
}

// TestForkHazardForkFromHostFunction: a host function may call back into
// its own process with the context it was given (HostFunc's contract).
// Forking from there must either work or fail; it must not hang.
func TestForkHazardForkFromHostFunction(t *testing.T) {
	ctx := context.Background()
	type forked struct {
		child *wasmdl.Process
		err   error
	}
	got := make(chan forked, 4)
	logFork := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
		Func: func(ctx context.Context, p *wasmdl.Process, stack []uint64) {
			c, err := p.Fork(ctx)
			got <- forked{c, err}
		}}
	// No Cleanup that closes the runtime or the process: if Fork hangs,
	// they are held by the stuck call and closing them would hang too.
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	cfg := wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithHostFuncs(logFork)
	p, err := wasmdl.NewLinker(rt, cfg).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lib := hzOpen(t, p, "libtools.so", wasmdl.Now|wasmdl.Global)
	s, err := lib.Lookup(ctx, "log_twice")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		res, err := s.Call(ctx, 5)
		if err == nil && res[0].(int32) != 6 {
			err = fmt.Errorf("log_twice(5) = %d, want 6", res[0])
		}
		done <- err
	}()
	select {
	case err := <-done:
		defer rt.Close(ctx)
		defer p.Close(ctx)
		if err != nil {
			t.Errorf("log_twice with a fork in host_log: %v", err)
		}
		close(got)
		n := 0
		for f := range got {
			n++
			if f.err != nil {
				continue // refusing is fine
			}
			if c := hzCall(t, f.child, "count"); c != 1 {
				t.Errorf("fork made inside a host function: count = %d, want 1", c)
			}
			f.child.Close(ctx)
		}
		if n != 2 {
			t.Errorf("host_log ran %d times, want 2", n)
		}
	case <-time.After(5 * time.Second):
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		where := "(not found in the goroutine dump)"
		for _, l := range strings.Split(string(buf), "\n") {
			if strings.Contains(l, "internal/link/fork.go:") {
				where = strings.TrimSpace(l)
				break
			}
		}
		t.Errorf("Process.Fork called from a host function of the same process did not return in 5 s (deadlock), blocked at %s", where)
	}
}

// TestForkHazardConcurrentForks: many goroutines fork one parent at once
// (they share its image) and call into their forks; every fork starts
// from the parent's state, and the parent is untouched.
func TestForkHazardConcurrentForks(t *testing.T) {
	ctx := context.Background()
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			parent := pluginParent(t, m.merge, "libplugin.so", "libgreet.so", "libtools.so")
			if got := hzCall(t, parent, "plugin_apply", 10); got != 101 {
				t.Fatalf("plugin_apply = %d", got)
			}
			const workers, rounds = 6, 4
			errs := make(chan error, workers*rounds)
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < rounds; r++ {
						var out syncBuf
						c, err := parent.Fork(ctx, wasmdl.WithStdout(&out))
						if err != nil {
							errs <- err
							return
						}
						res := func(name string, args ...any) int32 {
							s, err := c.Lookup(ctx, name)
							if err != nil {
								errs <- err
								return -1
							}
							v, err := s.Call(ctx, args...)
							if err != nil {
								errs <- err
								return -1
							}
							return v[0].(int32)
						}
						a, b := res("plugin_apply", 10), res("plugin_apply", 10)
						n := res("count")
						g := res("greet", w*100+r)
						if a != 102 || b != 103 || n != 1 || g != int32(2*(w*100+r)) || out.String() != fmt.Sprintf("greetings number %d\n", w*100+r) {
							errs <- fmt.Errorf("worker %d round %d: plugin_apply %d %d, count %d, greet %d, printed %q", w, r, a, b, n, g, out.String())
						}
						c.Close(ctx)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := hzCall(t, parent, "plugin_apply", 10); got != 102 {
				t.Errorf("parent plugin_apply after %d forks = %d, want 102", workers*rounds, got)
			}
			if got := hzCall(t, parent, "count"); got != 1 {
				t.Errorf("parent count = %d, want 1", got)
			}
		})
	}
}

// TestForkHazardImageReleased: the frozen image a fork is made from is a
// memfd as large as the parent's memory. Once the parent and its forks
// are closed, no image may remain open.
func TestForkHazardImageReleased(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("memfd images are Linux only")
	}
	ctx := context.Background()
	count := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip(err)
		}
		n := 0
		for _, e := range entries {
			if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.Contains(target, "wasmdl-image") {
				n++
			}
		}
		return n
	}
	for _, m := range hzModes {
		t.Run(m.name, func(t *testing.T) {
			before := count()
			rt := newRuntime(t)
			for i := 0; i < 3; i++ {
				parent := pluginHost(t, rt, m.merge)
				hzOpen(t, parent, "libplugin.so", wasmdl.Now|wasmdl.Global)
				c := hzFork(t, parent)
				if got := hzCall(t, c, "plugin_apply", 1); got != 11 {
					t.Errorf("plugin_apply = %d", got)
				}
				g := hzFork(t, c) // the fork makes its own image
				g.Close(ctx)
				c.Close(ctx)
				parent.Close(ctx)
			}
			runtime.GC()
			if after := count(); after > before {
				t.Errorf("%d memory images still open after every process was closed (%d before)", after-before, before)
			}
		})
	}
}

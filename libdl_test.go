package wasmdl_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wasmdl/wasmdl"
)

func pluginProcess(t testing.TB) *wasmdl.Process {
	t.Helper()
	ctx := context.Background()
	p, err := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin")).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p
}

func call(t testing.TB, s *wasmdl.Symbol, args ...uint64) int32 {
	t.Helper()
	res, err := s.Function().Call(context.Background(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return int32(res[0])
}

// TestStaleFunctionPointer: after dlclose the library's slots trap with a
// message naming it, rather than calling into a closed module.
func TestStaleFunctionPointer(t *testing.T) {
	ctx := context.Background()
	p := pluginProcess(t)
	lib, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	sym, err := lib.Lookup(ctx, "plugin_apply")
	if err != nil {
		t.Fatal(err)
	}
	if !sym.Func || sym.Address == 0 || sym.Module != "libplugin.so" {
		t.Fatalf("symbol %+v", sym)
	}
	if got := call(t, sym, 1); got != 11 {
		t.Fatalf("plugin_apply(1) = %d", got)
	}
	slot := sym.Address
	if err := lib.Close(ctx); err != nil {
		t.Fatal(err)
	}
	lib2, err := p.Open(ctx, "libplugin2.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer lib2.Close(ctx)
	sym2, err := lib2.Lookup(ctx, "plugin_apply")
	if err != nil {
		t.Fatal(err)
	}
	if sym2.Address == slot {
		t.Logf("slot %d reused by the next library, as memory is", slot)
	}
	if _, err := lib.Lookup(ctx, "plugin_apply"); err == nil {
		t.Fatal("lookup in a closed library succeeded")
	}
	if err := lib.Close(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("second close: %v", err)
	}
}

// TestOpenFailureLeavesProcessUnchanged: a library with an undefined
// symbol fails with Now, and nothing of it remains.
func TestOpenFailureLeavesProcessUnchanged(t *testing.T) {
	ctx := context.Background()
	p, err := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/dl/errors")).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	before := p.Layout()
	_, err = p.Open(ctx, "libundef.so", wasmdl.Now)
	if err == nil || !strings.Contains(err.Error(), "undefined symbol") {
		t.Fatalf("open: %v", err)
	}
	if after := p.Layout(); len(after) != len(before) {
		t.Fatalf("layout changed after a failed open:\nbefore %v\nafter  %v", before, after)
	}
	for _, tc := range []struct {
		name  string
		flags wasmdl.Flags
		want  string
	}{
		{"libnope.so", wasmdl.Now, "No such file or directory"},
		{"libplain.so", wasmdl.Now, "not a position-independent shared library"},
		{"libundef.so", wasmdl.Global, "invalid mode"},
	} {
		if _, err := p.Open(ctx, tc.name, tc.flags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s): %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestOpenConcurrently: Open, Lookup and Close from several goroutines on
// one process take turns.
func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	p := pluginProcess(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				lib, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := lib.Lookup(ctx, "plugin_version"); err != nil {
					t.Error(err)
				}
				if err := lib.Close(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// dlopenCycles opens and closes the 1 MiB library n times, checking each
// load finds its data zeroed, and returns the memory size afterwards.
func dlopenCycles(t testing.TB, p *wasmdl.Process, n int) uint32 {
	ctx := context.Background()
	for i := 0; i < n; i++ {
		lib, err := p.Open(ctx, "libbig.so", wasmdl.Now)
		if err != nil {
			t.Fatal(err)
		}
		touch, err := lib.Lookup(ctx, "big_touch")
		if err != nil {
			t.Fatal(err)
		}
		if call(t, touch) != 1 {
			t.Fatalf("cycle %d: the library's data was not zero when it loaded", i)
		}
		if err := lib.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return p.Memory().Size()
}

// TestDlopenCyclesFlat: repeated dlopen/dlclose of a library with 1 MiB of
// data reuses its memory and table slots: guest memory and host heap stay
// flat. (BenchmarkDlopenCycle runs 100,000 cycles the same way.)
func TestDlopenCyclesFlat(t *testing.T) {
	p := pluginProcess(t)
	n := 2000
	if testing.Short() || raceEnabled {
		n = 300
	}
	memAfterWarmup := dlopenCycles(t, p, 20)
	heapBefore := heapAlloc()
	memAfter := dlopenCycles(t, p, n)
	heapAfter := heapAlloc()
	if memAfter != memAfterWarmup {
		t.Errorf("guest memory grew from %d to %d bytes over %d cycles", memAfterWarmup, memAfter, n)
	}
	if heapAfter > heapBefore+4<<20 {
		t.Errorf("host heap grew from %d to %d bytes over %d cycles", heapBefore, heapAfter, n)
	}
	t.Logf("%d cycles: guest memory %d bytes, host heap %d -> %d bytes", n, memAfter, heapBefore, heapAfter)
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkDlopenCycle measures one dlopen + dlsym + call + dlclose of the
// 1 MiB library; run with -benchtime=100000x for README's figure. It
// reports guest memory and host heap growth over the whole run.
func BenchmarkDlopenCycle(b *testing.B) {
	p := pluginProcess(b)
	dlopenCycles(b, p, 20)
	heapBefore := heapAlloc()
	memBefore := p.Memory().Size()
	b.ResetTimer()
	memAfter := dlopenCycles(b, p, b.N)
	b.StopTimer()
	heapAfter := heapAlloc()
	b.ReportMetric(float64(int64(memAfter)-int64(memBefore)), "guest-mem-growth-B")
	b.ReportMetric(float64(int64(heapAfter)-int64(heapBefore)), "host-heap-growth-B")
}

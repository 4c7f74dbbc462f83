package bench

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/bench/internal/floor"
)

// Every benchmark that compares against a floor runs both in the same loop,
// one iteration each in turn, and reports ns/op for wasmdl alone plus the
// floor and the ratio (ReportMetric). -floor=false leaves the floor out:
// then ns/op, B/op and allocs/op and a -cpuprofile are wasmdl's alone.
var withFloor = flag.Bool("floor", true, "run the floor in the same loop and report ratios")

// buildRoot holds one folder per N, made by ./gen.
var buildRoot = func() string {
	if d := os.Getenv("WASMDL_BENCH_BUILD"); d != "" {
		return d
	}
	return "build"
}()

type program struct {
	n        int
	dir      string // build/N
	dyn      string // build/N/dyn
	main     string // build/N/dyn/main.wasm
	static   string // build/N/static/static.wasm
	expected string // what the program prints
}

// need returns the built N-library program or skips the benchmark.
func need(tb testing.TB, n int) *program {
	tb.Helper()
	dir := filepath.Join(buildRoot, strconv.Itoa(n))
	exp, err := os.ReadFile(filepath.Join(dir, "expected.stdout"))
	if _, serr := os.Stat(filepath.Join(dir, "stamp")); serr != nil || err != nil {
		tb.Skipf("no build of the %d-library program in %s: run `go run ./bench/gen -n %d` in the repository root (or `make bench`)", n, dir, n)
	}
	return &program{
		n: n, dir: dir, dyn: filepath.Join(dir, "dyn"), main: filepath.Join(dir, "dyn", "main.wasm"),
		static: filepath.Join(dir, "static", "static.wasm"), expected: string(exp),
	}
}

// outBuf keeps what a program printed; the benchmarks check it once.
type outBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *outBuf) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *outBuf) take() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.b.String()
	o.b.Reset()
	return s
}

func newRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
}

// benchLinker is a Linker whose processes print to out.
type benchLinker struct {
	*wasmdl.Linker
	out io.Writer
}

func (l benchLinker) load(ctx context.Context, main string) (*wasmdl.Process, error) {
	return l.Load(ctx, main, wasmdl.WithStdout(l.out), wasmdl.WithStderr(os.Stderr))
}

func newLinker(rt wazero.Runtime, p *program, out io.Writer) benchLinker {
	return newLinkerWith(rt, p, out, wasmdl.NewConfig())
}

// newLinkerWith is newLinker starting from cfg.
func newLinkerWith(rt wazero.Runtime, p *program, out io.Writer, cfg wasmdl.Config) benchLinker {
	return benchLinker{wasmdl.NewLinker(rt, cfg.WithSearchPath(p.dyn)), out}
}

// loadRun is one start of the program: Load, Run, Close.
func loadRun(tb testing.TB, ctx context.Context, l benchLinker, p *program) {
	proc, err := l.load(ctx, p.main)
	if err != nil {
		tb.Fatalf("load %s: %v", p.main, err)
	}
	status, err := proc.Run(ctx)
	if err != nil || status != 0 {
		tb.Fatalf("run %s: status %d, %v", p.main, status, err)
	}
	if err := proc.Close(ctx); err != nil {
		tb.Fatalf("close: %v", err)
	}
}

// checkOutput runs the program once and compares its output with the
// checksum the generator computed.
func checkOutput(tb testing.TB, ctx context.Context, l benchLinker, p *program, out *outBuf) {
	out.take()
	loadRun(tb, ctx, l, p)
	if got := out.take(); got != p.expected {
		tb.Fatalf("%s printed %q, want %q", p.main, got, p.expected)
	}
}

// newFloor compiles the program's modules and instantiates the stubs in a
// runtime of its own.
func newFloor(tb testing.TB, ctx context.Context, p *program) (*floor.Floor, wazero.Runtime) {
	prog, err := floor.Read(p.main, p.dyn)
	if err != nil {
		tb.Fatal(err)
	}
	rt := newRuntime(ctx)
	f, err := floor.New(ctx, rt, prog)
	if err != nil {
		rt.Close(ctx)
		tb.Fatal(err)
	}
	return f, rt
}

func floorOnce(tb testing.TB, ctx context.Context, f *floor.Floor) {
	mods, err := f.Instantiate(ctx, nil)
	if err != nil {
		tb.Fatalf("floor: %v", err)
	}
	floor.Close(ctx, mods)
}

var sizes = []int{10, 100, 1000}

// BenchmarkInProcessWarm: Load+Run+Close of the N-library program with one
// Linker reused (its in-memory caches warm: nothing is parsed or compiled),
// against the bare instantiate floor: the same N+1 compiled modules
// instantiated with plain wazero, imports satisfied by stub modules made
// once outside the loop. Reports x-floor (target: N=100 within 1.5x) and
// link-us/lib = (wasmdl - floor) / N (target: under 20 us).
func BenchmarkInProcessWarm(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			p := need(b, n)
			ctx := context.Background()
			rt := newRuntime(ctx)
			defer rt.Close(ctx)
			out := &outBuf{}
			l := newLinker(rt, p, out)
			checkOutput(b, ctx, l, p, out) // also warms the Linker's caches
			var f *floor.Floor
			if *withFloor {
				var frt wazero.Runtime
				f, frt = newFloor(b, ctx, p)
				defer frt.Close(ctx)
				floorOnce(b, ctx, f)
			} else {
				b.ReportAllocs()
			}
			runtime.GC()
			b.ResetTimer()
			var tw, tf total
			for i := 0; i < b.N; i++ {
				t := now()
				loadRun(b, ctx, l, p)
				t = tw.add(t)
				if f != nil {
					floorOnce(b, ctx, f)
					tf.add(t)
				}
				out.take()
			}
			b.StopTimer()
			if f != nil {
				report(b, tw, tf, "floor")
				per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(n) / 1e3 }
				b.ReportMetric(per(tw.wall-tf.wall), "link-us/lib")
				if tf.cpu > 0 {
					b.ReportMetric(per(tw.cpu-tf.cpu), "cpu-link-us/lib")
				}
			}
		})
	}
}

// stamp is a point in wall-clock and process CPU time.
type stamp struct {
	wall time.Time
	cpu  time.Duration
}

func now() stamp { return stamp{time.Now(), processCPU()} }

// total adds up the wall and CPU time of one side of a comparison.
type total struct{ wall, cpu time.Duration }

// add adds the time from a to now and returns now.
func (t *total) add(a stamp) stamp {
	b := now()
	t.wall += b.wall.Sub(a.wall)
	t.cpu += b.cpu - a.cpu
	return b
}

// report sets ns/op to wasmdl's wall time alone and adds the floor's, the
// ratio x-WHAT, and the same from process CPU time (cpu-x-WHAT), which other
// processes on a busy machine disturb less.
func report(b *testing.B, w, f total, what string) {
	n := float64(b.N)
	b.ReportMetric(float64(w.wall.Nanoseconds())/n, "ns/op")
	b.ReportMetric(float64(f.wall.Nanoseconds())/n, what+"-ns/op")
	b.ReportMetric(float64(w.wall)/float64(f.wall), "x-"+what)
	if f.cpu > 0 {
		b.ReportMetric(float64(w.cpu.Nanoseconds())/n, "cpu-ns/op")
		b.ReportMetric(float64(w.cpu)/float64(f.cpu), "cpu-x-"+what)
	}
}

// BenchmarkColdStart: a fresh Runtime and Linker each iteration, nothing
// cached (Load+Run+Close, then closing the Linker and Runtime), against
// compiling the same N+1 modules with plain wazero in a fresh Runtime, one
// after the other (x-compile; target: at most 1.15) and spread over
// GOMAXPROCS goroutines (x-pcompile: wasmdl compiles in parallel too).
func BenchmarkColdStart(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			p := need(b, n)
			ctx := context.Background()
			prog, err := floor.Read(p.main, p.dyn)
			if err != nil {
				b.Fatal(err)
			}
			out := &outBuf{}
			if !*withFloor {
				b.ReportAllocs()
			}
			var tw, tf, tp total
			for i := 0; i < b.N; i++ {
				t := now()
				rt := newRuntime(ctx)
				l := newLinker(rt, p, out)
				if i == 0 {
					checkOutput(b, ctx, l, p, out)
				} else {
					loadRun(b, ctx, l, p)
				}
				l.Close(ctx)
				rt.Close(ctx)
				t = tw.add(t)
				if *withFloor {
					rt := newRuntime(ctx)
					if _, err := floor.Compile(ctx, rt, prog); err != nil {
						b.Fatal(err)
					}
					rt.Close(ctx)
					t = tf.add(t)
					rt = newRuntime(ctx)
					if _, err := floor.CompileParallel(ctx, rt, prog, runtime.GOMAXPROCS(0)); err != nil {
						b.Fatal(err)
					}
					rt.Close(ctx)
					tp.add(t)
				}
				out.take()
			}
			if *withFloor {
				report(b, tw, tf, "compile")
				b.ReportMetric(float64(tp.wall.Nanoseconds())/float64(b.N), "pcompile-ns/op")
				b.ReportMetric(float64(tw.wall)/float64(tp.wall), "x-pcompile")
				if tp.cpu > 0 {
					b.ReportMetric(float64(tw.cpu)/float64(tp.cpu), "cpu-x-pcompile")
				}
			}
		})
	}
}

// BenchmarkFileCacheWarm is `wasmdl run` with a warm --cache-dir, minus the
// process: each iteration a fresh Runtime with a wazero file compilation
// cache filled beforehand, a fresh Linker, Load+Run+Close; against the
// floor doing the same without linking (a fresh Runtime on the same cache,
// compile the N+1 modules and the stubs, instantiate). It is the in-process
// part of the whole-process comparison of run.sh (target there: within
// 1.3x of the floor at N=100), and the one to profile.
func BenchmarkFileCacheWarm(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			p := need(b, n)
			ctx := context.Background()
			prog, err := floor.Read(p.main, p.dyn)
			if err != nil {
				b.Fatal(err)
			}
			dir := b.TempDir()
			runtimeWithCache := func() wazero.Runtime {
				cache, err := wazero.NewCompilationCacheWithDir(dir)
				if err != nil {
					b.Fatal(err)
				}
				return wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig().WithCompilationCache(cache))
			}
			out := &outBuf{}
			flr := func() {
				rt := runtimeWithCache()
				f, err := floor.New(ctx, rt, prog)
				if err != nil {
					b.Fatal(err)
				}
				floorOnce(b, ctx, f)
				rt.Close(ctx)
			}
			// Fill the cache (wasmdl's modules, the generated ones, the floor's).
			rt := runtimeWithCache()
			// As `wasmdl run --cache-dir`: wazero's cache and the merged program's.
			cfg := wasmdl.NewConfig().WithCacheDir(dir)
			checkOutput(b, ctx, newLinkerWith(rt, p, out, cfg), p, out)
			rt.Close(ctx)
			flr()
			if !*withFloor {
				b.ReportAllocs()
			}
			b.ResetTimer()
			var tw, tf total
			for i := 0; i < b.N; i++ {
				t := now()
				rt := runtimeWithCache()
				loadRun(b, ctx, newLinkerWith(rt, p, out, cfg), p)
				rt.Close(ctx)
				t = tw.add(t)
				if *withFloor {
					flr()
					tf.add(t)
				}
				out.take()
			}
			b.StopTimer()
			if *withFloor {
				report(b, tw, tf, "floor")
			}
		})
	}
}

// BenchmarkSteadyState: the call-heavy loop bench_loop (calls across every
// library, through function pointers, with GOT data loads) in the program
// loaded by wasmdl against the same C linked statically into one module,
// both on wazero; only the loop is timed. Reports x-static (target: 1.05).
func BenchmarkSteadyState(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			p := need(b, n)
			ctx := context.Background()
			proc := loadFor(b, p)
			loop, err := proc.Lookup(ctx, "bench_loop")
			if err != nil {
				b.Fatal(err)
			}
			dyn := loop.Function()

			srt := newRuntime(ctx)
			defer srt.Close(ctx)
			wasi_snapshot_preview1.MustInstantiate(ctx, srt)
			data, err := os.ReadFile(p.static)
			if err != nil {
				b.Fatal(err)
			}
			smod, err := srt.InstantiateWithConfig(ctx, data, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
			if err != nil {
				b.Fatal(err)
			}
			static := smod.ExportedFunction("bench_loop")
			if dyn == nil || static == nil {
				b.Fatal("bench_loop is not exported")
			}
			// About 300k calls per loop whatever N.
			iters := uint64(max(1, 100000/n))
			call := func(fn api.Function) uint64 {
				res, err := fn.Call(ctx, iters)
				if err != nil {
					b.Fatal(err)
				}
				return res[0]
			}
			if d, s := call(dyn), call(static); d != s {
				b.Fatalf("bench_loop(%d): wasmdl %d, static %d", iters, d, s)
			}
			b.ResetTimer()
			var tw, ts total
			for i := 0; i < b.N; i++ {
				first, second, t1, t2 := dyn, static, &tw, &ts
				if *withFloor && i%2 == 1 {
					first, second, t1, t2 = static, dyn, &ts, &tw
				}
				t := now()
				call(first)
				t = t1.add(t)
				if *withFloor {
					call(second)
					t2.add(t)
				}
			}
			b.StopTimer()
			if *withFloor {
				report(b, tw, ts, "static")
			}
			b.ReportMetric(float64(tw.wall.Nanoseconds())/float64(b.N)/float64(iters*3*uint64(n)), "ns/call")
		})
	}
}

// smallest returns the smallest built program, for the libdl benchmarks.
func smallest(b *testing.B) *program {
	for _, n := range []int{10, 100, 1000} {
		dir := filepath.Join(buildRoot, strconv.Itoa(n))
		if _, err := os.Stat(filepath.Join(dir, "stamp")); err == nil {
			return need(b, n)
		}
	}
	return need(b, 10) // skips with the message
}

// loadSmallest loads the smallest built program into a process that lives
// until the benchmark ends.
func loadSmallest(b *testing.B) (*program, *wasmdl.Process) {
	p := smallest(b)
	return p, loadFor(b, p)
}

// loadFor loads program p into a process, on a runtime of its own, that
// lives until the benchmark (or sub-benchmark) ends.
func loadFor(b *testing.B, p *program) *wasmdl.Process {
	return loadForWith(b, p, wasmdl.NewConfig())
}

// loadForWith is loadFor with a Linker made from cfg.
func loadForWith(b *testing.B, p *program, cfg wasmdl.Config) *wasmdl.Process {
	ctx := context.Background()
	rt := newRuntime(ctx)
	b.Cleanup(func() { rt.Close(ctx) })
	proc, err := newLinkerWith(rt, p, io.Discard, cfg).load(ctx, p.main)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { proc.Close(ctx) })
	return proc
}

// BenchmarkDlsym: Process.Lookup of a function already placed (in the
// middle library). Target: under 1 us.
func BenchmarkDlsym(b *testing.B) {
	p, proc := loadSmallest(b)
	ctx := context.Background()
	name := fmt.Sprintf("f_%d_3", p.n/2)
	if s, err := proc.Lookup(ctx, name); err != nil || s.Function() == nil {
		b.Fatalf("lookup %s: %v", name, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := proc.Lookup(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDlopen: Process.Open + Library.Close of libextra.so, a 20-function
// library (same shape as the others, on top of the last one) that the
// Linker has already compiled. Target: under 100 us.
func BenchmarkDlopen(b *testing.B) {
	p, proc := loadSmallest(b)
	ctx := context.Background()
	lib, err := proc.Open(ctx, "libextra.so", wasmdl.Now)
	if err != nil {
		b.Fatal(err)
	}
	// Every function of libextra walks the whole chain: compare with f_{n-1}.
	fx, err := lib.Lookup(ctx, fmt.Sprintf("f_%d_0", p.n))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fx.Function().Call(ctx, 1); err != nil {
		b.Fatalf("libextra f_%d_0: %v", p.n, err)
	}
	if err := lib.Close(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lib, err := proc.Open(ctx, "libextra.so", wasmdl.Now)
		if err != nil {
			b.Fatal(err)
		}
		if err := lib.Close(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// heapAfterGC is the live Go heap.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMemory: Go heap held per loaded library. With the Linker's
// caches warm, HeapAlloc grows by `delta` when the program is loaded (not
// run); minus the size of its wasm memory that is heap-B/lib (delta-mem)/N.
// The floor's instances are measured the same way (floor-B/lib: what wazero
// holds for the same N+1 instances); overhead-B/lib is the difference
// (target: under 16 KiB). ns/op means nothing here.
func BenchmarkMemory(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			p := need(b, n)
			ctx := context.Background()
			rt := newRuntime(ctx)
			defer rt.Close(ctx)
			out := &outBuf{}
			l := newLinker(rt, p, out)
			checkOutput(b, ctx, l, p, out)
			f, frt := newFloor(b, ctx, p)
			defer frt.Close(ctx)
			floorOnce(b, ctx, f)
			var dyn, fl float64
			for i := 0; i < b.N; i++ {
				h0 := heapAfterGC()
				proc, err := l.load(ctx, p.main)
				if err != nil {
					b.Fatal(err)
				}
				h1 := heapAfterGC()
				mem := uint64(proc.Memory().Size())
				proc.Close(ctx)
				dyn += float64(int64(h1) - int64(h0) - int64(mem))

				h0 = heapAfterGC()
				mods, err := f.Instantiate(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				h1 = heapAfterGC()
				floor.Close(ctx, mods)
				fl += float64(int64(h1) - int64(h0))
			}
			per := func(v float64) float64 { return v / float64(b.N) / float64(n) }
			b.ReportMetric(per(dyn), "heap-B/lib")
			b.ReportMetric(per(fl), "floor-B/lib")
			b.ReportMetric(per(dyn-fl), "overhead-B/lib")
		})
	}
}

// BenchmarkFork: Process.Fork of the N=100 program once loaded (its
// constructors run), with 1 MiB and with 64 MiB of memory: the fork's cost
// must not grow with the memory (it is mapped copy-on-write). Target: 50 us.
// Reports us/fork (the fork alone; ns/op includes closing the child). The
// runonly case is a server that only runs the program in each fork
// (Config.WithRunOnly): the merged program then holds only the table slots
// the program itself uses, which a fork's instantiation fills again.
func BenchmarkFork(b *testing.B) {
	p := need(b, 100)
	cases := []struct {
		name    string
		mib     uint32
		runOnly bool
	}{{"memory=1MiB", 1, false}, {"memory=64MiB", 64, false}, {"runonly/memory=1MiB", 1, true}}
	for _, bc := range cases {
		mib := bc.mib
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			cfg := wasmdl.NewConfig()
			if bc.runOnly {
				cfg = cfg.WithRunOnly()
			}
			proc := loadForWith(b, p, cfg)
			mem := proc.Memory()
			if have := mem.Size() >> 20; have < mib {
				mem.Grow((mib - have) * 16)
			}
			for i := uint32(0); i < mem.Size(); i += 4096 {
				mem.WriteByte(i, byte(i>>12)) // a heap that is really there
			}
			b.ReportAllocs()
			b.ResetTimer()
			var forking time.Duration
			for i := 0; i < b.N; i++ {
				t := time.Now()
				child, err := proc.Fork(ctx)
				forking += time.Since(t)
				if err != nil {
					b.Fatal(err)
				}
				child.Close(ctx)
			}
			b.ReportMetric(float64(forking.Nanoseconds())/1e3/float64(b.N), "us/fork")
		})
	}
}

// BenchmarkProcessMemory: what one more process of the N=100 program costs
// the host, loaded (Load, constructors run) and forked from a loaded one:
// Go heap (wasmdl's state and wazero's instances) and resident memory
// (Go heap, guest memory pages touched, runtime), from 64 processes kept
// alive at once. A fork should share its parent's compiled code and the
// memory pages neither writes. The runonly cases use a Linker made
// WithRunOnly, whose merged program holds only the table slots it uses.
func BenchmarkProcessMemory(b *testing.B) {
	p := need(b, 100)
	const live = 64
	for _, name := range []string{"load", "fork", "runonly/load", "runonly/fork"} {
		how, runOnly := strings.CutPrefix(name, "runonly/")
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			rt := newRuntime(ctx)
			defer rt.Close(ctx)
			cfg := wasmdl.NewConfig()
			if runOnly {
				cfg = cfg.WithRunOnly()
			}
			l := newLinkerWith(rt, p, io.Discard, cfg)
			parent, err := l.load(ctx, p.main)
			if err != nil {
				b.Fatal(err)
			}
			defer parent.Close(ctx)
			one := func() *wasmdl.Process {
				var c *wasmdl.Process
				var err error
				if how == "load" {
					c, err = l.load(ctx, p.main)
				} else {
					c, err = parent.Fork(ctx)
				}
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			one().Close(ctx) // caches warm, the parent's image taken
			var heap, rss float64
			var guest uint64
			for i := 0; i < b.N; i++ {
				h0 := heapAfterGC()
				debug.FreeOSMemory() // RSS counts from a heap that holds no free pages
				r0 := residentBytes()
				procs := make([]*wasmdl.Process, live)
				for j := range procs {
					procs[j] = one()
				}
				r1 := residentBytes()
				h1 := heapAfterGC()
				guest = uint64(procs[0].Memory().Size())
				for _, c := range procs {
					c.Close(ctx)
				}
				heap += float64(int64(h1) - int64(h0))
				rss += float64(int64(r1) - int64(r0))
			}
			per := func(v float64) float64 { return v / float64(b.N) / live / 1024 }
			b.ReportMetric(per(heap), "heap-KiB/proc")
			b.ReportMetric(per(rss), "rss-KiB/proc")
			b.ReportMetric(float64(guest)/1024, "guest-KiB")
		})
	}
}

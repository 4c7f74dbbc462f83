package wasmdl_test

// Consequence tests from the point of view of a Go server embedding
// wasmdl: one Linker shared by many request goroutines, plugins that trap,
// spin or call back into the host, processes closed under a running call,
// contexts cancelled at every point, hostile or broken files, and a long
// life of loads and closes. Each test checks what the documentation
// promises (README "Go API" and "Security", the package documentation).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl"
)

const ehPluginDir = "testdata/dl/plugin"

// ehFinishes runs fn on its own goroutine and reports whether it returned
// within d. A call that does not return is left behind (with whatever
// locks it holds): callers must not close its process afterwards.
func ehFinishes(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func ehLookup(t testing.TB, lib *wasmdl.Library, name string) *wasmdl.Symbol {
	t.Helper()
	s, err := lib.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	return s
}

func ehCall1(ctx context.Context, s *wasmdl.Symbol, args ...any) (int32, error) {
	res, err := s.Call(ctx, args...)
	if err != nil {
		return 0, err
	}
	if len(res) != 1 {
		return 0, fmt.Errorf("%s returned %d results", s.Name, len(res))
	}
	v, ok := res[0].(int32)
	if !ok {
		return 0, fmt.Errorf("%s returned a %T", s.Name, res[0])
	}
	return v, nil
}

// ehTools is a plugin process with libtools.so open, whose host_log
// runs hook (set by the test) with the context and process it was given.
type ehTools struct {
	p     *wasmdl.Process
	tools *wasmdl.Library
	hook  atomic.Pointer[func(ctx context.Context, p *wasmdl.Process, x int32)]
}

func newEhTools(t testing.TB, closeAtEnd bool) *ehTools {
	t.Helper()
	ctx := context.Background()
	h := &ehTools{}
	hf := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
		Func: func(ctx context.Context, p *wasmdl.Process, stack []uint64) {
			if fn := h.hook.Load(); fn != nil {
				(*fn)(ctx, p, int32(uint32(stack[0])))
			}
		}}
	cfg := wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(hf)
	p, err := wasmdl.NewLinker(newRuntime(t), cfg).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if closeAtEnd {
		t.Cleanup(func() { p.Close(ctx) })
	}
	lib := ehOpen(t, p, "libtools.so", wasmdl.Now)
	h.p, h.tools = p, lib
	return h
}

func (h *ehTools) setHook(fn func(ctx context.Context, p *wasmdl.Process, x int32)) {
	h.hook.Store(&fn)
}

// ---------------------------------------------------------------------
// 1. One Linker, many goroutines, different programs and the same one.

// TestEmbedSharedLinkerConcurrentLoads: 8 goroutines x 20 loads through one
// Linker, of four different programs (two linked C programs that are Run,
// a libc host with a plugin opened into it, and a plugin-only process),
// every process checked for exactly what it must compute and print, all
// kept alive until the end and then closed from many goroutines at once.
func TestEmbedSharedLinkerConcurrentLoads(t *testing.T) {
	ctx := context.Background()
	wantData, err := os.ReadFile("testdata/link/data/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	wantDiamond, err := os.ReadFile("testdata/link/diamond/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	// One search path for every program: the linked programs find their
	// libraries in their own folder (searched last).
	l := ehLinker(t)
	const goroutines, loads = 8, 20
	var (
		mu    sync.Mutex
		procs []*wasmdl.Process
		wg    sync.WaitGroup
	)
	errs := make(chan error, goroutines*loads)
	keep := func(p *wasmdl.Process) {
		mu.Lock()
		procs = append(procs, p)
		mu.Unlock()
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < loads; i++ {
				if err := func() error {
					var out bytes.Buffer
					switch (g + i) % 4 {
					case 0, 1:
						main, want := "testdata/link/data/main.wasm", wantData
						if (g+i)%4 == 1 {
							main, want = "testdata/link/diamond/main.wasm", wantDiamond
						}
						p, err := l.Load(ctx, main, wasmdl.WithStdout(&out))
						if err != nil {
							return fmt.Errorf("load %s: %w", main, err)
						}
						keep(p)
						status, err := p.Run(ctx)
						if err != nil || status != 0 {
							return fmt.Errorf("run %s: status %d, %v", main, status, err)
						}
						if out.String() != string(want) {
							return fmt.Errorf("%s printed\n%s", main, out.String())
						}
					case 2:
						p, err := l.Load(ctx, ehPluginDir+"/host.wasm", wasmdl.WithStdout(&out))
						if err != nil {
							return fmt.Errorf("load host.wasm: %w", err)
						}
						keep(p)
						lib, err := p.Open(ctx, "libgreet.so", wasmdl.Now)
						if err != nil {
							return err
						}
						n := int32(g*1000 + i)
						if got, err := ehCall1(ctx, ehLookup(t, lib, "greet"), n); err != nil || got != 2*n {
							return fmt.Errorf("greet(%d) = %d, %v", n, got, err)
						}
						if want := fmt.Sprintf("greetings number %d\n", n); out.String() != want {
							return fmt.Errorf("greet printed %q, want %q", out.String(), want)
						}
					case 3:
						p, err := l.LoadEmpty(ctx)
						if err != nil {
							return fmt.Errorf("load empty: %w", err)
						}
						keep(p)
						lib, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
						if err != nil {
							return err
						}
						apply := ehLookup(t, lib, "plugin_apply")
						for k := int32(1); k <= 3; k++ {
							if got, err := ehCall1(ctx, apply, 10); err != nil || got != 100+k {
								return fmt.Errorf("plugin_apply(10) call %d = %d, %v", k, got, err)
							}
						}
					}
					return nil
				}(); err != nil {
					errs <- fmt.Errorf("goroutine %d, load %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(procs) != goroutines*loads {
		t.Errorf("%d processes loaded, want %d", len(procs), goroutines*loads)
	}
	// Close everything, from many goroutines at once, each process twice.
	var cwg sync.WaitGroup
	var closeErrs atomic.Int32
	for _, p := range procs {
		for k := 0; k < 2; k++ {
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				if err := p.Close(ctx); err != nil {
					closeErrs.Add(1)
				}
			}()
		}
	}
	cwg.Wait()
	if n := closeErrs.Load(); n != 0 {
		t.Errorf("%d Close calls failed", n)
	}
	for _, p := range procs {
		if _, err := p.Lookup(ctx, "main"); !errors.Is(err, wasmdl.ErrClosed) {
			t.Fatalf("lookup in a closed process: %v", err)
		}
	}
	// The Linker still serves new processes after all that.
	var out bytes.Buffer
	p, err := l.Load(ctx, "testdata/link/data/main.wasm", wasmdl.WithStdout(&out))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	if status, err := p.Run(ctx); err != nil || status != 0 || out.String() != string(wantData) {
		t.Fatalf("after the storm: status %d, %v, %q", status, err, out.String())
	}
}

// TestEmbedLayoutWhileOpening: Layout and Memory are methods of a
// Process, and "every method is safe to call from any goroutine": a
// monitoring goroutine reading the layout while request goroutines open
// and close plugins must see consistent layouts (and -race nothing).
func TestEmbedLayoutWhileOpening(t *testing.T) {
	ctx := context.Background()
	p := ehEmpty(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var layouts atomic.Int64
	var bad atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, r := range p.Layout() {
				if r.End < r.Start {
					bad.Store(fmt.Sprintf("region %+v ends before it starts", r))
				}
			}
			if p.Memory().Size() == 0 {
				bad.Store("memory size 0 while the process is open")
			}
			layouts.Add(1)
			runtime.Gosched()
		}
	}()
	for i := 0; i < 60; i++ {
		name := []string{"libplugin.so", "libplugin2.so", "libbig.so"}[i%3]
		lib, err := p.Open(ctx, name, wasmdl.Now)
		if err != nil {
			t.Fatal(err)
		}
		if err := lib.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	t.Logf("%d layouts read while 60 libraries were opened and closed", layouts.Load())
}

// ---------------------------------------------------------------------
// 2. Close while a guest call runs.

// TestEmbedCloseDuringSpin: a request goroutine is inside a plugin that
// never returns; the server closes the process (several goroutines at
// once, as a shutdown path and a watchdog might). Close returns promptly,
// the running call returns an error (no hang, no panic), every later
// call fails with ErrClosed and the memory reports failed accesses.
func TestEmbedCloseDuringSpin(t *testing.T) {
	ctx := context.Background()
	h := newEhTools(t, false)
	p := h.p
	spin, count := ehLookup(t, h.tools, "spin"), ehLookup(t, h.tools, "count")
	if got, err := ehCall1(ctx, count); err != nil || got != 1 {
		t.Fatalf("count = %d, %v", got, err)
	}
	mem := p.Memory()
	if mem == nil || mem.Size() == 0 {
		t.Fatalf("memory before Close: %v", mem)
	}
	started := make(chan struct{})
	callErr := make(chan error, 1)
	go func() {
		close(started)
		_, err := spin.Call(ctx)
		callErr <- err
	}()
	<-started
	time.Sleep(50 * time.Millisecond) // let spin start
	closeStart := time.Now()
	var cwg sync.WaitGroup
	closeResults := make(chan error, 3)
	for i := 0; i < 3; i++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			closeResults <- p.Close(ctx)
		}()
	}
	if !ehFinishes(5*time.Second, cwg.Wait) {
		t.Fatal("Close did not return within 5 s while a call was spinning")
	}
	close(closeResults)
	for err := range closeResults {
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	t.Logf("Close returned after %v", time.Since(closeStart))
	select {
	case err := <-callErr:
		if err == nil {
			t.Fatal("spin returned normally after Close")
		}
		// Whether it is a CallError is TestEmbedStoppedCallErrorTypes's
		// business. Note what a server sees: nobody cancelled its context.
		t.Logf("the call stopped by Close returned: %v (Is ErrClosed %v, Is context.Canceled %v)",
			err, errors.Is(err, wasmdl.ErrClosed), errors.Is(err, context.Canceled))
	case <-time.After(5 * time.Second):
		t.Fatal("spin did not return within 5 s of Close")
	}
	for what, err := range map[string]error{
		"call":   func() error { _, err := count.Call(ctx); return err }(),
		"fn":     func() error { _, err := count.Function().Call(ctx); return err }(),
		"lookup": func() error { _, err := h.tools.Lookup(ctx, "count"); return err }(),
		"global": func() error { _, err := p.Lookup(ctx, "count"); return err }(),
		"open":   func() error { _, err := p.Open(ctx, "libplugin.so", wasmdl.Now); return err }(),
		"run":    func() error { _, err := p.Run(ctx); return err }(),
		"fork":   func() error { _, err := p.Fork(ctx); return err }(),
		"libcls": h.tools.Close(ctx),
	} {
		if !errors.Is(err, wasmdl.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", what, err)
		}
	}
	// The memory taken before Close, and the one asked for after it.
	for i, m := range []api.Memory{mem, p.Memory()} {
		if m == nil {
			continue
		}
		if _, ok := m.ReadUint32Le(0); ok {
			t.Errorf("memory %d: ReadUint32Le after Close reported ok", i)
		}
		if _, ok := m.Read(0, 16); ok {
			t.Errorf("memory %d: Read after Close reported ok", i)
		}
		if m.WriteUint32Le(0, 1) {
			t.Errorf("memory %d: WriteUint32Le after Close reported ok", i)
		}
		if m.Size() != 0 {
			t.Errorf("memory %d: Size after Close = %d", i, m.Size())
		}
		if _, ok := m.Grow(1); ok {
			t.Errorf("memory %d: Grow after Close reported ok", i)
		}
	}
	_ = p.Layout() // must not panic
}

// TestEmbedCloseWhileWaiting: one goroutine spins, ten others are queued
// for the process (a process runs one caller at a time). Close stops the
// spinning one and every queued call returns ErrClosed without running.
func TestEmbedCloseWhileWaiting(t *testing.T) {
	ctx := context.Background()
	h := newEhTools(t, false)
	spin, count := ehLookup(t, h.tools, "spin"), ehLookup(t, h.tools, "count")
	go spin.Call(ctx)
	time.Sleep(30 * time.Millisecond)
	var wg sync.WaitGroup
	results := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := count.Call(ctx)
			results <- err
		}()
	}
	time.Sleep(30 * time.Millisecond)
	if !ehFinishes(5*time.Second, func() { h.p.Close(ctx) }) {
		t.Fatal("Close hung")
	}
	if !ehFinishes(5*time.Second, wg.Wait) {
		t.Fatal("queued calls did not return after Close")
	}
	close(results)
	for err := range results {
		// The stopped call kills the process before Close takes it, so a
		// queued call may find it dead (stopped) rather than closed.
		if !errors.Is(err, wasmdl.ErrClosed) && !errors.Is(err, wasmdl.ErrDead) {
			t.Errorf("queued call: %v, want ErrClosed or ErrDead", err)
		}
	}
}

// TestEmbedQueuedCallHonoursDeadline: a request with a short deadline
// waits behind another that runs a slow plugin call (a process runs one
// caller at a time). The waiting request's own context must bound its
// wait: a Go function taking a context returns soon after it is done.
func TestEmbedQueuedCallHonoursDeadline(t *testing.T) {
	ctx := context.Background()
	for _, what := range []string{"Call", "Lookup", "Open"} {
		h := newEhTools(t, true)
		spin, count := ehLookup(t, h.tools, "spin"), ehLookup(t, h.tools, "count")
		slow, cancelSlow := context.WithTimeout(ctx, 800*time.Millisecond)
		go spin.Call(slow)
		time.Sleep(30 * time.Millisecond)
		qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		start := time.Now()
		var err error
		switch what {
		case "Call":
			_, err = count.Call(qctx)
		case "Lookup":
			_, err = h.tools.Lookup(qctx, "count")
		case "Open":
			_, err = h.p.Open(qctx, "libplugin.so", wasmdl.Now)
		}
		waited := time.Since(start)
		cancel()
		cancelSlow()
		t.Logf("queued %s with a 50 ms deadline returned after %v: %v", what, waited, err)
		if waited > 400*time.Millisecond {
			t.Errorf("queued %s: its 50 ms deadline was ignored while it waited for the process (returned after %v)", what, waited)
		}
	}
}

// TestEmbedCloseReleasesHostWait: a host function that waits on the
// context it was given (the right thing for a host function to do) is
// released when the process is closed, and Close returns promptly. A
// stdout writer that blocks without a context cannot be stopped: Close
// then waits for it (logged, not failed: no Go code can interrupt it).
func TestEmbedCloseReleasesHostWait(t *testing.T) {
	ctx := context.Background()
	h := newEhTools(t, false)
	entered := make(chan struct{})
	h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
		close(entered)
		<-ctx.Done()
	})
	callErr := make(chan error, 1)
	go func() {
		_, err := ehLookup(t, h.tools, "log_twice").Call(ctx, 1)
		callErr <- err
	}()
	<-entered
	if !ehFinishes(3*time.Second, func() { h.p.Close(ctx) }) {
		t.Fatal("Close did not return while a host function waited on its context")
	}
	select {
	case err := <-callErr:
		if err == nil {
			t.Error("log_twice returned normally after Close")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the call did not return after Close")
	}

	w := &ehBlockingWriter{release: make(chan struct{})}
	p, err := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(logFunc)).
		LoadEmpty(ctx, wasmdl.WithStdout(w))
	if err != nil {
		t.Fatal(err)
	}
	lib := ehOpen(t, p, "libtools.so", wasmdl.Now)
	hello := ehLookup(t, lib, "say_hello")
	go hello.Call(ctx)
	time.Sleep(30 * time.Millisecond)
	start := time.Now()
	closed := make(chan struct{})
	go func() { p.Close(ctx); close(closed) }()
	// Close waits for host code (the writer) to return: nothing can
	// interrupt Go code. Once the writer returns, Close completes and
	// the process refuses everything.
	time.Sleep(100 * time.Millisecond)
	close(w.release)
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return after the blocked writer did")
	}
	t.Logf("Close returned %v after it was called", time.Since(start))
	if _, err := hello.Call(ctx); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("a call after Close: %v, want ErrClosed", err)
	}
}

type ehBlockingWriter struct{ release chan struct{} }

func (w *ehBlockingWriter) Write(b []byte) (int, error) { <-w.release; return len(b), nil }

type ehPanickingWriter struct{}

func (ehPanickingWriter) Write(b []byte) (int, error) { panic("stdout is gone") }

type ehFailingWriter struct{}

func (ehFailingWriter) Write(b []byte) (int, error) { return 0, errors.New("broken pipe") }

// TestEmbedStdioWriterFailures: a process's stdout is the server's writer.
// A writer that fails gives the guest an error it can see; one that
// panics is a trap in that process, not a crash of the server.
func TestEmbedStdioWriterFailures(t *testing.T) {
	ctx := context.Background()
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(logFunc))
	for _, tc := range []struct {
		name string
		w    io.Writer
	}{{"failing", ehFailingWriter{}}, {"panicking", ehPanickingWriter{}}} {
		p, err := l.LoadEmpty(ctx, wasmdl.WithStdout(tc.w))
		if err != nil {
			t.Fatal(err)
		}
		lib := ehOpen(t, p, "libtools.so", wasmdl.Now)
		got, err := ehCall1(ctx, ehLookup(t, lib, "say_hello"))
		switch tc.name {
		case "failing":
			if err != nil || got != -1 {
				t.Errorf("say_hello to a failing writer = %d, %v; want -1 (fd_write's error) and the process alive", got, err)
			}
			if n, err := ehCall1(ctx, ehLookup(t, lib, "count")); err != nil || n != 1 {
				t.Errorf("count afterwards = %d, %v", n, err)
			}
		case "panicking":
			var ce *wasmdl.CallError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "stdout is gone") {
				t.Errorf("say_hello to a panicking writer: %d, %v", got, err)
			}
		}
		p.Close(ctx)
	}
}

// TestEmbedRunWithoutEntry: Run of a process whose main has no entry
// point (LoadEmpty: "Run has nothing to run"; a library loaded as a main)
// returns ErrNoEntry. Nothing ran, so nothing can have gone wrong: the
// plugin host must still be usable afterwards (a process dies when "its
// guest code does not return normally").
func TestEmbedRunWithoutEntry(t *testing.T) {
	ctx := context.Background()
	l := ehLinker(t)
	p, err := l.LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	if _, err := p.Run(ctx); !errors.Is(err, wasmdl.ErrNoEntry) {
		t.Fatalf("Run of an empty process: %v, want ErrNoEntry", err)
	}
	lib, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
	if err != nil {
		t.Fatalf("after Run found nothing to run, the plugin host is unusable: %v", err)
	}
	if got, err := ehCall1(ctx, ehLookup(t, lib, "plugin_apply"), 10); err != nil || got != 101 {
		t.Errorf("plugin_apply(10) = %d, %v", got, err)
	}
	q, err := l.Load(ctx, ehPluginDir+"/libplugin.so")
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	if _, err := q.Run(ctx); !errors.Is(err, wasmdl.ErrNoEntry) {
		t.Fatalf("Run of a library loaded as a main: %v, want ErrNoEntry", err)
	}
	if s, err := q.Lookup(ctx, "plugin_apply"); err != nil {
		t.Errorf("after Run found no entry point, Lookup fails: %v", err)
	} else if got, err := ehCall1(ctx, s, 1); err != nil || got != 11 {
		t.Errorf("plugin_apply(1) = %d, %v", got, err)
	}
}

// ---------------------------------------------------------------------
// 3. Contexts.

// TestEmbedCancelledContextCall: a request whose context is already
// cancelled when it reaches the plugin. The documentation promises: a call
// either returns normally, and the process goes on, or fails with the
// context's error, and the process is dead. A success followed by a dead
// process (or an unexplained failure) would break a server.
func TestEmbedCancelledContextCall(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	l := ehLinker(t)
	var succeeded, failed, brokenAfterSuccess int
	var firstBroken error
	for i := 0; i < 200; i++ {
		p, err := l.LoadEmpty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lib := ehOpen(t, p, "libplugin.so", wasmdl.Now)
		apply := ehLookup(t, lib, "plugin_apply")
		got, err := ehCall1(cancelled, apply, 10)
		if err == nil {
			succeeded++
			if got != 101 {
				t.Fatalf("plugin_apply(10) with a cancelled context = %d", got)
			}
			// It returned normally: the process must go on.
			if got, err := ehCall1(ctx, apply, 10); err != nil || got != 102 {
				brokenAfterSuccess++
				if firstBroken == nil {
					firstBroken = fmt.Errorf("iteration %d: the call with a cancelled context succeeded, the next one returned %d, %v", i, got, err)
				}
			}
		} else {
			failed++
			if !errors.Is(err, context.Canceled) {
				t.Errorf("iteration %d: the failure is not context.Canceled: %v", i, err)
			}
			// Refused before it ran: the process goes on, untouched.
			if got, err := ehCall1(ctx, apply, 10); err != nil || got != 101 {
				t.Errorf("iteration %d: after a call refused for its cancelled context: %d, %v, want 101", i, got, err)
			}
		}
		p.Close(ctx)
	}
	t.Logf("with a cancelled context: %d calls succeeded, %d failed, %d processes broken after a success", succeeded, failed, brokenAfterSuccess)
	if firstBroken != nil {
		t.Error(firstBroken)
	}
}

// TestEmbedDeadlineDuringRun: a program run with a request deadline is
// stopped by it: Run returns promptly with an error wrapping
// DeadlineExceeded, and the process is dead afterwards (ErrDead carrying
// the cause) yet can still be closed.
func TestEmbedDeadlineDuringRun(t *testing.T) {
	ctx := context.Background()
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir("testdata/mem/pie").WithSearchPath("../libs"))
	var out bytes.Buffer
	// A long stress run: many millions of random operations.
	p, err := l.Load(ctx, "main.wasm", wasmdl.WithArgs("main.wasm", "7", "200000000"), wasmdl.WithStdout(&out))
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	var status int
	if !ehFinishes(10*time.Second, func() { status, err = p.Run(dctx) }) {
		t.Fatal("Run did not stop within 10 s of a 300 ms deadline")
	}
	t.Logf("Run returned after %v: status %d, %v", time.Since(start), status, err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run past its deadline: status %d, %v", status, err)
	}
	if _, err := p.Run(ctx); !errors.Is(err, wasmdl.ErrDead) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Run: %v, want ErrDead and DeadlineExceeded", err)
	}
	if _, err := p.Lookup(ctx, "main"); !errors.Is(err, wasmdl.ErrDead) {
		t.Errorf("lookup after the deadline: %v", err)
	}
	if _, err := p.Fork(ctx); !errors.Is(err, wasmdl.ErrDead) {
		t.Errorf("fork after the deadline: %v", err)
	}
	if !ehFinishes(5*time.Second, func() { err = p.Close(ctx) }) || err != nil {
		t.Errorf("close after the deadline: %v", err)
	}
}

// TestEmbedStoppedCallErrorTypes: a plugin call stopped by its deadline.
// errors.go documents CallError as "guest code that did not return
// normally: a trap, an exit, or a context cancelled while it ran (Err then
// wraps the context's error)", the README lists "*CallError (a trap, exit
// or cancellation in guest code)", and ErrDead says "errors.As finds the
// cause (a CallError or an ExitError) in the same error". A server that
// logs plugin failures by errors.As(err, &*CallError) relies on it.
func TestEmbedStoppedCallErrorTypes(t *testing.T) {
	ctx := context.Background()
	h := newEhTools(t, true)
	spin, count := ehLookup(t, h.tools, "spin"), ehLookup(t, h.tools, "count")
	dctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	_, err := spin.Call(dctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("spin past its deadline: %v", err)
	}
	var ce *wasmdl.CallError
	if !errors.As(err, &ce) || ce.Func != "spin" || ce.Module != "libtools.so" {
		t.Errorf("spin stopped by its deadline returned %T %q: not a *CallError naming libtools.so and spin", err, err)
	}
	_, err = count.Call(ctx)
	if !errors.Is(err, wasmdl.ErrDead) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after the deadline: %v", err)
	}
	ce = nil
	var ee *wasmdl.ExitError
	if !errors.As(err, &ce) && !errors.As(err, &ee) {
		t.Errorf("ErrDead after a deadline carries neither a CallError nor an ExitError: %v", err)
	}
}

// TestEmbedCancelledContextPoisons: a request whose client went away
// reaches Open or Lookup with its context already cancelled. Lookup runs
// no guest code; Open promises "on error the process is left as it was,
// unless a constructor trapped or exited". So afterwards the process must
// either work (the next Lookup, Call and Open with a live context succeed)
// or, at worst, be dead and say so (ErrDead): never refuse every later
// Open and Lookup while claiming to be alive.
func TestEmbedCancelledContextPoisons(t *testing.T) {
	ctx := context.Background()
	l := ehLinker(t)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name string
		cctx context.Context
		do   func(ctx context.Context, p *wasmdl.Process, greet *wasmdl.Library) error
	}{
		{"Open (cancelled)", cancelled, func(ctx context.Context, p *wasmdl.Process, _ *wasmdl.Library) error {
			_, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
			return err
		}},
		{"Open (deadline passed)", expired, func(ctx context.Context, p *wasmdl.Process, _ *wasmdl.Library) error {
			_, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
			return err
		}},
		{"Library.Lookup", cancelled, func(ctx context.Context, _ *wasmdl.Process, greet *wasmdl.Library) error {
			_, err := greet.Lookup(ctx, "greet")
			return err
		}},
		{"Process.Lookup", cancelled, func(ctx context.Context, p *wasmdl.Process, _ *wasmdl.Library) error {
			_, err := p.Lookup(ctx, "malloc")
			return err
		}},
		{"Fork", cancelled, func(ctx context.Context, p *wasmdl.Process, _ *wasmdl.Library) error {
			c, err := p.Fork(ctx)
			if err == nil {
				c.Close(context.Background())
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p, err := l.Load(ctx, ehPluginDir+"/host.wasm", wasmdl.WithStdout(&out))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(ctx)
			greet := ehOpen(t, p, "libgreet.so", wasmdl.Now)
			before := len(p.Layout())
			err = tc.do(tc.cctx, p, greet)
			t.Logf("%s with a done context: %v", tc.name, err)
			after := len(p.Layout())
			// Now with a live context.
			s, lerr := greet.Lookup(ctx, "greet")
			if errors.Is(lerr, wasmdl.ErrDead) {
				return // dead and saying so: acceptable
			}
			if lerr != nil {
				t.Fatalf("after %s with a done context (%v), the process is not dead yet Lookup(greet) fails: %v", tc.name, err, lerr)
			}
			if got, err := ehCall1(ctx, s, 21); err != nil || got != 42 {
				t.Errorf("greet(21) = %d, %v", got, err)
			}
			if after != before && tc.name[:4] == "Open" && err != nil {
				t.Errorf("a failed Open left %d regions, %d before", after, before)
			}
			lib, oerr := p.Open(ctx, "libplugin2.so", wasmdl.Now)
			if oerr != nil {
				t.Fatalf("after %s with a done context, the process is not dead yet Open fails: %v", tc.name, oerr)
			}
			if got, err := ehCall1(ctx, ehLookup(t, lib, "plugin_apply"), 10); err != nil || got != 201 {
				t.Errorf("plugin_apply(10) = %d, %v", got, err)
			}
			if _, err := p.Lookup(ctx, "malloc"); err != nil {
				t.Errorf("global lookup afterwards: %v", err)
			}
		})
	}
}

// ---------------------------------------------------------------------
// 4. Traps.

// TestEmbedTrapsAreContained: a plugin that traps or overflows the stack
// gives the host a CallError naming the plugin and function with the
// runtime's reason; the process is dead (each later entry point says
// ErrDead with the CallError), its memory can still be read for a
// post-mortem, it cannot be forked, and it closes cleanly; other processes
// of the Linker, on the same compiled code, go on.
func TestEmbedTrapsAreContained(t *testing.T) {
	ctx := context.Background()
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(logFunc))
	bystander, err := l.LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close(ctx)
	btools, err := bystander.Open(ctx, "libtools.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	bcount := ehLookup(t, btools, "count")
	for k, tc := range []struct {
		fn, why string
		args    []any
	}{
		{"trap_now", "unreachable", nil},
		{"overflow", "", []any{int32(0)}},
	} {
		p, err := l.LoadEmpty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tools := ehOpen(t, p, "libtools.so", wasmdl.Now)
		probe := ehLookup(t, tools, "stack_probe")
		if _, err := probe.Call(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = ehLookup(t, tools, tc.fn).Call(ctx, tc.args...)
		var ce *wasmdl.CallError
		if !errors.As(err, &ce) || ce.Func != tc.fn || ce.Module != "libtools.so" || ce.Err == nil {
			t.Fatalf("%s: %v", tc.fn, err)
		}
		if !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: error %q does not say %q", tc.fn, err, tc.why)
		}
		if errors.Is(err, wasmdl.ErrDead) || errors.Is(err, wasmdl.ErrClosed) {
			t.Errorf("%s: the trap itself is reported as ErrDead/ErrClosed: %v", tc.fn, err)
		}
		t.Logf("%s: %v", tc.fn, strings.SplitN(err.Error(), "\n", 2)[0])
		if _, err := probe.Call(ctx); !errors.Is(err, wasmdl.ErrDead) || !errors.As(err, &ce) || ce.Func != tc.fn {
			t.Errorf("%s: call afterwards: %v", tc.fn, err)
		}
		if _, err := p.Fork(ctx); !errors.Is(err, wasmdl.ErrDead) {
			t.Errorf("%s: fork of a dead process: %v", tc.fn, err)
		}
		if err := tools.Close(ctx); !errors.Is(err, wasmdl.ErrDead) {
			t.Errorf("%s: library close in a dead process: %v", tc.fn, err)
		}
		if _, ok := p.Memory().ReadUint32Le(0); !ok {
			t.Errorf("%s: the dead process's memory cannot be read", tc.fn)
		}
		if err := p.Close(ctx); err != nil {
			t.Errorf("%s: close: %v", tc.fn, err)
		}
		if got, err := ehCall1(ctx, bcount); err != nil || got != int32(k+1) {
			t.Errorf("bystander after %s: count = %d, %v", tc.fn, got, err)
		}
	}
}

// ---------------------------------------------------------------------
// 5. Library handles.

// TestEmbedLibraryRefcounts: two Opens are two references; a handle closed
// once is closed for good (Lookup, Close: ErrClosed) while the library
// stays loaded for the other handle with its state; after the last Close
// the library is gone (stale symbols: ErrClosed, NoLoad fails) and a new
// Open starts afresh; NoDelete keeps it; closing one handle from two
// goroutines at once succeeds exactly once.
func TestEmbedLibraryRefcounts(t *testing.T) {
	ctx := context.Background()
	p := ehEmpty(t)
	a := ehOpen(t, p, "libplugin.so", wasmdl.Now)
	b, err := p.Open(ctx, "libplugin.so", wasmdl.Now|wasmdl.Global)
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := ehLookup(t, a, "plugin_apply"), ehLookup(t, b, "plugin_apply")
	if sa.Address != sb.Address {
		t.Errorf("the same library through two handles: slots %d and %d", sa.Address, sb.Address)
	}
	if got, _ := ehCall1(ctx, sa, 10); got != 101 {
		t.Fatalf("first call = %d", got)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(ctx); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("second close of a handle: %v", err)
	}
	if _, err := a.Lookup(ctx, "plugin_apply"); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("lookup through a closed handle: %v", err)
	}
	// Still loaded through b: state kept, the old symbol still runs.
	if got, err := ehCall1(ctx, sb, 10); err != nil || got != 102 {
		t.Errorf("through the other handle: %d, %v, want 102", got, err)
	}
	if got, err := ehCall1(ctx, sa, 10); err != nil || got != 103 {
		t.Errorf("symbol of the closed handle while the library is loaded: %d, %v, want 103", got, err)
	}
	if g, err := p.Lookup(ctx, "plugin_apply"); err != nil || g.Address != sb.Address {
		t.Errorf("global lookup of a Global library: %v, %v", g, err)
	}
	nl, err := p.Open(ctx, "libplugin.so", wasmdl.NoLoad|wasmdl.Now)
	if err != nil {
		t.Fatalf("NoLoad of a loaded library: %v", err)
	}
	// Close b and nl from two goroutines each.
	for _, h := range []*wasmdl.Library{b, nl} {
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := h.Close(ctx); err == nil {
					ok.Add(1)
				} else if !errors.Is(err, wasmdl.ErrClosed) {
					t.Errorf("concurrent close: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Errorf("a handle closed from two goroutines succeeded %d times", ok.Load())
		}
	}
	// Unloaded now.
	for _, s := range []*wasmdl.Symbol{sa, sb} {
		if _, err := s.Call(ctx, 10); !errors.Is(err, wasmdl.ErrClosed) {
			t.Errorf("symbol of an unloaded library: %v", err)
		}
		if _, err := s.Function().Call(ctx, 10); !errors.Is(err, wasmdl.ErrClosed) {
			t.Errorf("function of an unloaded library: %v", err)
		}
	}
	if _, err := p.Lookup(ctx, "plugin_apply"); err == nil {
		t.Errorf("global lookup finds a symbol of an unloaded library")
	}
	if _, err := p.Open(ctx, "libplugin.so", wasmdl.NoLoad|wasmdl.Now); err == nil {
		t.Errorf("NoLoad finds an unloaded library")
	}
	c := ehOpen(t, p, "libplugin.so", wasmdl.Now)
	if got, err := ehCall1(ctx, ehLookup(t, c, "plugin_apply"), 10); err != nil || got != 101 {
		t.Errorf("reopened: %d, %v, want 101 (fresh state)", got, err)
	}
	if _, err := sa.Call(ctx, 10); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("stale symbol after the library was loaded again: %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// NoDelete: still there after the last Close, state kept.
	d := ehOpen(t, p, "libplugin2.so", wasmdl.Now|wasmdl.NoDelete)
	sd := ehLookup(t, d, "plugin_apply")
	if got, _ := ehCall1(ctx, sd, 10); got != 201 {
		t.Fatalf("plugin2 first call = %d", got)
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := ehCall1(ctx, sd, 10); err != nil || got != 202 {
		t.Errorf("NoDelete library after its last close: %d, %v, want 202", got, err)
	}
	e, err := p.Open(ctx, "libplugin2.so", wasmdl.NoLoad|wasmdl.Now)
	if err != nil {
		t.Fatalf("NoLoad of a NoDelete library: %v", err)
	}
	if got, err := ehCall1(ctx, ehLookup(t, e, "plugin_apply"), 10); err != nil || got != 203 {
		t.Errorf("NoDelete library reopened: %d, %v, want 203", got, err)
	}
}

// ---------------------------------------------------------------------
// 6. Host functions.

// TestEmbedHostFuncCallbacks: what a host function may do with the
// context and process it is given. "Its ctx lets it call back into that
// process (Process.Lookup, Symbol.Call) without waiting for itself", and
// every Process method is safe from any goroutine; a panic is a trap.
// Whatever a host function does, the guest call must return (no
// deadlock) and the Go program must not crash.
func TestEmbedHostFuncCallbacks(t *testing.T) {
	ctx := context.Background()
	const limit = 3 * time.Second

	// runLogTwice calls log_twice(41) and reports whether it returned in
	// time; a call that did not is left behind with its process (which it
	// holds locked), never closed.
	type outcome struct {
		res []any
		err error
	}
	runLogTwice := func(t *testing.T, h *ehTools) (outcome, bool) {
		lt := ehLookup(t, h.tools, "log_twice")
		var o outcome
		ok := ehFinishes(limit, func() { o.res, o.err = lt.Call(ctx, 41) })
		return o, ok
	}

	t.Run("lookup and call back", func(t *testing.T) {
		h := newEhTools(t, true)
		var seen []int32
		h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
			if p != h.p {
				t.Errorf("host function got process %p, want %p", p, h.p)
			}
			s, err := h.tools.Lookup(ctx, "count")
			if err != nil {
				t.Error(err)
				return
			}
			n, err := ehCall1(ctx, s)
			if err != nil {
				t.Error(err)
			}
			seen = append(seen, n)
		})
		o, ok := runLogTwice(t, h)
		if !ok {
			t.Fatal("log_twice hung")
		}
		if o.err != nil || o.res[0] != int32(42) || len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
			t.Fatalf("log_twice = %v, %v; count from the callbacks %v", o.res, o.err, seen)
		}
	})

	t.Run("panic", func(t *testing.T) {
		h := newEhTools(t, true)
		h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) { panic("host is unhappy") })
		o, ok := runLogTwice(t, h)
		if !ok {
			t.Fatal("log_twice hung")
		}
		var ce *wasmdl.CallError
		if !errors.As(o.err, &ce) || ce.Func != "log_twice" || !strings.Contains(o.err.Error(), "host is unhappy") {
			t.Fatalf("a panicking host function: %v", o.err)
		}
		if _, err := h.tools.Lookup(ctx, "count"); !errors.Is(err, wasmdl.ErrDead) {
			t.Errorf("after the panic: %v, want ErrDead", err)
		}
	})

	t.Run("writes past its stack", func(t *testing.T) {
		hf := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
			Func: func(ctx context.Context, p *wasmdl.Process, stack []uint64) { stack[3] = 7 }}
		l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(hf))
		p, err := l.LoadEmpty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctx)
		lib := ehOpen(t, p, "libtools.so", wasmdl.Now)
		_, err = ehLookup(t, lib, "log_twice").Call(ctx, 1)
		var ce *wasmdl.CallError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "index out of range") {
			t.Fatalf("host function writing past its stack: %v", err)
		}
	})

	t.Run("declared with the wrong signature", func(t *testing.T) {
		hf := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
			Results: []api.ValueType{api.ValueTypeI64},
			Func:    func(ctx context.Context, p *wasmdl.Process, stack []uint64) { stack[0] = 1 }}
		l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(hf))
		p, err := l.LoadEmpty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(ctx)
		_, err = p.Open(ctx, "libtools.so", wasmdl.Now)
		if err == nil || !strings.Contains(err.Error(), "host_log") {
			t.Fatalf("a host function whose signature differs from the import: %v", err)
		}
		t.Logf("wrong signature: %v", err)
		if lib, err := p.Open(ctx, "libplugin.so", wasmdl.Now); err != nil {
			t.Errorf("the process after the refused open: %v", err)
		} else if got, err := ehCall1(ctx, ehLookup(t, lib, "plugin_apply"), 1); err != nil || got != 11 {
			t.Errorf("plugin_apply(1) = %d, %v", got, err)
		}
	})

	t.Run("nested trap", func(t *testing.T) {
		// The callback traps: the process is dead ("its state could be
		// anything, so it runs nothing more"). The guest call that made
		// the callback must not then report success with its result.
		h := newEhTools(t, true)
		var innerErr error
		h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
			s, err := h.tools.Lookup(ctx, "trap_now")
			if err != nil {
				innerErr = err
				return
			}
			_, innerErr = s.Call(ctx)
		})
		o, ok := runLogTwice(t, h)
		if !ok {
			t.Fatal("log_twice hung")
		}
		var ce *wasmdl.CallError
		if !errors.As(innerErr, &ce) || ce.Func != "trap_now" {
			t.Fatalf("the callback's trap: %v", innerErr)
		}
		_, after := h.tools.Lookup(ctx, "count")
		if !errors.Is(after, wasmdl.ErrDead) {
			t.Errorf("after a nested trap the process is not dead: %v", after)
		}
		if o.err == nil {
			t.Errorf("log_twice returned %v, nil although the process died during it (trap_now in its callback): "+
				"the guest kept running after the trap and its result was handed to the host", o.res)
		}
	})

	t.Run("unloads its caller", func(t *testing.T) {
		// The host function closes the library whose code called it.
		h := newEhTools(t, true)
		var closeErr error
		first := true
		h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
			if first {
				first = false
				closeErr = h.tools.Close(ctx)
			}
		})
		o, ok := runLogTwice(t, h)
		if !ok {
			t.Fatal("log_twice hung")
		}
		t.Logf("library closed under its own call: close %v; log_twice %v, %v", closeErr, o.res, o.err)
		if o.err == nil {
			return
		}
		if !strings.Contains(o.err.Error(), "dlclose unloaded it") {
			t.Errorf("the error does not say its caller was unloaded while running: %v", o.err)
		}
	})

	// host_log(x) calls log_twice(x-1) back while x > 0: 2^(depth+2)-2
	// host calls, nested depth deep. Everything returns log_twice's x+1,
	// and the stack pointer is back where it was. The symbol called back
	// is either the very Symbol whose call is running (a host keeps its
	// symbols looked up once), or one looked up anew in each callback.
	for _, reuse := range []bool{true, false} {
		name := "nested callbacks, same Symbol"
		if !reuse {
			name = "nested callbacks, Symbol looked up in each callback"
		}
		t.Run(name, func(t *testing.T) {
			h := newEhTools(t, true)
			lt, probe := ehLookup(t, h.tools, "log_twice"), ehLookup(t, h.tools, "stack_probe")
			sp, err := probe.Call(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var calls, wrong atomic.Int32
			h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
				calls.Add(1)
				if x <= 0 {
					return
				}
				s := lt
				if !reuse {
					var err error
					if s, err = h.tools.Lookup(ctx, "log_twice"); err != nil {
						t.Error(err)
						return
					}
				}
				if got, err := ehCall1(ctx, s, x-1); err != nil || got != x {
					if wrong.Add(1) == 1 {
						t.Errorf("nested log_twice(%d) = %d, %v; want %d", x-1, got, err, x)
					}
				}
			})
			const depth = 10
			var got int32
			if !ehFinishes(limit, func() { got, err = ehCall1(ctx, lt, int32(depth)) }) {
				t.Fatal("nested callbacks hung")
			}
			if err != nil || got != depth+1 {
				t.Errorf("log_twice(%d) = %d, %v; want %d", depth, got, err, depth+1)
			}
			if n := wrong.Load(); n > 0 {
				t.Errorf("%d of %d nested calls returned a wrong result", n, calls.Load())
			}
			if n := calls.Load(); n != 1<<(depth+2)-2 {
				t.Errorf("%d host calls, want %d", n, 1<<(depth+2)-2)
			}
			if again, err := probe.Call(ctx); err != nil || again[0] != sp[0] {
				t.Errorf("stack pointer %v -> %v (%v)", sp, again, err)
			}
		})
	}

	t.Run("fan out with its context", func(t *testing.T) {
		// A host function that fans work out to goroutines with the ctx
		// it was given (errgroup style). A process runs guest code for
		// one caller at a time: these callbacks must not run at once.
		h := newEhTools(t, true)
		var inGuest, maxIn atomic.Int32
		var depth atomic.Int32
		h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
			if x != 41 { // a nested call: measure overlap
				n := inGuest.Add(1)
				for {
					m := maxIn.Load()
					if n <= m || maxIn.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				inGuest.Add(-1)
				return
			}
			if depth.Add(1) > 1 {
				return
			}
			var wg sync.WaitGroup
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// A Symbol of its own per goroutine: only the
					// process's turn-taking is under test.
					lt, err := h.tools.Lookup(ctx, "log_twice")
					if err != nil {
						t.Error(err)
						return
					}
					for i := 0; i < 5; i++ {
						if _, err := lt.Call(ctx, 7); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
		o, ok := runLogTwice(t, h)
		if !ok {
			t.Fatal("log_twice hung")
		}
		if o.err != nil {
			t.Fatal(o.err)
		}
		if maxIn.Load() > 1 {
			t.Errorf("%d calls ran guest code in one process at once (callbacks from goroutines given the host function's ctx)", maxIn.Load())
		}
	})

	// Entry points a host function might reasonably use on its own
	// process. Each must return (or fail) rather than wait for itself.
	for _, tc := range []struct {
		name string
		do   func(ctx context.Context, h *ehTools, p *wasmdl.Process) error
	}{
		{"Process.Open", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			_, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
			return err
		}},
		{"Process.Close", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			return p.Close(ctx)
		}},
		{"Symbol.Function().Definition()", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			s, err := h.tools.Lookup(ctx, "count")
			if err != nil {
				return err
			}
			if d := s.Function().Definition(); d == nil || d.Name() == "" {
				return fmt.Errorf("definition %v", d)
			}
			return nil
		}},
		{"Process.Layout", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			if len(p.Layout()) == 0 {
				return errors.New("empty layout")
			}
			return nil
		}},
		{"Process.Fork", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			c, err := p.Fork(ctx)
			if err == nil {
				c.Close(ctx)
			}
			return err
		}},
		{"Process.Run", func(ctx context.Context, h *ehTools, p *wasmdl.Process) error {
			_, err := p.Run(ctx)
			if err == nil {
				return errors.New("Run of an empty process succeeded")
			}
			return nil
		}},
	} {
		t.Run("calls "+tc.name, func(t *testing.T) {
			h := newEhTools(t, false)
			var hookErr error
			first := true
			h.setHook(func(ctx context.Context, p *wasmdl.Process, x int32) {
				if first {
					first = false
					hookErr = tc.do(ctx, h, p)
				}
			})
			o, ok := runLogTwice(t, h)
			if !ok {
				t.Fatalf("deadlock: a host function calling %s on its own process never returns (the process is now stuck for good)", tc.name)
			}
			t.Logf("%s from a host function: %v; log_twice %v, %v", tc.name, hookErr, o.res, o.err)
			h.p.Close(ctx)
		})
	}
}

// ---------------------------------------------------------------------
// 7. Bad inputs.

// TestEmbedBadFiles: a server loading files it was handed. Every failure
// is an error naming the file, never a panic or a hang; Open failures
// leave the process usable.
func TestEmbedBadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good, err := os.ReadFile(ehPluginDir + "/libplugin.so")
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.ReadFile(ehPluginDir + "/host.wasm")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := map[string]string{
		"missing":   filepath.Join(dir, "nothing.wasm"),
		"directory": filepath.Join(dir, "adir"),
		"empty":     write("empty.wasm", nil),
		"text":      write("text.wasm", []byte("#!/bin/sh\necho this is not wasm\n")),
		"magic":     write("magic.wasm", []byte("\x00asm")),
		"version":   write("version.wasm", []byte("\x00asm\x02\x00\x00\x00")),
	}
	if err := os.Mkdir(bad["directory"], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.wasm"), 0o644); err == nil {
		bad["fifo"] = filepath.Join(dir, "fifo.wasm")
	}
	for _, n := range []int{9, 10, 11, 20, 64, len(host) / 3, len(host) / 2, len(host) - 1} {
		bad[fmt.Sprintf("host truncated to %d", n)] = write(fmt.Sprintf("host%d.wasm", n), host[:n])
	}
	for _, n := range []int{9, 12, 30, len(good) / 2, len(good) - 1} {
		bad[fmt.Sprintf("plugin truncated to %d", n)] = write(fmt.Sprintf("libplug%d.so", n), good[:n])
	}
	flipped := append([]byte(nil), good...)
	for i := 40; i < len(flipped); i += 97 {
		flipped[i] ^= 0xff
	}
	bad["plugin with flipped bytes"] = write("libflipped.so", flipped)

	l := ehLinker(t)
	for what, path := range bad {
		var err error
		if !ehFinishes(10*time.Second, func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			var p *wasmdl.Process
			p, err = l.Load(ctx, path)
			if err == nil {
				p.Close(ctx)
			}
		}) {
			t.Errorf("Load(%s): hung", what)
			continue
		}
		if err == nil {
			t.Errorf("Load(%s) succeeded", what)
			continue
		}
		if strings.HasPrefix(err.Error(), "panic") || !strings.Contains(err.Error(), path) {
			t.Errorf("Load(%s): the error does not name %s: %v", what, path, err)
		}
		var me *wasmdl.ModuleError
		if !errors.As(err, &me) {
			t.Errorf("Load(%s): not a ModuleError: %T %v", what, err, err)
		}
		if what == "missing" && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(missing): does not match fs.ErrNotExist: %v", err)
		}
	}
	if _, err := l.Load(ctx, ""); err == nil {
		t.Error(`Load("") succeeded`)
	}

	// The same files as plugins, into one process that must stay usable.
	p, err := l.LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	before := len(p.Layout())
	for what, path := range bad {
		var err error
		if !ehFinishes(10*time.Second, func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			_, err = p.Open(ctx, path, wasmdl.Now)
		}) {
			t.Fatalf("Open(%s): hung", what)
		}
		if err == nil {
			t.Errorf("Open(%s) succeeded", what)
			continue
		}
		if strings.HasPrefix(err.Error(), "panic") || !strings.Contains(err.Error(), filepath.Base(path)) {
			t.Errorf("Open(%s): the error does not name the file: %v", what, err)
		}
		if errors.Is(err, wasmdl.ErrDead) {
			t.Fatalf("Open(%s) killed the process: %v", what, err)
		}
	}
	for _, name := range []string{"", "lib\x00plugin.so", "../plugin/libplugin.so", "nope/../../libplugin.so"} {
		if _, err := p.Open(ctx, name, wasmdl.Now); err == nil {
			t.Errorf("Open(%q) succeeded", name)
		} else if name != "" && !strings.Contains(err.Error(), name) {
			t.Errorf("Open(%q): the error does not name it: %v", name, err)
		}
	}
	if after := len(p.Layout()); after != before {
		t.Errorf("failed opens changed the layout from %d to %d regions", before, after)
	}
	// Host paths are the host's choice: absolute, or with "..", outside
	// the search path.
	abs, _ := filepath.Abs(ehPluginDir + "/libplugin2.so")
	for _, name := range []string{abs, "testdata/dl/../dl/plugin/libplugin.so", write("libcopy.so", good)} {
		lib, err := p.Open(ctx, name, wasmdl.Now)
		if err != nil {
			t.Errorf("Open(%s): %v", name, err)
			continue
		}
		if got, err := ehCall1(ctx, ehLookup(t, lib, "plugin_version"), nil...); err != nil || got < 1 {
			t.Errorf("Open(%s): plugin_version = %d, %v", name, got, err)
		}
		if err := lib.Close(ctx); err != nil {
			t.Error(err)
		}
	}
	// A main module opened as a library, and a library loaded as a main.
	if _, err := p.Open(ctx, ehPluginDir+"/host.wasm", wasmdl.Now); err == nil {
		t.Errorf("a non-PIE main opened as a plugin")
	} else {
		t.Logf("host.wasm as a plugin: %v", err)
	}
	if q, err := l.Load(ctx, ehPluginDir+"/libplugin.so"); err == nil {
		if _, err := q.Run(ctx); err == nil {
			t.Errorf("Run of a shared library loaded as a main succeeded")
		} else {
			t.Logf("a library as the main: Run: %v (ErrNoEntry %v)", err, errors.Is(err, wasmdl.ErrNoEntry))
		}
		q.Close(ctx)
	} else {
		t.Logf("a library as the main: %v", err)
	}
	// The process still works.
	lib := ehOpen(t, p, "libplugin.so", wasmdl.Now)
	if got, err := ehCall1(ctx, ehLookup(t, lib, "plugin_apply"), 10); err != nil || got != 101 {
		t.Fatalf("after all the bad files: plugin_apply(10) = %d, %v", got, err)
	}
}

// TestEmbedArgumentConversion: Symbol.Call converts Go values; a value
// that does not fit its parameter is a hazard if it is passed on silently.
func TestEmbedArgumentConversion(t *testing.T) {
	ctx := context.Background()
	p := ehEmpty(t)
	lib := ehOpen(t, p, "libplugin.so", wasmdl.Now)
	apply := ehLookup(t, lib, "plugin_apply")
	for _, bad := range [][]any{nil, {int32(1), int32(2)}, {"10"}, {int64(10)}, {uint64(10)}, {1.5}, {nil}} {
		if _, err := apply.Call(ctx, bad...); err == nil {
			t.Errorf("plugin_apply(%v) was accepted", bad)
		}
	}
	if got, err := ehCall1(ctx, apply, 10); err != nil || got != 101 {
		t.Fatalf("after the refused calls (nothing may have run): %d, %v", got, err)
	}
	// An int is accepted for an i32 when it fits in 32 bits (signed or
	// not); one that does not is refused, not truncated.
	for _, big := range []any{int(1)<<32 + 10, int(math.MinInt32) - 1, uint(1) << 33} {
		if got, err := ehCall1(ctx, apply, big); err == nil {
			t.Errorf("plugin_apply(%v) ran (= %d): a value outside 32 bits was truncated", big, got)
		}
	}
	if got, err := ehCall1(ctx, apply, int(math.MaxUint32)); err != nil {
		t.Errorf("plugin_apply(MaxUint32) refused: %v", err)
	} else if got2, _ := ehCall1(ctx, apply, int32(-1)); got2 != got+1 {
		t.Errorf("plugin_apply(MaxUint32) = %d and plugin_apply(-1) = %d: not the same argument", got, got2)
	}
}

// ---------------------------------------------------------------------
// 8. A long life.

func ehOpenFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func ehMappings() int {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return -1
	}
	return bytes.Count(b, []byte{'\n'})
}

func ehVMSize() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmSize:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmSize:")), "%d", &kb)
			return kb << 10
		}
	}
	return -1
}

// TestEmbedManyProcesses: 500 processes loaded, used and closed, of a
// linked program (run half of the time) and of a plugin host (a plugin
// opened, called, and either closed or left for Process.Close). The Go
// heap, open file descriptors, memory mappings, address space and
// goroutines must not grow with the number of processes.
func TestEmbedManyProcesses(t *testing.T) {
	ctx := context.Background()
	n := 500
	if raceEnabled {
		n = 150
	}
	l := ehLinker(t)
	cycle := func(count int) {
		for i := 0; i < count; i++ {
			if i%2 == 0 {
				p, err := l.Load(ctx, "testdata/link/data/main.wasm", wasmdl.WithStdout(io.Discard))
				if err != nil {
					t.Fatal(err)
				}
				if i%4 == 0 {
					if _, err := p.Run(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.Close(ctx); err != nil {
					t.Fatal(err)
				}
				continue
			}
			p, err := l.LoadEmpty(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lib := ehOpen(t, p, "libbig.so", wasmdl.Now)
			if got, err := ehCall1(ctx, ehLookup(t, lib, "big_touch")); err != nil || got != 1 {
				t.Fatalf("big_touch = %d, %v", got, err)
			}
			if i%3 == 0 {
				if err := lib.Close(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	cycle(40) // warm the caches
	heap0, fds0, maps0, vm0, gor0 := heapAlloc(), ehOpenFDs(), ehMappings(), ehVMSize(), runtime.NumGoroutine()
	start := time.Now()
	cycle(n)
	time.Sleep(50 * time.Millisecond) // goroutines watching contexts wind down
	heap1, fds1, maps1, vm1, gor1 := heapAlloc(), ehOpenFDs(), ehMappings(), ehVMSize(), runtime.NumGoroutine()
	t.Logf("%d processes in %v: heap %d -> %d, fds %d -> %d, mappings %d -> %d, VmSize %d MiB -> %d MiB, goroutines %d -> %d",
		n, time.Since(start), heap0, heap1, fds0, fds1, maps0, maps1, vm0>>20, vm1>>20, gor0, gor1)
	if heap1 > heap0+8<<20 {
		t.Errorf("Go heap grew from %d to %d bytes over %d processes", heap0, heap1, n)
	}
	if fds0 >= 0 && fds1 > fds0+4 {
		t.Errorf("open file descriptors grew from %d to %d over %d processes", fds0, fds1, n)
	}
	if maps0 >= 0 && maps1 > maps0+64 {
		t.Errorf("memory mappings grew from %d to %d over %d processes", maps0, maps1, n)
	}
	if vm0 >= 0 && vm1 > vm0+1<<30 {
		t.Errorf("address space grew from %d MiB to %d MiB over %d processes", vm0>>20, vm1>>20, n)
	}
	if gor1 > gor0+4 {
		t.Errorf("goroutines grew from %d to %d over %d processes", gor0, gor1, n)
	}
}

// TestEmbedDeadProcessesReleased: processes that died (trap, deadline)
// and were then closed release what they held, like healthy ones.
func TestEmbedDeadProcessesReleased(t *testing.T) {
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir).WithHostFuncs(logFunc))
	cycle := func(count int) {
		for i := 0; i < count; i++ {
			p, err := l.LoadEmpty(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lib := ehOpen(t, p, "libtools.so", wasmdl.Now)
			if i%2 == 0 {
				_, err = ehLookup(t, lib, "trap_now").Call(ctx)
			} else {
				dctx, cancel := context.WithTimeout(ctx, time.Millisecond)
				_, err = ehLookup(t, lib, "spin").Call(dctx)
				cancel()
			}
			if err == nil {
				t.Fatal("the plugin returned normally")
			}
			cctx := ctx
			if i%3 == 0 {
				cctx = cancelled // a server's request context, gone by then
			}
			if err := p.Close(cctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	cycle(20)
	heap0, fds0, maps0, gor0 := heapAlloc(), ehOpenFDs(), ehMappings(), runtime.NumGoroutine()
	cycle(200)
	time.Sleep(50 * time.Millisecond)
	heap1, fds1, maps1, gor1 := heapAlloc(), ehOpenFDs(), ehMappings(), runtime.NumGoroutine()
	t.Logf("200 dead processes: heap %d -> %d, fds %d -> %d, mappings %d -> %d, goroutines %d -> %d",
		heap0, heap1, fds0, fds1, maps0, maps1, gor0, gor1)
	if heap1 > heap0+8<<20 {
		t.Errorf("Go heap grew from %d to %d bytes over 200 dead processes", heap0, heap1)
	}
	if fds1 > fds0+4 || maps1 > maps0+64 || gor1 > gor0+4 {
		t.Errorf("resources grew over 200 dead processes: fds %d -> %d, mappings %d -> %d, goroutines %d -> %d",
			fds0, fds1, maps0, maps1, gor0, gor1)
	}
}

// ehLinker is a Linker whose libraries come from ehPluginDir.
func ehLinker(t *testing.T) *wasmdl.Linker {
	return wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath(ehPluginDir))
}

// ehEmpty is an empty process whose libraries come from ehPluginDir,
// closed when the test ends.
func ehEmpty(t *testing.T) *wasmdl.Process {
	t.Helper()
	ctx := context.Background()
	p, err := ehLinker(t).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	return p
}

// ehOpen opens a library in p or fails the test.
func ehOpen(t testing.TB, p *wasmdl.Process, name string, flags wasmdl.Flags) *wasmdl.Library {
	t.Helper()
	lib, err := p.Open(context.Background(), name, flags)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestEmbedOpenAfterLinkerClose: once its Linker is closed, a process
// loads no more libraries (they would compile into caches nobody frees),
// and says why; what it loaded before still runs.
func TestEmbedOpenAfterLinkerClose(t *testing.T) {
	ctx := context.Background()
	l := ehLinker(t)
	p, err := l.LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	apply := ehLookup(t, ehOpen(t, p, "libplugin.so", wasmdl.Now), "plugin_apply")
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, "libgreet.so", wasmdl.Now); !errors.Is(err, wasmdl.ErrClosed) || !strings.Contains(err.Error(), "libgreet.so") {
		t.Errorf("Open after the Linker closed: %v, want ErrClosed naming the library", err)
	}
	if got, err := ehCall1(ctx, apply, 10); err != nil || got != 101 {
		t.Errorf("plugin_apply(10) after the Linker closed = %d, %v", got, err)
	}
}

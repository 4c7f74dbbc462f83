package wasmdl_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// The Go API a plugin host relies on: calls from any goroutine, plugins
// that trap or never return, closed libraries, errors it can inspect.

var logFunc = wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32}}

// toolsProcess is a plugin-only process with libtools.so open.
func toolsProcess(t testing.TB, cfg wasmdl.Config, opts ...wasmdl.Option) (*wasmdl.Process, *wasmdl.Library) {
	t.Helper()
	ctx := context.Background()
	p, err := wasmdl.NewLinker(newRuntime(t), cfg.WithSearchPath("testdata/dl/plugin")).LoadEmpty(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	lib, err := p.Open(ctx, "libtools.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	return p, lib
}

func lookup(t testing.TB, lib *wasmdl.Library, name string) *wasmdl.Symbol {
	t.Helper()
	s, err := lib.Lookup(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConcurrentCalls: many goroutines call one process at once, through
// Symbol.Call and through the api.Function, while others open and close
// libraries in it; every call is counted exactly once and the stack
// pointer is where it started. Run with -race.
func TestConcurrentCalls(t *testing.T) {
	ctx := context.Background()
	p, lib := toolsProcess(t, wasmdl.NewConfig().WithHostFuncs(logFunc))
	count, probe := lookup(t, lib, "count"), lookup(t, lib, "stack_probe")
	sp, err := probe.Call(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, calls = 8, 500
	var wg sync.WaitGroup
	errs := make(chan error, goroutines+2)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := count.Function()
			for i := 0; i < calls; i++ {
				var err error
				if i%2 == 0 {
					_, err = count.Call(ctx)
				} else {
					_, err = fn.Call(ctx)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for g := 0; g < 2; g++ { // hot swaps alongside
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				l, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
				if err == nil {
					if s, err2 := l.Lookup(ctx, "plugin_apply"); err2 != nil {
						err = err2
					} else if res, err2 := s.Call(ctx, 1); err2 != nil || res[0].(int32) < 11 {
						err = errors.Join(err2, errors.New("plugin_apply(1) below 11"))
					}
					err = errors.Join(err, l.Close(ctx))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := count.Call(ctx)
	if err != nil || res[0].(int32) != goroutines*calls+1 {
		t.Fatalf("count after %d calls = %v, %v", goroutines*calls, res, err)
	}
	if again, _ := probe.Call(ctx); again[0] != sp[0] {
		t.Fatalf("stack pointer moved from %v to %v", sp[0], again[0])
	}
}

// TestTrapKillsProcess: after a trap (here a stack overflow), nothing runs
// in the process any more and every call says why; other processes of the
// Linker go on.
func TestTrapKillsProcess(t *testing.T) {
	ctx := context.Background()
	for _, fn := range []string{"overflow", "trap_now"} {
		p, lib := toolsProcess(t, wasmdl.NewConfig().WithHostFuncs(logFunc))
		count := lookup(t, lib, "count")
		args := []any{}
		if fn == "overflow" {
			args = append(args, int32(0))
		}
		_, err := lookup(t, lib, fn).Call(ctx, args...)
		var ce *wasmdl.CallError
		if !errors.As(err, &ce) || ce.Func != fn || ce.Module != "libtools.so" {
			t.Fatalf("%s: %v", fn, err)
		}
		for what, err := range map[string]error{
			"call":   func() error { _, err := count.Call(ctx); return err }(),
			"lookup": func() error { _, err := lib.Lookup(ctx, "count"); return err }(),
			"open":   func() error { _, err := p.Open(ctx, "libplugin.so", wasmdl.Now); return err }(),
			"run":    func() error { _, err := p.Run(ctx); return err }(),
		} {
			if !errors.Is(err, wasmdl.ErrDead) || !errors.As(err, &ce) {
				t.Errorf("%s after %s: %v, want ErrDead and the CallError", what, fn, err)
			}
		}
	}
}

// TestContextStopsGuest: a deadline or a cancelled context stops a plugin
// that never returns, the call reports the context's error, and so does
// Close from another goroutine.
func TestContextStopsGuest(t *testing.T) {
	p, lib := toolsProcess(t, wasmdl.NewConfig().WithHostFuncs(logFunc))
	spin, count := lookup(t, lib, "spin"), lookup(t, lib, "count")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := spin.Call(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("spin with a deadline: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("stopped after %v", d)
	}
	if _, err := count.Call(context.Background()); !errors.Is(err, wasmdl.ErrDead) ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after the deadline: %v", err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Close stops a call that is running.
	p2, lib2 := toolsProcess(t, wasmdl.NewConfig().WithHostFuncs(logFunc))
	spin2 := lookup(t, lib2, "spin")
	done := make(chan error)
	go func() {
		_, err := spin2.Call(context.Background())
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := p2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("spin returned normally after Close")
	}
	if _, err := p2.Lookup(context.Background(), "count"); !errors.Is(err, wasmdl.ErrClosed) {
		t.Fatalf("lookup after Close: %v", err)
	}
}

// TestStaleSymbol: a Symbol kept across Library.Close fails with ErrClosed
// and runs nothing, even once another version is loaded in its place.
func TestStaleSymbol(t *testing.T) {
	ctx := context.Background()
	p, _ := toolsProcess(t, wasmdl.NewConfig().WithHostFuncs(logFunc))
	v1, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	old := lookup(t, v1, "plugin_apply")
	oldFn := old.Function()
	if err := v1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	v2, err := p.Open(ctx, "libplugin2.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	cur := lookup(t, v2, "plugin_apply")
	if _, err := old.Call(ctx, 1); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("call through a closed library's symbol: %v", err)
	}
	if _, err := oldFn.Call(ctx, 1); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("call through a closed library's function: %v", err)
	}
	if _, err := v1.Lookup(ctx, "plugin_apply"); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("lookup in a closed library: %v", err)
	}
	if err := v1.Close(ctx); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
	// v2 saw none of those calls: its first call is its first.
	if res, err := cur.Call(ctx, 10); err != nil || res[0] != int32(201) {
		t.Errorf("v2 plugin_apply(10) = %v, %v, want 201", res, err)
	}
}

// TestPluginProcess: a process without a program gives plugins a working
// WASI context of its own (stdout here), a host function for what they
// import and nobody defines, with the calling process at hand, and a
// libc when the host loads a main that only exports one.
func TestPluginProcess(t *testing.T) {
	ctx := context.Background()
	var seen []int32
	var seenBy atomic.Pointer[wasmdl.Process]
	logger := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
		Func: func(ctx context.Context, p *wasmdl.Process, stack []uint64) {
			seen = append(seen, int32(stack[0]))
			seenBy.Store(p)
			// The host function may call back into its own process.
			if s, err := p.Lookup(ctx, "count"); err == nil {
				s.Call(ctx)
			}
		}}
	var out1, out2 bytes.Buffer
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithHostFuncs(logger))
	p1, err := l.LoadEmpty(ctx, wasmdl.WithStdout(&out1))
	if err != nil {
		t.Fatal(err)
	}
	defer p1.Close(ctx)
	p2, err := l.LoadEmpty(ctx, wasmdl.WithStdout(&out2))
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close(ctx)
	for _, p := range []*wasmdl.Process{p1, p2} {
		lib, err := p.Open(ctx, "libtools.so", wasmdl.Now|wasmdl.Global)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := lookup(t, lib, "say_hello").Call(ctx); err != nil || res[0] != int32(20) {
			t.Fatalf("say_hello = %v, %v", res, err)
		}
	}
	if out1.String() != "hello from a plugin\n" || out2.String() != "hello from a plugin\n" {
		t.Errorf("per-process stdout: %q and %q", out1.String(), out2.String())
	}
	s, _ := p2.Lookup(ctx, "log_twice")
	if res, err := s.Call(ctx, 41); err != nil || res[0] != int32(42) {
		t.Fatalf("log_twice(41) = %v, %v", res, err)
	}
	if len(seen) != 2 || seen[0] != 41 || seenBy.Load() != p2 {
		t.Errorf("host_log saw %v from %p, want 41 twice from %p", seen, seenBy.Load(), p2)
	}
	if c, _ := p2.Lookup(ctx, "count"); c != nil {
		if res, _ := c.Call(ctx); res[0] != int32(3) {
			t.Errorf("count after the host's two callbacks = %v, want 3", res)
		}
	}

	// A libc for plugins: a main that exports it, loaded and never run.
	var out3 bytes.Buffer
	host, err := l.Load(ctx, "testdata/dl/plugin/host.wasm", wasmdl.WithStdout(&out3))
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close(ctx)
	greet, err := host.Open(ctx, "libgreet.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := lookup(t, greet, "greet").Call(ctx, 21); err != nil || res[0] != int32(42) {
		t.Fatalf("greet(21) = %v, %v", res, err)
	}
	if out3.String() != "greetings number 21\n" {
		t.Errorf("greet printed %q", out3.String())
	}
}

// TestErrorsInspectable: each kind of failure is a type or sentinel a host
// can test with errors.As and errors.Is.
func TestErrorsInspectable(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	p, err := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("testdata/dl/errors")).LoadEmpty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)

	_, err = p.Open(ctx, "libnope.so", wasmdl.Now)
	var ml *wasmdl.MissingLibraryError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &ml) || ml.Name != "libnope.so" || len(ml.Searched) == 0 {
		t.Errorf("missing plugin: %v (%+v)", err, ml)
	}
	_, err = p.Open(ctx, "libundef.so", wasmdl.Now)
	var ue *wasmdl.UndefinedSymbolError
	if !errors.As(err, &ue) || ue.NeededBy != "libundef.so" || ue.Symbol == "" {
		t.Errorf("undefined symbol: %v", err)
	}
	var le *wasmdl.LoadError
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("testdata/link/errors/undefined")).Load(ctx, "testdata/link/errors/undefined/main.wasm")
	if !errors.As(err, &le) || len(le.Errs) == 0 || !errors.As(err, &ue) {
		t.Errorf("load with undefined symbols: %v", err)
	}
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("testdata/link/errors/sigmismatch")).Load(ctx, "testdata/link/errors/sigmismatch/main.wasm")
	var se *wasmdl.SignatureError
	if !errors.As(err, &se) || se.Want == se.Have {
		t.Errorf("signature mismatch: %v", err)
	}
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig()).Load(ctx, "testdata/nothing/here.wasm")
	var me *wasmdl.ModuleError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &me) || me.Path != "testdata/nothing/here.wasm" {
		t.Errorf("missing main: %v", err)
	}
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig()).Load(ctx, "testdata/dl/plugin/tools.c")
	var fe *wasmfile.FormatError
	if !errors.As(err, &me) || !errors.As(err, &fe) {
		t.Errorf("not a module: %v", err)
	}
	l := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin"))
	host, err := l.Load(ctx, "testdata/dl/plugin/host.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if status, err := host.Run(ctx); err != nil || status != 0 {
		t.Fatalf("run: %d, %v", status, err)
	}
	var ee *wasmdl.ExitError
	if _, err := host.Lookup(ctx, "malloc"); !errors.Is(err, wasmdl.ErrDead) || !errors.As(err, &ee) || ee.Code != 0 {
		t.Errorf("lookup after the program ended: %v", err)
	}
	host.Close(ctx)
	if _, err := host.Open(ctx, "libgreet.so", wasmdl.Now); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("open in a closed process: %v", err)
	}
	l.Close(ctx)
	if _, err := l.LoadEmpty(ctx); !errors.Is(err, wasmdl.ErrClosed) {
		t.Errorf("load with a closed Linker: %v", err)
	}
	if _, err := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithHostFuncs(wasmdl.HostFunc{Name: "dlopen"})).LoadEmpty(ctx); err == nil ||
		!strings.Contains(err.Error(), `"dlopen"`) {
		t.Errorf("a host function named dlopen: %v", err)
	}
}

// TestDebugShared: traces from processes on several goroutines go to one
// writer a whole line at a time, each naming its process; a slog.Logger
// gets them as records.
func TestDebugShared(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	})
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/link/diamond").WithDebug(w, "libs"))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := l.Load(ctx, "testdata/link/diamond/main.wasm")
			if err != nil {
				t.Error(err)
				return
			}
			p.Close(ctx)
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	procs := map[string]bool{}
	for _, line := range lines {
		tag, rest, ok := strings.Cut(line, ": libs: ")
		if !ok || !strings.HasPrefix(tag, "wasmdl[") || !strings.Contains(rest, " => ") {
			t.Fatalf("trace line %q", line)
		}
		procs[tag] = true
	}
	if len(lines) != 4*4 || len(procs) != 4 {
		t.Errorf("%d lines from %d processes:\n%s", len(lines), len(procs), buf.String())
	}

	var records bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&records, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l2 := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/link/diamond").WithLogger(logger, "libs"))
	p, err := l2.Load(ctx, "testdata/link/diamond/main.wasm")
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
	if !strings.Contains(records.String(), "level=DEBUG") || !strings.Contains(records.String(), "topic=libs") ||
		!strings.Contains(records.String(), "process=1") {
		t.Errorf("slog records:\n%s", records.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestModuleLimit: a process holds at most so many modules; a dlopen past
// the limit fails and leaves the process as it was, and closing one makes
// room again.
func TestModuleLimit(t *testing.T) {
	ctx := context.Background()
	l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin").WithModuleLimit(3))
	p, err := l.LoadEmpty(ctx) // the empty main is one module
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	a, err := p.Open(ctx, "libplugin.so", wasmdl.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, "libplugin2.so", wasmdl.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, "libbig.so", wasmdl.Now); err == nil || !strings.Contains(err.Error(), "over its limit of 3") {
		t.Fatalf("a fourth module: %v", err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Open(ctx, "libbig.so", wasmdl.Now); err != nil {
		t.Fatalf("after a close: %v", err)
	}
}

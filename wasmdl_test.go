package wasmdl_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl"
)

func newRuntime(t testing.TB) wazero.Runtime {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	t.Cleanup(func() { rt.Close(ctx) })
	return rt
}

func runCase(t testing.TB, l *wasmdl.Linker, main string, out *bytes.Buffer, opts ...wasmdl.Option) int {
	t.Helper()
	ctx := context.Background()
	p, err := l.Load(ctx, main, append([]wasmdl.Option{wasmdl.WithStdout(out)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	status, err := p.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// TestConcurrentProcesses runs many processes of the same program from
// several goroutines with one Linker: each has its own memory, table and
// GOT, so each prints exactly what the program prints alone.
func TestConcurrentProcesses(t *testing.T) {
	want, err := os.ReadFile("testdata/link/data/expected.stdout")
	if err != nil {
		t.Fatal(err)
	}
	rt := newRuntime(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	base := wasmdl.NewConfig().WithSearchPath("testdata/link/data")
	linker := wasmdl.NewLinker(rt, base)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				var out bytes.Buffer
				p, err := linker.Load(ctx, "testdata/link/data/main.wasm", wasmdl.WithStdout(&out))
				if err != nil {
					errs <- err
					return
				}
				if _, err := p.Run(ctx); err != nil {
					errs <- err
				}
				p.Close(ctx)
				if out.String() != string(want) {
					errs <- errors.New("output differs:\n" + out.String())
				}
			}
		}()
	}
	// Meanwhile the shared linker loads and closes processes too.
	for i := 0; i < 8; i++ {
		p, err := linker.Load(ctx, "testdata/link/data/main.wasm")
		if err != nil {
			t.Fatal(err)
		}
		p.Close(ctx)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCloseReleases loads and closes a process many times: the host heap
// must not grow with the number of processes.
func TestCloseReleases(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	// The ctors program's libraries register destructors: half of the
	// processes are closed without running, so those are never called.
	l := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("testdata/link/ctors"))
	cycle := func(n int) {
		for i := 0; i < n; i++ {
			p, err := l.Load(ctx, "testdata/link/ctors/main.wasm", wasmdl.WithStdout(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := p.Run(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	cycle(20) // warm the caches
	before := heap()
	cycle(200)
	after := heap()
	// Each process maps a memory and instantiates 10 modules; 200 of them
	// kept alive would hold tens of MiB.
	if after > before+8<<20 {
		t.Fatalf("host heap grew from %d to %d bytes over 200 processes", before, after)
	}
}

// TestEmbeddedFS loads a program from an fs.FS: nothing outside it is
// reachable, and errors name the library.
func TestEmbeddedFS(t *testing.T) {
	read := func(p string) *fstest.MapFile {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return &fstest.MapFile{Data: b}
	}
	fsys := fstest.MapFS{
		"bin/main.wasm":      read("testdata/link/searchpath/main.wasm"),
		"lib/libsp1.so":      read("testdata/link/searchpath/sub/libsp1.so"),
		"lib/libsp2.so":      read("testdata/link/searchpath/sub/libsp2.so"),
		"bin/expected":       read("testdata/link/searchpath/expected.stdout"),
		"elsewhere/libsp2.x": read("testdata/link/searchpath/sub/libsp2.so"),
	}
	rt := newRuntime(t)
	ctx := context.Background()
	var out bytes.Buffer
	cfg := wasmdl.NewConfig().WithFS(fsys).WithSearchPath("lib")
	if status := runCase(t, wasmdl.NewLinker(rt, cfg), "bin/main.wasm", &out); status != 0 {
		t.Fatalf("status %d", status)
	}
	if out.String() != string(fsys["bin/expected"].Data) {
		t.Fatalf("output:\n%s", out.String())
	}
	// Without the search path the library is not found, and the error says
	// which library and who needed it.
	_, err := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithFS(fsys)).Load(ctx, "bin/main.wasm")
	if err == nil || !strings.Contains(err.Error(), "libsp1.so: cannot open shared object file: No such file or directory (needed by main.wasm)") {
		t.Fatalf("err = %v", err)
	}
	// ".." cannot climb out of the FS.
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig().WithFS(fsys)).Load(ctx, "../bin/main.wasm")
	if err == nil || !strings.Contains(err.Error(), "escapes the library root") {
		t.Fatalf("err = %v", err)
	}
}

// TestLoadErrorReportsAll collects every problem before failing.
func TestLoadErrorReportsAll(t *testing.T) {
	rt := newRuntime(t)
	// A copy of the main alone in a folder: the main's folder is searched
	// last, so its libraries must not be next to it.
	b, err := os.ReadFile("testdata/link/diamond/main.wasm")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/main.wasm", b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = wasmdl.NewLinker(rt, wasmdl.NewConfig()).Load(context.Background(), dir+"/main.wasm")
	if err == nil {
		t.Fatal("loaded without a search path")
	}
	for _, lib := range []string{"libl.so", "libr.so", "libbase.so"} {
		if !strings.Contains(err.Error(), lib+": cannot open shared object file") {
			t.Errorf("error does not report %s:\n%v", lib, err)
		}
	}
}

// TestReloadSameProgram loads each program several times with one Linker:
// the first load plans, later ones restore the stored plan (prelink.go).
// Every run must print what Linux printed, including programs that dlopen
// and dlclose after the restored start, define their own memory, or use TLS.
func TestReloadSameProgram(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t)
	for _, dir := range []string{
		"testdata/link/ctors", "testdata/link/fnptr", "testdata/link/tls", "testdata/link/ownmem",
		"testdata/link/weak", "testdata/dl/unload", "testdata/dl/global", "testdata/dl/heap_dirty",
	} {
		want, err := os.ReadFile(dir + "/expected.stdout")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		l := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithDir(dir).WithSearchPath("."))
		for i := 0; i < 3; i++ {
			out.Reset()
			p, err := l.Load(ctx, "main.wasm", wasmdl.WithStdout(&out))
			if err != nil {
				t.Fatalf("%s, load %d: %v", dir, i, err)
			}
			status, err := p.Run(ctx)
			p.Close(ctx)
			if err != nil || status != 0 {
				t.Fatalf("%s, run %d: status %d, %v", dir, i, status, err)
			}
			if out.String() != string(want) {
				t.Fatalf("%s, run %d: output differs:\n%s", dir, i, out.String())
			}
		}
	}
}

// TestMemoryOwnershipRestored runs the memory-ownership stress (see
// testdata/mem) from plans the Linker kept and from merged programs kept
// on disk: a restored plan must place everything exactly as safely as a
// fresh one, constants folded into merged code included.
func TestMemoryOwnershipRestored(t *testing.T) {
	cache := t.TempDir()
	for _, variant := range []string{"lazy", "pie"} {
		dir := "testdata/mem/" + variant
		var first string
		for linker := 0; linker < 2; linker++ {
			var out bytes.Buffer
			cfg := wasmdl.NewConfig().WithDir(dir).WithSearchPath("../libs").WithCacheDir(cache)
			l := wasmdl.NewLinker(newRuntime(t), cfg)
			for load := 0; load < 2; load++ {
				out.Reset()
				if status := runCase(t, l, "main.wasm", &out, wasmdl.WithArgs("main.wasm", "11", "300")); status != 0 {
					t.Fatalf("%s, linker %d, load %d: status %d\n%s", variant, linker, load, status, out.String())
				}
				if first == "" {
					first = out.String()
					if !bytes.Contains(out.Bytes(), []byte("300 random operations: all verified")) {
						t.Fatalf("%s: %s", variant, first)
					}
				} else if out.String() != first {
					t.Fatalf("%s, linker %d, load %d printed\n%s\nthe first load printed\n%s", variant, linker, load, out.String(), first)
				}
			}
		}
	}
}

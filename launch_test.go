package wasmdl_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/internal/search"
)

// settle waits until the files in dir are old enough for a launch record
// to trust their stamps (two seconds).
func settle(t *testing.T, dir string) {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := &search.Searcher{Root: "/"}
	if !s.Stamps() {
		t.Skip("no file stamps on this system: no launch records")
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		t.Fatal(err)
	}
	var newest int64
	for _, e := range entries {
		st, err := s.HostStamp(strings.TrimPrefix(filepath.ToSlash(filepath.Join(abs, e.Name())), "/"))
		if err != nil {
			t.Fatal(err)
		}
		newest = max(newest, st.ModTime, st.Sys.ChangeTime())
	}
	time.Sleep(time.Until(time.Unix(0, newest).Add(2*time.Second + 100*time.Millisecond)))
}

// TestLaunchRecord: a process started from a launch record (a second
// Linker with the same cache folder, as a second `wasmdl run`) behaves as
// one planned from the files: the host looks up and calls a function of a
// startup library, opens a plugin that calls into it, and sees the same
// layout. A library changed on disk after the process started is not
// silently used for the program placed for the old one.
func TestLaunchRecord(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, f := range []string{"main.wasm", "libcore.so", "libplug.so"} {
		b, err := os.ReadFile(filepath.Join("testdata/dl/startup", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, dir)
	cache := t.TempDir()
	load := func() (*wasmdl.Process, string) {
		t.Helper()
		var trace bytes.Buffer
		cfg := wasmdl.NewConfig().WithSearchPath(dir).WithCacheDir(cache).WithDebug(&trace, "libs")
		p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, filepath.Join(dir, "main.wasm"), wasmdl.WithStdout(&bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(ctx) })
		return p, trace.String()
	}
	use := func(p *wasmdl.Process) []any {
		t.Helper()
		add, err := p.Lookup(ctx, "core_add")
		if err != nil {
			t.Fatal(err)
		}
		sum, err := add.Call(ctx, int32(40), int32(2))
		if err != nil {
			t.Fatal(err)
		}
		lib, err := p.Open(ctx, "libplug.so", wasmdl.Now)
		if err != nil {
			t.Fatal(err)
		}
		run, err := lib.Lookup(ctx, "plug_run")
		if err != nil {
			t.Fatal(err)
		}
		r, err := run.Call(ctx, int32(5))
		if err != nil {
			t.Fatal(err)
		}
		return append(sum, r...)
	}
	planned, trace := load()
	if strings.Contains(trace, "from the launch record") {
		t.Fatalf("the first process started from a record:\n%s", trace)
	}
	restored, trace := load()
	if !strings.Contains(trace, "from the launch record") {
		t.Fatalf("the second process did not start from the record:\n%s", trace)
	}
	if a, b := planned.Layout(), restored.Layout(); !reflect.DeepEqual(a, b) {
		t.Fatalf("layouts differ:\nplanned  %v\nrestored %v", a, b)
	}
	// A fork of a restored process, made before anything parsed its
	// libraries, parses them on its own.
	child, err := restored.Fork(ctx, wasmdl.WithStdout(&bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Close(ctx) })
	want := use(planned)
	for name, p := range map[string]*wasmdl.Process{"restored": restored, "its fork": child} {
		if got := use(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("results differ: planned %v, %s %v", want, name, got)
		}
	}

	// The library changes while a restored process has not read it yet.
	later, _ := load()
	core := filepath.Join(dir, "libcore.so")
	b, _ := os.ReadFile(core)
	b = append(b, 0, 1, 0) // a custom section with an empty name: same code, other bytes
	if err := os.WriteFile(core, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = later.Lookup(ctx, "core_add")
	if err == nil || !strings.Contains(err.Error(), "libcore.so") || !strings.Contains(err.Error(), "changed after the program started") {
		t.Fatalf("lookup after the library changed: %v", err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("reported as missing: %v", err)
	}
}

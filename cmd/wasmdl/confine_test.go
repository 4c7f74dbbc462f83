//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// hostileProgram copies testdata/link/pie (a PIE main needing libpa.so
// and libpb.so) to T/prog, with extra NEEDED entries and RUNTIME_PATH
// rpath on the main, a folder T/outside holding a copy of libpa.so, and
// returns T.
func hostileProgram(t *testing.T, extra, rpath []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"prog", "outside"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"main.wasm", "libpa.so", "libpb.so"} {
		b, err := os.ReadFile(filepath.Join(linkDir, "pie", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "main.wasm" {
			m, err := wasmfile.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			d := *m.Dylink
			d.Needed = append(append([]string(nil), d.Needed...), extra...)
			d.RuntimePath = rpath
			if b, err = wasmfile.WithDylink(b, &d); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "prog", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if f == "libpa.so" {
			if err := os.WriteFile(filepath.Join(dir, "outside", "libsecret.so"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

var searchedPaths = regexp.MustCompile(`\(searched: [^)]*/([^/)]+/[^/)]+)\)`)

// runSoon runs the CLI in dir with a deadline: before confinement a FIFO
// hung the loader for ever, and /dev/zero filled its memory.
func runSoon(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	type result struct {
		stderr string
		status int
	}
	ch := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		status := runIn(dir, args, &out, &errb)
		ch <- result{errb.String(), status}
	}()
	select {
	case r := <-ch:
		return r.stderr, r.status
	case <-time.After(60 * time.Second):
		t.Fatalf("wasmdl run %v did not return", args)
		return "", 0
	}
}

// TestRunConfinement: NEEDED entries and RUNTIME_PATH reach only the
// library roots and regular files.
func TestRunConfinement(t *testing.T) {
	tests := []struct {
		name       string
		extra      []string
		rpath      []string
		setup      func(t *testing.T, dir string)
		wantStderr string
	}{
		{"NEEDED zero with RUNTIME_PATH /dev", []string{"zero"}, []string{"/dev"}, nil,
			"wasmdl: error while loading shared libraries: zero: cannot open shared object file: No such file or directory (needed by main.wasm) (searched: prog/zero)\n"},
		{"RUNTIME_PATH outside the roots", []string{"libsecret.so"}, []string{"$ORIGIN/../outside"}, nil,
			"wasmdl: error while loading shared libraries: libsecret.so: cannot open shared object file: No such file or directory (needed by main.wasm) (searched: prog/libsecret.so)\n"},
		{"relative RUNTIME_PATH", []string{"libsecret.so"}, []string{"../outside"}, nil,
			"wasmdl: error while loading shared libraries: libsecret.so: cannot open shared object file: No such file or directory (needed by main.wasm) (searched: prog/libsecret.so)\n"},
		{"link out of the -L folder", []string{"liblink.so"}, nil, func(t *testing.T, dir string) {
			if err := os.Symlink("../outside/libsecret.so", filepath.Join(dir, "prog", "liblink.so")); err != nil {
				t.Fatal(err)
			}
		}, "wasmdl: error while loading shared libraries: liblink.so: cannot open shared object file: No such file or directory (needed by main.wasm) (searched: prog/liblink.so)\n"},
		{"link to /dev/zero", []string{"libzero.so"}, nil, func(t *testing.T, dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "prog", "libzero.so")); err != nil {
				t.Fatal(err)
			}
		}, "wasmdl: error while loading shared libraries: libzero.so: cannot open shared object file: No such file or directory (needed by main.wasm) (searched: prog/libzero.so)\n"},
		{"FIFO in the -L folder", []string{"libfifo.so"}, nil, func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "prog", "libfifo.so"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "wasmdl: error while loading shared libraries: libfifo.so: cannot open shared object file: libfifo.so: open DIR/prog/libfifo.so: not a regular file (needed by main.wasm)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := hostileProgram(t, tt.extra, tt.rpath)
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			stderr, status := runSoon(t, filepath.Join(dir, "prog"), "-L", ".", "main.wasm")
			stderr = strings.ReplaceAll(stderr, strings.TrimPrefix(dir, "/"), "DIR")
			// The paths searched are shown relative to the working folder:
			// keep their last two elements.
			stderr = searchedPaths.ReplaceAllString(stderr, "(searched: $1)")
			if status != 127 || stderr != tt.wantStderr {
				t.Errorf("status %d, stderr\n%s\nwant 127 and\n%s", status, stderr, tt.wantStderr)
			}
		})
	}
	// The host's own choices stay free: a main outside any -L folder.
	dir := hostileProgram(t, nil, nil)
	if _, status := runSoon(t, dir, filepath.Join(dir, "prog", "main.wasm")); status != 42 {
		t.Errorf("main given by path: status %d, want 42", status)
	}
}

// dlopenProbe is a PIE main whose open(name) calls dlopen(name, RTLD_NOW)
// and whose last_error() returns dlerror(): a guest asking for files.
func dlopenProbe(t *testing.T) []byte {
	t.Helper()
	var m wasmgen.Module
	i32 := wasmfile.I32
	m.ImportMemory("env", wasmfile.NameMemory, wasmfile.Limits{})
	m.ImportGlobal("env", wasmfile.NameMemoryBase, wasmfile.GlobalType{Type: i32})
	dlopen := m.ImportFunc("env", "dlopen", wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}, Results: []wasmfile.ValType{i32}})
	dlerror := m.ImportFunc("env", "dlerror", wasmfile.FuncType{Results: []wasmfile.ValType{i32}})
	m.Export("open", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}},
		wasmgen.Call(wasmgen.I32Const(wasmgen.LocalGet(nil, 0), 2), dlopen)))
	m.Export("last_error", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Results: []wasmfile.ValType{i32}}, wasmgen.Call(nil, dlerror)))
	b, err := wasmfile.WithDylink(m.Bytes(), &wasmfile.Dylink{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenConfinement: a guest's dlopen of a name outside every root fails
// as a missing file does, whatever is there, and /dev/zero is not read; a
// library in a root, or reached through the guest's own preopen by its
// guest path, opens. The host's Open may name any file.
func TestOpenConfinement(t *testing.T) {
	dir := hostileProgram(t, nil, nil)
	if err := os.WriteFile(filepath.Join(dir, "prog", "probe.wasm"), dlopenProbe(t), 0o644); err != nil {
		t.Fatal(err)
	}
	lib, _ := os.ReadFile(filepath.Join(dir, "outside", "libsecret.so"))
	if err := os.MkdirAll(filepath.Join(dir, "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plugins", "libplug.so"), lib, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)
	cfg := wasmdl.NewConfig().WithDir(filepath.Join(dir, "prog")).WithSearchPath(".")
	p, err := wasmdl.NewLinker(rt, cfg).Load(ctx, "probe.wasm", wasmdl.WithDirMount(filepath.Join(dir, "plugins"), "/plugins"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	open, _ := p.Lookup(ctx, "open")
	lastError, _ := p.Lookup(ctx, "last_error")
	mem := p.Memory()
	guestOpen := func(name string) (bool, string) {
		t.Helper()
		mem.WriteString(4096, name+"\x00") // in the PIE's unused stack
		res, err := open.Call(ctx, int32(4096))
		if err != nil {
			t.Fatal(err)
		}
		if res[0].(int32) != 0 {
			return true, ""
		}
		res, _ = lastError.Call(ctx)
		b, _ := mem.Read(uint32(res[0].(int32)), 200)
		msg, _, _ := strings.Cut(string(b), "\x00")
		return false, msg
	}
	for _, name := range []string{
		"/dev/zero", "/etc/passwd", "/etc/no-such-file",
		filepath.Join(dir, "outside", "libsecret.so"), filepath.Join(dir, "outside", "libnone.so"),
		"../outside/libsecret.so", "../outside/libnone.so",
	} {
		want := name + ": cannot open shared object file: No such file or directory"
		if ok, msg := guestOpen(name); ok || msg != want {
			t.Errorf("dlopen(%q): opened %t, dlerror %q\nwant %q", name, ok, msg, want)
		}
	}
	for _, name := range []string{"libpa.so", "/plugins/libplug.so"} {
		if ok, msg := guestOpen(name); !ok {
			t.Errorf("dlopen(%q) of a library it may reach: %s", name, msg)
		}
	}
	if _, err := p.Open(ctx, filepath.Join(dir, "outside", "libsecret.so"), wasmdl.Now); err != nil {
		t.Errorf("the host's Open of a path it chose: %v", err)
	}
}

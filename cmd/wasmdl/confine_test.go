//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl"
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
			"wasmdl: error while loading shared libraries: zero: cannot open shared object file: No such file or directory (needed by main.wasm)\n"},
		{"RUNTIME_PATH outside the roots", []string{"libsecret.so"}, []string{"$ORIGIN/../outside"}, nil,
			"wasmdl: error while loading shared libraries: libsecret.so: cannot open shared object file: No such file or directory (needed by main.wasm)\n"},
		{"relative RUNTIME_PATH", []string{"libsecret.so"}, []string{"../outside"}, nil,
			"wasmdl: error while loading shared libraries: libsecret.so: cannot open shared object file: No such file or directory (needed by main.wasm)\n"},
		{"link out of the -L folder", []string{"liblink.so"}, nil, func(t *testing.T, dir string) {
			if err := os.Symlink("../outside/libsecret.so", filepath.Join(dir, "prog", "liblink.so")); err != nil {
				t.Fatal(err)
			}
		}, "wasmdl: error while loading shared libraries: liblink.so: cannot open shared object file: No such file or directory (needed by main.wasm)\n"},
		{"link to /dev/zero", []string{"libzero.so"}, nil, func(t *testing.T, dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "prog", "libzero.so")); err != nil {
				t.Fatal(err)
			}
		}, "wasmdl: error while loading shared libraries: libzero.so: cannot open shared object file: No such file or directory (needed by main.wasm)\n"},
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

// TestOpenConfinement: dlopen of a name outside every root fails as a
// missing file does, whatever is there; /dev/zero is not read.
func TestOpenConfinement(t *testing.T) {
	dir := hostileProgram(t, nil, nil)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)
	cfg := wasmdl.NewConfig().WithDir(filepath.Join(dir, "prog")).WithSearchPath(".")
	p, err := wasmdl.NewLinker(rt, cfg).Load(ctx, "main.wasm")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	want := func(name string) string {
		return "dlopen " + name + ": " + name + ": cannot open shared object file: No such file or directory"
	}
	for _, name := range []string{
		"/dev/zero", "/etc/passwd", "/etc/no-such-file",
		filepath.Join(dir, "outside", "libsecret.so"), filepath.Join(dir, "outside", "libnone.so"),
		"../outside/libsecret.so", "../outside/libnone.so",
	} {
		_, err := p.Open(ctx, name, wasmdl.Now)
		if err == nil || err.Error() != want(name) {
			t.Errorf("Open(%q): %v\nwant %s", name, err, want(name))
		}
	}
	if _, err := p.Open(ctx, "libpa.so", wasmdl.Now); err != nil {
		t.Errorf("Open of a library in the -L folder: %v", err)
	}
}

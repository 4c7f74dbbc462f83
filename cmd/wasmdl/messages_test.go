package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPrintError rewrites the messages wazero builds for traps and host
// panics (internal/wasmdebug's FromRecovered) as wasmdl's.
func TestPrintError(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain error", "main.wasm: no entry point", "wasmdl: main.wasm: no entry point\n"},
		{"trap", "libtrap.so: __wasm_call_ctors: wasm error: unreachable\nwasm stack trace:\n\t.libtrap.so:trap_ctor()\n\tlibtrap.so.__wasm_call_ctors()",
			"wasmdl: libtrap.so: __wasm_call_ctors: trap: unreachable\n" +
				"wasmdl: backtrace, innermost call first:\n\tlibtrap.so:trap_ctor()\n\tlibtrap.so.__wasm_call_ctors()\n"},
		{"host panic", "main.wasm: __main_void: call to undefined weak function f (imported by libw.so) (recovered by wazero)\nwasm stack trace:\n\t$host.weak_missing(i32)\n\t.$93(i32) i32",
			"wasmdl: main.wasm: __main_void: call to undefined weak function f (imported by libw.so)\n" +
				"wasmdl: backtrace, innermost call first:\n\t$host.weak_missing(i32)\n\t$93(i32) i32\n"},
		{"source positions", "m.wasm: _start: wasm error: integer divide by zero\nwasm stack trace:\n\tm.wasm.div(i32) i32\n\t\tdiv.c:3:10\n\tm.wasm._start()",
			"wasmdl: m.wasm: _start: trap: integer divide by zero\n" +
				"wasmdl: backtrace, innermost call first:\n\tm.wasm.div(i32) i32\n\t\tdiv.c:3:10\n\tm.wasm._start()\n"},
		{"a bug in a host function", "main.wasm: _start: runtime error: invalid memory address or nil pointer dereference (recovered by wazero)\nwasm stack trace:\n\t$host.dlopen(i32,i32) i32\n\nGo runtime stack trace:\ngoroutine 1 [running]:\nmain.f()\n",
			"wasmdl: main.wasm: _start: runtime error: invalid memory address or nil pointer dereference\n" +
				"wasmdl: backtrace, innermost call first:\n\t$host.dlopen(i32,i32) i32\n" +
				"wasmdl: the Go stack of the failed host call (a bug in wasmdl; please report it):\n\tgoroutine 1 [running]:\n\tmain.f()\n"},
		{"names with control characters", "m.wasm: _start: wasm error: unreachable\nwasm stack trace:\n\t.a\nwasmdl: forged\x1b[2J()\n\t.$1()",
			"wasmdl: m.wasm: _start: trap: unreachable\n" +
				"wasmdl: backtrace, innermost call first:\n\ta\\nwasmdl: forged\\x1b[2J()\n\t$1()\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printError(&b, tt.in)
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestOpenAndCreateErrors(t *testing.T) {
	missing := &fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"open, missing", openError(missing), "cannot open: no such file or directory"},
		{"open, denied", openError(&fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}), "cannot open: permission denied"},
		{"open, a format error", openError(errors.New("offset 0x0: not a WebAssembly module (bad magic)")),
			"offset 0x0: not a WebAssembly module (bad magic)"},
		{"create, missing folder", createError(missing), "cannot create: no such file or directory"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestHostPath(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	fsPath := func(p string) string { return filepath.ToSlash(p)[1:] } // host path as the loader's fs path
	tests := []struct{ in, want string }{
		{fsPath(filepath.Join(wd, "testdata", "x.so")), filepath.Join("testdata", "x.so")},
		{fsPath(filepath.Join(filepath.Dir(filepath.Dir(wd)), "testdata", "x.so")), filepath.Join("..", "..", "testdata", "x.so")},
		{fsPath(filepath.Join(wd, "..", "..")), filepath.Join("..", "..")},
	}
	if topFolder(wd) != "nonexistent-top" {
		tests = append(tests, struct{ in, want string }{"nonexistent-top/lib/x.so", "/nonexistent-top/lib/x.so"})
	}
	for _, tt := range tests {
		if got := hostPath(tt.in); got != tt.want {
			t.Errorf("hostPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/internal/suitetest"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func init() {
	// wazero v1.12.0 computes its version lazily and unsynchronised the
	// first time a runtime is created; tests create runtimes in parallel,
	// so create one first (the race detector would flag wazero otherwise).
	ctx := context.Background()
	wazero.NewRuntime(ctx).Close(ctx)
}

// runCase describes one program under testdata: a folder with main.wasm,
// its libraries, and what Linux's ld.so printed for the same C
// (expected.stdout, expected.exit), or for error cases the line wasmdl must
// print (expected.stderr).
type runCase struct {
	name string
	dir  string
}

func findCases(t *testing.T, roots ...string) []runCase {
	t.Helper()
	var cases []runCase
	for _, root := range roots {
		entries, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, e := range entries {
			dir := filepath.Join(root, e.Name())
			if _, err := os.Stat(filepath.Join(dir, "main.wasm")); err != nil {
				continue
			}
			cases = append(cases, runCase{name: filepath.Base(root) + "/" + e.Name(), dir: dir})
		}
	}
	return cases
}

// runFixtureArgs runs a case folder's main.wasm the way the fixtures'
// README describes: from inside the folder, with -L . and the case's flags,
// env and args files, plus the given extra flags.
func runFixtureArgs(t *testing.T, dir string, flags []string) (stdout, stderr string, status int) {
	t.Helper()
	args := append([]string{"run"}, flags...)
	for _, f := range suitetest.Lines(filepath.Join(dir, "flags")) {
		args = append(args, strings.Fields(f)...)
	}
	for _, kv := range suitetest.Lines(filepath.Join(dir, "env")) {
		args = append(args, "--env", kv)
	}
	args = append(args, "-L", ".", "main.wasm")
	args = append(args, suitetest.Lines(filepath.Join(dir, "args"))...)
	var out, errb bytes.Buffer
	status = runIn(dir, args[1:], &out, &errb)
	return out.String(), errb.String(), status
}

func wantExit(dir string, def int) int {
	if b, err := os.ReadFile(filepath.Join(dir, "expected.exit")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return n
		}
	}
	return def
}

// TestRunMatchesNative runs every C program split into shared libraries and
// compares with the output of the same C under Linux's ld.so.
func TestRunMatchesNative(t *testing.T) {
	cases := findCases(t, "../../testdata/link", "../../testdata/dl", "../../testdata/mem", "../../testdata/eh", "../../testdata/cxx")
	cases = append(cases, runCase{name: "seed/pic", dir: "../../testdata/seed/pic"})
	if len(cases) < 10 {
		t.Fatalf("found only %d fixture programs; run make fixtures", len(cases))
	}
	runBothWays(t, cases, checkNative)
}

// runBothWays runs each case, in parallel subtests, merged into one module
// (the default), with every module instantiated on its own (--separate),
// the way every dlopen batch is, and started from a launch record (a
// second run with the same --cache-dir), and checks each run.
func runBothWays(t *testing.T, cases []runCase, check func(t *testing.T, dir, stdout, stderr string, status int)) {
	for _, tc := range cases {
		for _, mode := range []string{"merged", "separate", "launch"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				var flags []string
				var record os.FileInfo
				switch mode {
				case "separate":
					flags = []string{"--separate"}
				case "launch":
					waitSettled(t, tc.dir)
					cache := t.TempDir()
					flags = []string{"--cache-dir", cache}
					runFixtureArgs(t, tc.dir, flags)
					record = launchRecord(t, cache)
					defer func() {
						// A run that did not start from the record would
						// have planned and written a new one.
						if again := launchRecord(t, cache); record != nil && !os.SameFile(record, again) {
							t.Errorf("the second run did not start from the launch record")
						}
					}()
				}
				stdout, stderr, status := runFixtureArgs(t, tc.dir, flags)
				check(t, tc.dir, stdout, stderr, status)
			})
		}
	}
}

// launchRecord returns the launch record in cache, nil if there is none.
// A program merged into one module (whose merged module is then in the
// cache) must have one: the files of the fixtures are settled.
func launchRecord(t *testing.T, cache string) os.FileInfo {
	t.Helper()
	records, _ := filepath.Glob(filepath.Join(cache, "wasmdl-launch-*", "*"))
	merged, _ := filepath.Glob(filepath.Join(cache, "wasmdl-merged-*", "*.wasm"))
	if len(records) != len(merged) || len(records) > 1 {
		t.Fatalf("cache holds launch records %v for merged programs %v", records, merged)
	}
	if len(records) == 0 {
		return nil
	}
	info, err := os.Stat(records[0])
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// waitSettled waits until the files in dir are old enough for a launch
// record to trust their stamps (see internal/link/launch.go), so that
// the second run of a case with the same cache starts from one: freshly
// built fixtures are not.
func waitSettled(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	newest := time.Time{}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(newest) {
			newest = info.ModTime()
		}
		if c := changeTime(filepath.Join(dir, e.Name())); c.After(newest) {
			newest = c
		}
	}
	if wait := time.Until(newest.Add(2*time.Second + 100*time.Millisecond)); wait > 0 {
		time.Sleep(wait)
	}
}

// checkNative compares a run of the program in dir with what Linux printed.
func checkNative(t *testing.T, dir, stdout, stderr string, status int) {
	t.Helper()
	if want := wantExit(dir, 0); status != want {
		t.Errorf("exit status %d, want %d\nstderr:\n%s", status, want, stderr)
	}
	want, err := os.ReadFile(filepath.Join(dir, "expected.stdout"))
	if err != nil {
		if os.IsNotExist(err) {
			return // exit status only (a PIE main without libc)
		}
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("stdout differs from the native run\n--- got\n%s\n--- want\n%s\nstderr:\n%s", stdout, want, stderr)
	}
}

// TestRunErrors checks load and link failures: exit status 127 and the
// ld.so-style message naming the library or symbol.
func TestRunErrors(t *testing.T) {
	cases := findCases(t, "../../testdata/link/errors", "../../testdata/eh/errors")
	if len(cases) == 0 {
		t.Fatal("no error fixtures")
	}
	runBothWays(t, cases, checkError)
}

// checkError checks a failed run against the case's expected.stderr lines.
func checkError(t *testing.T, dir, stdout, stderr string, status int) {
	t.Helper()
	if want := wantExit(dir, 127); status != want {
		t.Errorf("exit status %d, want %d\nstderr:\n%s", status, want, stderr)
	}
	for _, line := range suitetest.Lines(filepath.Join(dir, "expected.stderr")) {
		if !strings.Contains(stderr, line) {
			t.Errorf("stderr lacks %q\nstderr:\n%s", line, stderr)
		}
	}
	if stdout != "" && status == 127 {
		t.Errorf("a failed load must not run the program; stdout:\n%s", stdout)
	}
}

// TestLibraryPathEnv finds the searchpath case's libraries through
// WASMDL_LIBRARY_PATH instead of -L.
func TestLibraryPathEnv(t *testing.T) {
	dir := "../../testdata/link/searchpath"
	t.Setenv("WASMDL_LIBRARY_PATH", "/nonexistent:"+mustAbs(t, filepath.Join(dir, "sub")))
	var out, errb bytes.Buffer
	status := runIn(dir, []string{"main.wasm"}, &out, &errb)
	want, _ := os.ReadFile(filepath.Join(dir, "expected.stdout"))
	if status != 0 || out.String() != string(want) {
		t.Fatalf("status %d, stdout %q, stderr %q", status, out.String(), errb.String())
	}
	// Without either, the libraries are not found.
	t.Setenv("WASMDL_LIBRARY_PATH", "")
	out.Reset()
	errb.Reset()
	if status := runIn(dir, []string{"main.wasm"}, &out, &errb); status != 127 ||
		!strings.Contains(errb.String(), "libsp1.so: cannot open shared object file") {
		t.Fatalf("status %d, stderr %q", status, errb.String())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestRunDebugAndMap checks WASMDL_DEBUG traces and --map.
func TestRunDebugAndMap(t *testing.T) {
	dir := "../../testdata/link/diamond"
	t.Setenv("WASMDL_DEBUG", "libs,bindings")
	var out, errb bytes.Buffer
	if status := runIn(dir, []string{"--map", "-L", ".", "main.wasm"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	e := errb.String()
	for _, want := range []string{
		"wasmdl[1]: libs: libbase.so => ", "(via -L, needed by ",
		"wasmdl[1]: bindings: ", "-> libbase.so",
		"wasmdl: layout:", "data   [0x", "libbase.so", "table  [0x",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%s", want, e)
		}
	}
	// libbase.so is needed twice (diamond) but loaded once.
	if n := strings.Count(e, "wasmdl[1]: libs: libbase.so => "); n != 1 {
		t.Errorf("libbase.so loaded %d times", n)
	}
}

// TestPreload: a preloaded library comes right after the main in the
// global scope, before the main's own dependencies. The second run,
// sharing a cache folder, starts from the launch record, which keeps the
// same order.
func TestPreload(t *testing.T) {
	dir := "../../testdata/link/diamond"
	waitSettled(t, dir)
	t.Setenv("WASMDL_DEBUG", "libs")
	cache := t.TempDir()
	var out, errb bytes.Buffer
	for _, run := range []string{"first run", "from the launch record"} {
		out.Reset()
		errb.Reset()
		if status := runIn(dir, []string{"--cache-dir", cache, "--preload", "libbase.so", "-L", ".", "main.wasm"}, &out, &errb); status != 0 {
			t.Fatalf("%s: status %d: %s", run, status, errb.String())
		}
		if restored := strings.Contains(errb.String(), "from the launch record"); restored != (run != "first run") {
			t.Errorf("%s: started from the launch record: %v\n%s", run, restored, errb.String())
		}
		want, _ := os.ReadFile(filepath.Join(dir, "expected.stdout"))
		if out.String() != string(want) {
			t.Errorf("%s: stdout:\n%s", run, out.String())
		}
		var order []string
		for _, l := range strings.Split(errb.String(), "\n") {
			if name, _, ok := strings.Cut(strings.TrimPrefix(l, "wasmdl[1]: libs: "), " => "); ok && l != name {
				order = append(order, name)
			}
		}
		if strings.Join(order, " ") != "main.wasm libbase.so libl.so libr.so" {
			t.Errorf("%s: load order %v", run, order)
		}
	}
	// A preload that does not exist is a load failure like any library.
	errb.Reset()
	if status := runIn(dir, []string{"--preload", "libnope.so", "-L", ".", "main.wasm"}, &out, &errb); status != 127 ||
		!strings.Contains(errb.String(), "libnope.so: cannot open shared object file") {
		t.Errorf("status %d, stderr %s", status, errb.String())
	}
}

// TestRunUsage covers the CLI's own errors.
func TestRunUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "usage: wasmdl run"},
		{[]string{"--stack-size", "lots", "x.wasm"}, "--stack-size"},
		{[]string{"--env", "NOEQUALS", "x.wasm"}, "want K=V"},
		{[]string{"--svg", "/tmp/x.svg", "x.wasm"}, "--svg needs --map"},
	} {
		var out, errb bytes.Buffer
		status := runIn("", tc.args, &out, &errb)
		if status != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: status %d, stderr %q", tc.args, status, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if status := runIn("", []string{"/nonexistent/main.wasm"}, &out, &errb); status != 127 ||
		!strings.Contains(errb.String(), "/nonexistent/main.wasm") {
		t.Errorf("missing main: status %d, stderr %q", status, errb.String())
	}
}

// TestRunCorruptLibrary: a damaged library is reported with its path and
// the offset of the problem, and nothing runs.
func TestRunCorruptLibrary(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"main.wasm", "libl.so", "libr.so", "libbase.so"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/link/diamond", f))
		if err != nil {
			t.Fatal(err)
		}
		switch f {
		case "libbase.so":
			b = b[:len(b)/2] // truncated
		case "libr.so":
			b = []byte("#!/bin/sh\necho not wasm\n")
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	status := runIn(dir, []string{"-L", ".", "main.wasm"}, &out, &errb)
	if status != 127 || out.Len() != 0 {
		t.Fatalf("status %d, stdout %q", status, out.String())
	}
	if n := strings.Count(errb.String(), "libbase.so: offset 0x"); n != 1 {
		t.Errorf("libbase.so reported %d times, want once", n)
	}
	for _, want := range []string{"libr.so: offset 0x0: not a WebAssembly module", "libbase.so: offset 0x"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

// TestRunDebugCategories: WASMDL_DEBUG=help lists the categories on stdout
// and runs nothing, as LD_DEBUG=help does; an unknown category is a usage
// error naming it.
func TestRunDebugCategories(t *testing.T) {
	diamond := "../../testdata/link/diamond/main.wasm"
	tests := []struct {
		name, env      string
		args           []string
		status         int
		golden, stderr string
	}{
		{"help, no program", "help", nil, 0, "debug_help", ""},
		{"help runs nothing", "help", []string{"-L", "../../testdata/link/diamond", diamond}, 0, "debug_help", ""},
		{"help among others", "libs, help", []string{diamond}, 0, "debug_help", ""},
		{"unknown", "libs,frob", []string{diamond}, 2, "",
			"wasmdl: WASMDL_DEBUG: unknown category \"frob\" (WASMDL_DEBUG=help lists them)\n"},
		{"unknown, escaped", "\x1b[2J", []string{diamond}, 2, "",
			"wasmdl: WASMDL_DEBUG: unknown category \"\\x1b[2J\" (WASMDL_DEBUG=help lists them)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WASMDL_DEBUG", tt.env)
			out, errOut, status := runCLI(append([]string{"run"}, tt.args...)...)
			if status != tt.status || errOut != tt.stderr {
				t.Errorf("status %d, stderr %q; want %d, %q", status, errOut, tt.status, tt.stderr)
			}
			if tt.golden != "" {
				compareGolden(t, "help", tt.golden+".golden", []byte(out))
			} else if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
	// Every category WASMDL_DEBUG=help lists is accepted.
	for _, d := range debugTopics {
		t.Setenv("WASMDL_DEBUG", d.name)
		var out, errb bytes.Buffer
		if status := runIn("../../testdata/link/diamond", []string{"-L", ".", "main.wasm"}, &out, &errb); status != 0 {
			t.Errorf("WASMDL_DEBUG=%s: status %d: %s", d.name, status, errb.String())
		}
	}
}

// TestRunDirMissing: a --dir folder that does not exist is refused before
// anything runs.
func TestRunDirMissing(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dirFlag, stderr string
	}{
		{filepath.Join(dir, "nope"), "wasmdl: --dir " + filepath.Join(dir, "nope") + ": cannot open: no such file or directory\n"},
		{filepath.Join(dir, "nope") + ":/data", "wasmdl: --dir " + filepath.Join(dir, "nope") + ": cannot open: no such file or directory\n"},
		{file + ":/data", "wasmdl: --dir " + file + ": not a directory\n"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		status := runIn("../../testdata/link/diamond", []string{"--dir", tt.dirFlag, "-L", ".", "main.wasm"}, &out, &errb)
		if status != 2 || errb.String() != tt.stderr || out.Len() != 0 {
			t.Errorf("--dir %s: status %d, stdout %q, stderr %q; want 2, nothing, %q", tt.dirFlag, status, out.String(), errb.String(), tt.stderr)
		}
	}
	// An existing folder is mounted.
	var out, errb bytes.Buffer
	if status := runIn("../../testdata/link/diamond", []string{"--dir", dir + ":/data", "-L", ".", "main.wasm"}, &out, &errb); status != 0 {
		t.Errorf("--dir %s: status %d: %s", dir, status, errb.String())
	}
}

// TestRunMissingLibrary: ld.so's words, then the paths searched; the libs
// trace shows the failed search too.
func TestRunMissingLibrary(t *testing.T) {
	const line = "wasmdl: error while loading shared libraries: libgone.so: cannot open shared object file: " +
		"No such file or directory (needed by main.wasm) " +
		"(searched: ../../testdata/link/diamond/libgone.so, ../../testdata/link/errors/missing_lib/libgone.so)\n"
	args := []string{"-L", "../../diamond", "main.wasm"}
	var out, errb bytes.Buffer
	status := runIn("../../testdata/link/errors/missing_lib", args, &out, &errb)
	if status != exitLinkFailure || errb.String() != line || out.Len() != 0 {
		t.Errorf("status %d, stdout %q, stderr\n%s\nwant\n%s", status, out.String(), errb.String(), line)
	}
	t.Setenv("WASMDL_DEBUG", "libs")
	errb.Reset()
	runIn("../../testdata/link/errors/missing_lib", args, &out, &errb)
	trace := "wasmdl[1]: libs: libgone.so => not found; searched " + mustAbs(t, "../../testdata/link/diamond/libgone.so") +
		", " + mustAbs(t, "../../testdata/link/errors/missing_lib/libgone.so") + " (needed by main.wasm)\n"
	if got := errb.String(); !strings.Contains(got, trace) || !strings.HasSuffix(got, line) {
		t.Errorf("stderr\n%s\nwant it to hold\n%sand end with\n%s", got, trace, line)
	}
}

// TestRunTrapWording: traps are printed in wasmdl's words, with the wasm
// backtrace one tab-indented frame a line, and none of wazero's phrases.
func TestRunTrapWording(t *testing.T) {
	tests := []struct {
		dir, first string
		frames     []string // frames that must appear, in this order
	}{
		{"ctortrap", "wasmdl: libtrap.so: __wasm_call_ctors: trap: unreachable", []string{"trap_ctor()", "__wasm_call_ctors()"}},
		{"weakcall", "wasmdl: main.wasm: __main_void: call to undefined weak function nothere (imported by libweakcall.so)",
			[]string{"weak_missing(i32)", "weakcall(i32) i32", "__original_main() i32"}},
	}
	for _, tt := range tests {
		for _, mode := range [][]string{nil, {"--separate"}} {
			var out, errb bytes.Buffer
			runIn("../../testdata/link/errors/"+tt.dir, append(mode, "-L", ".", "main.wasm"), &out, &errb)
			lines := strings.Split(strings.TrimSuffix(errb.String(), "\n"), "\n")
			if len(lines) < 3 || lines[0] != tt.first || lines[1] != "wasmdl: backtrace, innermost call first:" {
				t.Errorf("%s %v: stderr\n%s", tt.dir, mode, errb.String())
				continue
			}
			next := 0
			for _, l := range lines[2:] {
				if !strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "\t.") {
					t.Errorf("%s %v: frame line %q", tt.dir, mode, l)
				}
				if next < len(tt.frames) && strings.HasSuffix(l, tt.frames[next]) {
					next++
				}
			}
			if next < len(tt.frames) {
				t.Errorf("%s %v: frame %q missing or out of order:\n%s", tt.dir, mode, tt.frames[next], errb.String())
			}
			for _, phrase := range []string{"wazero", "wasm error", "wasm stack trace"} {
				if strings.Contains(errb.String(), phrase) {
					t.Errorf("%s %v: %q in\n%s", tt.dir, mode, phrase, errb.String())
				}
			}
		}
	}
}

// TestRunMaxMemory: a --max-memory failure names the module that does not
// fit.
func TestRunMaxMemory(t *testing.T) {
	var out, errb bytes.Buffer
	status := runIn("../../testdata/link/errors/bigmem", []string{"--max-memory", "256M", "-L", ".", "main.wasm"}, &out, &errb)
	want := "wasmdl: libbig.so: cannot place its 536870912 bytes of data: memory: 536870912 more bytes needed at 131088 exceeds the limit of 268435456\n"
	if status != exitLinkFailure || errb.String() != want {
		t.Errorf("library too big: status %d, stderr %q; want %q", status, errb.String(), want)
	}
	// diamond's main imports a memory of 2 pages (131072 bytes).
	for _, limit := range []string{"64K", "128K"} {
		out.Reset()
		errb.Reset()
		status := runIn("../../testdata/link/diamond", []string{"--max-memory", limit, "-L", ".", "main.wasm"}, &out, &errb)
		if status != exitLinkFailure || out.Len() != 0 {
			t.Errorf("--max-memory %s: status %d, stdout %q", limit, status, out.String())
		}
		if !strings.HasPrefix(errb.String(), "wasmdl: main.wasm: ") {
			t.Errorf("--max-memory %s: stderr %q does not blame main.wasm", limit, errb.String())
		}
	}
}

// TestRunCtorExit: a library constructor that calls exit ends the process
// with that status and no message, as under ld.so (and wazero's wording
// for it, "module closed with exit_code(3)", is never shown).
func TestRunCtorExit(t *testing.T) {
	dir := t.TempDir()
	i32 := wasmfile.GlobalType{Type: wasmfile.I32}
	var lib wasmgen.Module
	exit := lib.ImportFunc("wasi_snapshot_preview1", "proc_exit", wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
	lib.ImportGlobal("env", wasmfile.NameMemoryBase, i32)
	lib.Export("__wasm_call_ctors", wasmfile.KindFunc, lib.Func(wasmfile.FuncType{}, wasmgen.Call(wasmgen.I32Const(nil, 3), exit)))
	var main wasmgen.Module
	main.ImportGlobal("env", wasmfile.NameMemoryBase, i32)
	main.Export("_start", wasmfile.KindFunc, main.Func(wasmfile.FuncType{}, nil))
	for name, m := range map[string]struct {
		m      *wasmgen.Module
		needed []string
	}{"libexit.so": {&lib, nil}, "main.wasm": {&main, []string{"libexit.so"}}} {
		b, err := wasmfile.WithDylink(m.m.Bytes(), &wasmfile.Dylink{Needed: m.needed})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, mode := range [][]string{nil, {"--separate"}} {
		var out, errb bytes.Buffer
		if status := runIn(dir, append(mode, "main.wasm"), &out, &errb); status != 3 || out.Len()+errb.Len() != 0 {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want 3 and nothing", mode, status, out.String(), errb.String())
		}
	}
}

// changeTime is the change time of the file at p, where the system
// reports one.
func changeTime(p string) time.Time {
	abs, err := filepath.Abs(p)
	if err != nil {
		return time.Time{}
	}
	st, err := (&search.Searcher{Root: "/"}).HostStamp(strings.TrimPrefix(filepath.ToSlash(abs), "/"))
	if err != nil || !st.Sys.Valid {
		return time.Time{}
	}
	return time.Unix(0, st.Sys.Ctime)
}

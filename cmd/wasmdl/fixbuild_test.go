package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/internal/check"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// fixCase is a program of two modules built the way that makes them
// collide in one memory (each keeps its data at wasm-ld's default 1024),
// which check must diagnose and whose fix must work as printed.
type fixCase struct {
	name     string
	tool     string            // the compiler the case needs
	sources  map[string]string // file name -> C source
	original [][]string        // commands building the colliding modules
	// extraLink is added to a rebuilt module's link line where the recipe
	// asks for it ("-Wl,--export=NAME for every libc function the
	// libraries use").
	extraLink map[string][]string
	status    int
	stdout    string
}

var fixCases = []fixCase{
	{
		name: "without libc",
		tool: "clang-19",
		sources: map[string]string{
			"main.c": `int lib_value(void);
char word[6] = "HELLO";
int main(void) { return lib_value() == 'h' + 'o' && word[0] == 'H' ? 42 : 1; }
`,
			"lib.c": `char greeting[6] = "hello";
int lib_value(void) { return greeting[0] + greeting[4]; }
`,
		},
		original: [][]string{
			{"clang-19", "--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--import-memory",
				"-Wl,--export=__main_void", "-Wl,--allow-undefined", "-o", "main.wasm", "main.c"},
			{"clang-19", "--target=wasm32", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--import-memory",
				"-Wl,--export=lib_value", "-o", "lib.wasm", "lib.c"},
		},
		status: 42,
	},
	{
		name: "main with libc",
		tool: "clang-19",
		sources: map[string]string{
			"main.c": `#include <stdio.h>
int lib_value(void);
char word[6] = "HELLO";
int main(void) { printf("%s %d\n", word, lib_value()); return 7; }
`,
			"lib.c": `#include <stdio.h>
char greeting[6] = "hello";
int lib_value(void) { puts(greeting); return greeting[0]; }
`,
		},
		original: [][]string{
			{"clang-19", "--target=wasm32-wasi", "-O2", "-Wl,--import-memory", "-Wl,--allow-undefined", "-o", "main.wasm", "main.c"},
			{"clang-19", "--target=wasm32-wasi", "-nostdlib", "-O2", "-Wl,--no-entry", "-Wl,--import-memory",
				"-Wl,--export=lib_value", "-Wl,--allow-undefined", "-o", "lib.wasm", "lib.c"},
		},
		extraLink: map[string][]string{"main.wasm": {"-Wl,--export=puts"}},
		status:    7,
		stdout:    "hello\nHELLO 104\n",
	},
	{
		name: "Emscripten",
		tool: "emcc",
		sources: map[string]string{
			"main.c": `int lib_value(void);
char word[6] = "HELLO";
int main(void) { return lib_value() == 'h' + 'o' && word[0] == 'H' ? 42 : 1; }
`,
			"lib.c": `char greeting[6] = "hello";
int lib_value(void) { return greeting[0] + greeting[4]; }
`,
		},
		original: [][]string{
			{"emcc", "-O2", "-sSTANDALONE_WASM", "-sIMPORTED_MEMORY", "-sERROR_ON_UNDEFINED_SYMBOLS=0", "-o", "main.wasm", "main.c"},
			{"emcc", "-O2", "-sSTANDALONE_WASM", "-sIMPORTED_MEMORY", "--no-entry", "-sEXPORTED_FUNCTIONS=_lib_value",
				"-o", "lib.wasm", "lib.c"},
		},
		status: 42,
	},
}

// TestCheckFixBuilds builds colliding modules, asks check how to fix them,
// rebuilds them with exactly the flags it prints and runs exactly the
// command it prints: the advice must work, not just read well.
func TestCheckFixBuilds(t *testing.T) {
	for _, tc := range fixCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath(tc.tool); err != nil {
				t.Skipf("%s is not installed", tc.tool)
			}
			if tc.tool == "emcc" && testing.Short() {
				t.Skip("emcc is slow; skipped with -short")
			}
			dir := t.TempDir()
			for name, src := range tc.sources {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, cmd := range tc.original {
				buildIn(t, dir, cmd)
			}

			out, errOut, status := runCLI("check", "--json", filepath.Join(dir, "main.wasm"), filepath.Join(dir, "lib.wasm"))
			if status != 1 || errOut != "" {
				t.Fatalf("check: status %d, stderr %s", status, errOut)
			}
			var r struct{ Fix *check.Fix }
			if err := json.Unmarshal([]byte(out), &r); err != nil || r.Fix == nil || r.Fix.Command == "" {
				t.Fatalf("no fix (%v):\n%s", err, out)
			}
			if len(r.Fix.Rebuild) != 2 {
				t.Fatalf("rebuild %+v, want both modules", r.Fix.Rebuild)
			}
			// Libraries first: an Emscripten main links against them.
			for _, b := range r.Fix.Rebuild {
				if b.As == "shared library" {
					rebuild(t, dir, tc, b)
				}
			}
			for _, b := range r.Fix.Rebuild {
				if b.As != "shared library" {
					rebuild(t, dir, tc, b)
				}
			}

			// The rebuilt modules are what check said they would be.
			for _, b := range r.Fix.Rebuild {
				f, err := wasmfile.Open(filepath.Join(dir, b.Output))
				if err != nil {
					t.Fatal(err)
				}
				kind := f.Kind().String()
				if want := map[string]string{"shared library": "shared library", "PIE main": "PIE main",
					"main with libc": "non-PIE main"}[b.As]; kind != want {
					t.Errorf("%s rebuilt as %q is a %s, want %s", b.Module, b.As, kind, want)
				}
			}
			if _, _, status := runCLI("check", filepath.Join(dir, "main.wasm"), filepath.Join(dir, "lib.so")); status != 0 {
				t.Errorf("check still finds hazards after the rebuild")
			}

			args := strings.Fields(r.Fix.Command)
			if len(args) < 3 || args[0] != "wasmdl" || args[1] != "run" {
				t.Fatalf("command %q", r.Fix.Command)
			}
			var stdout, stderr bytes.Buffer
			status = runIn(dir, args[2:], &stdout, &stderr)
			if status != tc.status || stdout.String() != tc.stdout {
				t.Errorf("%s: status %d, stdout %q, stderr %s; want %d, %q", r.Fix.Command, status, stdout.String(), stderr.String(), tc.status, tc.stdout)
			}
		})
	}
}

// rebuild follows one Rebuild entry: "compile with CC FLAGS; link with CC
// FLAGS[, or (notes)]" for clang, "emcc FLAGS[, notes]" for Emscripten.
// The notes ask for the libraries on the main's link line (Emscripten) or
// libc exports (extraLink); everything else is taken as printed.
func rebuild(t *testing.T, dir string, tc fixCase, b check.Rebuild) {
	t.Helper()
	src := strings.TrimSuffix(b.Module, ".wasm") + ".c"
	flags, notes, _ := strings.Cut(b.Flags, ", ")
	flags, _, _ = strings.Cut(flags, " (") // "(__main_argc_argv if main takes arguments)"
	if strings.HasPrefix(flags, "emcc ") {
		cmd := append(strings.Fields(flags), "-o", b.Output, src)
		if strings.Contains(notes, ".so files on the link line") {
			cmd = append(cmd, "lib.so")
		}
		buildIn(t, dir, cmd)
		return
	}
	compile, link, ok := strings.Cut(flags, "; link with ")
	compile, ok2 := strings.CutPrefix(compile, "compile with ")
	if !ok || !ok2 {
		t.Fatalf("%s: flags %q are not \"compile with ...; link with ...\"", b.Module, b.Flags)
	}
	obj := strings.TrimSuffix(src, ".c") + ".o"
	buildIn(t, dir, append(fields19(compile), "-o", obj, src))
	buildIn(t, dir, append(append(fields19(link), tc.extraLink[b.Module]...), "-o", b.Output, obj))
}

// fields19 splits a command line, naming Debian's clang-19 for "clang".
func fields19(cmd string) []string {
	f := strings.Fields(cmd)
	if len(f) > 0 && f[0] == "clang" {
		f[0] = "clang-19"
	}
	return f
}

func buildIn(t *testing.T, dir string, cmd []string) {
	t.Helper()
	c := exec.Command(cmd[0], cmd[1:]...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -update rewrites golden files instead of comparing. Another test file
// of this package may define it too (as a package-level var, which is
// initialised before this init runs); it is defined here only if nobody did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// checkUpdate reports whether -update was given.
func checkUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/check/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "check", name)
	if checkUpdate() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/wasmdl -run Check -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const (
	seedDir  = "../../testdata/seed/"
	checkDir = "../../internal/check/testdata/"
)

func TestCheckGolden(t *testing.T) {
	tests := []struct {
		name   string
		mods   []string
		status int
	}{
		{"exp1_overwrite", []string{seedDir + "hello_main.wasm", seedDir + "hello_extra.wasm"}, 1},
		{"exp2_stack", []string{seedDir + "stack.wasm"}, 0},
		{"exp2_stack_with_data", []string{seedDir + "stack.wasm", seedDir + "hello_main.wasm"}, 1},
		{"exp3_clobber", []string{seedDir + "clobber_main.wasm", seedDir + "clobber_lib.wasm"}, 1},
		{"exp4_const_only", []string{seedDir + "const_only.wasm"}, 0},
		{"stack_first", []string{seedDir + "hello_main_stackfirst.wasm", seedDir + "hello_extra_stackfirst.wasm"}, 1},
		{"global_base_4096", []string{seedDir + "hello_main.wasm", seedDir + "hello_extra_base4096.wasm"}, 1},
		{"emscripten", []string{seedDir + "em_hello_main.wasm", seedDir + "em_hello_extra.wasm"}, 1},
		{"pic", []string{seedDir + "pic/main.wasm", seedDir + "pic/libextra.so", seedDir + "pic/libclobber.so"}, 0},
		{"allocators", []string{checkDir + "alloc_a.wasm", checkDir + "alloc_b.wasm", checkDir + "late_data.wasm"}, 1},
		{"tables_limits", []string{checkDir + "elem_a.wasm", checkDir + "elem_b.wasm", checkDir + "own_memory.wasm",
			checkDir + "limits_big.wasm", checkDir + "limits_small.wasm"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"txt", "json"} {
				args := append([]string{"check"}, tt.mods...)
				if format == "json" {
					args = append([]string{"check", "--json"}, tt.mods...)
				}
				var stdout, stderr bytes.Buffer
				if st := mainArgs(args, &stdout, &stderr); st != tt.status {
					t.Errorf("%s: status %d, want %d; stderr: %s", format, st, tt.status, stderr.String())
				}
				if stderr.Len() != 0 {
					t.Errorf("%s: stderr: %s", format, stderr.String())
				}
				if format == "json" && !json.Valid(stdout.Bytes()) {
					t.Errorf("invalid JSON:\n%s", stdout.String())
				}
				golden(t, tt.name+"."+format+".golden", stdout.Bytes())
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	dir := t.TempDir()
	notWasm := filepath.Join(dir, "notwasm.wasm")
	truncated := filepath.Join(dir, "truncated.wasm")
	os.WriteFile(notWasm, []byte("(module)\n"), 0o644)
	os.WriteFile(truncated, []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"), 0o644)
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // exact, or a prefix when it ends in "..."
	}{
		{"no modules", []string{"check"}, 2, "usage: wasmdl check [--json] [--svg FILE] MODULE...\n..."},
		{"bad flag", []string{"check", "--frob", seedDir + "stack.wasm"}, 2, "flag provided but not defined: -frob\n..."},
		{"every unreadable input is reported", []string{"check", notWasm, seedDir + "stack.wasm", truncated, "missing.wasm"}, 2,
			"wasmdl: " + notWasm + ": offset 0x0: not a WebAssembly module (bad magic)\n" +
				"wasmdl: " + truncated + ": offset 0x8: type section: section length 5 runs past the end of the file (1 bytes left)\n" +
				"wasmdl: missing.wasm: cannot open: no such file or directory\n"},
		{"unwritable svg", []string{"check", "--svg", filepath.Join(dir, "no", "such", "dir.svg"), seedDir + "stack.wasm"}, 2,
			"wasmdl: " + filepath.Join(dir, "no", "such", "dir.svg") + ": cannot create: no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if st := mainArgs(tt.args, &stdout, &stderr); st != tt.status {
				t.Errorf("status %d, want %d", st, tt.status)
			}
			got := stderr.String()
			if prefix, ok := strings.CutSuffix(tt.stderr, "..."); ok {
				if !strings.HasPrefix(got, prefix) {
					t.Errorf("stderr %q, want prefix %q", got, prefix)
				}
			} else if got != tt.stderr {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.stderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
}

func TestCheckSVG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "layout.svg")
	var stdout, stderr bytes.Buffer
	st := mainArgs([]string{"check", "--svg", out, seedDir + "clobber_main.wasm", seedDir + "clobber_lib.wasm"}, &stdout, &stderr)
	if st != 1 {
		t.Fatalf("status %d; stderr %s", st, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Count the lanes and read their ranges back.
	dec := xml.NewDecoder(bytes.NewReader(b))
	var lanes []string
	spans := map[string][]string{}
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attrs := map[string]string{}
		for _, a := range se.Attr {
			attrs[a.Name.Local] = a.Value
		}
		switch attrs["class"] {
		case "lane":
			lanes = append(lanes, attrs["data-name"])
		case "span":
			last := lanes[len(lanes)-1]
			spans[last] = append(spans[last], attrs["data-kind"]+"["+attrs["data-start"]+","+attrs["data-end"]+")")
		}
	}
	if strings.Join(lanes, " ") != "clobber_main.wasm clobber_lib.wasm" {
		t.Errorf("lanes %q", lanes)
	}
	for _, l := range lanes {
		if got := strings.Join(spans[l], " "); got != "stack[1024,66560) conflict[1024,66560)" {
			t.Errorf("%s spans %q", l, got)
		}
	}
}

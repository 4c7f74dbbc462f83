package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

const linkDir = "../../testdata/link/"

// writeLddFixtures makes the modules of testdata/ldd (with -update only;
// they are committed) by rewriting the NEEDED and RUNTIME_PATH lists of
// wasm-ld output, as internal/cmd/dylinkedit does:
//
//   - cycle: main needs libcyca.so, which needs libcycb.so, which needs
//     libcyca.so and itself;
//   - escape: main needs names with "..", an absolute name, a name climbing
//     out of the file system root, and libok.so;
//   - rpath: main has RUNTIME_PATH $ORIGIN/deps and needs libr1.so, found
//     there; libr1.so has RUNTIME_PATH ${ORIGIN}/../more and needs libr2.so;
//   - badlib: main needs libbad.so, which is not a module, and libgone.so
//     twice (through libok.so too).
func writeLddFixtures(t *testing.T) {
	mainSrc, err := os.ReadFile(linkDir + "diamond/main.wasm")
	if err != nil {
		t.Fatal(err)
	}
	libSrc, err := os.ReadFile(linkDir + "diamond/libbase.so")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, src []byte, needed, rpath []string) {
		t.Helper()
		f, err := wasmfile.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		d := *f.Dylink
		d.Needed, d.RuntimePath = needed, rpath
		out, err := wasmfile.WithDylink(src, &d)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join("testdata", "ldd", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("cycle/main.wasm", mainSrc, []string{"libcyca.so"}, nil)
	write("cycle/libcyca.so", libSrc, []string{"libcycb.so"}, nil)
	write("cycle/libcycb.so", libSrc, []string{"libcyca.so", "libcycb.so"}, nil)
	write("escape/main.wasm", mainSrc, []string{
		"../libup.so", "/abs/libabs.so", "sub/../libok.so",
		strings.Repeat("../", 24) + "libroot.so", "libok.so",
	}, nil)
	write("escape/libok.so", libSrc, nil, nil)
	write("rpath/main.wasm", mainSrc, []string{"libr1.so"}, []string{"$ORIGIN/deps"})
	write("rpath/deps/libr1.so", libSrc, []string{"libr2.so"}, []string{"${ORIGIN}/../more"})
	write("rpath/more/libr2.so", libSrc, nil, nil)
	write("badlib/main.wasm", mainSrc, []string{"libbad.so", "libok.so", "libgone.so"}, nil)
	write("badlib/libok.so", libSrc, []string{"libgone.so"}, nil)
	if err := os.WriteFile(filepath.Join("testdata", "ldd", "badlib", "libbad.so"),
		[]byte("\x00asm\x01\x00\x00\x00\x01\x09\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLddGolden(t *testing.T) {
	if updating() {
		writeLddFixtures(t)
	}
	tests := []struct {
		name   string
		args   []string
		env    string // WASMDL_LIBRARY_PATH
		status int
	}{
		{"calls", []string{linkDir + "calls/main.wasm"}, "", 0},
		{"diamond", []string{linkDir + "diamond/main.wasm"}, "", 0},
		{"ctors", []string{linkDir + "ctors/main.wasm"}, "", 0},
		{"chain50", []string{linkDir + "chain50/main.wasm"}, "", 0},
		{"pie", []string{linkDir + "pie/main.wasm"}, "", 0},
		{"emside", []string{linkDir + "emside/main.wasm"}, "", 0},
		{"searchpath_L", []string{"-L", linkDir + "searchpath/sub", linkDir + "searchpath/main.wasm"}, "", 0},
		{"searchpath_env", []string{linkDir + "searchpath/main.wasm"}, "/nonexistent:" + linkDir + "searchpath/sub", 0},
		{"searchpath_missing", []string{linkDir + "searchpath/main.wasm"}, "", 1},
		{"missing_lib", []string{linkDir + "errors/missing_lib/main.wasm"}, "", 1},
		{"reader_pie", []string{"../../testdata/reader/pie.wasm"}, "", 0},
		{"library", []string{"../../testdata/reader/libbar.so"}, "", 0},
		{"plain", []string{"../../testdata/seed/hello_main.wasm"}, "", 0},
		{"cycle", []string{"testdata/ldd/cycle/main.wasm"}, "", 0},
		{"rpath", []string{"testdata/ldd/rpath/main.wasm"}, "", 0},
		{"badlib", []string{"testdata/ldd/badlib/main.wasm"}, "", 1},
		{"escape", []string{"testdata/ldd/escape/main.wasm"}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WASMDL_LIBRARY_PATH", tt.env)
			for _, format := range []string{"txt", "json"} {
				args := append([]string{"ldd"}, tt.args...)
				if format == "json" {
					args = append([]string{"ldd", "--json"}, tt.args...)
				}
				out, errOut, status := runCLI(args...)
				if status != tt.status || errOut != "" {
					t.Errorf("%s: status %d, stderr %q; want %d", format, status, errOut, tt.status)
				}
				compareGolden(t, "ldd", tt.name+"."+format+".golden", []byte(out))
			}
		})
	}
}

func TestLddErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		status     int
		wantStderr string
	}{
		{"no arguments", []string{"ldd"}, 2, "usage: wasmdl ldd"},
		{"two files", []string{"ldd", "a.wasm", "b.wasm"}, 2, "wasmdl: ldd: one FILE expected\nusage: wasmdl ldd"},
		{"missing main", []string{"ldd", "nonexistent.wasm"}, 2, "wasmdl: nonexistent.wasm: cannot open: no such file or directory\n"},
		{"unreadable main", []string{"ldd", "testdata/ldd/badlib/libbad.so"}, 2,
			"wasmdl: testdata/ldd/badlib/libbad.so: offset 0x8: type section: section length 9 runs past the end of the file (1 bytes left)\n"},
		{"not a module", []string{"ldd", "ldd.go"}, 2, "wasmdl: ldd.go: offset 0x0: not a WebAssembly module (bad magic)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runCLI(tt.args...)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if !strings.HasPrefix(errOut, tt.wantStderr) || (strings.HasSuffix(tt.wantStderr, "\n") && errOut != tt.wantStderr) {
				t.Errorf("stderr\n%s\nwant\n%s", errOut, tt.wantStderr)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// TestLddTree checks the tree's structure through the JSON output: each
// library is expanded once, every cycle is reported once, and the load
// order is the loader's.
func TestLddTree(t *testing.T) {
	out, _, status := runCLI("ldd", "--json", "testdata/ldd/cycle/main.wasm")
	if status != 0 {
		t.Fatalf("status %d", status)
	}
	var r LddReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	var walk func(ns []*LddNode, depth int)
	walk = func(ns []*LddNode, depth int) {
		for _, n := range ns {
			statuses = append(statuses, strings.Repeat(">", depth)+n.Name+":"+n.Status)
			walk(n.Needed, depth+1)
		}
	}
	walk(r.Needed, 0)
	want := "libcyca.so:found >libcycb.so:found >>libcyca.so:cycle >>libcycb.so:cycle"
	if got := strings.Join(statuses, " "); got != want {
		t.Errorf("tree %s\nwant %s", got, want)
	}
	if len(r.LoadOrder) != 3 || r.LoadOrder[0].Path != "testdata/ldd/cycle/main.wasm" || len(r.Missing) != 0 {
		t.Errorf("load order %+v, missing %q", r.LoadOrder, r.Missing)
	}

	out, _, _ = runCLI("ldd", "--json", linkDir+"diamond/main.wasm")
	r = LddReport{}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	// main needs libl, libr and libbase; libl and libr need libbase again.
	if len(r.Needed) != 3 || r.Needed[0].Needed[0].Status != "repeat" || r.Needed[2].Status != "found" {
		t.Errorf("diamond tree %s", out)
	}
}

// TestLddDeepChain: a main needing lib1.so, which needs lib2.so, and so on
// 10,000 deep. The text tree stops indenting at level 33 and numbers the
// deeper levels; the JSON tree nests 20,000 levels (which encoding/json's
// MarshalIndent refuses) with indentation capped the same way, so both
// grow linearly with the chain.
func TestLddDeepChain(t *testing.T) {
	t.Parallel()
	const n = 10000
	dir := t.TempDir()
	for i := 0; i <= n; i++ {
		var m wasmgen.Module
		m.ImportGlobal("env", wasmfile.NameMemoryBase, wasmfile.GlobalType{Type: wasmfile.I32})
		d := &wasmfile.Dylink{}
		if i < n {
			d.Needed = []string{fmt.Sprintf("lib%d.so", i+1)}
		}
		b, err := wasmfile.WithDylink(m.Bytes(), d)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("lib%d.so", i)
		if i == 0 {
			name = "main.wasm"
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	main := filepath.Join(dir, "main.wasm")

	out, errOut, status := runCLI("ldd", main)
	if status != 0 || errOut != "" {
		t.Fatalf("text: status %d, stderr %q", status, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		level := i + 1
		want := "\t" + strings.Repeat("    ", min(i, lddMaxIndent))
		if level > lddMaxIndent {
			want += fmt.Sprintf("[%d] ", level)
		}
		want += fmt.Sprintf("lib%d.so => %s", level, hostPath(filepath.ToSlash(filepath.Join(dir, fmt.Sprintf("lib%d.so", level)))[1:]))
		if l != want {
			t.Fatalf("line %d: %q, want %q", level, l, want)
		}
	}

	out, errOut, status = runCLI("ldd", "--json", main)
	if status != 0 || errOut != "" {
		t.Fatalf("json: status %d, stderr %q", status, errOut)
	}
	// Walk the document token by token (json.Decoder.Token has no depth
	// limit, unlike Unmarshal): every "needed" list holds one library, the
	// next in the chain, down to lib10000.so, whose list is absent.
	dec := json.NewDecoder(strings.NewReader(out))
	depth, maxDepth, names := 0, 0, 0
	var key string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid JSON: %v", err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
				maxDepth = max(maxDepth, depth)
			} else {
				depth--
			}
			key = ""
		case string:
			if key == "" && dec.More() {
				key = v
				continue
			}
			if key == "name" && depth == 2*names+3 {
				if names++; v != fmt.Sprintf("lib%d.so", names) {
					t.Fatalf("library %d is %q", names, v)
				}
			}
			key = ""
		default:
			key = ""
		}
	}
	if names != n || maxDepth != 2*n+1 {
		t.Errorf("%d libraries nested %d deep, want %d and %d", names, maxDepth, n, 2*n+1)
	}
	if max := strings.Repeat(" ", 2*maxJSONIndent+1); strings.Contains(out, "\n"+max) {
		t.Errorf("indentation grows past %d levels", maxJSONIndent)
	}
}

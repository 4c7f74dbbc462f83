package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestExports: what a libc main must export for its libraries, and the
// check of a main that does (or does not) export it.
func TestExports(t *testing.T) {
	lib := "../../testdata/link/libc/"
	var out, errb bytes.Buffer
	if status := mainArgs([]string{"exports", lib + "liballoc.so", lib + "librelease.so"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	want := "calloc\nfree\nmalloc\nmemcpy\nprintf\nqsort\nrealloc\nsnprintf\nstrcmp\nstrlen\n"
	if out.String() != want {
		t.Errorf("exports:\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	mainArgs([]string{"exports", "--flags", lib + "liballoc.so"}, &out, &errb)
	if !strings.HasPrefix(out.String(), "-Wl,--export=") {
		t.Errorf("--flags: %q", out.String())
	}
	out.Reset()
	if status := mainArgs([]string{"exports", "--main", lib + "main.wasm", lib + "liballoc.so", lib + "librelease.so"}, &out, &errb); status != 0 || out.Len() != 0 {
		t.Errorf("a main exporting everything: status %d, %q", status, out.String())
	}
	out.Reset()
	if status := mainArgs([]string{"exports", "--main", "../../testdata/link/pie/main.wasm", lib + "liballoc.so"}, &out, &errb); status != 1 ||
		!strings.Contains(out.String(), "main.wasm does not export malloc (needed by liballoc.so)") {
		t.Errorf("a main exporting nothing: status %d, %q", status, out.String())
	}
}

package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runCached runs the program of testdata/link/NAME with --cache-dir
// cache and checks its output and status against Linux's.
func runCached(t *testing.T, name, cache string) {
	t.Helper()
	dir := filepath.Join("../../testdata/link", name)
	want, _ := os.ReadFile(filepath.Join(dir, "expected.stdout"))
	var out, errb bytes.Buffer
	status := runIn(dir, []string{"--cache-dir", cache, "-L", ".", "main.wasm"}, &out, &errb)
	if status != wantExit(dir, 0) || out.String() != string(want) {
		t.Fatalf("status %d\nstdout:\n%s\nstderr:\n%s", status, out.String(), errb.String())
	}
}

// cacheFiles lists the regular files under dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRunCacheDamage: with --cache-dir, damaged cache files (compiled
// code and merged programs) are detected and rebuilt. With wazero's own
// file cache one flipped byte made every later run exit 127 until the
// folder was deleted.
func TestRunCacheDamage(t *testing.T) {
	for _, damage := range []struct {
		name string
		fn   func([]byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0x20; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/3] }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			cache := t.TempDir()
			runCached(t, "diamond", cache)
			files := cacheFiles(t, cache)
			if len(files) < 2 { // compiled code and the merged program
				t.Fatalf("cache files after a run: %v", files)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, damage.fn(b), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			runCached(t, "diamond", cache) // rebuilds
			runCached(t, "diamond", cache) // from the rebuilt cache
		})
	}
}

// TestRunCacheConcurrent: 32 cold runs sharing one empty cache folder all
// give the right result (a small program: the point is the cache).
func TestRunCacheConcurrent(t *testing.T) {
	cache := t.TempDir()
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runCached(t, "pie", cache)
		}()
	}
	wg.Wait()
	runCached(t, "pie", cache)
}

// TestRunCacheSeesEdits: a library changed between two runs sharing a
// cache folder gives the new behaviour, even when the change keeps its
// size and modification time: one byte edited in place, or another file
// of the same size and time renamed over it.
func TestRunCacheSeesEdits(t *testing.T) {
	dir, rewrite := dataFixture(t)
	lib := filepath.Join(dir, "libdata.so")
	cache := t.TempDir()
	run := func(step, want string) {
		t.Helper()
		var out, errb bytes.Buffer
		if status := runIn(dir, []string{"--cache-dir", cache, "-L", ".", "main.wasm"}, &out, &errb); status != 0 {
			t.Fatalf("%s: status %d\n%s", step, status, errb.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("%s: output lacks %q:\n%s", step, want, out.String())
		}
	}
	run("first run", "[start] lib sees:")
	run("warm run", "[start] lib sees:")
	rewrite(lib, "LIB sees")
	run("edited in place", "[start] LIB sees:")
	other := filepath.Join(dir, "new.tmp")
	rewrite(other, "lib SEES")
	if err := os.Rename(other, lib); err != nil {
		t.Fatal(err)
	}
	run("replaced", "[start] lib SEES:")
}

// TestRunLaunchRecordSeesChanges: a warm run starts from the launch
// record, and whatever would change what the program is makes the next
// run read its files again: a library edited in place with its size and
// time stamp kept, a library replaced by another of the same size and
// time, a library of the same name appearing earlier in the search path.
func TestRunLaunchRecordSeesChanges(t *testing.T) {
	dir, rewrite := dataFixture(t)
	lib := filepath.Join(dir, "libdata.so")
	early := filepath.Join(dir, "early")
	if err := os.Mkdir(early, 0o755); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	t.Setenv("WASMDL_DEBUG", "libs")
	run := func(step, want string, fromRecord bool) {
		t.Helper()
		var out, errb bytes.Buffer
		if status := runIn(dir, []string{"--cache-dir", cache, "-L", "early", "-L", ".", "main.wasm"}, &out, &errb); status != 0 {
			t.Fatalf("%s: status %d\n%s", step, status, errb.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("%s: output lacks %q:\n%s", step, want, out.String())
		}
		if got := strings.Contains(errb.String(), "from the launch record"); got != fromRecord {
			t.Fatalf("%s: started from the launch record: %v, want %v\n%s", step, got, fromRecord, errb.String())
		}
	}
	// Files changed in the last two seconds are not recorded: a stamp
	// cannot tell apart two writes within one clock tick.
	run("fresh files", "[start] lib sees:", false)
	run("fresh files again", "[start] lib sees:", false)
	waitSettled(t, dir)
	run("first run", "[start] lib sees:", false)
	run("warm run", "[start] lib sees:", true)

	rewrite(filepath.Join(early, "libdata.so"), "Lib Sees")
	run("appeared earlier in the search path", "[start] Lib Sees:", false)
	if err := os.Remove(filepath.Join(early, "libdata.so")); err != nil {
		t.Fatal(err)
	}
	run("gone again", "[start] lib sees:", true)

	rewrite(lib, "LIB sees")
	run("edited in place", "[start] LIB sees:", false)
	other := filepath.Join(dir, "new.tmp")
	rewrite(other, "lib SEES")
	if err := os.Rename(other, lib); err != nil {
		t.Fatal(err)
	}
	run("replaced", "[start] lib SEES:", false)
	waitSettled(t, dir)
	run("settled", "[start] lib SEES:", false)
	run("warm again", "[start] lib SEES:", true)
}

// dataFixture copies testdata/link/data (a main and libdata.so, which
// prints "lib sees") into a new folder and returns it, with a function
// that writes to path that library with "lib sees" replaced by to (of the
// same length) and the first copy's modification time.
func dataFixture(t *testing.T) (dir string, rewrite func(path, to string)) {
	t.Helper()
	src := "../../testdata/link/data"
	dir = t.TempDir()
	for _, f := range []string{"main.wasm", "libdata.so"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "libdata.so"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, func(path, to string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(src, "libdata.so"))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("] lib sees"), []byte("] "+to))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}

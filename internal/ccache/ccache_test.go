package ccache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
)

// addModule exports add(a, b i32) i32 and, so that the compiled code has
// several functions, sub and mul.
var addModule = []byte{
	0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
	0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type (i32, i32) -> i32
	0x03, 0x04, 0x03, 0x00, 0x00, 0x00, // three functions of type 0
	0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00, // export "add" = func 0
	0x0a, 0x19, 0x03, // code: three bodies
	0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // add
	0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6b, 0x0b, // sub
	0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6c, 0x0b, // mul
}

// runAdd compiles addModule in a new runtime using a cache on dir and
// returns add(2, 3).
func runAdd(t testing.TB, dir string) uint64 {
	t.Helper()
	ctx := context.Background()
	cache, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close(ctx)
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	defer rt.Close(ctx)
	m, err := rt.Instantiate(ctx, addModule)
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	res, err := m.ExportedFunction("add").Call(ctx, 2, 3)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	return res[0]
}

// entries returns the cache files under dir.
func entries(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "wasmdl-ccache-*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// warm runs addModule once on a fresh cache folder and returns the folder
// and its one entry.
func warm(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if got := runAdd(t, dir); got != 5 {
		t.Fatalf("add(2, 3) = %d", got)
	}
	files := entries(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache entries %v, want one", files)
	}
	return dir, files[0]
}

// functionCountOffset returns the offset in an entry of wazero's function
// count: after the header, wazero's WAZEVO magic and its version.
func functionCountOffset(t *testing.T, entry []byte) int {
	t.Helper()
	p := entry[headerSize:]
	if !bytes.HasPrefix(p, []byte("WAZEVO")) {
		t.Fatalf("payload does not start with wazero's magic: %q", p[:8])
	}
	return headerSize + 6 + 1 + int(p[6])
}

// TestDamagedEntries: an entry damaged in any way is detected, deleted and
// rebuilt; the run is correct. With wazero's own file cache each of these
// made CompileModule fail (exit 127) or killed the process.
func TestDamagedEntries(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, b []byte)
	}{
		{"flipped byte in the code", func(t *testing.T, p string, b []byte) {
			b[len(b)-10] ^= 0x40
			write(t, p, b)
		}},
		{"function count 2^32-1", func(t *testing.T, p string, b []byte) {
			binary.LittleEndian.PutUint32(b[functionCountOffset(t, b):], 0xffffffff)
			write(t, p, b)
		}},
		{"function offset past the code", func(t *testing.T, p string, b []byte) {
			binary.LittleEndian.PutUint64(b[functionCountOffset(t, b)+4:], 1<<40)
			write(t, p, b)
		}},
		{"flipped byte in the checksum", func(t *testing.T, p string, b []byte) {
			b[len(magic)+8] ^= 1
			write(t, p, b)
		}},
		{"length field", func(t *testing.T, p string, b []byte) {
			binary.LittleEndian.PutUint64(b[len(magic):], 1<<62)
			write(t, p, b)
		}},
		{"truncated", func(t *testing.T, p string, b []byte) { write(t, p, b[:len(b)/2]) }},
		{"truncated to the header", func(t *testing.T, p string, b []byte) { write(t, p, b[:headerSize-1]) }},
		{"empty", func(t *testing.T, p string, b []byte) { write(t, p, nil) }},
		{"bad magic", func(t *testing.T, p string, b []byte) {
			b[0] = 'X'
			write(t, p, b)
		}},
		{"a raw wazero entry", func(t *testing.T, p string, b []byte) { write(t, p, b[headerSize:]) }},
		{"a folder", func(t *testing.T, p string, b []byte) {
			os.Remove(p)
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(p, "x"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"a FIFO", func(t *testing.T, p string, b []byte) {
			os.Remove(p)
			mkfifo(t, p)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, entry := warm(t)
			b, err := os.ReadFile(entry)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, entry, b)
			if got := runAdd(t, dir); got != 5 {
				t.Fatalf("add(2, 3) = %d after damage", got)
			}
			// The entry was rebuilt and checks out again.
			after, err := os.ReadFile(entry)
			if err != nil {
				t.Fatalf("entry not rebuilt: %v", err)
			}
			if _, err := decode(entry, after); err != nil {
				t.Fatalf("rebuilt entry: %v", err)
			}
			if len(after) != len(b) {
				t.Fatalf("rebuilt entry has %d bytes, the original %d", len(after), len(b))
			}
		})
	}
}

// TestEntriesAreReused: a warm cache is read, not rebuilt.
func TestEntriesAreReused(t *testing.T) {
	dir, entry := warm(t)
	st1, err := os.Stat(entry)
	if err != nil {
		t.Fatal(err)
	}
	if got := runAdd(t, dir); got != 5 {
		t.Fatalf("add(2, 3) = %d", got)
	}
	st2, err := os.Stat(entry)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(st1, st2) {
		t.Error("the entry was rewritten on a warm run")
	}
}

// TestConcurrentColdRuns: 32 runtimes compiling the same module into one
// empty cache folder at once all run correctly, and leave one good entry.
func TestConcurrentColdRuns(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]uint64, 32)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runAdd(t, dir)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r != 5 {
			t.Errorf("run %d: add(2, 3) = %d", i, r)
		}
	}
	files := entries(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one entry and no temporary files", files)
	}
	if _, err := decode(files[0], mustRead(t, files[0])); err != nil {
		t.Error(err)
	}
}

// TestStore covers the store directly: a round trip, misses, and that a
// write failure is not an error for wazero.
func TestStore(t *testing.T) {
	d, err := entryDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &store{dir: d}
	key := sha256.Sum256([]byte("k"))
	if _, ok, err := s.Get(key); ok || err != nil {
		t.Fatalf("Get of a missing entry: %v, %v", ok, err)
	}
	if err := s.Add(key, bytes.NewReader([]byte("payload"))); err != nil {
		t.Fatal(err)
	}
	r, ok, err := s.Get(key)
	if !ok || err != nil {
		t.Fatalf("Get: %v, %v", ok, err)
	}
	if b, _ := io.ReadAll(r); string(b) != "payload" {
		t.Errorf("Get = %q", b)
	}
	if err := s.Delete(key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(key); err != nil {
		t.Errorf("Delete of a missing entry: %v", err)
	}
	// An unwritable folder: Add reports nothing, Get misses.
	s.dir = filepath.Join(d, "missing")
	if err := s.Add(key, bytes.NewReader([]byte("x"))); err != nil {
		t.Errorf("Add into a missing folder: %v", err)
	}
	if _, ok, err := s.Get(key); ok || err != nil {
		t.Errorf("Get from a missing folder: %v, %v", ok, err)
	}
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

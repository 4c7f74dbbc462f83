//go:build unix

package search

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostTree makes, in a temporary folder T:
//
//	T/app/main.wasm  T/app/libmain.so
//	T/lib/libok.so   T/lib/libin.so -> libok.so   T/lib/libout.so -> ../secret/x.so
//	T/lib/libabs.so -> T/secret/x.so (absolute)   T/lib/libzero.so -> /dev/zero
//	T/lib/libfifo.so (a FIFO)   T/lib/sub -> ../secret
//	T/secret/x.so    T/pre/libg.so (a preopen)
//
// and a Searcher reading the host with -L T/lib and main folder T/app.
// Fs paths are host paths without the leading "/".
func hostTree(t *testing.T) (string, *Searcher) {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"app/main.wasm", "app/libmain.so", "lib/libok.so", "secret/x.so", "pre/libg.so"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"lib/libin.so":    "libok.so",
		"lib/libout.so":   "../secret/x.so",
		"lib/libabs.so":   filepath.Join(dir, "secret/x.so"),
		"lib/libabsin.so": filepath.Join(dir, "lib/libok.so"),
		"lib/libzero.so":  "/dev/zero",
		"lib/sub":         "../secret",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "lib/libfifo.so"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsp := func(p string) string { return strings.TrimPrefix(filepath.Join(dir, p), "/") }
	return dir, &Searcher{
		FS: os.DirFS("/"), Root: "/", Cwd: fsp("app"),
		Paths: []string{fsp("lib")}, MainDir: fsp("app"),
		Preopens: []Preopen{{Guest: "/data", Dir: fsp("pre")}},
	}
}

// findSoon is Find with a deadline, so that a regression (a FIFO that
// blocks the open) fails the test instead of hanging it.
func findSoon(t *testing.T, s *Searcher, req Request) (*Result, error) {
	t.Helper()
	type res struct {
		r   *Result
		err error
	}
	ch := make(chan res, 1)
	go func() {
		r, err := s.Find(req)
		ch <- res{r, err}
	}()
	select {
	case x := <-ch:
		return x.r, x.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Find(%q) did not return", req.Name)
		return nil, nil
	}
}

// TestHostConfinement: on the host file system, names are resolved only
// inside the library roots, links only inside the root they are found in,
// and only regular files are read.
func TestHostConfinement(t *testing.T) {
	dir, s := hostTree(t)
	fsp := func(p string) string { return strings.TrimPrefix(filepath.Join(dir, p), "/") }
	found := []struct {
		name     string
		req      Request
		wantPath string
		wantData string
	}{
		{"-L", Request{Name: "libok.so"}, "lib/libok.so", "lib/libok.so"},
		{"link inside the folder", Request{Name: "libin.so"}, "lib/libin.so", "lib/libok.so"},
		{"absolute link inside the folder", Request{Name: "libabsin.so"}, "lib/libabsin.so", "lib/libok.so"},
		{"main folder", Request{Name: "libmain.so"}, "app/libmain.so", "app/libmain.so"},
		{"path from the working folder", Request{Name: "./libmain.so"}, "app/libmain.so", "app/libmain.so"},
		{"absolute path in a root", Request{Name: filepath.Join(dir, "lib/libok.so")}, "lib/libok.so", "lib/libok.so"},
		{"guest path through a preopen", Request{Name: "/data/libg.so"}, "pre/libg.so", "pre/libg.so"},
		{"$ORIGIN inside a root", Request{Name: "libok.so", Origin: fsp("app"), RuntimePath: []string{"$ORIGIN/../lib"}},
			"lib/libok.so", "lib/libok.so"},
		{"absolute RUNTIME_PATH inside a root", Request{Name: "libmain.so", RuntimePath: []string{filepath.Join(dir, "app")}},
			"app/libmain.so", "app/libmain.so"},
		{"the host may name any file", Request{Name: filepath.Join(dir, "secret/x.so"), Host: true}, "secret/x.so", "secret/x.so"},
		{"even through a link", Request{Name: filepath.Join(dir, "lib/libout.so"), Host: true}, "lib/libout.so", "secret/x.so"},
	}
	for _, tt := range found {
		t.Run(tt.name, func(t *testing.T) {
			r, err := findSoon(t, s, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != fsp(tt.wantPath) || string(r.Data) != tt.wantData {
				t.Errorf("found %s (%q), want %s (%q)", r.Path, r.Data, fsp(tt.wantPath), tt.wantData)
			}
		})
	}
	refused := []struct {
		name    string
		req     Request
		wantErr string
	}{
		{"absolute path outside the roots", Request{Name: filepath.Join(dir, "secret/x.so")}, "not found"},
		{"relative path outside the roots", Request{Name: "../secret/x.so"}, "not found"},
		{"/etc/passwd", Request{Name: "/etc/passwd"}, "not found"},
		{"/dev/zero", Request{Name: "/dev/zero"}, "not found"},
		{"link out of the folder", Request{Name: "libout.so"}, "not found (searched T/lib/libout.so, T/app/libout.so)"},
		{"absolute link out of the folder", Request{Name: "libabs.so"}, "not found (searched T/lib/libabs.so, T/app/libabs.so)"},
		{"link to /dev/zero", Request{Name: "libzero.so"}, "not found (searched T/lib/libzero.so, T/app/libzero.so)"},
		{"folder link out of the folder", Request{Name: "./../lib/sub/x.so"}, "not found (searched T/lib/sub/x.so)"},
		{"RUNTIME_PATH /dev (NEEDED zero)", Request{Name: "zero", RuntimePath: []string{"/dev"}, FromModule: true},
			"not found (searched T/lib/zero, T/app/zero)"},
		{"relative RUNTIME_PATH", Request{Name: "x.so", RuntimePath: []string{"../secret"}}, "not found (searched T/lib/x.so, T/app/x.so)"},
		{"$ORIGIN out of the roots", Request{Name: "x.so", Origin: fsp("app"), RuntimePath: []string{"$ORIGIN/../secret"}},
			"not found (searched T/lib/x.so, T/app/x.so)"},
		{"FIFO", Request{Name: "libfifo.so"}, "open T/lib/libfifo.so: not a regular file"},
		{"the host naming /dev/zero", Request{Name: "/dev/zero", Host: true}, "open dev/zero: not a regular file"},
		{"the host naming a FIFO", Request{Name: filepath.Join(dir, "lib/libfifo.so"), Host: true},
			"open T/lib/libfifo.so: not a regular file"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			r, err := findSoon(t, s, tt.req)
			if err == nil {
				t.Fatalf("found %s", r.Path)
			}
			got := strings.ReplaceAll(strings.ReplaceAll(err.Error(), dir, "T"), strings.TrimPrefix(dir, "/"), "T")
			if want := tt.req.Name + ": " + tt.wantErr; got != strings.ReplaceAll(want, dir, "T") {
				t.Errorf("error\n got %s\nwant %s", got, strings.ReplaceAll(want, dir, "T"))
			}
		})
	}
}

// TestHostNotFoundIsUniform: a file outside every root fails exactly as a
// missing one, so dlopen cannot probe the host.
func TestHostNotFoundIsUniform(t *testing.T) {
	dir, s := hostTree(t)
	for _, pair := range [][2]string{
		{filepath.Join(dir, "secret/x.so"), filepath.Join(dir, "secret/none.so")},
		{"/etc/passwd", "/etc/no-such-file"},
		{"/etc", "/no-such-folder"},
		{"../secret/x.so", "../secret/none.so"},
	} {
		var msgs [2]string
		for i, name := range pair {
			_, err := findSoon(t, s, Request{Name: name})
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("%s: %v is not a NotFoundError", name, err)
			}
			msgs[i] = strings.ReplaceAll(err.Error(), name, "NAME")
		}
		if msgs[0] != msgs[1] {
			t.Errorf("%s and %s fail differently:\n%s\n%s", pair[0], pair[1], msgs[0], msgs[1])
		}
	}
}

// TestHostSizeLimit: the limit applies to host files, and the cache.
func TestHostSizeLimit(t *testing.T) {
	_, s := hostTree(t)
	s.MaxFileSize = 4
	s.Cache = &FileCache{}
	if _, err := findSoon(t, s, Request{Name: "libok.so"}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
	s.MaxFileSize = 0
	for i := 0; i < 2; i++ { // the second time from the cache
		if r, err := findSoon(t, s, Request{Name: "libok.so"}); err != nil || string(r.Data) != "lib/libok.so" {
			t.Fatalf("read %d: %v, %v", i, r, err)
		}
	}
}

// TestDirFSConfinement: a host folder given as an fs.FS (WithFS with
// os.DirFS) is a root its links cannot leave; os.DirFS follows them
// anywhere by itself.
func TestDirFSConfinement(t *testing.T) {
	dir, _ := hostTree(t)
	s := &Searcher{FS: os.DirFS(filepath.Join(dir, "lib")), Cwd: ".", Paths: []string{"."}}
	if r, err := findSoon(t, s, Request{Name: "libin.so"}); err != nil || string(r.Data) != "lib/libok.so" {
		t.Errorf("link inside: %v, %v", r, err)
	}
	for _, name := range []string{"libout.so", "libabs.so", "libzero.so", "sub/x.so"} {
		_, err := findSoon(t, s, Request{Name: name})
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if _, err := findSoon(t, s, Request{Name: "libfifo.so"}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("FIFO: %v, want ErrNotRegular", err)
	}
}

// TestHostCacheRevalidates: a cached library is read again when its file
// changes in any way, even rewritten with its old size and modification
// time, or replaced by a link that leaves the root.
func TestHostCacheRevalidates(t *testing.T) {
	dir, s := hostTree(t)
	s.Cache = &FileCache{}
	lib := filepath.Join(dir, "lib/libok.so")
	want := func(step, data string) {
		t.Helper()
		r, err := findSoon(t, s, Request{Name: "libok.so"})
		if err != nil || string(r.Data) != data {
			t.Fatalf("%s: %v, %v; want %q", step, r, err, data)
		}
	}
	want("first read", "lib/libok.so")
	want("from the cache", "lib/libok.so")
	st, err := os.Stat(lib)
	if err != nil {
		t.Fatal(err)
	}
	// Same size, same modification time: only the change time differs.
	if err := os.WriteFile(lib, []byte("lib/libOK.so"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(lib, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	want("edited in place", "lib/libOK.so")
	// Another file of the same size and time renamed over it.
	other := filepath.Join(dir, "lib/new.tmp")
	if err := os.WriteFile(other, []byte("lib/libok.SO"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(other, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, lib); err != nil {
		t.Fatal(err)
	}
	want("replaced", "lib/libok.SO")
	// A link out of the root in its place: not found, not the cached bytes.
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret/x.so", lib); err != nil {
		t.Fatal(err)
	}
	var nf *NotFoundError
	if _, err := findSoon(t, s, Request{Name: "libok.so"}); !errors.As(err, &nf) {
		t.Fatalf("link out of the root: %v, want not found", err)
	}
}

// TestHostCacheConfines: with the cache on, links that leave the root are
// still refused, every time.
func TestHostCacheConfines(t *testing.T) {
	_, s := hostTree(t)
	s.Cache = &FileCache{}
	for i := 0; i < 2; i++ {
		if r, err := findSoon(t, s, Request{Name: "libin.so"}); err != nil || string(r.Data) != "lib/libok.so" {
			t.Fatalf("link inside, read %d: %v, %v", i, r, err)
		}
		for _, name := range []string{"libout.so", "libabs.so", "sub/x.so"} {
			var nf *NotFoundError
			if _, err := findSoon(t, s, Request{Name: name}); !errors.As(err, &nf) {
				t.Errorf("%s, read %d: %v, want not found", name, i, err)
			}
		}
	}
}

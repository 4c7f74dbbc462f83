package search

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// lib makes a MapFS file whose content names its own path, so a test can
// tell which candidate was read.
func lib(p string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(p)} }

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"app/main.wasm":            lib("app/main.wasm"),
		"app/libmain.so":           lib("app/libmain.so"),
		"app/libboth.so":           lib("app/libboth.so"),
		"app/sub/libsub.so":        lib("app/sub/libsub.so"),
		"app/lib/libfoo/deps/d.so": lib("app/lib/libfoo/deps/d.so"),
		"l1/libboth.so":            lib("l1/libboth.so"),
		"l1/libl1.so":              lib("l1/libl1.so"),
		"l2/libboth.so":            lib("l2/libboth.so"),
		"l2/libl2.so":              lib("l2/libl2.so"),
		"l2/libenv.so":             lib("l2/libenv.so"),
		"env1/libenv.so":           lib("env1/libenv.so"),
		"env1/librp.so":            lib("env1/librp.so"),
		"env2/libenv2.so":          lib("env2/libenv2.so"),
		"rp/librp.so":              lib("rp/librp.so"),
		"rp/libmain.so":            lib("rp/libmain.so"),
		"cwd/rel/librel.so":        lib("cwd/rel/librel.so"),
		"cwd/librel.so":            lib("cwd/librel.so"),
		"host/root/x/libabs.so":    lib("host/root/x/libabs.so"),
	}
}

func TestFind(t *testing.T) {
	s := &Searcher{
		FS:       testFS(),
		Cwd:      "cwd",
		Paths:    []string{"l1", "l2"},
		EnvPaths: []string{"env1", "env2"},
		MainDir:  "app",
	}
	tests := []struct {
		name     string
		req      Request
		wantPath string
		wantVia  string
	}{
		{"-L folders first, in order", Request{Name: "libboth.so"}, "l1/libboth.so", "-L"},
		{"second -L folder", Request{Name: "libl2.so"}, "l2/libl2.so", "-L"},
		{"-L before WASMDL_LIBRARY_PATH", Request{Name: "libenv.so"}, "l2/libenv.so", "-L"},
		{"WASMDL_LIBRARY_PATH in order", Request{Name: "libenv2.so"}, "env2/libenv2.so", "WASMDL_LIBRARY_PATH"},
		{"WASMDL_LIBRARY_PATH before RUNTIME_PATH", Request{Name: "librp.so", Origin: "app", RuntimePath: []string{"$ORIGIN/../rp"}},
			"env1/librp.so", "WASMDL_LIBRARY_PATH"},
		{"RUNTIME_PATH before the main folder", Request{Name: "libmain.so", Origin: "app", RuntimePath: []string{"$ORIGIN/../rp"}},
			"rp/libmain.so", "RUNTIME_PATH"},
		{"$ORIGIN", Request{Name: "d.so", Origin: "app/lib/libfoo", RuntimePath: []string{"$ORIGIN/deps"}},
			"app/lib/libfoo/deps/d.so", "RUNTIME_PATH"},
		{"${ORIGIN}", Request{Name: "d.so", Origin: "app/lib/libfoo", RuntimePath: []string{"/nowhere", "${ORIGIN}/deps"}},
			"app/lib/libfoo/deps/d.so", "RUNTIME_PATH"},
		{"bare $ORIGIN", Request{Name: "libsub.so", Origin: "app/sub", RuntimePath: []string{"$ORIGIN"}},
			"app/sub/libsub.so", "RUNTIME_PATH"},
		{"relative RUNTIME_PATH starts from the working folder", Request{Name: "librel.so", Origin: "app", RuntimePath: []string{"rel"}},
			"cwd/rel/librel.so", "RUNTIME_PATH"},
		{"main folder last", Request{Name: "libmain.so"}, "app/libmain.so", "main folder"},
		{"name with / is a path from the working folder", Request{Name: "rel/librel.so"}, "cwd/rel/librel.so", "path"},
		{"path with .. inside the root", Request{Name: "../app/sub/libsub.so"}, "app/sub/libsub.so", "path"},
		{"./ path", Request{Name: "./librel.so"}, "cwd/librel.so", "path"},
		{"module name with / and no ..", Request{Name: "rel/librel.so", FromModule: true}, "cwd/rel/librel.so", "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Find(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != tt.wantPath || r.Via != tt.wantVia || string(r.Data) != tt.wantPath {
				t.Errorf("found %s via %s (content %q), want %s via %s", r.Path, r.Via, r.Data, tt.wantPath, tt.wantVia)
			}
		})
	}
}

func TestFindRefused(t *testing.T) {
	s := &Searcher{FS: testFS(), Cwd: "cwd", Paths: []string{"l1"}, MainDir: "app"}
	tests := []struct {
		name     string
		req      Request
		wantErr  string
		sentinel error
	}{
		{"empty name", Request{Name: ""}, "empty library name", nil},
		{"NUL byte", Request{Name: "libl1.so\x00.txt"}, `"libl1.so\x00.txt": library name contains a NUL byte`, nil},
		{"..", Request{Name: ".."}, `"..": path escapes the library root`, ErrEscapes},
		{".", Request{Name: "."}, `".": path escapes the library root`, ErrEscapes},
		{".. escapes the root", Request{Name: "../../etc/libc.so"}, "../../etc/libc.so: path escapes the library root", ErrEscapes},
		{"absolute path without a host root", Request{Name: "/etc/libc.so"}, "/etc/libc.so: absolute path: path escapes the library root", ErrEscapes},
		{"module name with ..", Request{Name: "../cwd/librel.so", FromModule: true},
			`../cwd/librel.so: unsafe library name: ".." element`, ErrUnsafeName},
		{"module name with .. in the middle", Request{Name: "rel/../librel.so", FromModule: true},
			`rel/../librel.so: unsafe library name: ".." element`, ErrUnsafeName},
		{"absolute module name", Request{Name: "/cwd/librel.so", FromModule: true},
			"/cwd/librel.so: unsafe library name: absolute path", ErrUnsafeName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Find(tt.req)
			if err == nil {
				t.Fatalf("found %s", r.Path)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error\n got %s\nwant %s", err, tt.wantErr)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
		})
	}
}

// TestFindRoot: with a host root, absolute names are accepted under it and
// refused outside it; search folders outside the root are skipped.
func TestFindRoot(t *testing.T) {
	// The FS is the host folder /host/root.
	s := &Searcher{FS: fstest.MapFS{"x/libabs.so": lib("x/libabs.so")}, Root: "/host/root", Cwd: "cwd", MainDir: "app"}
	r, err := s.Find(Request{Name: "/host/root/x/libabs.so"})
	if err != nil || r.Path != "x/libabs.so" || s.Display(r.Path) != "/host/root/x/libabs.so" {
		t.Errorf("absolute path under the root: %v, %v", r, err)
	}
	if _, err := s.Find(Request{Name: "/host/other/libabs.so"}); !errors.Is(err, ErrEscapes) ||
		err.Error() != "/host/other/libabs.so: path escapes the library root" {
		t.Errorf("absolute path outside the root: %v", err)
	}
	if _, err := s.Find(Request{Name: "/host/root/../libabs.so"}); !errors.Is(err, ErrEscapes) {
		t.Errorf("absolute path climbing out of the root: %v", err)
	}
	// An absolute RUNTIME_PATH outside the root is skipped, not fatal.
	s.Root, s.FS = "/", testFS()
	r, err = s.Find(Request{Name: "libmain.so", Origin: "app", RuntimePath: []string{"/rp", "$ORIGIN/../../.."}})
	if err != nil || r.Path != "rp/libmain.so" {
		t.Errorf("absolute RUNTIME_PATH under /: %v, %v", r, err)
	}
	s.Root = ""
	r, err = s.Find(Request{Name: "libmain.so", Origin: "app", RuntimePath: []string{"/rp", "$ORIGIN/../../.."}})
	if err != nil || r.Path != "app/libmain.so" || r.Via != "main folder" {
		t.Errorf("RUNTIME_PATH outside the root not skipped: %v, %v", r, err)
	}
}

func TestNotFound(t *testing.T) {
	s := &Searcher{FS: testFS(), Cwd: "cwd", Paths: []string{"l1", "l2", "l1"}, EnvPaths: []string{"env1"}, MainDir: "app"}
	_, err := s.Find(Request{Name: "libnone.so", Origin: "app", RuntimePath: []string{"$ORIGIN/deps"}})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v is not a *NotFoundError", err)
	}
	// Every candidate once, in search order.
	want := "l1/libnone.so l2/libnone.so env1/libnone.so app/deps/libnone.so app/libnone.so"
	if got := strings.Join(nf.Tried, " "); got != want {
		t.Errorf("Tried = %s\nwant    %s", got, want)
	}
	if err.Error() != "libnone.so: not found (searched "+strings.ReplaceAll(want, " ", ", ")+")" {
		t.Errorf("message %q", err)
	}
	_, err = s.Find(Request{Name: "sub/libnone.so"})
	if !errors.As(err, &nf) || strings.Join(nf.Tried, " ") != "cwd/sub/libnone.so" {
		t.Errorf("path not found: %v", err)
	}
}

// errFS fails with a permission error for one path and serves the rest
// from a MapFS.
type errFS struct {
	fstest.MapFS
	denied string
}

func (e errFS) Open(name string) (fs.File, error) {
	if name == e.denied {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return e.MapFS.Open(name)
}

func (e errFS) ReadFile(name string) ([]byte, error) {
	if name == e.denied {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return e.MapFS.ReadFile(name)
}

// TestFindStopsOnErrors: only "does not exist" moves the search on; any
// other error ends it, so a library is never silently taken from a later
// folder because an earlier one could not be read.
func TestFindStopsOnErrors(t *testing.T) {
	s := &Searcher{FS: errFS{testFS(), "l1/libboth.so"}, Paths: []string{"l1", "l2"}, MainDir: "app"}
	_, err := s.Find(Request{Name: "libboth.so"})
	if !errors.Is(err, fs.ErrPermission) || err.Error() != "libboth.so: open l1/libboth.so: permission denied" {
		t.Errorf("error %v, want a permission error for l1/libboth.so", err)
	}
	// A missing file in the same folder still moves on.
	s.FS = errFS{testFS(), "l1/libother.so"}
	if r, err := s.Find(Request{Name: "libboth.so"}); err != nil || r.Path != "l1/libboth.so" {
		t.Errorf("found %v, %v", r, err)
	}
}

func TestFSPath(t *testing.T) {
	tests := []struct {
		root, p string
		want    string
		ok      bool
	}{
		{"/", "/", ".", true},
		{"/", "/a/b", "a/b", true},
		{"/", "/a/../b", "b", true},
		{"/srv", "/srv", ".", true},
		{"/srv", "/srv/lib/x.so", "lib/x.so", true},
		{"/srv/", "/srv/x.so", "x.so", true},
		{"/srv", "/srvx/x.so", "", false},
		{"/srv", "/srv/../etc", "", false},
	}
	for _, tt := range tests {
		got, ok := FSPath(tt.root, tt.p)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FSPath(%q, %q) = %q, %v; want %q, %v", tt.root, tt.p, got, ok, tt.want, tt.ok)
		}
	}
}

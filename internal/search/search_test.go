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

// symlink makes a MapFS symbolic link to target.
func symlink(target string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink}
}

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
		"guestlib/libg.so":         lib("guestlib/libg.so"),
		// Symbolic links: inside the file system, out of it, a loop.
		"l1/liblink.so":   symlink("libl1.so"),
		"l1/libup.so":     symlink("../l2/libl2.so"),
		"l1/libout.so":    symlink("../../outside.so"),
		"l1/libabs.so":    symlink("/etc/passwd"),
		"l1/libloop.so":   symlink("libloop.so"),
		"l1/dirlink":      symlink("../rp"),
		"l1/libdir.so":    &fstest.MapFile{Mode: fs.ModeDir},
		"l1/libdev.so":    &fstest.MapFile{Mode: fs.ModeDevice},
		"l1/libfifo.so":   &fstest.MapFile{Mode: fs.ModeNamedPipe},
		"l1/libbig.so":    &fstest.MapFile{Data: []byte("0123456789abcdef")},
		"app/libmain2.so": symlink("../l2/libl2.so"),
	}
}

func testSearcher() *Searcher {
	return &Searcher{
		FS:       testFS(),
		Cwd:      "cwd",
		Paths:    []string{"l1", "l2"},
		EnvPaths: []string{"env1", "env2"},
		MainDir:  "app",
		Preopens: []Preopen{{Guest: "/lib-dynload", Dir: "guestlib"}},
	}
}

// TestFind covers the search order over a file system the host gave
// (WithFS): the whole of it is a library root.
func TestFind(t *testing.T) {
	s := testSearcher()
	tests := []struct {
		name     string
		req      Request
		wantPath string
		wantVia  string
		wantData string // "" means wantPath
	}{
		{"-L folders first, in order", Request{Name: "libboth.so"}, "l1/libboth.so", "-L", ""},
		{"second -L folder", Request{Name: "libl2.so"}, "l2/libl2.so", "-L", ""},
		{"-L before WASMDL_LIBRARY_PATH", Request{Name: "libenv.so"}, "l2/libenv.so", "-L", ""},
		{"WASMDL_LIBRARY_PATH in order", Request{Name: "libenv2.so"}, "env2/libenv2.so", "WASMDL_LIBRARY_PATH", ""},
		{"WASMDL_LIBRARY_PATH before RUNTIME_PATH", Request{Name: "librp.so", Origin: "app", RuntimePath: []string{"$ORIGIN/../rp"}},
			"env1/librp.so", "WASMDL_LIBRARY_PATH", ""},
		{"RUNTIME_PATH before the main folder", Request{Name: "libmain.so", Origin: "app", RuntimePath: []string{"$ORIGIN/../rp"}},
			"rp/libmain.so", "RUNTIME_PATH", ""},
		{"$ORIGIN", Request{Name: "d.so", Origin: "app/lib/libfoo", RuntimePath: []string{"$ORIGIN/deps"}},
			"app/lib/libfoo/deps/d.so", "RUNTIME_PATH", ""},
		{"${ORIGIN}", Request{Name: "d.so", Origin: "app/lib/libfoo", RuntimePath: []string{"/nowhere", "${ORIGIN}/deps"}},
			"app/lib/libfoo/deps/d.so", "RUNTIME_PATH", ""},
		{"bare $ORIGIN", Request{Name: "libsub.so", Origin: "app/sub", RuntimePath: []string{"$ORIGIN"}},
			"app/sub/libsub.so", "RUNTIME_PATH", ""},
		{"relative RUNTIME_PATH is ignored", Request{Name: "libmain.so", Origin: "app", RuntimePath: []string{"rp", "../rp"}},
			"app/libmain.so", "main folder", ""},
		{"main folder last", Request{Name: "libmain.so"}, "app/libmain.so", "main folder", ""},
		{"name with / is a path from the working folder", Request{Name: "rel/librel.so"}, "cwd/rel/librel.so", "path", ""},
		{"path with .. inside the file system", Request{Name: "../app/sub/libsub.so"}, "app/sub/libsub.so", "path", ""},
		{"./ path", Request{Name: "./librel.so"}, "cwd/librel.so", "path", ""},
		{"module name with / and no ..", Request{Name: "rel/librel.so", FromModule: true}, "cwd/rel/librel.so", "path", ""},
		{"guest path through a preopen", Request{Name: "/lib-dynload/libg.so"}, "guestlib/libg.so", "preopen", ""},
		{"guest path, cleaned", Request{Name: "/lib-dynload/../lib-dynload/./libg.so"}, "guestlib/libg.so", "preopen", ""},
		{"relative guest path from /", Request{Name: "lib-dynload/libg.so"}, "guestlib/libg.so", "preopen", ""},
		{"link inside the folder", Request{Name: "liblink.so"}, "l1/liblink.so", "-L", "l1/libl1.so"},
		{"host path anywhere", Request{Name: "../host/root/x/libabs.so", Host: true}, "host/root/x/libabs.so", "path", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.Find(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantData
			if want == "" {
				want = tt.wantPath
			}
			if r.Path != tt.wantPath || r.Via != tt.wantVia || string(r.Data) != want {
				t.Errorf("found %s via %s (content %q), want %s via %s (content %q)", r.Path, r.Via, r.Data, tt.wantPath, tt.wantVia, want)
			}
		})
	}
}

// TestFindRefused: names no rule may look up, and names outside every
// root, which fail exactly as missing files do.
func TestFindRefused(t *testing.T) {
	s := testSearcher()
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
		{"module name with ..", Request{Name: "../cwd/librel.so", FromModule: true},
			`../cwd/librel.so: unsafe library name: ".." element`, ErrUnsafeName},
		{"module name with .. in the middle", Request{Name: "rel/../librel.so", FromModule: true},
			`rel/../librel.so: unsafe library name: ".." element`, ErrUnsafeName},
		{"absolute module name", Request{Name: "/cwd/librel.so", FromModule: true},
			"/cwd/librel.so: unsafe library name: absolute path", ErrUnsafeName},
		// The host may name any path, but not one outside the file system.
		{"host path climbing out", Request{Name: "../../etc/libc.so", Host: true},
			"../../etc/libc.so: path escapes the library root", ErrEscapes},
		{"host absolute path without a host root", Request{Name: "/etc/libc.so", Host: true},
			"/etc/libc.so: absolute path: path escapes the library root", ErrEscapes},
		// Untrusted names outside the roots: not found, nothing more.
		{"climbing out", Request{Name: "../../etc/libc.so"}, "../../etc/libc.so: not found", nil},
		{"absolute outside the preopens", Request{Name: "/etc/libc.so"}, "/etc/libc.so: not found", nil},
		{"guest path climbing out of its preopen", Request{Name: "/lib-dynload/../l1/libl1.so"},
			"/lib-dynload/../l1/libl1.so: not found", nil},
		{"link out of the file system", Request{Name: "libout.so"},
			"libout.so: not found (searched l1/libout.so, l2/libout.so, env1/libout.so, env2/libout.so, app/libout.so)", nil},
		{"link to an absolute path", Request{Name: "libabs.so"},
			"libabs.so: not found (searched l1/libabs.so, l2/libabs.so, env1/libabs.so, env2/libabs.so, app/libabs.so)", nil},
		{"link out of its -L folder", Request{Name: "libup.so"},
			"libup.so: not found (searched l1/libup.so, l2/libup.so, env1/libup.so, env2/libup.so, app/libup.so)", nil},
		{"link loop", Request{Name: "libloop.so"},
			"libloop.so: not found (searched l1/libloop.so, l2/libloop.so, env1/libloop.so, env2/libloop.so, app/libloop.so)", nil},
		{"RUNTIME_PATH out of the file system", Request{Name: "x.so", Origin: "app", RuntimePath: []string{"$ORIGIN/../..", "/abs"}},
			"x.so: not found (searched l1/x.so, l2/x.so, env1/x.so, env2/x.so, app/x.so)", nil},
		// Inside the roots, what is there may be said.
		{"folder", Request{Name: "libdir.so"}, "libdir.so: open l1/libdir.so: not a regular file", ErrNotRegular},
		{"device", Request{Name: "libdev.so"}, "libdev.so: open l1/libdev.so: not a regular file", ErrNotRegular},
		{"FIFO", Request{Name: "libfifo.so"}, "libfifo.so: open l1/libfifo.so: not a regular file", ErrNotRegular},
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

// TestFindNotFoundIsUniform: a guest cannot tell a file outside every root
// from a missing one, whatever it is.
func TestFindNotFoundIsUniform(t *testing.T) {
	s := testSearcher()
	s.FS.(fstest.MapFS)["l1/libgone.so"] = symlink("../../nothing-here.so")
	for _, pair := range [][2]string{
		{"libout.so", "libgone.so"},                     // links out: to a file, to nothing
		{"/host/root/x/libabs.so", "/host/root/x/none"}, // absolute: existing, missing
	} {
		var msgs [2]string
		for i, name := range pair {
			_, err := s.Find(Request{Name: name})
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

// TestFindSizeLimit: a file larger than MaxFileSize is refused, saying so.
func TestFindSizeLimit(t *testing.T) {
	s := testSearcher()
	s.MaxFileSize = 10
	_, err := s.Find(Request{Name: "libbig.so"})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "libbig.so: open l1/libbig.so: larger than the limit of 10 bytes" {
		t.Errorf("error %v", err)
	}
	s.MaxFileSize = 16
	if r, err := s.Find(Request{Name: "libbig.so"}); err != nil || len(r.Data) != 16 {
		t.Errorf("a file at the limit: %v, %v", r, err)
	}
}

// TestEmptySearchFolders: an empty WASMDL_LIBRARY_PATH element is not the
// working folder (nor the root of the file system).
func TestEmptySearchFolders(t *testing.T) {
	for in, want := range map[string]string{
		"a::b":  "a b",
		":a":    "a",
		"a:":    "a",
		"":      "",
		"::":    "",
		".:lib": ". lib",
	} {
		if got := strings.Join(SplitPathList(in), " "); got != want {
			t.Errorf("SplitPathList(%q) = %q, want %q", in, got, want)
		}
	}
	s := &Searcher{FS: fstest.MapFS{"libtop.so": lib("libtop.so")}, EnvPaths: []string{""}, Paths: []string{""}}
	if r, err := s.Find(Request{Name: "libtop.so"}); err == nil {
		t.Errorf("an empty search folder found %s", r.Path)
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

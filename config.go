package wasmdl

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/search"
)

// Config says where a Linker finds modules and how it lays processes out.
// It is immutable: every With method returns a changed copy. The zero value
// is not useful; start from [NewConfig].
type Config struct {
	fsys        fs.FS
	root        string // host folder fsys represents, "" for a non-host FS
	dir         string // host working folder (host FS) or fs path (WithFS)
	searchPaths []string
	envPaths    []string
	preload     []string
	stackSize   uint32
	maxPages    uint32
	debug       io.Writer
	logger      *slog.Logger
	hostFuncs   []HostFunc
	maxModules  int
	topics      map[string]bool
	separate    bool
	runOnly     bool
	cacheDir    string
}

// NewConfig returns a configuration that reads modules from the host file
// system, with relative names starting from the current directory.
func NewConfig() Config {
	c := Config{fsys: os.DirFS("/"), root: "/", dir: "."}
	if wd, err := os.Getwd(); err == nil {
		c.dir = wd
	}
	return c
}

// WithDir sets the folder that relative names (the main module, -L folders,
// dlopen("./x.so")) start from: a host folder, or with WithFS a path in
// that FS. It defaults to the current directory.
func (c Config) WithDir(dir string) Config {
	if c.root != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
	}
	c.dir = dir
	return c
}

// WithFS makes the linker read every module (main, libraries, dlopen
// arguments) from fsys, and nothing outside it: ".." cannot climb out and
// absolute names are refused. Paths are fs.FS paths relative to its root.
func (c Config) WithFS(fsys fs.FS) Config {
	c.fsys, c.root, c.dir = fsys, "", "."
	return c
}

// WithSearchPath sets the library folders searched first, like ld's -L.
// On the host file system they may be relative to the current directory or
// absolute; with WithFS they are fs.FS paths.
func (c Config) WithSearchPath(dirs ...string) Config {
	c.searchPaths = append([]string(nil), dirs...)
	return c
}

// WithLibraryPath sets the folders searched after the search path, as the
// WASMDL_LIBRARY_PATH environment variable does for the CLI.
func (c Config) WithLibraryPath(dirs ...string) Config {
	c.envPaths = append([]string(nil), dirs...)
	return c
}

// WithPreload names libraries loaded right after the main module, before
// its dependencies, so their definitions take precedence (LD_PRELOAD).
func (c Config) WithPreload(libs ...string) Config {
	c.preload = append([]string(nil), libs...)
	return c
}

// WithStackSize sets the stack given to a main module that has none of its
// own (a PIE main); the default is 64 KiB. The top is 16-byte aligned.
func (c Config) WithStackSize(bytes uint32) Config {
	c.stackSize = bytes
	return c
}

// WithMemoryLimit caps the shared memory of each process. Loading a library
// that would need more fails. The default and maximum is 4 GiB.
func (c Config) WithMemoryLimit(bytes uint64) Config {
	pages := bytes / 65536
	if pages == 0 {
		pages = 1
	}
	if pages > 65536 {
		pages = 65536
	}
	c.maxPages = uint32(pages)
	return c
}

// WithModuleLimit bounds how many modules (the main and its libraries)
// one process may hold at once; a dlopen past it fails. The default is
// 4096: enough for any program, and a bound on what a guest that opens
// libraries without end costs the host.
func (c Config) WithModuleLimit(n int) Config {
	c.maxModules = n
	return c
}

// WithMerge says whether the main module and the libraries loaded with it
// become one module (the default): their calls to each other are then
// direct calls, their GOT entries constants, and wazero compiles and
// instantiates one module instead of one per library. The process behaves
// the same either way; libraries opened later with dlopen are always
// separate. WithMerge(false) instantiates every module on its own, which
// is slower.
func (c Config) WithMerge(enabled bool) Config {
	c.separate = !enabled
	return c
}

// WithRunOnly promises that the host only runs the programs of this
// Linker: it calls [Process.Run] (and may Fork, Close, read Memory and
// Layout) but never looks symbols up or opens libraries, so
// [Process.Lookup] and [Process.Open] fail with [ErrRunOnly]. A program
// none of whose modules imports dlopen or dlsym can then never name a
// function again once loaded, and the merged program (see
// [Config.WithMerge]) keeps only what it can reach, as a static link with
// --gc-sections does: it is smaller to compile, cache and load. wasmdl run
// uses it. A program that imports dlopen or dlsym runs as without it.
func (c Config) WithRunOnly() Config {
	c.runOnly = true
	return c
}

// WithCacheDir keeps merged programs (see [Config.WithMerge]) in dir, so
// that another process loading the same program skips the merge. Give the
// runtime wazero's compilation cache too (wazero.NewCompilationCacheWithDir,
// the same folder will do) to skip compiling as well. A file that does not
// check out is ignored and rebuilt.
func (c Config) WithCacheDir(dir string) Config {
	c.cacheDir = dir
	return c
}

// WithDebug writes traces of the given topics to w, as WASMDL_DEBUG does:
// "libs" (which file each library came from, and each failed search),
// "bindings" (where each symbol bound), "merge" (why a program could not
// be merged into one module, see [Config.WithMerge]) or "all". Lines start
// with "wasmdl[N]:", N numbering the Linker's processes; each is written
// whole, so w may be shared.
func (c Config) WithDebug(w io.Writer, topics ...string) Config {
	c.debug = w
	c.topics = debugTopics(topics)
	return c
}

// WithLogger sends the traces of the given topics (as for
// [Config.WithDebug]) to logger as debug records, with the attributes
// "topic" and "process".
func (c Config) WithLogger(logger *slog.Logger, topics ...string) Config {
	c.logger = logger
	c.topics = debugTopics(topics)
	return c
}

// debugTopicNames are the trace topics WithDebug knows, besides "all".
var debugTopicNames = []string{"libs", "bindings", "merge"}

func debugTopics(topics []string) map[string]bool {
	out := map[string]bool{}
	for _, t := range topics {
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out[s] = true
			}
		}
	}
	if out["all"] {
		for _, t := range debugTopicNames {
			out[t] = true
		}
	}
	return out
}

// HostFunc is a Go function guests may import from "env": an env function
// import that no module of the process defines binds to the HostFunc of
// its name (modules' own definitions come first, as for libc functions).
// Func gets the calling process and the arguments in stack, and leaves
// the results there (wazero's calling convention). Its ctx lets it call
// back into that process ([Process.Lookup], [Symbol.Call]) without waiting
// for itself; a panic in Func is a trap.
type HostFunc struct {
	Name            string
	Params, Results []api.ValueType
	Func            func(ctx context.Context, p *Process, stack []uint64)
}

// WithHostFuncs gives guests these functions (see [HostFunc]), in addition
// to the ones given before. Names wasmdl provides itself (dlopen, dlsym,
// dlclose, dlerror, dladdr, atexit, __cxa_atexit) cannot be taken; loads
// fail if one is.
func (c Config) WithHostFuncs(fns ...HostFunc) Config {
	c.hostFuncs = append(append([]HostFunc(nil), c.hostFuncs...), fns...)
	return c
}

// cwd is the working folder as an fs path.
func (c Config) cwd() string {
	if c.root == "" {
		return path.Clean(c.dir)
	}
	if p, ok := search.FSPath(c.root, filepath.ToSlash(c.dir)); ok {
		return p
	}
	return "."
}

// fsPaths turns folders as the user wrote them into fs paths: on the host
// file system, relative ones start from the working folder.
func (c Config) fsPaths(dirs []string) []string {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if d == "" {
			continue // not the working folder, as glibc would make it: say "."
		}
		if c.root == "" {
			out = append(out, path.Join(c.cwd(), d))
			continue
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(c.dir, d)
		}
		if p, ok := search.FSPath(c.root, filepath.ToSlash(filepath.Clean(d))); ok {
			out = append(out, p)
		}
	}
	return out
}

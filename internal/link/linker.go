// Package link is wasmdl's dynamic linker: the analogue of musl's
// ldso/dynlink.c. load.go holds the load order; the other files hold the
// stages it calls.
package link

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Config configures a Linker. The zero value is not usable: FS is required.
type Config struct {
	FS          fs.FS    // where modules are read from
	Root        string   // absolute host folder FS represents ("" if none)
	Cwd         string   // fs path that relative names start from
	SearchPaths []string // -L folders (fs paths)
	EnvPaths    []string // WASMDL_LIBRARY_PATH folders (fs paths)
	Preload     []string // libraries loaded right after the main module
	StackSize   uint32   // stack for a main module that has none (PIE); 0 = 64 KiB
	// MaxMemoryPages caps the shared memory (64 KiB pages); 0 = 65536.
	MaxMemoryPages uint32
	// Separate instantiates the objects loaded with the main one by one
	// instead of merging them into one module (merge.go).
	Separate bool
	// CacheDir, if set, keeps merged programs across processes (see
	// mergeCache).
	CacheDir string
	// Debug receives WASMDL_DEBUG traces for the topics set in
	// DebugTopics, a line at a time; Logger, if set, receives them as
	// debug records instead.
	Debug       io.Writer
	DebugTopics map[string]bool
	Logger      *slog.Logger
	// MaxFileSize is the largest module file read; 0 = search's default.
	MaxFileSize int64
	// MaxObjects bounds the modules loaded in one process at once (a guest
	// that dlopens without end); 0 = 4096.
	MaxObjects int
	// HostFuncs are functions the host gives guests: an env function
	// import no module defines binds to the one of its name.
	HostFuncs []HostFunc
	// RunOnly: the host never looks symbols up or opens libraries in the
	// processes (Lookup and Open fail with ErrRunOnly), so a program that
	// cannot dlopen or dlsym is a closed world (deadfuncs.go).
	RunOnly bool
}

// HostFunc is a Go function guests may import from env.
type HostFunc struct {
	Name            string
	Params, Results []api.ValueType
	// Fn runs with the calling process; its context lets it call back
	// into that process (see Process.enter).
	Fn func(ctx context.Context, p *Process, stack []uint64)
}

func (c *Config) stackSize() uint32 {
	if c.StackSize == 0 {
		return 64 << 10
	}
	return alignUp(c.StackSize, 16)
}

func (c *Config) maxObjects() int {
	if c.MaxObjects <= 0 {
		return 4096
	}
	return c.MaxObjects
}

func (c *Config) maxPages() uint32 {
	if c.MaxMemoryPages == 0 || c.MaxMemoryPages > 65536 {
		return 65536
	}
	return c.MaxMemoryPages
}

// Linker loads processes into one wazero runtime. It keeps what processes
// can share: parsed modules, compiled modules, host modules.
type Linker struct {
	rt  wazero.Runtime
	cfg Config

	infos infoCache
	files search.FileCache

	compileMu sync.Mutex
	compiled  *bounded[wazero.CompiledModule] // by content hash
	renamed   *bounded[[]byte]                // rewritten modules (imports renamed...), by key

	hostOnce sync.Once
	hostErr  error
	host     api.Module // wasmdl host functions
	wasi     api.Module // WASI forwarder

	owners sync.Map // api.Module -> *Process, for host functions

	prelinkMu sync.Mutex
	prelinks  map[string]*prelink // plans of programs loaded before, by prelinkKey

	hostTypesOnce sync.Once
	hostTypes     map[string]wasmfile.FuncType // signatures of wasmdl's host functions

	messages messages // of calls that trap: see hostWeakMissing
	// mergedGlobals are merged programs' mutable exported globals, by
	// merged key, for Fork.
	mergedGlobals map[string][]string
	// tableOps is the table helpers' module for one table export name
	// (tableOpsModule).
	tableOps struct {
		export string
		data   []byte
	}
	closed  atomic.Bool
	procSeq atomic.Int64 // numbers processes for traces
	debugMu sync.Mutex   // one trace line at a time
}

// maxCached bounds each of the Linker's caches (see bounded). Instances
// keep their compiled code when it leaves the cache.
const maxCached = 2048

// NewLinker returns a Linker over rt. rt must enable the features the
// modules use; see RuntimeFeatures.
func NewLinker(rt wazero.Runtime, cfg Config) *Linker {
	return &Linker{rt: rt, cfg: cfg,
		compiled: newBounded(maxCached, func(cm wazero.CompiledModule) { cm.Close(context.Background()) }),
		renamed:  newBounded[[]byte](maxCached, nil)}
}

// Runtime returns the wazero runtime the linker instantiates into.
func (l *Linker) Runtime() wazero.Runtime { return l.rt }

func (l *Linker) searcher(mainDir string, preopens ...search.Preopen) *search.Searcher {
	return &search.Searcher{
		FS: l.cfg.FS, Root: l.cfg.Root, Cwd: l.cfg.Cwd,
		Paths: l.cfg.SearchPaths, EnvPaths: l.cfg.EnvPaths, MainDir: mainDir,
		Preopens: preopens, MaxFileSize: l.cfg.MaxFileSize,
		Cache: &l.files,
	}
}

// compile compiles module bytes once per Linker, keyed by content.
func (l *Linker) compile(ctx context.Context, key string, data []byte) (wazero.CompiledModule, error) {
	l.compileMu.Lock()
	cm, ok := l.compiled.get(key)
	l.compileMu.Unlock()
	if ok {
		return cm, nil
	}
	cm, err := l.rt.CompileModule(ctx, data)
	if err != nil {
		return nil, err
	}
	l.compileMu.Lock()
	defer l.compileMu.Unlock()
	if old, ok := l.compiled.get(key); ok {
		cm.Close(ctx)
		return old, nil
	}
	l.compiled.put(key, cm)
	return cm, nil
}

// tracing reports whether WASMDL_DEBUG traces topic; callers on hot paths
// check it before building a trace's arguments.
func (l *Linker) tracing(topic string) bool {
	return (l.cfg.Debug != nil || l.cfg.Logger != nil) && l.cfg.DebugTopics[topic]
}

// debugf traces one line of topic for process p: "wasmdl[N]: topic: ...",
// N being the process's number in its Linker, as LD_DEBUG prefixes its
// lines with the pid. Processes trace from their own goroutines, so lines
// are written whole under a lock.
func (p *Process) debugf(topic, format string, args ...any) {
	l := p.l
	if !l.tracing(topic) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if l.cfg.Logger != nil {
		l.cfg.Logger.Debug(msg, "topic", topic, "process", p.num)
		return
	}
	line := fmt.Sprintf("wasmdl[%d]: %s: %s\n", p.num, topic, msg)
	l.debugMu.Lock()
	defer l.debugMu.Unlock()
	io.WriteString(l.cfg.Debug, line)
}

func (l *Linker) prelinked(key string) *prelink {
	l.prelinkMu.Lock()
	defer l.prelinkMu.Unlock()
	return l.prelinks[key]
}

func (l *Linker) storePrelink(key string, pl *prelink) {
	l.prelinkMu.Lock()
	defer l.prelinkMu.Unlock()
	if l.prelinks == nil {
		l.prelinks = map[string]*prelink{}
	}
	l.prelinks[key] = pl
}

// Close releases compiled modules; later loads fail with ErrClosed.
// Processes must be closed first.
func (l *Linker) Close(ctx context.Context) error {
	l.closed.Store(true)
	l.compileMu.Lock()
	defer l.compileMu.Unlock()
	l.compiled.drain(func(cm wazero.CompiledModule) { cm.Close(ctx) })
	return nil
}

// UndefinedError reports a symbol nobody defines.
type UndefinedError struct {
	Symbol   string
	NeededBy string
}

// Error implements error.
func (e *UndefinedError) Error() string {
	return fmt.Sprintf("undefined symbol: %s (needed by %s)", e.Symbol, e.NeededBy)
}

// SignatureError reports an import whose type differs from its definition.
type SignatureError struct {
	Symbol            string
	Importer, Definer string
	Want, Have        string
}

// Error implements error.
func (e *SignatureError) Error() string {
	return fmt.Sprintf("signature mismatch: %s: %s imports it as %s but %s defines %s",
		e.Symbol, e.Importer, e.Want, e.Definer, e.Have)
}

// LinkErrors is every problem found while linking, reported together.
type LinkErrors []error

// Error implements error.
func (e LinkErrors) Error() string {
	s := make([]string, len(e))
	for i, err := range e {
		s[i] = err.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.Is and errors.As see each error.
func (e LinkErrors) Unwrap() []error { return e }

package wasmdl

import (
	"context"
	"path/filepath"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/link"
)

// RuntimeConfig returns a wazero runtime configuration with the features
// dynamically linked modules use: the 2.0 core plus threads (shared memory
// and TLS), extended constant expressions, tail calls and exception handling.
func RuntimeConfig() wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 |
		experimental.CoreFeaturesThreads | experimental.CoreFeaturesExtendedConst |
		experimental.CoreFeaturesTailCall | experimental.CoreFeaturesExceptionHandling)
}

// Linker loads programs into one wazero runtime. It caches what processes
// can share: parsed and compiled modules, keyed by content, so a second
// process with the same libraries compiles nothing. A Linker is safe for
// concurrent use; each Process is isolated.
type Linker struct {
	l    *link.Linker
	args []string
}

// NewLinker returns a Linker that instantiates into rt. Create rt with
// [RuntimeConfig] (add a compilation cache to it to reuse compiled code
// across runs of the program).
func NewLinker(rt wazero.Runtime, cfg Config) *Linker {
	lc := link.Config{
		FS: cfg.fsys, Root: cfg.root, Cwd: cfg.cwd(),
		SearchPaths: cfg.fsPaths(cfg.searchPaths), EnvPaths: cfg.fsPaths(cfg.envPaths), Preload: cfg.preload,
		StackSize: cfg.stackSize, MaxMemoryPages: cfg.maxPages,
		ModuleConfig: cfg.moduleCfg, Debug: cfg.debug, DebugTopics: cfg.topics,
		Separate: cfg.separate, CacheDir: cfg.cacheDir,
	}
	if lc.ModuleConfig == nil {
		lc.ModuleConfig = wazero.NewModuleConfig()
	}
	if cfg.args != nil {
		lc.ModuleConfig = lc.ModuleConfig.WithArgs(cfg.args...)
	}
	return &Linker{l: link.NewLinker(rt, lc), args: cfg.args}
}

// Load reads the main module and the libraries it needs, places them in one
// new memory and table, resolves their symbols, and runs relocations and
// constructors (libraries first, dependencies before dependants, the main
// last). The process is then ready for [Process.Run].
//
// mainPath is a file name relative to the current directory (or to the
// root of the Config's FS). Errors name the module and symbol at fault;
// every missing library and undefined symbol is reported, not just the
// first.
func (l *Linker) Load(ctx context.Context, mainPath string, args ...string) (*Process, error) {
	if args == nil {
		args = l.args
	}
	if args == nil {
		args = []string{filepath.Base(mainPath)}
	}
	p, err := l.l.Load(ctx, filepath.ToSlash(mainPath), args)
	if err != nil {
		return nil, err
	}
	return &Process{p: p}, nil
}

// Close releases the compiled modules the Linker cached.
func (l *Linker) Close(ctx context.Context) error { return l.l.Close(ctx) }

// Process is a loaded program: a main module and its libraries sharing one
// memory, one function table, one stack and one WASI context.
type Process struct {
	p *link.Process
}

// Run calls the main module's entry point and returns its exit status,
// running atexit handlers and flushing stdio as a native exit would. A trap
// is returned as an error.
func (p *Process) Run(ctx context.Context) (int, error) { return p.p.Run(ctx) }

// Module returns the main module's instance, to call its exports directly.
func (p *Process) Module() api.Module { return p.p.Main() }

// Memory returns the memory all modules of the process share.
func (p *Process) Memory() api.Memory { return p.p.Memory() }

// Layout describes where the linker placed everything.
func (p *Process) Layout() []Region { return p.p.Layout() }

// Region is one placed range of memory or table slots; see [Process.Layout].
type Region = link.Region

// Close closes every module of the process and releases its memory.
func (p *Process) Close(ctx context.Context) error { return p.p.Close(ctx) }

// ErrNoEntry is returned by [Process.Run] when the main module exports no
// entry point (_start, __main_void, __main_argc_argv or main).
var ErrNoEntry = link.ErrNoEntry

// DepTree is a resolved dependency tree; see [Linker.Deps].
type DepTree = link.DepTree

// DepNode is one module of a [DepTree].
type DepNode = link.DepNode

// DepEdge is one NEEDED entry of a [DepNode].
type DepEdge = link.DepEdge

// Deps resolves the main module's dependency tree with the same search
// rules and load order as [Linker.Load], without instantiating anything
// (what ldd prints). Missing libraries are nodes with Err set, not errors.
func (l *Linker) Deps(mainPath string) (*DepTree, error) {
	return l.l.Deps(filepath.ToSlash(mainPath))
}

// LoadEmpty starts a process with no program of its own, for hosts that
// only want plugins: [Process.Open] loads libraries into it, with their own
// memory, table and stack as for any process. [Process.Run] has nothing to
// run in it.
func (l *Linker) LoadEmpty(ctx context.Context) (*Process, error) {
	p, err := l.l.LoadEmpty(ctx)
	if err != nil {
		return nil, err
	}
	return &Process{p: p}, nil
}

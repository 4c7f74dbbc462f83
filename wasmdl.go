package wasmdl

import (
	"context"
	"path/filepath"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/link"
)

// RuntimeConfig returns a wazero runtime configuration with what wasmdl
// needs: the features dynamically linked modules use (the 2.0 core plus
// threads for shared memory and TLS, extended constant expressions, tail
// calls and exception handling), and guest code that stops when its
// context is cancelled (without it, a cancelled context or [Process.Close]
// cannot interrupt a call that is running).
//
// Stopping costs speed: wazero then has compiled code leave for Go at
// every loop iteration to check for it, and loop-heavy programs run
// several times slower (6 to 8 times for zlib, Lua and SQLite). A host
// that does not need to interrupt guest code can turn it off:
//
//	rc := wasmdl.RuntimeConfig().WithCloseOnContextDone(false)
func RuntimeConfig() wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 |
		experimental.CoreFeaturesThreads | experimental.CoreFeaturesExtendedConst |
		experimental.CoreFeaturesTailCall | experimental.CoreFeaturesExceptionHandling).
		WithCloseOnContextDone(true)
}

// Linker loads programs into one wazero runtime. It caches what processes
// can share: parsed and compiled modules, keyed by content, and each
// program's plan, so a second process of the same program compiles
// nothing and only instantiates. A Linker is safe for concurrent use;
// processes are isolated from each other.
type Linker struct {
	l   *link.Linker
	cfg Config
}

// NewLinker returns a Linker that instantiates into rt. Create rt with
// [RuntimeConfig] (add a compilation cache to it to reuse compiled code
// across runs of the program).
func NewLinker(rt wazero.Runtime, cfg Config) *Linker {
	lc := link.Config{
		FS: cfg.fsys, Root: cfg.root, Cwd: cfg.cwd(),
		SearchPaths: cfg.fsPaths(cfg.searchPaths), EnvPaths: cfg.fsPaths(cfg.envPaths), Preload: cfg.preload,
		StackSize: cfg.stackSize, MaxMemoryPages: cfg.maxPages,
		Debug: cfg.debug, DebugTopics: cfg.topics, Logger: cfg.logger,
		Separate: cfg.separate, CacheDir: cfg.cacheDir, MaxObjects: cfg.maxModules,
		RunOnly: cfg.runOnly,
	}
	w := &Linker{cfg: cfg}
	for _, h := range cfg.hostFuncs {
		fn := h.Func
		lc.HostFuncs = append(lc.HostFuncs, link.HostFunc{Name: h.Name, Params: h.Params, Results: h.Results,
			Fn: func(ctx context.Context, p *link.Process, stack []uint64) {
				fn(ctx, p.Owner.(*Process), stack)
			}})
	}
	w.l = link.NewLinker(rt, lc)
	return w
}

// Load reads the main module and the libraries it needs, places them in one
// new memory and table, resolves their symbols, and runs relocations and
// constructors (libraries first, dependencies before dependants, the main
// last). The process is then ready for [Process.Run].
//
// mainPath is a file name relative to the current directory (or to the
// root of the Config's FS). Options set the process's arguments, stdio,
// environment and preopened folders. Errors name the module and symbol at
// fault; every missing library and undefined symbol is reported, not just
// the first (see [LoadError]).
func (l *Linker) Load(ctx context.Context, mainPath string, opts ...Option) (*Process, error) {
	o := newOptions(opts, filepath.Base(mainPath))
	p := &Process{cfg: l.cfg}
	lp, err := l.l.Load(ctx, filepath.ToSlash(mainPath), o.procConfig(p, l.cfg))
	if err != nil {
		return nil, publicError(err)
	}
	p.p = lp
	return p, nil
}

// LoadEmpty starts a process with no program of its own, for hosts that
// only want plugins: [Process.Open] loads libraries into it, with their own
// memory, table and stack as for any process, and their WASI calls act on
// the process's stdio and preopens. It has no libc: plugins that import
// libc functions need a main that exports them (see the README's "Plugin
// hosts"), loaded with [Linker.Load]. [Process.Run] has nothing to run.
func (l *Linker) LoadEmpty(ctx context.Context, opts ...Option) (*Process, error) {
	o := newOptions(opts, "")
	p := &Process{cfg: l.cfg}
	lp, err := l.l.LoadEmpty(ctx, o.procConfig(p, l.cfg))
	if err != nil {
		return nil, publicError(err)
	}
	p.p = lp
	return p, nil
}

// Close releases the compiled modules the Linker cached; later loads, and
// libraries opened later in its processes, fail with [ErrClosed]. Close the
// Linker's processes first.
func (l *Linker) Close(ctx context.Context) error { return l.l.Close(ctx) }

// Deps resolves the main module's dependency tree with the same search
// rules and load order as [Linker.Load], without instantiating anything
// (what ldd prints). Missing libraries are nodes with Err set, not errors.
func (l *Linker) Deps(mainPath string) (*DepTree, error) {
	t, err := l.l.Deps(filepath.ToSlash(mainPath))
	if err != nil {
		return nil, publicError(err)
	}
	return publicTree(t), nil
}

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl"
	"github.com/wasmdl/wasmdl/internal/ccache"
	"github.com/wasmdl/wasmdl/internal/check"
	"github.com/wasmdl/wasmdl/internal/search"
)

func init() {
	register("run", "load a main module and its shared libraries, and run it", runMain)
}

// multiFlag collects a repeatable flag.
type multiFlag []string

// String implements flag.Value.
func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set implements flag.Value: each use adds one value.
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// exitLinkFailure is the status for load and link failures, as a shell
// reports a command it cannot run.
const exitLinkFailure = 127

// exitTrap is the status after a trap: that of a native process killed by
// abort (128 + SIGABRT).
const exitTrap = 134

const runUsage = `usage: wasmdl run [flags] MAIN [ARGS...]

Loads MAIN, the closure of its NEEDED libraries and the --preload libraries
into one memory, one function table and one stack, links them, runs their
constructors, then MAIN's entry point with ARGS.

Libraries are found as "wasmdl ldd" shows: a name with "/" is a path;
otherwise the -L folders in order, then WASMDL_LIBRARY_PATH, then the
requesting module's RUNTIME_PATH, then MAIN's folder.

wasmdl gives the program WASI (arguments, --env variables, stdio, the --dir
folders, clocks, random numbers) and libdl (env.dlopen, dlsym, dlclose,
dlerror, dladdr). Every other import must be defined by one of the modules.

Exit status:
  the program's own, when it returns from its entry point or calls exit;
  127  MAIN or a library cannot be loaded or linked: every problem is
       reported, in ld.so's words, before anything runs; also a call to a
       function an RTLD_LAZY library imports that is still undefined;
  134  the program trapped: the trap and the wasm backtrace are printed;
  2    usage error (a flag, WASMDL_DEBUG, a --dir folder that does not exist).

Environment:
  WASMDL_LIBRARY_PATH  folders searched after the -L folders, colon-separated
  WASMDL_DEBUG         traces on stderr, comma-separated, as LD_DEBUG does;
                       WASMDL_DEBUG=help lists them
`

// debugTopics are the WASMDL_DEBUG traces, in the order WASMDL_DEBUG=help
// lists them; see [wasmdl.Config.WithDebug].
var debugTopics = []struct{ name, help string }{
	{"libs", "which file each library came from, by which search rule and for whom;\n" +
		"           the paths searched for a library that was not found"},
	{"bindings", "where each imported symbol bound: a function, a trampoline, a GOT value"},
	{"merge", "why the program could not be linked into one module (see --separate)"},
	{"all", "all of the above"},
}

// parseDebug reads WASMDL_DEBUG. It returns the topics to trace and -1, or
// the exit status to end with: 0 after listing the topics for "help", 2 for
// an unknown topic.
func parseDebug(value string, stdout, stderr io.Writer) (map[string]bool, int) {
	topics := map[string]bool{}
	for _, t := range strings.Split(value, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if t == "help" {
			fmt.Fprint(stdout, "Valid categories for the WASMDL_DEBUG environment variable (comma-separated):\n\n")
			for _, d := range debugTopics {
				fmt.Fprintf(stdout, "  %-8s %s\n", d.name, d.help)
			}
			fmt.Fprint(stdout, "\nTraces go to stderr, one line each, starting with \"wasmdl[N]: CATEGORY: \" (N numbers the process).\n")
			return nil, 0
		}
		known := false
		for _, d := range debugTopics {
			known = known || d.name == t
		}
		if !known {
			fmt.Fprintf(stderr, "wasmdl: WASMDL_DEBUG: unknown category \"%s\" (WASMDL_DEBUG=help lists them)\n", safe(t))
			return nil, 2
		}
		topics[t] = true
	}
	if topics["all"] {
		for _, d := range debugTopics {
			topics[d.name] = true
		}
		delete(topics, "all")
	}
	return topics, -1
}

// inDir resolves a relative host path against dir ("" for the current
// directory).
func inDir(dir, p string) string {
	if dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func runMain(args []string, stdout, stderr io.Writer) int { return runIn("", args, stdout, stderr) }

// runIn is run with relative names starting from dir ("" for the current
// directory), so tests can run programs in their own folders in parallel.
func runIn(dir string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", runUsage, stdout, stderr)
	var libDirs, preload, envs, dirs multiFlag
	fs.Var(&libDirs, "L", "add `DIR` to the library search path (repeatable)")
	fs.Var(&preload, "preload", "load `LIB` before the main's dependencies (repeatable)")
	fs.Var(&envs, "env", "set environment variable `K=V` for the program (repeatable)")
	fs.Var(&dirs, "dir", "let the program open files in the host folder `HOST[:GUEST]`, as GUEST if given (repeatable)")
	stackSize := fs.String("stack-size", "", "stack `SIZE` for a PIE main (e.g. 1M); default 64K")
	maxMemory := fs.String("max-memory", "", "cap the shared memory at `SIZE` (e.g. 256M); default 4G")
	showMap := fs.Bool("map", false, "print the memory and table layout to stderr before running")
	svgPath := fs.String("svg", "", "with --map, also draw the layout as SVG to `FILE`")
	cacheDir := fs.String("cache-dir", "", "keep compiled code and merged programs in `DIR` across runs")
	separate := fs.Bool("separate", false, "instantiate every module on its own instead of merging the main and its libraries into one module")
	if status := fs.parse(args, 0); status >= 0 {
		return status
	}
	// WASMDL_DEBUG=help answers before anything else, as LD_DEBUG=help does.
	topics, status := parseDebug(os.Getenv("WASMDL_DEBUG"), stdout, stderr)
	if status >= 0 {
		return status
	}
	if fs.NArg() < 1 {
		return fs.usageError("")
	}
	if *svgPath != "" && !*showMap {
		fmt.Fprintln(stderr, "wasmdl: --svg needs --map")
		return 2
	}
	mainPath := fs.Arg(0)

	mc := wazero.NewModuleConfig().WithStdout(stdout).WithStderr(stderr).WithStdin(os.Stdin).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader)
	for _, kv := range envs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "wasmdl: --env \"%s\": want K=V\n", safe(kv))
			return 2
		}
		mc = mc.WithEnv(k, v)
	}
	var opts []wasmdl.Option
	if len(dirs) > 0 {
		for _, d := range dirs {
			host, guest, ok := strings.Cut(d, ":")
			if !ok {
				guest = host
			}
			// wazero would mount a missing folder and fail only when the
			// program opens it: refuse it before anything runs.
			host = inDir(dir, host)
			if st, err := os.Stat(host); err != nil {
				fmt.Fprintf(stderr, "wasmdl: --dir %s: %s\n", safe(host), openError(err))
				return 2
			} else if !st.IsDir() {
				fmt.Fprintf(stderr, "wasmdl: --dir %s: not a directory\n", safe(host))
				return 2
			}
			// As an option, not in mc: the loader then knows the guest's
			// preopens, through which its dlopen may name libraries.
			opts = append(opts, wasmdl.WithDirMount(host, guest))
		}
	}
	cfg := wasmdl.NewConfig()
	if dir != "" {
		cfg = cfg.WithDir(dir)
	}
	// The command only runs the program: a program that cannot dlopen or
	// dlsym loads without the functions it can never call.
	cfg = cfg.WithSearchPath(libDirs...).WithPreload(preload...).WithMerge(!*separate).WithCacheDir(*cacheDir).WithRunOnly()
	if lp := os.Getenv("WASMDL_LIBRARY_PATH"); lp != "" {
		cfg = cfg.WithLibraryPath(search.SplitPathList(lp)...)
	}
	if len(topics) > 0 {
		names := make([]string, 0, len(topics))
		for t := range topics {
			names = append(names, t)
		}
		// Traces name modules, files and symbols: escape them.
		cfg = cfg.WithDebug(safeLines{stderr}, names...)
	}
	if *stackSize != "" {
		n, err := parseSize(*stackSize)
		if err != nil || n > 1<<30 {
			fmt.Fprintf(stderr, "wasmdl: --stack-size \"%s\": want a size like 65536, 64K or 1M\n", safe(*stackSize))
			return 2
		}
		cfg = cfg.WithStackSize(uint32(n))
	}
	if *maxMemory != "" {
		n, err := parseSize(*maxMemory)
		if err != nil {
			fmt.Fprintf(stderr, "wasmdl: --max-memory \"%s\": want a size like 256M or 1G\n", safe(*maxMemory))
			return 2
		}
		cfg = cfg.WithMemoryLimit(n)
	}
	if err := checkInput(inDir(dir, mainPath)); err != nil {
		fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(mainPath), openError(err))
		return exitLinkFailure
	}

	ctx := context.Background()
	// A run is short and allocates mostly while loading; collecting less
	// often there is worth a few MiB (the guest's memory is not Go heap).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	// Nothing cancels a run's context (a signal ends the whole process), so
	// guest code need not check for it: with those checks wazero leaves
	// the compiled code for Go at every loop iteration and call, and
	// programs ran several times slower.
	rc := wasmdl.RuntimeConfig().WithCloseOnContextDone(false)
	if *cacheDir != "" {
		// wazero's own file cache (NewCompilationCacheWithDir) trusts its
		// files: one damaged entry failed every later run, or killed it.
		// ccache checks each entry and rebuilds a damaged one.
		cache, err := ccache.New(*cacheDir)
		switch {
		case errors.Is(err, ccache.ErrUnsupported):
			fmt.Fprintf(stderr, "wasmdl: --cache-dir: %s; compiling without it\n", safe(err.Error()))
		case err != nil:
			fmt.Fprintf(stderr, "wasmdl: --cache-dir: %s\n", safe(err.Error()))
			return 2
		default:
			defer cache.Close(ctx)
			rc = rc.WithCompilationCache(cache)
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer rt.Close(ctx)

	linker := wasmdl.NewLinker(rt, cfg)
	opts = append(opts, wasmdl.WithModuleConfig(mc), wasmdl.WithArgs(append([]string{mainPath}, fs.Args()[1:]...)...))
	p, err := linker.Load(ctx, mainPath, opts...)
	var exit *wasmdl.ExitError
	if errors.As(err, &exit) {
		// A constructor called exit: the process ends with its status, as
		// under ld.so; that is no load failure.
		return exit.Code
	}
	if err != nil {
		printLoadErrors(stderr, err)
		return exitLinkFailure
	}
	defer p.Close(ctx)
	if *showMap {
		printMap(stderr, p.Layout())
		if *svgPath != "" {
			if err := writeLayoutSVG(*svgPath, mainPath, p.Layout()); err != nil {
				fmt.Fprintf(stderr, "wasmdl: --svg %s: %s\n", safe(*svgPath), safe(createError(err)))
				return 2
			}
		}
	}
	status, err = p.Run(ctx)
	if errors.Is(err, wasmdl.ErrNoEntry) {
		printError(stderr, err.Error())
		return exitLinkFailure
	}
	if err != nil {
		printError(stderr, err.Error())
		if errors.Is(err, wasmdl.ErrSymbolLookup) {
			return exitLinkFailure // ld.so ends a failed lazy binding so
		}
		return exitTrap
	}
	return status
}

func printMap(w io.Writer, regions []wasmdl.Region) {
	fmt.Fprintln(w, "wasmdl: layout:")
	for _, r := range regions {
		unit := "bytes"
		if r.Kind == "table" {
			unit = "slots"
		}
		fmt.Fprintf(w, "  %-6s [0x%08x, 0x%08x) %8d %-5s %s\n", r.Kind, r.Start, r.End, r.End-r.Start, unit, safe(r.Module))
	}
}

// writeLayoutSVG draws the layout the linker chose, one lane per module:
// the safe counterpart of check's picture of colliding modules.
func writeLayoutSVG(path, title string, regions []wasmdl.Region) error {
	var mem, tab []check.Lane
	lane := func(lanes []check.Lane, name string) ([]check.Lane, int) {
		for i, l := range lanes {
			if l.Name == name {
				return lanes, i
			}
		}
		return append(lanes, check.Lane{Name: name}), len(lanes)
	}
	for _, r := range regions {
		kind := r.Kind
		switch kind {
		case "table":
			kind = "slots"
		case "data+stack", "data+stack+heap", "tls":
			kind = "data"
		}
		span := check.Span{Start: r.Start, End: r.End, Label: r.Kind, Kind: kind}
		var i int
		if r.Kind == "table" {
			tab, i = lane(tab, r.Module)
			tab[i].Spans = append(tab[i].Spans, span)
		} else {
			mem, i = lane(mem, r.Module)
			mem[i].Spans = append(mem[i].Spans, span)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	panels := []check.Panel{{Title: "memory (bytes)", Lanes: mem}}
	if len(tab) > 0 {
		panels = append(panels, check.Panel{Title: "table (slots)", Lanes: tab})
	}
	if err := check.DrawLayout(f, "wasmdl run --map: "+title, panels...); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseSize reads 65536, 64K, 64KiB, 1M, 1G.
func parseSize(s string) (uint64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(s), "IB"), "B"))
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<40)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

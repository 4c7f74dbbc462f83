package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
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
// reports a failed dynamic load.
const exitLinkFailure = 127

func runMain(args []string, stdout, stderr io.Writer) int { return runIn("", args, stdout, stderr) }

// runIn is run with relative names starting from dir ("" for the current
// directory), so tests can run programs in their own folders in parallel.
func runIn(dir string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", "usage: wasmdl run [flags] MAIN [ARGS...]\n", stderr)
	var libDirs, preload, envs, dirs multiFlag
	fs.Var(&libDirs, "L", "add `DIR` to the library search path (repeatable)")
	fs.Var(&preload, "preload", "load `LIB` before the main's dependencies (repeatable)")
	fs.Var(&envs, "env", "set environment variable `K=V` for the program (repeatable)")
	fs.Var(&dirs, "dir", "preopen `HOST[:GUEST]` for the program (repeatable)")
	stackSize := fs.String("stack-size", "", "stack `SIZE` for a PIE main (e.g. 1M); default 64K")
	maxMemory := fs.String("max-memory", "", "cap the shared memory at `SIZE` (e.g. 256M); default 4G")
	showMap := fs.Bool("map", false, "print the memory and table layout to stderr before running")
	svgPath := fs.String("svg", "", "with --map, also draw the layout as SVG to `FILE`")
	cacheDir := fs.String("cache-dir", "", "keep compiled code and merged programs in `DIR` across runs")
	separate := fs.Bool("separate", false, "instantiate every module on its own instead of merging the main and its libraries into one module")
	if status := parseFlags(fs, args, 1); status >= 0 {
		return status
	}
	if *svgPath != "" && !*showMap {
		fmt.Fprintln(stderr, "wasmdl: --svg needs --map")
		return 2
	}
	mainPath := fs.Arg(0)
	ctx := context.Background()
	// A run is short and allocates mostly while loading; collecting less
	// often there is worth a few MiB (the guest's memory is not Go heap).
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	rc := wasmdl.RuntimeConfig()
	if *cacheDir != "" {
		// wazero's own file cache (NewCompilationCacheWithDir) trusts its
		// files: one damaged entry failed every later run, or killed it.
		// ccache checks each entry and rebuilds a damaged one.
		cache, err := ccache.New(*cacheDir)
		switch {
		case errors.Is(err, ccache.ErrUnsupported):
			fmt.Fprintf(stderr, "wasmdl: --cache-dir: %v; compiling without it\n", err)
		case err != nil:
			fmt.Fprintf(stderr, "wasmdl: --cache-dir: %v\n", err)
			return 2
		default:
			defer cache.Close(ctx)
			rc = rc.WithCompilationCache(cache)
		}
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer rt.Close(ctx)

	mc := wazero.NewModuleConfig().WithStdout(stdout).WithStderr(stderr).WithStdin(os.Stdin).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().WithRandSource(rand.Reader)
	for _, kv := range envs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(stderr, "wasmdl: --env %q: want K=V\n", kv)
			return 2
		}
		mc = mc.WithEnv(k, v)
	}
	if len(dirs) > 0 {
		fsc := wazero.NewFSConfig()
		for _, d := range dirs {
			host, guest, ok := strings.Cut(d, ":")
			if !ok {
				guest = host
			}
			fsc = fsc.WithDirMount(host, guest)
		}
		mc = mc.WithFSConfig(fsc)
	}
	cfg := wasmdl.NewConfig()
	if dir != "" {
		cfg = cfg.WithDir(dir)
	}
	cfg = cfg.WithSearchPath(libDirs...).WithPreload(preload...).WithMerge(!*separate).WithCacheDir(*cacheDir)
	if lp := os.Getenv("WASMDL_LIBRARY_PATH"); lp != "" {
		cfg = cfg.WithLibraryPath(search.SplitPathList(lp)...)
	}
	if d := os.Getenv("WASMDL_DEBUG"); d != "" {
		cfg = cfg.WithDebug(stderr, d)
	}
	if *stackSize != "" {
		n, err := parseSize(*stackSize)
		if err != nil || n > 1<<30 {
			fmt.Fprintf(stderr, "wasmdl: --stack-size %q: want a size like 65536, 64K or 1M\n", *stackSize)
			return 2
		}
		cfg = cfg.WithStackSize(uint32(n))
	}
	if *maxMemory != "" {
		n, err := parseSize(*maxMemory)
		if err != nil {
			fmt.Fprintf(stderr, "wasmdl: --max-memory %q: want a size like 256M or 1G\n", *maxMemory)
			return 2
		}
		cfg = cfg.WithMemoryLimit(n)
	}
	linker := wasmdl.NewLinker(rt, cfg)
	p, err := linker.Load(ctx, mainPath, wasmdl.WithModuleConfig(mc), wasmdl.WithArgs(append([]string{mainPath}, fs.Args()[1:]...)...))
	if err != nil {
		return reportLoadError(stderr, err)
	}
	defer p.Close(ctx)
	if *showMap {
		printMap(stderr, p.Layout())
		if *svgPath != "" {
			if err := writeLayoutSVG(*svgPath, mainPath, p.Layout()); err != nil {
				fmt.Fprintf(stderr, "wasmdl: --svg: %v\n", err)
				return 2
			}
		}
	}
	status, err := p.Run(ctx)
	if errors.Is(err, wasmdl.ErrNoEntry) {
		fmt.Fprintf(stderr, "wasmdl: %v\n", err)
		return exitLinkFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "wasmdl: %v\n", err)
		return 134 // a trap: as a native process killed by abort
	}
	return status
}

// reportLoadError prints every load or link problem, one per line, and
// returns the exit status for it.
func reportLoadError(stderr io.Writer, err error) int {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		for _, e := range multi.Unwrap() {
			fmt.Fprintf(stderr, "wasmdl: %v\n", e)
		}
	} else {
		fmt.Fprintf(stderr, "wasmdl: %v\n", err)
	}
	return exitLinkFailure
}

func printMap(w io.Writer, regions []wasmdl.Region) {
	fmt.Fprintln(w, "wasmdl: layout:")
	for _, r := range regions {
		unit := "bytes"
		if r.Kind == "table" {
			unit = "slots"
		}
		fmt.Fprintf(w, "  %-6s [0x%08x, 0x%08x) %8d %-5s %s\n", r.Kind, r.Start, r.End, r.End-r.Start, unit, r.Module)
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

// Command floor is the whole-process floor of the start-up comparison
// (bench/run.sh): a Go process that starts, compiles a dynamically linked
// program's main module and libraries from a wazero file cache, and
// instantiates each once with plain wazero, its imports satisfied by stub
// modules (see bench/internal/floor). No symbol is resolved and nothing
// runs: it is what a loader cannot avoid, Go start + cached compile +
// instantiate of the same modules.
//
//	floor [-cache-dir DIR] [-L LIBDIR] MAIN.wasm
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/bench/internal/floor"
)

func main() {
	cacheDir := flag.String("cache-dir", "", "wazero compilation cache `DIR`")
	libDir := flag.String("L", "", "folder of the libraries (default: the main module's)")
	verbose := flag.Bool("v", false, "print what was instantiated")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: floor [-cache-dir DIR] [-L LIBDIR] MAIN.wasm")
		os.Exit(2)
	}
	mainPath := flag.Arg(0)
	if *libDir == "" {
		*libDir = filepath.Dir(mainPath)
	}
	ctx := context.Background()
	// The same features wasmdl enables (wasmdl.RuntimeConfig), spelled out
	// so the floor does not link wasmdl.
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 |
		experimental.CoreFeaturesThreads | experimental.CoreFeaturesExtendedConst |
		experimental.CoreFeaturesTailCall | experimental.CoreFeaturesExceptionHandling)
	if *cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(*cacheDir)
		if err != nil {
			fail(err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, rc)
	defer rt.Close(ctx)
	prog, err := floor.Read(mainPath, *libDir)
	if err != nil {
		fail(err)
	}
	f, err := floor.New(ctx, rt, prog)
	if err != nil {
		fail(err)
	}
	mods, err := f.Instantiate(ctx, nil)
	if err != nil {
		fail(err)
	}
	if *verbose {
		fmt.Printf("floor: %d modules instantiated\n", len(mods))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "floor:", err)
	os.Exit(1)
}

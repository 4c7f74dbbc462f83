package wasmdl_test

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl"
)

// Example runs the seed experiment done right: a main module and two
// shared libraries whose data and stack frames no longer collide.
func Example() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)

	cfg := wasmdl.NewConfig().WithSearchPath("testdata/seed/pic")
	p, err := wasmdl.NewLinker(rt, cfg).Load(ctx, "testdata/seed/pic/main.wasm", wasmdl.WithStdout(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)
	status, err := p.Run(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exit status", status)
	// Output:
	// main data: hello
	// libextra: my data is HELLO
	// extra data: HELLO
	// libextra: my data is HELLO
	// same address: no
	// libclobber: my stack buffer is abcde
	// main stack buffer after clobber: hello
	// depth check: 5
	// exit status 0
}

// ExampleProcess_Open loads a plugin into a running process, calls it from
// Go, unloads it and loads it again: its constructor runs again and its
// state starts afresh.
func ExampleProcess_Open() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)

	cfg := wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin")
	// A process without a program of its own: it only hosts plugins.
	p, err := wasmdl.NewLinker(rt, cfg).LoadEmpty(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)

	// Load, call, unload; then load the new version in its place (hot reload).
	for round, name := range []string{"libplugin.so", "libplugin.so", "libplugin2.so"} {
		lib, err := p.Open(ctx, name, wasmdl.Now)
		if err != nil {
			log.Fatal(err)
		}
		apply, err := lib.Lookup(ctx, "plugin_apply")
		if err != nil {
			log.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			res, err := apply.Call(ctx, 10)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("round %d: %s: plugin_apply(10) = %d\n", round+1, name, res[0])
		}
		if err := lib.Close(ctx); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// round 1: libplugin.so: plugin_apply(10) = 101
	// round 1: libplugin.so: plugin_apply(10) = 102
	// round 2: libplugin.so: plugin_apply(10) = 101
	// round 2: libplugin.so: plugin_apply(10) = 102
	// round 3: libplugin2.so: plugin_apply(10) = 201
	// round 3: libplugin2.so: plugin_apply(10) = 202
}

//go:embed testdata/dl/plugin/libplugin.so testdata/dl/plugin/libplugin2.so testdata/dl/plugin/libtools.so
var plugins embed.FS

// Example_pluginHost is a Go service running C plugins: libraries embedded
// in the binary, a host function the plugins call, calls from many
// goroutines, a hot swap to a new version, and a runaway plugin stopped by
// a deadline (which ends its process: the host starts a fresh one).
func Example_pluginHost() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)

	var logged atomic.Int32
	hostLog := wasmdl.HostFunc{Name: "host_log", Params: []api.ValueType{api.ValueTypeI32},
		Func: func(ctx context.Context, p *wasmdl.Process, stack []uint64) { logged.Add(int32(stack[0])) }}
	sub, _ := fs.Sub(plugins, "testdata/dl/plugin")
	linker := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithFS(sub).WithHostFuncs(hostLog))

	p, err := linker.LoadEmpty(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close(ctx)
	tools, err := p.Open(ctx, "libtools.so", wasmdl.Now)
	if err != nil {
		log.Fatal(err)
	}
	logTwice, _ := tools.Lookup(ctx, "log_twice")

	// Calls from many goroutines take turns in the process.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := logTwice.Call(ctx, 1); err != nil {
				log.Fatal(err)
			}
		}()
	}
	wg.Wait()
	fmt.Println("host_log received", logged.Load())

	// Hot swap: v1 out, v2 in.
	for _, name := range []string{"libplugin.so", "libplugin2.so"} {
		lib, err := p.Open(ctx, name, wasmdl.Now)
		if err != nil {
			log.Fatal(err)
		}
		apply, _ := lib.Lookup(ctx, "plugin_apply")
		res, _ := apply.Call(ctx, 10)
		fmt.Printf("%s: plugin_apply(10) = %d\n", name, res[0])
		lib.Close(ctx)
	}

	// A plugin that never returns is stopped by the deadline.
	spin, _ := tools.Lookup(ctx, "spin")
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = spin.Call(tctx)
	fmt.Println("spin:", errors.Is(err, context.DeadlineExceeded))
	_, err = logTwice.Call(ctx, 1)
	fmt.Println("afterwards:", errors.Is(err, wasmdl.ErrDead))
	// Output:
	// host_log received 20
	// libplugin.so: plugin_apply(10) = 101
	// libplugin2.so: plugin_apply(10) = 201
	// spin: true
	// afterwards: true
}

// ExampleProcess_Fork loads a plugin once and forks the loaded process per
// request: each fork starts with the plugin's state as the parent left it
// (here, its call counter), runs no constructor again, and keeps its
// writes to itself.
func ExampleProcess_Fork() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)

	cfg := wasmdl.NewConfig().WithSearchPath("testdata/dl/plugin")
	parent, err := wasmdl.NewLinker(rt, cfg).LoadEmpty(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close(ctx)
	if _, err := parent.Open(ctx, "libplugin.so", wasmdl.Now|wasmdl.Global); err != nil {
		log.Fatal(err)
	}
	apply := func(p *wasmdl.Process) int32 {
		s, err := p.Lookup(ctx, "plugin_apply")
		if err != nil {
			log.Fatal(err)
		}
		res, err := s.Call(ctx, 10)
		if err != nil {
			log.Fatal(err)
		}
		return res[0].(int32)
	}
	fmt.Println("parent:", apply(parent)) // the plugin's first call

	for request := 1; request <= 3; request++ {
		child, err := parent.Fork(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("request %d: %d %d\n", request, apply(child), apply(child))
		child.Close(ctx)
	}
	fmt.Println("parent:", apply(parent)) // untouched by its forks
	// Output:
	// parent: 101
	// request 1: 102 103
	// request 2: 102 103
	// request 3: 102 103
	// parent: 102
}

// ExampleConfig_WithRunOnly is a server that only runs a program: it loads
// it once, with a Linker that promises never to look symbols up or open
// libraries, and forks the loaded process for each request, with the
// request's arguments. The program cannot dlopen or dlsym, so it was
// merged without the functions it can never call.
func ExampleConfig_WithRunOnly() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
	defer rt.Close(ctx)

	cfg := wasmdl.NewConfig().WithSearchPath("testdata/link/args").WithRunOnly()
	loaded, err := wasmdl.NewLinker(rt, cfg).Load(ctx, "testdata/link/args/main.wasm")
	if err != nil {
		log.Fatal(err)
	}
	defer loaded.Close(ctx)
	if _, err := loaded.Lookup(ctx, "show_arg"); errors.Is(err, wasmdl.ErrRunOnly) {
		fmt.Println("lookups refused")
	}
	for _, request := range []string{"alpha", "beta"} {
		p, err := loaded.Fork(ctx, wasmdl.WithArgs("main.wasm", request, "x", "y"),
			wasmdl.WithEnv("WASMDL_TEST_GREETING", "hi "+request), wasmdl.WithStdout(os.Stdout))
		if err != nil {
			log.Fatal(err)
		}
		status, err := p.Run(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("exit status", status)
		p.Close(ctx)
	}
	// Output:
	// lookups refused
	// argc-1 = 3
	// argv[1] = "alpha" (len 5)
	// argv[2] = "x" (len 1)
	// argv[3] = "y" (len 1)
	// WASMDL_TEST_GREETING = hi alpha
	// WASMDL_TEST_UNSET = (unset)
	// exit status 0
	// argc-1 = 3
	// argv[1] = "beta" (len 4)
	// argv[2] = "x" (len 1)
	// argv[3] = "y" (len 1)
	// WASMDL_TEST_GREETING = hi beta
	// WASMDL_TEST_UNSET = (unset)
	// exit status 0
}

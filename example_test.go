package wasmdl_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/tetratelabs/wazero"
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

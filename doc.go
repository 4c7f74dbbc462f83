// Package wasmdl is a dynamic linker for WebAssembly on the wazero runtime:
// ld.so and libdl for wasm modules.
//
// It loads a main module and the shared libraries it needs (modules built
// with -fPIC and -shared, carrying a dylink.0 section) into one linear
// memory and one function table, gives each library its own place for data
// and table slots, resolves symbols through the global scope as ld.so does,
// and runs relocations and constructors in dependency order.
//
//	rt := wazero.NewRuntimeWithConfig(ctx, wasmdl.RuntimeConfig())
//	l := wasmdl.NewLinker(rt, wasmdl.NewConfig().WithSearchPath("lib"))
//	p, err := l.Load(ctx, "main.wasm")
//	...
//	status, err := p.Run(ctx)
//
// The module reader is package [github.com/wasmdl/wasmdl/wasmfile].
//
// # Security
//
// Library names from dylink.0 and from a guest's dlopen are untrusted: they
// are resolved only inside the Config's file system, cannot climb out of it
// with "..", and every module is read by wasmdl's own bounded reader before
// wazero sees it. The guest runs with the WASI capabilities its
// ModuleConfig grants, no more.
package wasmdl

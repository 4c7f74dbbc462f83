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
// Guests are untrusted. Every module goes through wasmdl's bounded reader
// before wazero sees it; library names from dylink.0 and from a guest's
// dlopen are resolved only inside the library roots and the guest's
// preopens, regular files only; host functions act on the calling process
// only; a process's modules, table and memory are bounded, and a cancelled
// context stops its code. See the README's Security section for the model
// and its limits.
package wasmdl

package wasmdl

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/link"
)

// Flags are dlopen modes. Exactly as in C, one of [Lazy] or [Now] is required.
type Flags uint32

// dlopen modes, with glibc's values.
const (
	// Lazy binds undefined functions to stubs that fail when called.
	Lazy Flags = link.RTLDLazy
	// Now fails the open if any symbol is undefined.
	Now Flags = link.RTLDNow
	// NoLoad only returns a library that is already loaded.
	NoLoad Flags = link.RTLDNoLoad
	// Global makes the library's symbols available to libraries loaded later
	// and to Lookup on the process.
	Global Flags = link.RTLDGlobal
	// Local (the default) keeps them to the library and its dependencies.
	Local Flags = 0
	// NoDelete keeps the library loaded after its last Close.
	NoDelete Flags = link.RTLDNoDelete
)

// Library is a library opened in a running process, as with dlopen.
type Library struct {
	p    *Process
	id   int
	name string
}

// Open loads a library (and what it needs) into the running process, as a
// guest's dlopen does: same search rules, same reference counting, same
// scopes. Opening an already loaded library returns it again and adds a
// reference. On error the process is left as it was.
//
// Open, [Library.Lookup], [Library.Close] and [Process.Run] may be called
// from several goroutines: a process serializes them (a guest has one
// stack, so its code never runs twice at once).
func (p *Process) Open(ctx context.Context, name string, flags Flags) (*Library, error) {
	id, err := p.p.Open(ctx, name, uint32(flags))
	if err != nil {
		return nil, fmt.Errorf("dlopen %s: %w", name, err)
	}
	return &Library{p: p, id: id, name: p.p.LibraryName(id)}, nil
}

// Name returns the name the library was opened under.
func (lib *Library) Name() string { return lib.name }

// Lookup finds a symbol in the library and its dependencies, in load order
// (dlsym with a handle).
func (lib *Library) Lookup(ctx context.Context, name string) (*Symbol, error) {
	s, err := lib.p.p.Lookup(ctx, lib.id, name)
	if err != nil {
		return nil, err
	}
	return lib.p.symbol(s), nil
}

// Close drops the reference Open took. When nothing holds the library any
// more it is unloaded: its exit handlers and destructors run, its function
// pointers trap, its memory and table slots are reused, its definitions
// leave the scope, and its wazero modules are closed.
func (lib *Library) Close(ctx context.Context) error {
	return lib.p.p.CloseLibrary(ctx, lib.id)
}

// Lookup finds a symbol in the process's global scope (dlsym with
// RTLD_DEFAULT): the main, its libraries, and libraries opened [Global].
func (p *Process) Lookup(ctx context.Context, name string) (*Symbol, error) {
	s, err := p.p.Lookup(ctx, -1, name)
	if err != nil {
		return nil, err
	}
	return p.symbol(s), nil
}

// Symbol is a function or data object found by Lookup.
type Symbol struct {
	// Name is the symbol's name and Module the name of the module defining it.
	Name, Module string
	// Func says whether it is a function. Then Address is its table slot
	// (the value of a C function pointer); else the data's address in memory.
	Func    bool
	Address uint32
	sym     *link.Sym
	fn      api.Function
}

func (p *Process) symbol(s *link.Sym) *Symbol {
	return &Symbol{Name: s.Name, Module: s.Definer, Func: s.Func, Address: s.Value, sym: s}
}

// Function returns the function to call from Go, or nil for data. It is
// made on the first call (wazero allocates a call stack per function
// handle), so Lookup itself stays cheap. Calls share the process's stack:
// do not call into a process from two goroutines at once.
func (s *Symbol) Function() api.Function {
	if s.fn == nil && s.Func {
		s.fn = s.sym.Function()
	}
	return s.fn
}

package wasmdl

import (
	"context"
	"fmt"
	"io"
	"math"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/link"
	"github.com/wasmdl/wasmdl/internal/search"
)

// Process is a loaded program: a main module and its libraries sharing one
// memory, one function table, one stack and one WASI context.
//
// # Concurrency
//
// Every method is safe to call from any goroutine. A process runs guest
// code for one caller at a time (it has one stack): Run, Open, Lookup,
// [Library.Close] and calls through a [Symbol] wait for each other. Calls
// into different processes run in parallel.
//
// # Life
//
// A process dies when its guest code does not return normally: a trap, an
// exit, or a context cancelled (or a deadline passed) while it ran. Its
// state may then be anything (a trap in the middle of malloc, a stack
// pointer left at the bottom of the stack), so it runs nothing more: every
// later call fails with an error matching [ErrDead] that also carries the
// cause. [Process.Run] ends the program too: after it, the process is dead
// with an [ExitError]. Close ends a process from outside, stopping the
// call it is running (with a runtime made from [RuntimeConfig]).
type Process struct {
	p   *link.Process
	cfg Config // the Linker's, for Fork's options
}

// Run calls the main module's entry point and returns its exit status,
// running atexit handlers and flushing stdio as a native exit would. A trap
// is returned as a [CallError]; a cancelled context as an error wrapping
// the context's error.
func (p *Process) Run(ctx context.Context) (int, error) {
	status, err := p.p.Run(ctx)
	return status, publicError(err)
}

// Open loads a library (and what it needs) into the process, as a guest's
// dlopen does: same search rules, same reference counting, same scopes.
// Opening a library already loaded returns it again and adds a reference.
// On error the process is left as it was, unless a constructor trapped or
// exited, which kills it.
func (p *Process) Open(ctx context.Context, name string, flags Flags) (*Library, error) {
	id, loaded, err := p.p.Open(ctx, name, uint32(flags))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, publicError(err))
	}
	return &Library{p: p, id: id, name: loaded}, nil
}

// Lookup finds a symbol in the process's global scope (dlsym with
// RTLD_DEFAULT): the main, its libraries, and libraries opened [Global].
func (p *Process) Lookup(ctx context.Context, name string) (*Symbol, error) {
	s, err := p.p.Lookup(ctx, -1, name)
	if err != nil {
		return nil, publicError(err)
	}
	return p.symbol(s), nil
}

// Fork returns a new process that starts where p is: the same modules and
// libraries (their compiled code shared), a copy of p's memory, globals,
// table and loader state (libraries opened, references, exit handlers), and
// no constructor run again. It gets its own WASI context from opts (its
// arguments default to p's): files p opened are not open in it. The two
// never see each other's writes; either may open and close libraries, be
// forked again or be closed without touching the other.
//
// The memory is copied as a frozen image mapped copy-on-write where the
// system allows (Linux), made again only when p ran guest code or the host
// wrote through p.Memory since its last fork: a process loaded once and
// forked per request forks in a time that does not grow with its memory.
// Memory p's program or its host grew belongs to the same owner in the
// fork. A host function of p may fork it, with the context it was given:
// the fork starts from p's state at that moment. A dead or closed process
// cannot be forked.
func (p *Process) Fork(ctx context.Context, opts ...Option) (*Process, error) {
	o := newOptions(opts, "")
	child := &Process{}
	c, err := p.p.Fork(ctx, o.procConfig(child, p.cfg))
	if err != nil {
		return nil, publicError(err)
	}
	child.p, child.cfg = c, p.cfg
	return child, nil
}

// Memory returns the memory all modules of the process share. Reading or
// writing it while guest code runs is a data race, as in any shared memory.
// After Close its accesses fail (reads report false), except ReadByte and
// WriteByte, which must not be called then, nor slices from Read be used.
// Pages grown with Grow while the loader owns the top of memory are the
// host's: the program's heap never takes them. A later Fork sees what was
// written through the memory, except a byte written with WriteByte when
// nothing else happened since the previous Fork (write with Write or
// WriteUint32Le then).
func (p *Process) Memory() api.Memory { return p.p.Memory() }

// Layout describes where the linker placed everything.
func (p *Process) Layout() []Region {
	var out []Region
	for _, r := range p.p.Layout() {
		out = append(out, Region(r))
	}
	return out
}

// Close ends the process, stopping guest code it runs, and releases its
// memory and modules.
func (p *Process) Close(ctx context.Context) error { return p.p.Close(ctx) }

// Region is one placed range of memory or table slots; see [Process.Layout].
type Region struct {
	Module string // the module it belongs to; "(wasmdl)" for the loader's own
	// Kind is "data", "tls", "stack", "heap", "data+stack",
	// "data+stack+heap" or a loader buffer ("loader", "argv", "dlerror
	// buffer", "dladdr names") in memory (bytes), or "table" (slots).
	Kind       string
	Start, End uint64
}

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

// Library is a library opened in a process, as with dlopen.
type Library struct {
	p      *Process
	id     int
	name   string
	closed atomic.Bool
}

// Name returns the name the library was opened under.
func (lib *Library) Name() string { return lib.name }

// Lookup finds a symbol in the library and its dependencies, in load order
// (dlsym with a handle).
func (lib *Library) Lookup(ctx context.Context, name string) (*Symbol, error) {
	if lib.closed.Load() {
		return nil, &closedError{fmt.Sprintf("%s: library: closed", lib.name)}
	}
	s, err := lib.p.p.Lookup(ctx, lib.id, name)
	if err != nil {
		return nil, publicError(err)
	}
	return lib.p.symbol(s), nil
}

// Close drops the reference Open took; closing it again is an error. When
// nothing holds the library any more it is unloaded: its exit handlers and
// destructors run, its function pointers trap, its memory and table slots
// are reused, its definitions leave the scope, its wazero modules are
// closed, and its symbols fail with [ErrClosed].
func (lib *Library) Close(ctx context.Context) error {
	if lib.closed.Swap(true) {
		return &closedError{fmt.Sprintf("%s: library: closed", lib.name)}
	}
	return publicError(lib.p.p.CloseLibrary(ctx, lib.id))
}

// Symbol is a function or data object found by Lookup.
type Symbol struct {
	// Name is the symbol's name and Module the name of the module defining it.
	Name, Module string
	// Func says whether it is a function. Then Address is its table slot
	// (the value of a C function pointer); else the data's address in memory.
	Func    bool
	Address uint32
	p       *Process
	sym     *link.Sym
}

func (p *Process) symbol(s *link.Sym) *Symbol {
	return &Symbol{Name: s.Name, Module: s.Definer, Func: s.Func, Address: s.Value, p: p, sym: s}
}

// Signature returns a function's parameter and result types; nil for data.
func (s *Symbol) Signature() (params, results []api.ValueType) {
	for _, v := range s.sym.Type.Params {
		params = append(params, api.ValueType(v))
	}
	for _, v := range s.sym.Type.Results {
		results = append(results, api.ValueType(v))
	}
	return params, results
}

// Call calls the function with Go values and returns its results as Go
// values. Each argument is converted to its parameter's type: an i32 takes
// int32, uint32, bool, or an int, uint or uintptr that fits in 32 bits; an i64 int64, uint64, int,
// uint or uintptr; f32 and f64 any Go float or integer. Results come back
// as int32, int64, float32 or float64. A wrong number or kind of argument
// is an error and nothing runs; so is a symbol that is data, or whose
// library was closed. The call waits for the process to be free; a trap,
// exit or cancellation kills the process (see [Process]).
func (s *Symbol) Call(ctx context.Context, args ...any) ([]any, error) {
	if !s.Func {
		return nil, fmt.Errorf("%s is data, not a function", s.Name)
	}
	t := s.sym.Type
	if len(args) != len(t.Params) {
		return nil, fmt.Errorf("%s takes %d arguments, not %d", s.Name, len(t.Params), len(args))
	}
	stack := make([]uint64, max(len(t.Params), len(t.Results)))
	for i, a := range args {
		v, err := encodeArg(api.ValueType(t.Params[i]), a)
		if err != nil {
			return nil, fmt.Errorf("%s: argument %d: %w", s.Name, i+1, err)
		}
		stack[i] = v
	}
	if err := s.p.p.CallWithStack(ctx, s.sym, stack); err != nil {
		return nil, publicError(err)
	}
	out := make([]any, len(t.Results))
	for i, r := range t.Results {
		out[i] = decodeResult(api.ValueType(r), stack[i])
	}
	return out, nil
}

func encodeArg(t api.ValueType, a any) (uint64, error) {
	var i int64
	var isInt bool
	fits32 := true // an int, uint or uintptr given for an i32 must fit in 32 bits, signed or not
	switch v := a.(type) {
	case int32:
		i, isInt = int64(v), true
	case uint32:
		i, isInt = int64(v), true
	case int:
		i, isInt, fits32 = int64(v), true, int64(v) >= math.MinInt32 && int64(v) <= math.MaxUint32
	case uint:
		i, isInt, fits32 = int64(v), true, uint64(v) <= math.MaxUint32
	case uintptr:
		i, isInt, fits32 = int64(v), true, uint64(v) <= math.MaxUint32
	case int64:
		i, isInt = v, t != api.ValueTypeI32
	case uint64:
		i, isInt = int64(v), t != api.ValueTypeI32
	case bool:
		if v {
			i = 1
		}
		isInt = t == api.ValueTypeI32
	case float32:
		switch t {
		case api.ValueTypeF32:
			return uint64(math.Float32bits(v)), nil
		case api.ValueTypeF64:
			return math.Float64bits(float64(v)), nil
		}
	case float64:
		switch t {
		case api.ValueTypeF32:
			return uint64(math.Float32bits(float32(v))), nil
		case api.ValueTypeF64:
			return math.Float64bits(v), nil
		}
	}
	if isInt {
		switch t {
		case api.ValueTypeI32:
			if !fits32 {
				return 0, fmt.Errorf("%v does not fit in an i32", a)
			}
			return uint64(uint32(i)), nil
		case api.ValueTypeI64:
			return uint64(i), nil
		case api.ValueTypeF32:
			return uint64(math.Float32bits(float32(i))), nil
		case api.ValueTypeF64:
			return math.Float64bits(float64(i)), nil
		}
	}
	return 0, fmt.Errorf("a %T cannot be passed as %s", a, api.ValueTypeName(t))
}

func decodeResult(t api.ValueType, v uint64) any {
	switch t {
	case api.ValueTypeI32:
		return int32(uint32(v))
	case api.ValueTypeI64:
		return int64(v)
	case api.ValueTypeF32:
		return math.Float32frombits(uint32(v))
	case api.ValueTypeF64:
		return math.Float64frombits(v)
	}
	return v
}

// Function returns the function as a wazero [api.Function], for callers
// that pass raw wasm values; nil for data. Its calls behave as [Symbol.Call]:
// they wait for the process, fail once the library is closed or the
// process dead, and kill the process on a trap.
func (s *Symbol) Function() api.Function {
	if !s.Func {
		return nil
	}
	return &function{s: s}
}

// function is the api.Function of a Symbol. It embeds the function that
// really runs, made on first use, for the parts of the interface no one
// outside wazero calls.
type function struct {
	api.Function
	s *Symbol
}

// Definition describes the function.
func (f *function) Definition() api.FunctionDefinition {
	if f.Function != nil {
		return f.Function.Definition()
	}
	d, err := f.s.p.p.Definition(f.s.sym)
	if err != nil {
		return nil
	}
	return d
}

// Call calls the function with raw wasm values.
func (f *function) Call(ctx context.Context, params ...uint64) ([]uint64, error) {
	res, err := f.s.p.p.Call(ctx, f.s.sym, params)
	return res, publicError(err)
}

// CallWithStack calls the function with wazero's calling convention.
func (f *function) CallWithStack(ctx context.Context, stack []uint64) error {
	return publicError(f.s.p.p.CallWithStack(ctx, f.s.sym, stack))
}

// Option configures one process: its WASI world (arguments, environment,
// stdio, preopened folders). Options given to [Linker.Load] apply to that
// process only.
type Option func(*options)

type options struct {
	args           []string
	mc             wazero.ModuleConfig
	stdin          io.Reader
	stdout, stderr io.Writer
	env            [][2]string
	mounts         [][2]string
}

// WithArgs sets the program's arguments, argv[0] first. The default is
// the main module's file name alone.
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append([]string(nil), args...) }
}

// WithStdin sets the program's standard input (default: empty).
func WithStdin(r io.Reader) Option { return func(o *options) { o.stdin = r } }

// WithStdout sets where the program's standard output goes (default:
// discarded).
func WithStdout(w io.Writer) Option { return func(o *options) { o.stdout = w } }

// WithStderr sets where the program's standard error goes (default:
// discarded).
func WithStderr(w io.Writer) Option { return func(o *options) { o.stderr = w } }

// WithEnv adds an environment variable.
func WithEnv(key, value string) Option {
	return func(o *options) { o.env = append(o.env, [2]string{key, value}) }
}

// WithDirMount preopens the host folder hostDir at guestPath in the
// program's file system (WASI preopens). Mounts replace the file system
// configuration of [WithModuleConfig]. A guest's dlopen may name libraries
// in them by their guest paths, as it sees them (see the README's Security
// section); preopens given only through WithModuleConfig are not seen.
func WithDirMount(hostDir, guestPath string) Option {
	return func(o *options) { o.mounts = append(o.mounts, [2]string{hostDir, guestPath}) }
}

// WithModuleConfig sets the base WASI configuration of the process
// (clocks, random source, a whole file system configuration); the other
// options apply on top of it. Its name and start functions are ignored.
func WithModuleConfig(mc wazero.ModuleConfig) Option { return func(o *options) { o.mc = mc } }

func newOptions(opts []Option, argv0 string) *options {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	if o.args == nil && argv0 != "" {
		o.args = []string{argv0}
	}
	return o
}

// procConfig is the loader's view of the options, for the process owner.
// Preopens are given to the loader as paths of the Linker's file system,
// when they lie in it, so that a guest's dlopen may name libraries through
// them (and only there, besides the library roots).
func (o *options) procConfig(owner *Process, cfg Config) link.ProcConfig {
	var preopens []search.Preopen
	mc := o.mc
	if mc == nil {
		mc = wazero.NewModuleConfig()
	}
	if o.stdin != nil {
		mc = mc.WithStdin(o.stdin)
	}
	if o.stdout != nil {
		mc = mc.WithStdout(o.stdout)
	}
	if o.stderr != nil {
		mc = mc.WithStderr(o.stderr)
	}
	for _, kv := range o.env {
		mc = mc.WithEnv(kv[0], kv[1])
	}
	if len(o.mounts) > 0 {
		fsc := wazero.NewFSConfig()
		for _, m := range o.mounts {
			fsc = fsc.WithDirMount(m[0], m[1])
			if cfg.root != "" {
				if dirs := cfg.fsPaths([]string{m[0]}); len(dirs) == 1 {
					preopens = append(preopens, search.Preopen{Guest: m[1], Dir: dirs[0]})
				}
			}
		}
		mc = mc.WithFSConfig(fsc)
	}
	return link.ProcConfig{Args: o.args, ModuleConfig: mc, Owner: owner, Preopens: preopens}
}

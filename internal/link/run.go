package link

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Run calls the main module's entry point and returns its exit status. The
// entry is _start if exported; otherwise the first exported of __main_void,
// __main_argc_argv and main (_initialize already ran as the main's
// constructor). After the entry returns, the main's exported exit (or else
// __wasm_call_dtors and fflush) runs so that atexit handlers run and stdio
// is flushed. A program
// that calls exit anywhere, in any module, ends the same way.
func (p *Process) Run(ctx context.Context) (int, error) {
	ctx, leave, err := p.enter(ctx)
	if err != nil {
		return 0, err
	}
	defer leave()
	if p.ran {
		return 0, fmt.Errorf("%s: the program has already run", p.main.name)
	}
	main := p.main.instance
	status, err := p.run(context.WithValue(ctx, guestKey{}, p), main)
	if errors.Is(err, ErrNoEntry) {
		return 0, err // nothing ran: the process is as it was
	}
	if err != nil {
		return 0, p.guestFailed(ctx, err)
	}
	if p.dead != nil {
		return 0, p.usable() // a callback's trap killed it
	}
	if p.exited {
		// The program ended (its exit handlers ran, stdio is flushed);
		// a reactor that only initialised itself stays usable.
		p.dead = &ExitError{Code: status}
	}
	return status, nil
}

// run runs the program: its entry, then what a native exit does after it.
func (p *Process) run(ctx context.Context, main api.Module) (int, error) {
	p.ran = true
	if fn := main.ExportedFunction("_start"); fn != nil {
		p.exited = true
		fn, err := p.guard(ctx, "_start", fn)
		if err != nil {
			return 0, err
		}
		_, err = fn.Call(ctx)
		if err == nil {
			p.runAllExitFuncs(ctx)
		}
		return p.exitStatus("_start", err)
	}
	var entry string
	for _, name := range []string{"__main_void", "__main_argc_argv", "main"} {
		if main.ExportedFunction(name) != nil {
			entry = name
			break
		}
	}
	if entry == "" {
		p.ran = false
		if main.ExportedFunction("_initialize") != nil {
			return 0, nil // a reactor with no entry: initialising it was the whole run
		}
		return 0, fmt.Errorf("%s: %w", p.main.name, ErrNoEntry)
	}
	p.exited = true
	code, err := p.callEntry(ctx, entry)
	if err != nil {
		return p.exitStatus(entry, err)
	}
	status := int(int32(code))
	if fn := main.ExportedFunction("exit"); fn != nil && p.mainParams("exit") == 1 {
		fn, err := p.guard(ctx, "exit", fn)
		if err != nil {
			return 0, err
		}
		_, err = fn.Call(ctx, uint64(uint32(status)))
		if err == nil {
			return status, nil
		}
		return p.exitStatus("exit", err)
	}
	// No exit to call: the main's own destructors (its atexit handlers,
	// stdio flush) if it exports them, then the libraries' handlers.
	if fn := main.ExportedFunction(wasmfile.NameCallDtors); fn != nil && p.mainParams(wasmfile.NameCallDtors) == 0 {
		if _, err := fn.Call(ctx); err != nil {
			return p.exitStatus(wasmfile.NameCallDtors, err)
		}
	}
	p.runAllExitFuncs(ctx)
	return status, nil
}

// callEntry calls a main entry; with two parameters it gets argc and argv
// built in guest memory from the process's arguments.
func (p *Process) callEntry(ctx context.Context, name string) (uint64, error) {
	fn := p.main.instance.ExportedFunction(name)
	params := p.mainParams(name)
	var args []uint64
	if params == 2 {
		argv, err := p.writeArgv()
		if err != nil {
			return 0, err
		}
		args = []uint64{uint64(len(p.args)), uint64(argv)}
	} else if params != 0 {
		return 0, fmt.Errorf("%s: entry %s has an unsupported signature", p.main.name, name)
	}
	fn, err := p.guard(ctx, name, fn)
	if err != nil {
		return 0, err
	}
	res, err := fn.Call(ctx, args...)
	if err != nil {
		return 0, err
	}
	if len(res) == 0 {
		return 0, nil
	}
	return res[0], nil
}

// mainParams is the number of parameters of the main's exported function
// name, or -1. It reads the module, not the instance: wazero builds the
// definitions of all of a module's functions on the first Definition call,
// in time proportional to functions times exports.
func (p *Process) mainParams(name string) int {
	f := p.main.info.file
	e, ok := f.Export(name)
	if !ok || e.Kind != wasmfile.KindFunc {
		return -1
	}
	t, ok := f.FuncType(e.Index)
	if !ok {
		return -1
	}
	return len(t.Params)
}

// writeArgv places argv (pointers, then the strings) in loader-owned memory.
func (p *Process) writeArgv() (uint32, error) {
	size := uint32(4 * (len(p.args) + 1))
	for _, a := range p.args {
		size += uint32(len(a)) + 1
	}
	if p.memory == nil {
		return 0, fmt.Errorf("%s: cannot pass arguments: it does not export its memory", p.main.name)
	}
	base, err := p.allocGuest(context.Background(), "argv", size, 16)
	if err != nil {
		return 0, err
	}
	str := base + uint32(4*(len(p.args)+1))
	for i, a := range p.args {
		p.memory.WriteUint32Le(base+uint32(4*i), str)
		p.memory.Write(str, append([]byte(a), 0))
		str += uint32(len(a)) + 1
	}
	p.memory.WriteUint32Le(base+uint32(4*len(p.args)), 0)
	return base, nil
}

// ErrRunOnly is the error of Lookup and Open in a process of a Linker
// configured to only run programs (Config.RunOnly).
var ErrRunOnly = errors.New("the linker only runs programs: no lookups or opens by the host")

// ErrNoEntry means the main module exports no entry point wasmdl knows.
var ErrNoEntry = errors.New("no entry point: exports none of _start, __main_void, __main_argc_argv, main")

// ExitError reports that a process ended with an exit status: its program
// returned from its entry or called exit.
type ExitError struct{ Code int }

// Error implements error.
func (e *ExitError) Error() string { return fmt.Sprintf("the program exited with status %d", e.Code) }

// exitStatus turns an error from guest code into an exit status: a WASI
// exit gives its code; a trap, or a context cancelled while guest code
// ran, is returned as an error naming the function the loader called.
func (p *Process) exitStatus(fn string, err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded:
		default:
			return int(ee.ExitCode()), nil
		}
	}
	return 0, &CallError{Module: p.main.name, Func: fn, Err: err}
}

// Memory returns the process's shared memory.
// Once the process is closed, accesses fail (reads return false), except
// ReadByte and WriteByte, which must not be called after Close; neither may
// slices Read returned before be used.
func (p *Process) Memory() api.Memory {
	if p.memory == nil {
		return nil
	}
	return &guardedMemory{Memory: p.memory, p: p}
}

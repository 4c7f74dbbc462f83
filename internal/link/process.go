// A process's life: who may run its code when, how it ends, and the
// entry points Go hosts call.

package link

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// A process runs guest code for one caller at a time: a guest has one
// stack pointer and one memory, so two calls at once would share a stack.
// Every entry point that may run guest code (Run, Open, Lookup, Call,
// CloseLibrary) goes through enter, which waits for the process to be free.
//
// A process dies when its guest code does not return normally: a trap, an
// exit, or a cancelled context (wazero then closes the module running it).
// Its state may then be anything (a trap in the middle of malloc, a stack
// pointer left at the bottom of the stack), so it runs nothing more: every
// later entry point fails with an error that wraps ErrDead and the cause.
// Close ends a process from outside, even while it runs: its life context
// is cancelled, which stops the running call.

// ErrClosed is returned by every entry point of a closed process, library
// or Linker.
var ErrClosed = errors.New("closed")

// ErrDead is wrapped by the error of every entry point of a process whose
// guest code trapped, exited or was cancelled.
var ErrDead = errors.New("the process is dead")

// DeadError reports a call into a dead process; Cause is what killed it.
type DeadError struct{ Cause error }

// Error implements error.
func (e *DeadError) Error() string { return fmt.Sprintf("%v: %v", ErrDead, e.Cause) }

// Unwrap lets errors.Is find ErrDead and errors.As the cause.
func (e *DeadError) Unwrap() []error { return []error{ErrDead, e.Cause} }

// guestKey marks a context that host functions of a process receive, so
// that a host function may call back into its own process: the process is
// already running on that goroutine, and must not wait for itself. The
// value is the process, or for a host function of the host's a
// *hostCall, which stands for that one invocation.
type guestKey struct{}

// hostCall is one invocation of one of the host's host functions. Calls
// back into the process made with its context take its lock in turn: a
// host function that hands its context to several goroutines gets their
// calls one at a time, never guest code running twice at once in one
// process. Once the host function has returned, its context lets nothing
// in any more: the process is no longer waiting for it.
type hostCall struct {
	p        *Process
	mu       entryLock
	returned bool
}

// callback returns the host function invocation of p that ctx comes
// from, if it does.
func (p *Process) callback(ctx context.Context) *hostCall {
	switch v := ctx.Value(guestKey{}).(type) {
	case *hostCall:
		if v.p == p {
			return v
		}
	case *Process:
		if v == p {
			return &hostCall{p: p} // one of wasmdl's own: it runs on the process's goroutine
		}
	}
	return nil
}

// enterCallback is enter for a context of one of p's host functions.
func (p *Process) enterCallback(ctx context.Context, hc *hostCall) (context.Context, func(), error) {
	if err := hc.mu.LockContext(ctx); err != nil {
		return nil, nil, err
	}
	if hc.returned {
		hc.mu.Unlock()
		return nil, nil, fmt.Errorf("process: the host function whose context this is has returned")
	}
	if err := p.usable(); err != nil {
		hc.mu.Unlock()
		return nil, nil, err
	}
	return ctx, hc.mu.Unlock, nil
}

// enter starts an entry point: it fails if the process is closed or dead,
// else waits for it to be free (unless ctx comes from one of its host
// functions) and returns a context that is also cancelled when the process
// is closed, and the function that ends the entry.
func (p *Process) enter(ctx context.Context) (context.Context, func(), error) {
	if hc := p.callback(ctx); hc != nil {
		return p.enterCallback(ctx, hc)
	}
	if err := p.mu.LockContext(ctx); err != nil {
		return nil, nil, err // nothing started: the process stays as it is
	}
	if err := p.usable(); err != nil {
		p.mu.Unlock()
		return nil, nil, err
	}
	p.entries++
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.life, cancel)
	return ctx, func() {
		stop()
		cancel()
		if p.closePending {
			p.closeLocked(context.WithoutCancel(ctx))
		}
		p.mu.Unlock()
	}, nil
}

// usable reports why the process cannot be entered, if it cannot.
func (p *Process) usable() error {
	switch {
	case p.closed || p.closePending:
		return fmt.Errorf("process: %w", ErrClosed)
	case p.dead != nil:
		return &DeadError{Cause: p.dead}
	}
	return nil
}

// guestFailed records that guest code did not return normally and returns
// the error to report: a cancelled context is reported as the context's
// error (ErrClosed when Close ended the process's life), not as the exit
// status wazero uses for it.
func (p *Process) guestFailed(ctx context.Context, err error) error {
	var ee *sys.ExitError
	if errors.As(err, &ee) {
		switch ee.ExitCode() {
		case sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded:
			cerr := context.Cause(ctx)
			if p.life.Err() != nil {
				cerr = fmt.Errorf("process: %w", ErrClosed) // Close stopped it
			}
			if cerr != nil {
				stopped := fmt.Errorf("%w (stopped while running guest code)", cerr)
				if ce, ok := err.(*CallError); ok {
					err = &CallError{Module: ce.Module, Func: ce.Func, Err: stopped}
				} else {
					err = stopped
				}
			}
		}
	}
	if p.dead == nil {
		p.dead = err
	}
	return err
}

// Open is dlopen for Go hosts: it returns the library's id and the name
// it was loaded under. A trap or exit in a constructor kills the process;
// any other failure leaves it as it was.
func (p *Process) Open(ctx context.Context, name string, flags uint32) (int, string, error) {
	if p.l.cfg.RunOnly {
		return 0, "", ErrRunOnly
	}
	ctx, leave, err := p.enter(ctx)
	if err != nil {
		return 0, "", err
	}
	defer leave()
	o, err := p.open(ctx, name, flags, nil, true)
	if err != nil {
		var ce *CallError
		if errors.As(err, &ce) {
			return 0, "", p.guestFailed(ctx, err)
		}
		return 0, "", err
	}
	return o.id, o.name, nil
}

// Lookup is dlsym for Go hosts: id is a library from Open, or -1 for the
// global scope (RTLD_DEFAULT).
func (p *Process) Lookup(ctx context.Context, id int, name string) (*Sym, error) {
	if p.l.cfg.RunOnly {
		return nil, fmt.Errorf("%s: %w", name, ErrRunOnly)
	}
	ctx, leave, err := p.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	h := uint32(handleDefault)
	if id >= 0 {
		o := p.byID[id]
		if o == nil || o.state == stateClosed {
			return nil, fmt.Errorf("library: %w", ErrClosed)
		}
		h = handle(o)
	}
	scope, what, err := p.dlsymScope(nil, h)
	if err != nil {
		return nil, err
	}
	s, err := p.lookupSym(ctx, scope, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}

// CloseLibrary is dlclose for Go hosts. A trap or exit in a destructor
// kills the process.
func (p *Process) CloseLibrary(ctx context.Context, id int) error {
	ctx, leave, err := p.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	o := p.byID[id]
	if o == nil || o.state == stateClosed {
		return fmt.Errorf("library: %w", ErrClosed)
	}
	if err := p.close(ctx, handle(o)); err != nil {
		var ce *CallError
		if errors.As(err, &ce) {
			return p.guestFailed(ctx, err)
		}
		return err
	}
	return nil
}

// Call calls function symbol s with params (as wasm values) and returns
// its results. It fails without running anything if the process is
// closed or dead or s's library was closed; a trap, exit or cancellation
// kills the process.
func (p *Process) Call(ctx context.Context, s *Sym, params []uint64) ([]uint64, error) {
	stack := make([]uint64, max(len(s.Type.Params), len(s.Type.Results)))
	copy(stack, params)
	if err := p.CallWithStack(ctx, s, stack); err != nil {
		return nil, err
	}
	return stack[:len(s.Type.Results)], nil
}

// CallWithStack is Call with wazero's calling convention: params in, then
// results out, in stack.
func (p *Process) CallWithStack(ctx context.Context, s *Sym, stack []uint64) error {
	if !s.Func {
		return fmt.Errorf("%s is data, not a function", s.Name)
	}
	if len(stack) < max(len(s.Type.Params), len(s.Type.Results)) {
		return fmt.Errorf("%s: stack of %d values, want %d", s.Name, len(stack), max(len(s.Type.Params), len(s.Type.Results)))
	}
	ctx, leave, err := p.enter(ctx)
	if err != nil {
		return err
	}
	defer leave()
	if s.def.state == stateClosed {
		return fmt.Errorf("%s of %s: library: %w", s.Name, s.Definer, ErrClosed)
	}
	fn, err := s.function(p)
	if err != nil {
		return err
	}
	if s.calling { // a callback calling s again: s's handle is busy
		if fn, err = s.newFunction(p); err != nil {
			return err
		}
	} else {
		s.calling = true
		defer func() { s.calling = false }()
	}
	if err := fn.CallWithStack(context.WithValue(ctx, guestKey{}, p), stack); err != nil {
		return p.guestFailed(ctx, &CallError{Module: s.Definer, Func: s.Name, Err: err})
	}
	// A callback of this call may have killed the process (a trap in a
	// nested call): then this call's results mean nothing either.
	return p.usable()
}

// Function returns what calls function symbol s, made now if needed.
func (p *Process) Function(ctx context.Context, s *Sym) (api.Function, error) {
	_, leave, err := p.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	if !s.Func || s.def.state == stateClosed {
		return nil, fmt.Errorf("%s of %s: library: %w", s.Name, s.Definer, ErrClosed)
	}
	return s.function(p)
}

// Definition describes function symbol s. A library's export needs no
// lock (its instance and exports never change, and a host function may
// ask while the process runs); a function of a library merged into the
// program is reached through a caller the process makes, under its lock.
func (p *Process) Definition(s *Sym) (api.FunctionDefinition, error) {
	if s.Func && !s.def.slotOnly && s.def.instance != nil {
		if fn := s.def.instance.ExportedFunction(s.Name); fn != nil {
			return fn.Definition(), nil
		}
	}
	fn, err := p.Function(context.Background(), s)
	if err != nil {
		return nil, err
	}
	return fn.Definition(), nil
}

// Close ends the process, stopping guest code it is running, and closes
// every instance it has. Called from one of the process's host functions
// (with the context it was given), it stops the guest code and leaves the
// closing to the entry point under way, which holds the process and closes
// it when it returns.
func (p *Process) Close(ctx context.Context) error {
	p.endLife()
	if hc := p.callback(ctx); hc != nil {
		hc.mu.Lock()
		defer hc.mu.Unlock()
		if !hc.returned {
			p.closePending = true
			return nil
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeLocked(ctx)
	return nil
}

// closeLocked closes the process; the caller holds it.
func (p *Process) closeLocked(ctx context.Context) {
	if p.closed {
		return
	}
	p.closed = true
	for i := len(p.objects) - 1; i >= 0; i-- {
		p.closeObject(ctx, p.objects[i])
	}
	for _, t := range p.tombstones {
		p.l.owners.Delete(t.mod)
		t.mod.Close(ctx)
	}
	for _, m := range p.slotCallers {
		p.l.owners.Delete(m)
		m.Close(ctx)
	}
	for i := len(p.generated) - 1; i >= 0; i-- {
		p.l.owners.Delete(p.generated[i])
		p.generated[i].Close(ctx)
	}
	p.memLife.Lock()
	p.memGone = true
	p.memAlloc.Release()
	p.memLife.Unlock()
	p.image.Release() // its forks keep their own mappings of it
	p.image = nil
}

// entryLock is the process's lock: a mutex whose holder may be waited
// for until a context ends (LockContext), so that a call queued behind a
// long one still keeps its own deadline.
type entryLock struct {
	once sync.Once
	ch   chan struct{}
}

func (l *entryLock) init() { l.once.Do(func() { l.ch = make(chan struct{}, 1) }) }

// Lock waits for the lock.
func (l *entryLock) Lock() {
	l.init()
	l.ch <- struct{}{}
}

// LockContext waits for the lock until ctx ends, and then returns its
// cause without the lock.
func (l *entryLock) LockContext(ctx context.Context) error {
	l.init()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	select {
	case l.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// TryLock takes the lock if it is free.
func (l *entryLock) TryLock() bool {
	l.init()
	select {
	case l.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

// Unlock releases the lock.
func (l *entryLock) Unlock() { <-l.ch }

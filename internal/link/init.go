// Stage initBatch: TLS, data relocations and constructors.

package link

import (
	"context"
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// initBatch runs, in order: TLS initialisation, every new module's
// __wasm_apply_data_relocs (all of them before any constructor, since a
// constructor may read any module's pointers), then constructors in
// dependency order with the main last.
func (p *Process) initBatch(ctx context.Context, b *batch) error {
	for _, o := range b.instOrder {
		if o.info.hasTLS {
			if err := p.call(ctx, o, wasmfile.NameInitTLS, uint64(o.tlsBase)); err != nil {
				return err
			}
		}
	}
	for _, o := range b.instOrder {
		if err := p.call(ctx, o, wasmfile.NameApplyDataRelocs); err != nil {
			return err
		}
		o.state = stateRelocated
	}
	inBatch := map[*object]bool{}
	for _, o := range b.objects {
		inBatch[o] = true
	}
	for _, o := range initOrder(p.loadOrderScope(b), func(o *object) bool { return inBatch[o] }) {
		if err := p.construct(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// construct runs o's constructors once.
func (p *Process) construct(ctx context.Context, o *object) error {
	if o.state >= stateConstructed {
		return nil
	}
	o.state = stateConstructed
	f := o.info.file
	if o.isMain {
		if _, ok := f.Export("_initialize"); ok {
			return p.call(ctx, o, "_initialize")
		}
		if _, ok := f.Export("_start"); ok {
			return nil // crt1's _start runs the constructors itself
		}
	}
	return p.call(ctx, o, wasmfile.NameCallCtors)
}

// call calls an export of o if it exists.
func (p *Process) call(ctx context.Context, o *object, name string, args ...uint64) error {
	fn := o.instance.ExportedFunction(name)
	if fn == nil {
		return nil
	}
	if _, err := fn.Call(ctx, args...); err != nil {
		return &CallError{Module: o.name, Func: name, Err: err}
	}
	return nil
}

// CallError reports a trap or exit in a function the loader called.
type CallError struct {
	Module, Func string
	Err          error
}

func (e *CallError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Module, e.Func, e.Err) }
func (e *CallError) Unwrap() error { return e.Err }

// Close closes every instance of the process.
func (p *Process) Close(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for i := len(p.objects) - 1; i >= 0; i-- {
		p.closeObject(ctx, p.objects[i])
	}
	for _, t := range p.tombstones {
		t.mod.Close(ctx)
	}
	for i := len(p.generated) - 1; i >= 0; i-- {
		p.l.owners.Delete(p.generated[i])
		p.generated[i].Close(ctx)
	}
	return nil
}

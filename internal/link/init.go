// Stage initBatch: TLS, data relocations and constructors.

package link

import (
	"context"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// initBatch runs, in order: TLS initialisation, every new module's
// __wasm_apply_data_relocs (all of them before any constructor, since a
// constructor may read any module's pointers), then constructors in
// glibc's order with the main last. The calls are made by one generated
// module, so the whole sequence costs one call from Go rather than two per
// module (wazero allocates a call stack for every function called from Go).
func (p *Process) initBatch(ctx context.Context, b *batch) error {
	// Exit handlers registered from now until the constructors return are
	// the batch's destructors (registerExit). A constructor may dlopen, so
	// this is a stack.
	p.initing = append(p.initing, b)
	defer func() { p.initing = p.initing[:len(p.initing)-1] }()
	if m := b.roots[0]; m.isMain && (len(b.objects) > 1 || importsDlopen(m)) && needsFini(m) {
		p.armFini(ctx)
	}
	steps, err := p.batchSteps(b, true)
	if err != nil {
		return err
	}
	if b.merged != nil {
		// The merged module has its initialiser built in.
		return runInit(ctx, p.mergedInst.ExportedFunction(mergedInit), p.mergedInst.ExportedGlobal(mergedStep), steps)
	}
	if len(steps) == 0 {
		return nil
	}
	mod := b.finisher // made with these calls by instantiateFinisher
	if mod == nil || !slices.Equal(steps, b.finisherSteps) {
		data, defs := buildInit(steps)
		if mod, err = p.instantiateGenerated(ctx, "initialiser", data, nil, b, defs); err != nil {
			return err
		}
	}
	return runInit(ctx, mod.ExportedFunction("run"), mod.ExportedGlobal("step"), steps)
}

// batchSteps lists the calls initBatch makes for b: those of its restored
// plan, or else worked out from its modules' exports. With mark, the
// objects are marked relocated and constructed as the calls are planned
// (a constructor that dlopens must not see them constructed twice).
func (p *Process) batchSteps(b *batch, mark bool) ([]initStep, error) {
	if b.steps != nil {
		if mark {
			// Every object of a batch is relocated and constructed
			// by its initialiser, as initSteps marks them.
			for _, o := range b.objects {
				if o.state < stateConstructed {
					o.state = stateConstructed
				}
			}
		}
		return b.steps, nil
	}
	if b.merged != nil {
		return p.mergedSteps(b, mark)
	}
	return p.initSteps(b, mark)
}

// runInit calls an initialiser; on failure its step global says which
// call failed.
func runInit(ctx context.Context, run api.Function, step api.Global, steps []initStep) error {
	if run == nil || step == nil {
		return fmt.Errorf("internal error: initialiser without run or step")
	}
	if _, err := run.Call(ctx); err != nil {
		i := int(int32(step.Get()))
		if i >= 0 && i < len(steps) {
			fn := steps[i].fn
			if fn == "" {
				fn = "start function"
			}
			return &CallError{Module: steps[i].o.name, Func: fn, Err: err}
		}
		return err
	}
	return nil
}

// initStep is one call of a batch's initialisation.
type initStep struct {
	o   *object
	fn  string
	arg int64 // the __wasm_init_tls argument, or -1 for none
}

// initSteps lists the calls initBatch makes. With mark, it marks the
// objects relocated and constructed as it plans them (a constructor that
// dlopens must not see them constructed twice).
func (p *Process) initSteps(b *batch, mark bool) ([]initStep, error) {
	state := func(o *object, s objectState) {
		if mark {
			o.state = s
		}
	}
	var steps []initStep
	add := func(o *object, fn string, arg int64) error {
		e, ok := o.info.file.Export(fn)
		if !ok || e.Kind != wasmfile.KindFunc {
			return nil
		}
		t, _ := o.info.file.FuncType(e.Index)
		wantParams := 0
		if arg >= 0 {
			wantParams = 1
		}
		if len(t.Params) != wantParams || len(t.Results) != 0 || (wantParams == 1 && t.Params[0] != wasmfile.I32) {
			return fmt.Errorf("%s: %s has signature %s", o.name, fn, t)
		}
		steps = append(steps, initStep{o, fn, arg})
		return nil
	}
	for _, o := range b.instOrder {
		if o.info.hasTLS {
			if err := add(o, wasmfile.NameInitTLS, int64(o.tlsBase)); err != nil {
				return nil, err
			}
		}
	}
	for _, o := range b.instOrder {
		if err := add(o, wasmfile.NameApplyDataRelocs, -1); err != nil {
			return nil, err
		}
		state(o, stateRelocated)
	}
	order := b.objects // one object: no order to compute over its whole scope
	if len(b.objects) > 1 {
		inBatch := map[*object]bool{}
		for _, o := range b.objects {
			inBatch[o] = true
		}
		order = initOrder(p.loadOrderScope(b), func(o *object) bool { return inBatch[o] })
	}
	for _, o := range order {
		if o.state >= stateConstructed {
			continue
		}
		state(o, stateConstructed)
		fn := wasmfile.NameCallCtors
		if o.isMain {
			if _, ok := o.info.file.Export("_initialize"); ok {
				fn = "_initialize"
			} else if _, ok := o.info.file.Export("_start"); ok {
				continue // crt1's _start runs the constructors itself
			}
		}
		if err := add(o, fn, -1); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// buildInit generates the module that makes steps' calls in order.
func buildInit(steps []initStep) ([]byte, []*object) {
	var m wasmgen.Module
	var defs definers
	addInit(&m, &defs, steps)
	return m.Bytes(), defs.list
}

// addInit adds to m an exported "run" function making steps' calls in
// order, setting the exported "step" global before each so a trap can be
// attributed.
func addInit(m *wasmgen.Module, defs *definers, steps []initStep) {
	imports := make([]uint32, len(steps))
	for i, st := range steps {
		t := wasmfile.FuncType{}
		if st.arg >= 0 {
			t.Params = []wasmfile.ValType{wasmfile.I32}
		}
		imports[i] = m.ImportFunc(defs.name(st.o), st.fn, t)
	}
	step := m.GlobalI32(true, -1)
	var body []byte
	for i, st := range steps {
		body = wasmgen.I32Const(body, int32(i))
		body = wasmgen.GlobalSet(body, step)
		if st.arg >= 0 {
			body = wasmgen.I32Const(body, int32(uint32(st.arg)))
		}
		body = wasmgen.Call(body, imports[i])
	}
	m.Export("step", wasmfile.KindGlobal, step)
	m.Export("run", wasmfile.KindFunc, m.Func(wasmfile.FuncType{}, body))
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

// Error implements error.
func (e *CallError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Module, e.Func, e.Err) }

// Unwrap returns the underlying error, for errors.Is and errors.As.
func (e *CallError) Unwrap() error { return e.Err }

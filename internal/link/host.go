package link

import (
	"context"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/wasmdl/wasmdl/wasmfile"
)

const (
	hostWeakMissing = "weak_missing"
	hostExitRunner  = "__wasmdl_run_exit"
)

// missingNames interns the messages of undefined weak functions, so that the
// trap stub in a hub or tombstone module carries only a number.
var missingNames struct {
	sync.Mutex
	list []string
	ids  map[string]int32
}

func missingID(msg string) int32 {
	missingNames.Lock()
	defer missingNames.Unlock()
	if id, ok := missingNames.ids[msg]; ok {
		return id
	}
	if missingNames.ids == nil {
		missingNames.ids = map[string]int32{}
	}
	id := int32(len(missingNames.list))
	missingNames.list = append(missingNames.list, msg)
	missingNames.ids[msg] = id
	return id
}

// WeakCallError is the trap raised when a program calls a weak function
// that no module defines.
type WeakCallError struct{ Msg string }

// Error implements error.
func (e *WeakCallError) Error() string { return e.Msg }

// hostFuncs are the functions of wasmdl's host module, shared by every
// process of a Linker; each finds its process from the calling module.
type hostFunc struct {
	name    string
	params  []api.ValueType
	results []api.ValueType
	fn      func(ctx context.Context, p *Process, caller api.Module, stack []uint64)
	// byObject, when set, is fn for a known calling object: it is also
	// exported as name+"@" with the caller's index in a merged module as an
	// extra last parameter (see mergeBatch).
	byObject func(ctx context.Context, p *Process, caller *object, stack []uint64)
}

// callerSuffix marks the variant of a host function that takes its
// caller's index in a merged module.
const callerSuffix = "@"

func (l *Linker) hostFuncs() []hostFunc {
	i32 := api.ValueTypeI32
	fs := []hostFunc{
		{name: hostWeakMissing, params: []api.ValueType{i32}, fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
			id := int32(stack[0])
			missingNames.Lock()
			msg := "call to an undefined weak function"
			if id >= 0 && int(id) < len(missingNames.list) {
				msg = missingNames.list[id]
			}
			missingNames.Unlock()
			panic(&WeakCallError{Msg: msg})
		}},
	}
	return append(fs, l.libdlFuncs()...)
}

// instantiateHosts compiles and instantiates the wasmdl host module and the
// WASI forwarder once per Linker.
func (l *Linker) instantiateHosts(ctx context.Context) error {
	l.hostOnce.Do(func() {
		b := l.rt.NewHostModuleBuilder(modHost)
		for _, h := range l.hostFuncs() {
			h := h
			b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
				h.fn(ctx, l.processOf(caller), caller, stack)
			}), h.params, h.results).Export(h.name)
			if h.byObject == nil {
				continue
			}
			n := len(h.params)
			b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
				p := l.processOf(caller)
				if p == nil {
					panic(fmt.Errorf("%s called from a module wasmdl did not load", h.name))
				}
				h.byObject(ctx, p, p.mergedObject(caller, stack[n]), stack)
			}), append(append([]api.ValueType{}, h.params...), api.ValueTypeI32), h.results).Export(h.name + callerSuffix)
		}
		cm, err := b.Compile(ctx)
		if err != nil {
			l.hostErr = err
			return
		}
		if l.host, err = l.rt.InstantiateModule(ctx, cm, quietConfig); err != nil {
			l.hostErr = err
			return
		}
		l.wasi, l.hostErr = l.instantiateWASI(ctx)
	})
	return l.hostErr
}

// instantiateWASI builds a "wasi_snapshot_preview1" host module whose
// functions run wazero's WASI implementation on behalf of the process's
// main module, whoever calls them. wazero keeps WASI state (fd table, args,
// environment) per module instance; forwarding every call to the main's
// instance gives the whole process one WASI context, as libc expects.
func (l *Linker) instantiateWASI(ctx context.Context) (api.Module, error) {
	orig, err := wasi_snapshot_preview1.NewBuilder(l.rt).Compile(ctx)
	if err != nil {
		return nil, err
	}
	b := l.rt.NewHostModuleBuilder(wasi_snapshot_preview1.ModuleName)
	for name, def := range orig.ExportedFunctions() {
		name := name
		impl, ok := def.GoFunction().(api.GoModuleFunction)
		if !ok {
			return nil, fmt.Errorf("wasi function %s is not a Go module function", name)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, caller api.Module, stack []uint64) {
			target := caller
			p := l.processOf(caller)
			if p != nil && p.wasiOwner != nil {
				target = p.wasiOwner
			}
			if p != nil && name == "proc_exit" {
				// The main's exit ran its own atexit handlers and flushed
				// stdio; libraries' handlers run now, then stdio is flushed
				// again for what they printed.
				p.runAllExitFuncs(ctx)
			}
			impl.Call(ctx, target, stack)
		}), def.ParamTypes(), def.ResultTypes()).WithParameterNames(def.ParamNames()...).Export(name)
	}
	cm, err := b.Compile(ctx)
	if err != nil {
		return nil, err
	}
	return l.rt.InstantiateModule(ctx, cm, quietConfig)
}

func (l *Linker) processOf(m api.Module) *Process {
	if v, ok := l.owners.Load(m); ok {
		return v.(*Process)
	}
	return nil
}

// isHostFunc reports whether wasmdl itself provides function name, and its
// signature.
func (l *Linker) isHostFunc(name string) (wasmfile.FuncType, bool) {
	l.hostTypesOnce.Do(func() {
		l.hostTypes = map[string]wasmfile.FuncType{}
		for _, h := range l.hostFuncs() {
			if h.name == hostWeakMissing {
				continue
			}
			var t wasmfile.FuncType
			for _, v := range h.params {
				t.Params = append(t.Params, wasmfile.ValType(v))
			}
			for _, v := range h.results {
				t.Results = append(t.Results, wasmfile.ValType(v))
			}
			l.hostTypes[h.name] = t
		}
	})
	t, ok := l.hostTypes[name]
	return t, ok
}

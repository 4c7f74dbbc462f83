package link

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/wasmdl/wasmdl/wasmfile"
)

const (
	hostWeakMissing = "weak_missing"
	hostExitRunner  = "__wasmdl_run_exit"
	hostLazyBind    = "lazy_bind"
)

// messages interns the messages of calls that must trap (undefined weak
// functions, stale function pointers), so that the stub that traps carries
// only a number. A guest can make new messages (by loading libraries with
// new names), so their number is bounded; past the bound, stubs share a
// message without the name.
type messages struct {
	mu   sync.Mutex
	list []string
	ids  map[string]int32
}

// maxMessages bounds the messages a Linker keeps.
const maxMessages = 1 << 16

// genericMessage is message 0, used once the bound is reached.
const genericMessage = "call to an undefined function"

func (m *messages) id(msg string) int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ids == nil {
		m.ids = map[string]int32{genericMessage: 0}
		m.list = []string{genericMessage}
	}
	if id, ok := m.ids[msg]; ok {
		return id
	}
	if len(m.list) >= maxMessages {
		return 0
	}
	id := int32(len(m.list))
	m.list = append(m.list, msg)
	m.ids[msg] = id
	return id
}

func (m *messages) text(id int32) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 0 || int(id) >= len(m.list) {
		return genericMessage
	}
	return m.list[id]
}

// WeakCallError is the trap raised when a program calls a weak function
// that no module defines, or (Lookup) a function an RTLD_LAZY library
// imports that is still undefined when called.
type WeakCallError struct {
	Msg    string
	Lookup bool
}

// Error implements error.
func (e *WeakCallError) Error() string { return e.Msg }

// Unwrap makes a failed lazy lookup match ErrSymbolLookup.
func (e *WeakCallError) Unwrap() error {
	if e.Lookup {
		return ErrSymbolLookup
	}
	return nil
}

// ErrSymbolLookup is wrapped by the error of a call to a function an
// RTLD_LAZY library imports that no module in its scope defines: ld.so's
// "symbol lookup error", which ends a native process with status 127.
var ErrSymbolLookup = errors.New("symbol lookup error")

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
			panic(&WeakCallError{Msg: l.messages.text(int32(stack[0]))})
		}},
		{name: hostLazyBind, params: []api.ValueType{i32}, results: []api.ValueType{i32}, fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
			id := int32(uint32(stack[0]))
			if p == nil {
				panic(&WeakCallError{Msg: l.messages.text(id), Lookup: true})
			}
			stack[0] = uint64(p.lazyBind(ctx, id))
		}},
		{name: hostUncaught, params: []api.ValueType{i32}, fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
			tag := "?"
			if p != nil && int(stack[0]) < len(p.guardTags) {
				tag = p.guardTags[stack[0]]
			}
			panic(&UncaughtError{Tag: tag})
		}},
	}
	fs = append(fs, l.libdlFuncs()...)
	for _, h := range l.cfg.HostFuncs {
		fn := h.Fn
		fs = append(fs, hostFunc{name: h.Name, params: h.Params, results: h.Results,
			fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
				if p == nil {
					panic(callerNotLoaded(h.Name))
				}
				hc := &hostCall{p: p}
				p.hostDepth.Add(1)
				defer func() { // also when fn panics (a trap the guest's call reports)
					hc.mu.Lock()
					hc.returned = true
					hc.mu.Unlock()
					p.hostDepth.Add(-1)
				}()
				fn(context.WithValue(ctx, guestKey{}, hc), p, stack)
			}})
	}
	return fs
}

// callerNotLoaded is the trap of a host function called from a module that
// belongs to no process: one dlclose unloaded while its code still ran, or
// one wasmdl never loaded.
func callerNotLoaded(name string) error {
	return fmt.Errorf("%s called from a module that is not loaded (dlclose unloaded it, or wasmdl never loaded it)", name)
}

// checkHostFuncs refuses host functions whose names wasmdl uses itself or
// that are given twice.
func (l *Linker) checkHostFuncs() error {
	seen := map[string]bool{}
	for _, h := range l.hostFuncs() {
		if seen[h.name] {
			return fmt.Errorf("host function %q: the name is taken (by wasmdl, or given twice)", h.name)
		}
		seen[h.name] = true
		if h.byObject != nil {
			seen[h.name+callerSuffix] = true
		}
	}
	return nil
}

// instantiateHosts compiles and instantiates the wasmdl host module and the
// WASI forwarder once per Linker.
func (l *Linker) instantiateHosts(ctx context.Context) error {
	l.hostOnce.Do(func() {
		if l.hostErr = l.checkHostFuncs(); l.hostErr != nil {
			return
		}
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
					panic(callerNotLoaded(h.name))
				}
				// An i32 argument: wazero leaves the upper half of its
				// stack slot undefined.
				h.byObject(ctx, p, p.mergedObject(caller, uint64(uint32(stack[n]))), stack)
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
			if p != nil && name == "proc_exit" && !p.finiArmed {
				// The main's exit ran its own atexit handlers and flushed
				// stdio; libraries' handlers run now, then stdio is flushed
				// again for what they printed. (With the runner armFini
				// entered in libc's list, exit has run them already, and
				// _Exit must not.)
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
	switch name {
	case hostWeakMissing, hostExitRunner, hostUncaught, hostLazyBind:
		return wasmfile.FuncType{}, false // the loader's own, not for guests' imports
	}
	return l.hostType(name)
}

// hostType is the signature of wasmdl's host function name.
func (l *Linker) hostType(name string) (wasmfile.FuncType, bool) {
	l.hostTypesOnce.Do(func() {
		l.hostTypes = map[string]wasmfile.FuncType{}
		for _, h := range l.hostFuncs() {
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

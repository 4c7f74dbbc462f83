package link

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// dlopen mode bits. glibc, musl and wasi-libc agree on all but RTLD_LOCAL,
// which is 0 in glibc and musl and 8 in wasi-libc; both are accepted.
const (
	RTLDLazy      = 0x1
	RTLDNow       = 0x2
	RTLDNoLoad    = 0x4
	RTLDLocalWASI = 0x8
	RTLDGlobal    = 0x100
	RTLDNoDelete  = 0x1000

	rtldKnown = RTLDLazy | RTLDNow | RTLDNoLoad | RTLDLocalWASI | RTLDGlobal | RTLDNoDelete
)

// Special handles of dlsym.
const (
	handleDefault = 0          // RTLD_DEFAULT
	handleNext    = 0xffffffff // RTLD_NEXT ((void *)-1)
)

// errNoLoad is RTLD_NOLOAD's "not loaded": glibc returns NULL for it
// without setting a dlerror message.
var errNoLoad = errors.New("library is not already loaded (RTLD_NOLOAD)")

// maxGuestString bounds names read from guest memory.
const maxGuestString = 4096

// overrides are env functions wasmdl provides itself even where a module
// defines them: libdl for everyone, and for libraries the registration of
// exit handlers, so that a library's handlers run when it is unloaded (as
// glibc's __cxa_finalize does) rather than after it is gone.
func overridden(name string, importerIsMain bool) bool {
	switch name {
	case "dlopen", "dlsym", "dlclose", "dlerror", "dladdr":
		return true
	case "atexit", "__cxa_atexit":
		return !importerIsMain
	}
	return false
}

// libdlFuncs are the host functions behind a guest's libdl.
func (l *Linker) libdlFuncs() []hostFunc {
	i32 := api.ValueTypeI32
	// obj makes a host function that acts for the object calling it. Under
	// its own name the caller is found from the calling instance; the
	// variant name+"@" takes the caller's index in a merged module as an
	// extra last argument, since there one instance holds many objects.
	obj := func(name string, params, results []api.ValueType, fn func(ctx context.Context, p *Process, caller *object, stack []uint64)) hostFunc {
		return hostFunc{name: name, params: params, results: results, byObject: fn,
			fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
				if p == nil {
					panic(callerNotLoaded(name))
				}
				fn(ctx, p, p.objectOf(caller), stack)
			}}
	}
	return []hostFunc{
		obj("dlopen", []api.ValueType{i32, i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.dlopenGuest(ctx, caller, uint32(stack[0]), uint32(stack[1])))
		}),
		obj("dlsym", []api.ValueType{i32, i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.dlsymGuest(ctx, caller, uint32(stack[0]), uint32(stack[1])))
		}),
		obj("dlclose", []api.ValueType{i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			if err := p.close(ctx, uint32(stack[0])); err != nil {
				p.dlError = "dlclose: " + err.Error()
				stack[0] = uint64(uint32(0xffffffff))
				return
			}
			stack[0] = 0
		}),
		obj("dlerror", nil, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.dlerrorGuest(ctx))
		}),
		{name: hostExitRunner, params: []api.ValueType{i32}, fn: func(ctx context.Context, p *Process, caller api.Module, stack []uint64) {
			if p == nil {
				panic(callerNotLoaded(hostExitRunner))
			}
			p.runDelegatedExit(ctx, uint32(stack[0]))
		}},
		obj("dladdr", []api.ValueType{i32, i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.dladdrGuest(ctx, uint32(stack[0]), uint32(stack[1])))
		}),
		obj("atexit", []api.ValueType{i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.registerExit(ctx, caller, exitFunc{slot: uint32(stack[0])}))
		}),
		obj("__cxa_atexit", []api.ValueType{i32, i32, i32}, []api.ValueType{i32}, func(ctx context.Context, p *Process, caller *object, stack []uint64) {
			stack[0] = uint64(p.registerExit(ctx, caller, exitFunc{slot: uint32(stack[0]), arg: uint32(stack[1]), hasArg: true}))
		}),
	}
}

// objectOf finds the loaded object whose instance is m.
func (p *Process) objectOf(m api.Module) *object {
	for _, o := range p.objects {
		if o.instance == m {
			return o
		}
	}
	return nil
}

// registerExit records an exit handler of library o. A handler registered
// while o's constructors run stays with o when it is a destructor or o was
// loaded at startup (see exitFunc.fini). Any other handler, when the main's libc exports __cxa_atexit, is
// also entered in libc's own list through a runner, so that at exit it runs
// in the one reverse order of registration that glibc uses for the main's
// and the libraries' atexit handlers alike; dlclose runs it earlier and
// disarms the runner.
func (p *Process) registerExit(ctx context.Context, o *object, h exitFunc) uint32 {
	if o == nil {
		return 0xffffffff
	}
	p.exitSeq++
	h.seq = p.exitSeq
	h.fini = (o.startup || h.hasArg && h.arg == 0) && o.batch != nil && slices.Contains(p.initing, o.batch)
	if reg := p.main.instance.ExportedFunction("__cxa_atexit"); reg != nil && !p.exiting && !h.fini {
		if runner, err := p.exitRunnerSlot(ctx); err == nil {
			if p.exitRefs == nil {
				p.exitRefs = map[uint32]exitRef{}
			}
			p.exitNextID++
			h.id = p.exitNextID
			p.exitRefs[h.id] = exitRef{o, h.seq}
			if res, err := reg.Call(ctx, uint64(runner), uint64(h.id), 0); err != nil || uint32(res[0]) != 0 {
				delete(p.exitRefs, h.id)
				h.id = 0
			}
		}
	}
	o.exitFuncs = append(o.exitFuncs, h)
	return 0
}

// finiID is the id of the runner armFini enters in libc's list: it runs
// the libraries' destructors (runAllExitFuncs). Delegated handlers are
// numbered from 1.
const finiID = 0

// needsFini reports whether main's libc can hold the runner of armFini.
func needsFini(main *object) bool {
	e, ok := main.info.file.Export("__cxa_atexit")
	return ok && e.Kind == wasmfile.KindFunc
}

// importsDlopen reports whether o can dlopen libraries of its own.
func importsDlopen(o *object) bool {
	for _, im := range o.info.file.Imports {
		if im.Kind == wasmfile.KindFunc && im.Module == "env" && im.Name == "dlopen" {
			return true
		}
	}
	return false
}

// armFini enters, before any constructor runs, a runner in the main's libc
// list that finalises the libraries, where glibc's start-up code registers
// _dl_fini: libc's exit runs it after every handler registered later (the
// main's destructors and atexit handlers, the libraries' delegated ones)
// and before it flushes stdio. A program that ends with _Exit (or
// proc_exit) never reaches it and, as natively, runs no destructors.
func (p *Process) armFini(ctx context.Context) {
	reg := p.main.instance.ExportedFunction("__cxa_atexit")
	if reg == nil || p.finiArmed {
		return
	}
	runner, err := p.exitRunnerSlot(ctx)
	if err != nil {
		return
	}
	if res, err := reg.Call(ctx, uint64(runner), finiID, 0); err == nil && uint32(res[0]) == 0 {
		p.finiArmed = true
	}
}

// exitRef finds a delegated exit handler of the process from its id.
type exitRef struct {
	o   *object
	seq uint64
}

// forgetSlots undoes the slots binding b gave functions of modules
// outside b (canonicalSlot, hostSlot), for a dlopen that fails: the
// process stays as it was, with no slot handed out that nothing fills.
// unload takes back the slots of b's own modules.
func (p *Process) forgetSlots(b *batch) {
	inBatch := make(map[*object]bool, len(b.objects))
	for _, o := range b.objects {
		inBatch[o] = true
	}
	for _, f := range b.fills {
		switch {
		case f.def == nil:
			if s, ok := p.hostSlots[f.name]; !ok || s != f.slot {
				continue
			}
			delete(p.hostSlots, f.name)
		case inBatch[f.def]:
			continue
		default:
			p.deleteSlot(slotKey{f.def.id, f.def.info.symbols[f.name].Index})
			f.def.extraSlots = slices.DeleteFunc(f.def.extraSlots, func(s uint32) bool { return s == f.slot })
		}
		p.table.release(span{f.slot, f.slot + 1}, false)
	}
	b.fills = nil
}

// exitRunnerSlot is the table slot of the runner libc calls for delegated
// handlers.
func (p *Process) exitRunnerSlot(ctx context.Context) (uint32, error) {
	if s, ok := p.hostSlots[hostExitRunner]; ok {
		return s, nil
	}
	if err := p.refreshTable(ctx); err != nil {
		return 0, err
	}
	tmp := &batch{}
	slot := p.hostSlot(tmp, hostExitRunner)
	if err := p.syncSpaces(ctx); err != nil {
		return 0, err
	}
	data, defs := p.buildFiller(tmp.fills)
	if _, err := p.instantiateGenerated(ctx, "table filler", data, nil, nil, defs); err != nil {
		return 0, err
	}
	p.lateFills = append(p.lateFills, tmp.fills...)
	return slot, nil
}

// runDelegatedExit is called by libc's exit for a handler registered
// through registerExit: it runs it unless dlclose already did. Ids are
// the calling process's own: no other process's handlers can be named.
func (p *Process) runDelegatedExit(ctx context.Context, id uint32) {
	if id == finiID {
		p.runAllExitFuncs(ctx)
		return
	}
	ref, ok := p.exitRefs[id]
	if !ok {
		return
	}
	delete(p.exitRefs, id)
	p.finalizing = true
	o := ref.o
	for i, h := range o.exitFuncs {
		if h.seq == ref.seq {
			o.exitFuncs = append(o.exitFuncs[:i], o.exitFuncs[i+1:]...)
			if err := p.runExitFunc(ctx, o, h); err != nil {
				panic(err)
			}
			return
		}
	}
}

// runAllExitFuncs runs what a native exit does after the main's own atexit
// handlers and destructors: the libraries' atexit handlers libc's list did
// not run (the last registered first), then, as glibc's _dl_fini, each
// library's destructors in its turn: dependants before their dependencies,
// otherwise in load order (libraries opened with dlopen too). Then it
// flushes the main's stdio.
func (p *Process) runAllExitFuncs(ctx context.Context) {
	if p.exiting {
		return
	}
	p.exiting = true
	_ = p.runExitFuncsOf(ctx, p.objects, false)
	order := initOrder(p.objects, func(o *object) bool { return !o.isMain })
	slices.Reverse(order)
	for _, o := range order {
		if err := p.runExitFuncsOf(ctx, []*object{o}, true); err != nil {
			break
		}
	}
	if p.main.instance != nil {
		if fn := p.main.instance.ExportedFunction("fflush"); fn != nil && p.mainParams("fflush") == 1 {
			_, _ = fn.Call(ctx, 0)
		}
	}
}

// handle is what dlopen returns for o: non-zero, never RTLD_NEXT.
func handle(o *object) uint32 { return uint32(o.id+1) << 4 }

func (p *Process) objectOfHandle(h uint32) *object {
	if h&0xf != 0 || h == 0 {
		return nil
	}
	o := p.byID[int(h>>4)-1]
	if o == nil || o.state == stateClosed {
		return nil
	}
	return o
}

// readCString reads a NUL-terminated string from guest memory, bounds-checked.
func (p *Process) readCString(ptr uint32) (string, error) {
	if p.memory == nil {
		return "", errors.New("no memory")
	}
	size := p.memory.Size()
	if ptr >= size {
		return "", fmt.Errorf("invalid pointer 0x%x (memory is %d bytes)", ptr, size)
	}
	n := min(size-ptr, maxGuestString)
	b, ok := p.memory.Read(ptr, n)
	if !ok {
		return "", fmt.Errorf("invalid pointer 0x%x", ptr)
	}
	i := strings.IndexByte(string(b), 0)
	if i < 0 {
		return "", fmt.Errorf("string at 0x%x is not NUL-terminated within %d bytes", ptr, n)
	}
	return string(b[:i]), nil
}

func (p *Process) dlopenGuest(ctx context.Context, caller *object, pathPtr, flags uint32) uint32 {
	if pathPtr == 0 {
		if err := checkMode(flags); err != nil {
			p.dlError = err.Error()
			return 0
		}
		return handle(p.main)
	}
	name, err := p.readCString(pathPtr)
	if err != nil {
		p.dlError = "dlopen: " + err.Error()
		return 0
	}
	o, err := p.open(ctx, name, flags, caller, false)
	if err != nil {
		if err != errNoLoad {
			p.dlError = dlopenMessage(name, err)
		}
		return 0
	}
	return handle(o)
}

// dlopenMessage words a failed dlopen as glibc's dlerror does:
// "NAME: undefined symbol: SYM", "NAME: invalid mode for dlopen(): ...".
func dlopenMessage(name string, err error) string {
	var ue *UndefinedError
	var errs LinkErrors
	if errors.As(err, &errs) && len(errs) > 0 {
		err = errs[0]
	}
	var me *MissingError
	var nf *search.NotFoundError
	switch {
	case errors.As(err, &me) && errors.As(me.Err, &nf):
		return me.Name + ": cannot open shared object file: No such file or directory"
	case errors.As(err, &me):
		return me.Name + ": cannot open shared object file: " + me.Err.Error()
	case errors.As(err, &ue):
		return ue.NeededBy + ": undefined symbol: " + ue.Symbol
	case errors.Is(err, errBadMode):
		return name + ": " + err.Error()
	}
	return err.Error()
}

var errBadMode = errors.New("invalid mode for dlopen(): Invalid argument")

func checkMode(flags uint32) error {
	if flags&^rtldKnown != 0 || flags&(RTLDLazy|RTLDNow) == 0 || (flags&RTLDGlobal != 0 && flags&RTLDLocalWASI != 0) {
		return errBadMode
	}
	return nil
}

// open is dlopen: it returns the object named name, loading it and its
// dependencies as a new batch if needed. On any failure everything the
// batch added is rolled back and the process is as before.
// A host's Open (host set) may name any file the Linker's file system
// holds; a guest's dlopen only what lies in the library roots and its own
// preopens (see search).
func (p *Process) open(ctx context.Context, name string, flags uint32, requester *object, host bool) (*object, error) {
	if err := checkMode(flags); err != nil {
		return nil, err
	}
	if p.l.closed.Load() {
		// Its caches are gone: a library compiled now would never be freed.
		return nil, fmt.Errorf("%s: linker: %w", name, ErrClosed)
	}
	if err := p.materialize(); err != nil {
		return nil, err
	}
	global := flags&RTLDGlobal != 0
	reuse := func(o *object) *object {
		o.refs++
		if flags&RTLDNoDelete != 0 {
			o.nodelete = true
		}
		if global && !o.global {
			for _, d := range localScope(o) {
				d.global = true
			}
		}
		return o
	}
	if o := p.deps.find(name); o != nil && o.state != stateClosed && !containsSlash(name) {
		return reuse(o), nil
	}
	req := search.Request{Name: name, Host: host}
	if requester != nil {
		req.Origin = requester.dir()
		if d := requester.info.file.Dylink; d != nil {
			req.RuntimePath = d.RuntimePath
		}
	}
	if flags&RTLDNoLoad != 0 {
		if res, err := p.deps.searcher.Find(req); err == nil {
			if o := p.deps.byPath[res.Path]; o != nil {
				return reuse(o), nil
			}
		}
		return nil, errNoLoad
	}
	o, isNew, err := p.deps.loadObject(req, nil)
	if err != nil {
		return nil, err
	}
	if !isNew {
		return reuse(o), nil
	}
	b := &batch{roots: []*object{o}, objects: []*object{o}}
	p.adopt(o, b)
	added, errs := p.deps.loadDeps([]*object{o})
	for _, d := range added {
		p.adopt(d, b)
		b.objects = append(b.objects, d)
	}
	if limit := p.l.cfg.maxObjects(); len(p.objects) > limit {
		errs = append(errs, fmt.Errorf("%s: cannot load %d more modules: the process would hold %d, over its limit of %d", name, len(b.objects), len(p.objects), limit))
	}
	for _, d := range b.objects {
		if p.l.tracing("libs") { // spare the arguments when not tracing
			p.debugf("libs", "dlopen: %s => %s (via %s, needed by %s)", d.name, p.deps.searcher.Display(d.path), d.via, nameOrDash(d.neededByName()))
		}
	}
	if len(errs) == 0 {
		lazy := flags&RTLDNow == 0
		if err := p.refreshTable(ctx); err != nil {
			errs = append(errs, err)
		} else if err := p.linkBatch(ctx, b, lazy); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		p.forgetSlots(b)
		_ = p.unload(ctx, b.objects, false)
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, LinkErrors(errs)
	}
	if global {
		for _, d := range localScope(o) {
			d.global = true
		}
	}
	if flags&RTLDNoDelete != 0 {
		o.nodelete = true
	}
	// ++, not = 1: a constructor of the batch may have opened o already.
	o.refs++
	return o, nil
}

// close is dlclose: drop one reference and unload whatever nothing keeps
// alive any more.
func (p *Process) close(ctx context.Context, h uint32) error {
	if h == handle(p.main) {
		return nil
	}
	o := p.objectOfHandle(h)
	if o == nil {
		return fmt.Errorf("invalid handle 0x%x", h)
	}
	if o.refs <= 0 {
		return fmt.Errorf("%s: shared object not open", o.name)
	}
	o.refs--
	if o.refs > 0 {
		return nil
	}
	// Once exit runs the libraries' handlers, nothing is unloaded any more:
	// glibc's _dl_fini pins every object, so a destructor's dlclose only
	// drops the reference and each library is finalised in its turn.
	if p.finalizing || p.exiting {
		return nil
	}
	// A destructor or exit handler run by this unload may call dlclose
	// itself. Unloading then and there would close the modules whose
	// destructors are still on the stack (collect still counts them), so,
	// as glibc's _dl_close does, the inner call only asks the outer one to
	// collect again once it is done.
	if p.unloading {
		p.unloadAgain = true
		return nil
	}
	p.unloading = true
	defer func() { p.unloading = false }()
	for {
		p.unloadAgain = false
		if err := p.unload(ctx, p.collect(), true); err != nil {
			return err
		}
		if !p.unloadAgain {
			return nil
		}
	}
}

// Sym is a symbol found by dlsym.
type Sym struct {
	Name    string
	Func    bool
	Value   uint32 // data address, or the function's table slot
	Type    wasmfile.FuncType
	Definer string
	def     *object
	fn      api.Function // made on the first call
	calling bool         // a call through fn is under way (under the process's lock)
}

// function returns what calls s: the definer's export, or for a library
// merged into the first batch (which exports nothing) a caller through
// its table slot. It is made on demand: a guest's dlsym needs only the
// slot, and wazero allocates a call stack for every function handle. The
// caller holds the process.
func (s *Sym) function(p *Process) (api.Function, error) {
	if s.fn != nil {
		return s.fn, nil
	}
	fn, err := s.newFunction(p)
	s.fn = fn
	return fn, err
}

// newFunction makes a handle of what calls s. A wazero handle runs one
// call at a time: a host function calling s again while s's own call is
// under way (a callback) needs a handle of its own.
func (s *Sym) newFunction(p *Process) (api.Function, error) {
	if s.def.slotOnly {
		return p.slotFunction(s.Value, s.Type)
	}
	fn := s.def.instance.ExportedFunction(s.Name)
	if fn == nil {
		return nil, fmt.Errorf("internal error: %s does not export %s", s.Definer, s.Name)
	}
	return fn, nil
}

// lookupSym searches scope in order for name; functions get their one
// table slot (placed now if nobody took their address before).
func (p *Process) lookupSym(ctx context.Context, scope []*object, name string) (*Sym, error) {
	if err := p.materialize(); err != nil {
		return nil, err
	}
	for _, o := range scope {
		s, ok := o.info.symbols[name]
		if !ok || o.state == stateClosed {
			continue
		}
		if !s.Func {
			v, _ := p.dataAddress(symbolIndex{global: &names{data: map[string]*object{name: o}}}, name)
			return &Sym{Name: name, Value: v, Definer: o.name, def: o}, nil
		}
		slot, err := p.ensureSlot(ctx, o, name)
		if err != nil {
			return nil, err
		}
		return &Sym{Name: name, Func: true, Value: slot, Type: o.info.funcType[name], Definer: o.name, def: o}, nil
	}
	return nil, fmt.Errorf("undefined symbol: %s", name)
}

// slotFunction returns a function that calls table slot with type t, for
// the host to call a function the merged module does not export: a hub
// holding just the slot call later batches use, made once per slot.
func (p *Process) slotFunction(slot uint32, t wasmfile.FuncType) (api.Function, error) {
	h := newHub(0)
	h.tableExport = p.shared[wasmfile.NameTable].export
	export := h.slotCall(&funcBinding{typ: t}, slot)[1]
	if m := p.slotCallers[slot]; m != nil {
		return m.ExportedFunction(export), nil
	}
	if p.tableOps == nil {
		return nil, fmt.Errorf("%s keeps its function table to itself", p.main.name)
	}
	mod, err := p.instantiateGenerated(context.Background(), "slot caller", h.bytes(), nil, nil, nil)
	if err != nil {
		return nil, err
	}
	p.generated = p.generated[:len(p.generated)-1] // kept in slotCallers instead
	if p.slotCallers == nil {
		p.slotCallers = map[uint32]api.Module{}
	}
	p.slotCallers[slot] = mod
	return mod.ExportedFunction(export), nil
}

// ensureSlot gives function name of def its canonical slot, filling it now.
func (p *Process) ensureSlot(ctx context.Context, def *object, name string) (uint32, error) {
	if slot, ok := p.slots[slotKey{def.id, def.info.symbols[name].Index}]; ok {
		return slot, nil // placed already: nothing to allocate, the table need not be asked
	}
	if err := p.refreshTable(ctx); err != nil {
		return 0, err
	}
	tmp := &batch{}
	slot := p.canonicalSlot(tmp, def, name)
	if len(tmp.fills) > 0 {
		if err := p.syncSpaces(ctx); err != nil {
			return 0, err
		}
		data, defs := p.buildFiller(tmp.fills)
		if _, err := p.instantiateGenerated(ctx, "table filler", data, nil, def.batch, defs); err != nil {
			return 0, err
		}
		p.lateFills = append(p.lateFills, tmp.fills...)
	}
	return slot, nil
}

// dlsymScope is the search order of dlsym for a handle.
func (p *Process) dlsymScope(caller *object, h uint32) ([]*object, string, error) {
	switch {
	case h == handleDefault || h == handle(p.main):
		scope := p.globalScope()
		if caller != nil && !caller.global {
			scope = append(scope, localScope(caller)...)
		}
		return scope, p.programName(), nil
	case h == handleNext:
		scope := p.globalScope()
		if caller != nil && !caller.global {
			scope = append(scope, localScope(caller)...)
		}
		for i, o := range scope {
			if o == caller {
				return scope[i+1:], p.programName(), nil
			}
		}
		return nil, p.programName(), errors.New("RTLD_NEXT used in code not dynamically loaded")
	}
	o := p.objectOfHandle(h)
	if o == nil {
		return nil, "", fmt.Errorf("invalid handle 0x%x", h)
	}
	return localScope(o), o.name, nil
}

func (p *Process) dlsymGuest(ctx context.Context, caller *object, h, namePtr uint32) uint32 {
	name, err := p.readCString(namePtr)
	if err != nil {
		p.dlError = "dlsym: " + err.Error()
		return 0
	}
	scope, what, err := p.dlsymScope(caller, h)
	if err != nil {
		p.dlError = "dlsym: " + err.Error()
		return 0
	}
	s, err := p.lookupSym(ctx, scope, name)
	if err != nil {
		p.dlError = what + ": " + err.Error()
		return 0
	}
	return s.Value
}

// dlerrorGuest returns the pending message in a loader-owned buffer and
// clears it; NULL when there is none.
func (p *Process) dlerrorGuest(ctx context.Context) uint32 {
	if p.dlError == "" {
		return 0
	}
	const bufSize = 1024
	if p.dlErrorBuf == 0 {
		b, err := p.allocGuest(ctx, "dlerror buffer", bufSize, 16)
		if err != nil {
			return 0
		}
		p.dlErrorBuf = b
	}
	msg := p.dlError
	if len(msg) > bufSize-1 {
		msg = msg[:bufSize-1]
	}
	p.memory.Write(p.dlErrorBuf, append([]byte(msg), 0))
	p.dlError = ""
	return p.dlErrorBuf
}

// dladdrGuest fills a Dl_info {fname, fbase, sname, saddr} for an address
// (a data address or a function pointer) and returns non-zero if found.
func (p *Process) dladdrGuest(ctx context.Context, addr, info uint32) uint32 {
	if p.memory == nil || p.materialize() != nil {
		return 0
	}
	if _, ok := p.memory.Read(info, 16); !ok {
		return 0
	}
	var owner *object
	var sname string
	var saddr uint32
	// A function pointer: the slot's owner, whether wasmdl gave the slot
	// or the module's own element segment holds it (a non-PIC main's
	// functions, a library's functions whose address it takes itself).
	funcName := func(o *object, fi uint32) string {
		name := ""
		for n, s := range o.info.symbols {
			if s.Func && s.Index == fi && (name == "" || n < name) {
				name = n
			}
		}
		return name
	}
	for k, slot := range p.slots {
		if o := p.byID[k.id]; slot == addr && o != nil && o.state != stateClosed {
			owner, saddr, sname = o, addr, funcName(o, k.fn)
		}
	}
	for _, o := range p.objects {
		if owner != nil || o.state == stateClosed || addr == 0 {
			break
		}
		base := uint32(0)
		if o.info.pic {
			base = o.tableBase
		}
		for fi, rel := range o.info.elemSlot {
			if base+rel == addr {
				owner, saddr, sname = o, addr, funcName(o, fi)
				break
			}
		}
	}
	if owner == nil {
		for _, o := range p.objects {
			start, end, base := o.memoryBase, o.memoryBase+o.memorySize, o.memoryBase
			if !o.info.pic {
				start, end, base = mainDataRange(o)
			}
			if o.state == stateClosed || addr == 0 || addr < start || addr >= end {
				continue
			}
			owner = o
			for n, s := range o.info.symbols {
				if v := base + s.Value; !s.Func && !s.TLS && v <= addr && (v > saddr || v == saddr && (sname == "" || n < sname)) {
					sname, saddr = n, v
				}
			}
			break
		}
	}
	if owner == nil {
		return 0
	}
	fname, err := p.guestString(ctx, owner, p.displayName(owner))
	if err != nil {
		return 0
	}
	var snamePtr uint32
	if sname != "" {
		if snamePtr, err = p.guestString(ctx, owner, sname); err != nil {
			return 0
		}
	}
	p.memory.WriteUint32Le(info, fname)
	p.memory.WriteUint32Le(info+4, owner.memoryBase)
	p.memory.WriteUint32Le(info+8, snamePtr)
	p.memory.WriteUint32Le(info+12, saddr)
	return 1
}

// mainDataRange is the memory a non-PIC main's data occupies, from its
// active data segments and exported data symbols (absolute addresses), and
// the base its symbol values are relative to (0).
func mainDataRange(o *object) (start, end, base uint32) {
	f := o.info.file
	start = ^uint32(0)
	eval := func(g uint32) (uint64, bool) {
		v, ok := f.GlobalValue(g)
		return uint64(uint32(v)), ok
	}
	for _, d := range f.Data {
		if d.Mode != wasmfile.ModeActive {
			continue
		}
		off, err := d.Offset.Eval(eval)
		if err != nil {
			continue
		}
		start, end = min(start, uint32(off)), max(end, uint32(off)+d.Size)
	}
	for _, s := range o.info.symbols {
		if !s.Func && !s.TLS && s.ValueKnown && !strings.HasPrefix(s.Name, "__") {
			start, end = min(start, s.Value), max(end, s.Value+1)
		}
	}
	if start > end {
		return 0, 0, 0
	}
	return start, end, 0
}

// programName is how glibc names the main program in messages: argv[0].
func (p *Process) programName() string {
	if len(p.args) > 0 && p.args[0] != "" {
		return p.args[0]
	}
	return p.main.name
}

// displayName is a library's name as glibc's link map holds it: the name
// it was opened under when that was a path, else the path it was found at.
func (p *Process) displayName(o *object) string {
	if o.isMain {
		return p.programName()
	}
	if containsSlash(o.name) {
		return o.name
	}
	return p.deps.searcher.Display(o.path)
}

// guestString places s in loader-owned memory, once per object that owns
// it (a library's name and symbol names for dladdr), and returns its
// address. The strings are freed with their object when it is unloaded,
// as glibc's link map names are.
func (p *Process) guestString(ctx context.Context, owner *object, s string) (uint32, error) {
	if a, ok := owner.strings[s]; ok {
		return a, nil
	}
	a, err := p.allocGuest(ctx, "dladdr names", uint32(len(s)+1), 1)
	if err != nil {
		return 0, err
	}
	p.memory.Write(a, append([]byte(s), 0))
	if owner.strings == nil {
		owner.strings = map[string]uint32{}
	}
	owner.strings[s] = a
	return a, nil
}

// lazyRef is a function an object opened with RTLD_LAZY imports and no
// one defined when it was loaded.
type lazyRef struct {
	o    *object
	name string
	typ  wasmfile.FuncType
}

func (p *Process) noteLazy(id int32, r lazyRef) {
	if p.lazyRefs == nil {
		p.lazyRefs = map[int32]lazyRef{}
	}
	p.lazyRefs[id] = r
}

// lazyBind is glibc's lazy binding for a call through a lazy stub: it
// looks the function up in the calling object's scope now (a library
// opened with RTLD_GLOBAL since may define it) and returns its table slot,
// or traps with ld.so's "symbol lookup error" when it is still undefined.
func (p *Process) lazyBind(ctx context.Context, id int32) uint32 {
	fail := func() { panic(&WeakCallError{Msg: p.l.messages.text(id), Lookup: true}) }
	r, ok := p.lazyRefs[id]
	if !ok || r.o.state == stateClosed || p.materialize() != nil {
		fail()
	}
	scope, _, err := p.dlsymScope(r.o, handleDefault)
	if err != nil {
		fail()
	}
	var found *object
	for _, o := range scope {
		if s, ok := o.info.symbols[r.name]; ok && s.Func && o.state != stateClosed {
			found = o
			break
		}
	}
	if found == nil || !found.info.funcType[r.name].Equal(r.typ) {
		fail()
	}
	slot, err := p.ensureSlot(ctx, found, r.name)
	if err != nil {
		fail()
	}
	r.o.addRelDep(found)
	return slot
}

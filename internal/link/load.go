package link

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// This file is the load order. Load (and, for libdl, open) run the same
// stages on a batch of new objects, in this order:
//
//	loadDeps        read the main module, preloads and the NEEDED closure
//	checkObjects    every library must be position-independent
//	chooseShared    who provides memory, table, stack pointer (main or us)
//	layoutBatch     __memory_base, __table_base, TLS blocks, stack
//	orderBatch      instantiation order: definers before users where possible
//	bindBatch       resolve every import: GOT values, function bindings
//	instantiate     environment, GOT modules, then glue + module, one by one
//	fillTable       put functions into the table slots chosen for them
//	initBatch       TLS init, then every __wasm_apply_data_relocs, then
//	                constructors, dependencies first, the main last
//
// Everything a module will read while it is instantiated (bases, GOT
// entries) is final before the first instantiation, which is what modules
// that relocate in their start function (LLVM 14, Emscripten 3.1) need.

// Process is one program: a main module, its libraries, one memory, one
// table, one stack pointer and one WASI context.
type Process struct {
	l  *Linker
	mu sync.Mutex

	main    *object
	objects []*object // every live object, in load order (the global scope is the global ones)
	byID    map[int]*object
	nextID  int
	deps    *depResolver
	args    []string

	shared     map[string]sharedItem // memory, table, stack pointer: who provides them
	env        api.Module            // the generated environment, if any
	tableOps   api.Module
	memory     api.Memory
	mem        allocator
	table      allocator
	memShared  bool
	stackLow   uint32
	stackHigh  uint32
	heapBase   uint32
	memFloor   uint64             // a non-PIE main's own memory: data, stack, heap
	tableFloor uint64             // a non-PIE main's own table slots
	slots      map[slotKey]uint32 // the one table slot of each function
	hostSlots  map[string]uint32  // slots of wasmdl host functions whose address was taken
	tags       map[string]wasmfile.FuncType
	wasiOwner  api.Module
	generated  []api.Module // generated instances, for Close
	tombstones []tombstone
	closed     bool

	// libdl state.
	dlError    string            // pending dlerror message
	dlErrorBuf uint32            // guest buffer dlerror returns
	exiting    bool              // exit handlers are running
	exitSeq    uint64            // counts exit handler registrations
	strings    map[string]uint32 // guest copies of names, for dladdr
}

type slotKey struct {
	o  *object
	fn uint32
}

// batch is the set of objects one Load or dlopen adds, with the lookup scope
// they all resolve through.
type batch struct {
	objects   []*object // new objects, load order
	roots     []*object // what was asked for: main + preloads, or the dlopen'ed library
	instOrder []*object
	scope     []*object // global scope, then the roots' local scope
	gotMem    map[string]uint32
	gotFunc   map[string]uint32
	gotMemMod api.Module
	gotFunMod api.Module
	fills     []slotFill
	funcs     map[*object]map[string]*funcBinding
	position  map[*object]int
	generated []api.Module // GOT modules, filler: closed when live reaches 0
	live      int          // objects of the batch still loaded
}

// Load reads the main module and its libraries, links them into a new
// process and runs their relocations and constructors. The returned process
// is ready for Run. On error nothing is left instantiated.
func (l *Linker) Load(ctx context.Context, mainPath string, args []string) (*Process, error) {
	name := mainPath
	if !strings.Contains(name, "/") {
		name = "./" + name
	}
	p := l.newProcess(args)
	main, _, err := p.deps.loadObject(search.Request{Name: name}, nil)
	if err != nil {
		var me *MissingError
		if errors.As(err, &me) {
			return nil, fmt.Errorf("%s: %w", mainPath, me.Err)
		}
		return nil, err
	}
	main.name = path.Base(main.path)
	return l.start(ctx, p, main)
}

// LoadEmpty starts a process with no program of its own: an empty
// position-independent main, so that a host can open libraries into it.
func (l *Linker) LoadEmpty(ctx context.Context) (*Process, error) {
	p := l.newProcess(nil)
	mi, err := l.infos.get(emptyMain)
	if err != nil {
		return nil, err
	}
	main := &object{name: "(empty main)", path: path.Join(p.deps.searcher.Cwd, "(empty main)"), via: "wasmdl", info: mi}
	return l.start(ctx, p, main)
}

// emptyMain is a position-independent module with no code and no data.
var emptyMain = func() []byte {
	var m wasmgen.Module
	m.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
	b, err := wasmfile.WithDylink(m.Bytes(), &wasmfile.Dylink{})
	if err != nil {
		panic(err)
	}
	return b
}()

func (l *Linker) newProcess(args []string) *Process {
	p := &Process{
		l: l, byID: map[int]*object{}, shared: map[string]sharedItem{},
		slots: map[slotKey]uint32{}, hostSlots: map[string]uint32{}, tags: map[string]wasmfile.FuncType{},
		args: args,
	}
	p.deps = &depResolver{searcher: l.searcher(""), cache: &l.infos, byName: map[string]*object{}, byPath: map[string]*object{}}
	return p
}

// start links the main module with its preloads and NEEDED closure.
func (l *Linker) start(ctx context.Context, p *Process, main *object) (_ *Process, err error) {
	if err := l.instantiateHosts(ctx); err != nil {
		return nil, fmt.Errorf("wasmdl host modules: %w", err)
	}
	defer func() {
		if err != nil {
			p.Close(ctx)
		}
	}()
	main.isMain = true
	s := p.deps.searcher
	s.MainDir = main.dir()
	l.debugf("libs", "main %s", s.Display(main.path))

	// Preloads come right after the main in the global scope, so their
	// definitions interpose on everything the main's libraries define.
	var errs LinkErrors
	roots := []*object{main}
	for _, pre := range l.cfg.Preload {
		o, isNew, err := p.deps.loadObject(search.Request{Name: pre, Origin: main.dir()}, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if isNew {
			roots = append(roots, o)
		}
	}
	added, depErrs := p.deps.loadDeps(roots)
	errs = append(errs, depErrs...)
	b := &batch{roots: roots, objects: append(append([]*object{}, roots...), added...)}
	for _, o := range b.objects {
		p.adopt(o, b)
		o.global, o.startup = true, true
		l.debugf("libs", "%s => %s (via %s, needed by %s)", o.name, p.deps.searcher.Display(o.path), o.via, nameOrDash(o.neededByName()))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := p.chooseShared(b); err != nil {
		return nil, err
	}
	if err := p.linkBatch(ctx, b, false); err != nil {
		return nil, err
	}
	return p, nil
}

// linkBatch runs the stages after loading on a batch of new objects: the
// same for the initial load and for every dlopen. With lazy, an undefined
// function is bound to a stub that fails when called (RTLD_LAZY) instead of
// failing the load; data references are always resolved immediately.
func (p *Process) linkBatch(ctx context.Context, b *batch, lazy bool) error {
	if errs := p.checkObjects(b); len(errs) > 0 {
		return errs
	}
	if err := p.layoutBatch(b); err != nil {
		return err
	}
	p.orderBatch(b)
	b.scope = p.batchScope(b)
	if errs := p.bindBatch(b, lazy); len(errs) > 0 {
		return errs
	}
	if err := p.instantiateBatch(ctx, b); err != nil {
		return err
	}
	return p.initBatch(ctx, b)
}

// batchScope is the lookup scope of a batch: the global scope (main, then
// libraries in load order, then RTLD_GLOBAL ones), followed by the local
// scope of each root (itself and its dependencies, breadth-first), so that
// an RTLD_LOCAL library sees its own definitions and its dependencies'.
func (p *Process) batchScope(b *batch) []*object {
	scope := p.globalScope()
	seen := map[*object]bool{}
	for _, o := range scope {
		seen[o] = true
	}
	for _, r := range b.roots {
		for _, o := range localScope(r) {
			if !seen[o] {
				seen[o] = true
				scope = append(scope, o)
			}
		}
	}
	return scope
}

// loadOrderScope is what glibc sorts for initialisation: the main's search
// list (everything loaded with it) for the first batch, the dlopen'ed
// root's local scope for later ones.
func (p *Process) loadOrderScope(b *batch) []*object {
	if len(b.roots) > 0 && b.roots[0].isMain {
		return b.objects
	}
	var out []*object
	for _, r := range b.roots {
		out = append(out, localScope(r)...)
	}
	return out
}

// localScope is o followed by its dependencies, breadth-first.
func localScope(o *object) []*object {
	out := []*object{o}
	seen := map[*object]bool{o: true}
	for i := 0; i < len(out); i++ {
		for _, d := range out[i].needed {
			if !seen[d] && d.state != stateClosed {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

func nameOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// adopt gives o its process-wide id and puts it in the load order.
func (p *Process) adopt(o *object, b *batch) {
	o.batch = b
	b.live++
	o.id = p.nextID
	p.nextID++
	p.byID[o.id] = o
	p.objects = append(p.objects, o)
	if o.isMain {
		p.main = o
	}
}

func (p *Process) globalScope() []*object {
	var s []*object
	for _, o := range p.objects {
		if o.global && o.state != stateClosed {
			s = append(s, o)
		}
	}
	return s
}

// checkObjects refuses libraries that cannot be placed: only
// position-independent modules can live at a base the loader chooses.
func (p *Process) checkObjects(b *batch) LinkErrors {
	var errs LinkErrors
	for _, o := range b.objects {
		if o.isMain {
			continue
		}
		if !o.info.pic {
			errs = append(errs, fmt.Errorf("%s: not a position-independent shared library (it does not import env.__memory_base): rebuild it with -fPIC and link it with -shared", o.name))
		}
	}
	return errs
}

// chooseShared decides where the process's memory, table and stack pointer
// come from: a non-PIE main that defines them is adopted (it was linked to
// own them); everything else is created by a generated environment module.
func (p *Process) chooseShared(b *batch) error {
	mf := p.main.info.file
	for _, item := range []struct {
		name string
		kind wasmfile.ExternKind
		has  bool
	}{
		{wasmfile.NameMemory, wasmfile.KindMemory, len(mf.Memories) > 0},
		{wasmfile.NameTable, wasmfile.KindTable, len(mf.Tables) > 0},
		{wasmfile.NameStackPointer, wasmfile.KindGlobal, definesStackPointer(mf)},
	} {
		if !item.has {
			p.shared[item.name] = sharedItem{}
			continue
		}
		exp := exportOf(mf, item.kind, item.name)
		if exp == "" {
			if p.needs(b, item.name) {
				return fmt.Errorf("%s: defines its own %s but does not export it, so libraries cannot share it: link it with -Wl,--export=%s (or import it)", p.main.name, item.name, item.name)
			}
			continue
		}
		p.shared[item.name] = sharedItem{provider: p.main, export: exp}
	}
	for _, o := range b.objects {
		for _, ci := range o.info.imports {
			if ci.Role == wasmfile.RoleMemory && ci.Memory.Limits.Shared {
				p.memShared = true
			}
		}
	}
	return nil
}

func definesStackPointer(f *wasmfile.File) bool {
	e, ok := f.Export(wasmfile.NameStackPointer)
	return ok && e.Kind == wasmfile.KindGlobal && e.Index >= f.NumImportedGlobals()
}

// exportOf returns the name under which f exports its first defined item of
// kind (preferring the ABI name), or "".
func exportOf(f *wasmfile.File, kind wasmfile.ExternKind, preferred string) string {
	if e, ok := f.Export(preferred); ok && e.Kind == kind {
		return e.Name
	}
	for _, e := range f.Exports {
		if e.Kind == kind && e.Index == 0 {
			return e.Name
		}
	}
	return ""
}

// needs reports whether any object of b other than the main imports item from env.
func (p *Process) needs(b *batch, item string) bool {
	for _, o := range b.objects {
		if o.isMain {
			continue
		}
		for _, ci := range o.info.imports {
			if ci.Module == "env" && ci.Name == item {
				return true
			}
		}
	}
	return false
}

// layoutBatch chooses every new object's __memory_base, __table_base and
// TLS block. For the first batch it also sets up the address spaces: a
// non-PIE main keeps its own data, stack and heap below its initial memory
// size and its table slots below its initial table size, so libraries go
// above both; a PIE main gets a stack (16-byte aligned top) and everything
// is placed from address 1024 up (low addresses stay unused, so a null
// pointer plus a small offset never lands in data).
func (p *Process) layoutBatch(b *batch) error {
	cfg := &p.l.cfg
	limit := uint64(cfg.maxPages()) * pageSize
	if p.mem.what == "" {
		mf := p.main.info.file
		p.mem = allocator{what: "memory", limit: limit, unit: pageSize}
		p.table = allocator{what: "table", limit: 1 << 31, unit: 1}
		if !p.main.info.pic {
			floor := uint64(0)
			for _, im := range mf.Imports {
				if im.Kind == wasmfile.KindMemory {
					floor = im.Memory.Limits.Min * pageSize
				}
			}
			if len(mf.Memories) > 0 {
				floor = mf.Memories[0].Limits.Min * pageSize
			}
			p.mem.end, p.mem.brk = floor, floor
			p.memFloor = floor
			tfloor := uint64(1)
			for _, im := range mf.Imports {
				if im.Kind == wasmfile.KindTable && im.Table.Limits.Min > tfloor {
					tfloor = im.Table.Limits.Min
				}
			}
			if len(mf.Tables) > 0 && mf.Tables[0].Limits.Min > tfloor {
				tfloor = mf.Tables[0].Limits.Min
			}
			p.table.end, p.table.brk = tfloor, tfloor
			p.tableFloor = tfloor
		} else {
			p.mem.brk = 1024
			p.table.end, p.table.brk = 1, 1 // slot 0 stays null
			size := cfg.stackSize()
			low, err := p.mem.alloc(size, 16)
			if err != nil {
				return fmt.Errorf("stack of %d bytes: %w", size, err)
			}
			p.stackLow, p.stackHigh = low, low+size
		}
	}
	for _, o := range b.objects {
		mi := o.info
		if !mi.pic {
			continue
		}
		var err error
		o.memorySize = mi.memInfo.MemorySize
		if o.memoryBase, err = p.mem.alloc(o.memorySize, 1<<mi.memInfo.MemoryAlign); err != nil {
			return fmt.Errorf("%s: cannot place its %d bytes of data: %w", o.name, o.memorySize, err)
		}
		o.tableSize = mi.memInfo.TableSize
		if o.tableBase, err = p.allocSlots(o.tableSize, 1<<mi.memInfo.TableAlign); err != nil {
			return fmt.Errorf("%s: cannot place its %d table slots: %w", o.name, o.tableSize, err)
		}
		if mi.hasTLS {
			if o.tlsBase, err = p.mem.alloc(mi.tlsSize, mi.tlsAlign); err != nil {
				return fmt.Errorf("%s: cannot place its %d bytes of thread-local data: %w", o.name, mi.tlsSize, err)
			}
		}
	}
	if p.heapBase == 0 && p.main.info.pic {
		// A PIE main's heap starts above everything placed at load time.
		p.heapBase = alignUp(uint32(p.mem.brk), 16)
		if p.mem.end < p.mem.brk+pageSize {
			p.mem.end = alignUp64(p.mem.brk+pageSize, pageSize)
		}
	}
	return nil
}

// orderBatch decides the instantiation order. Dependencies come before
// the modules that need them, so most function imports bind directly to an
// existing instance; imports of modules not instantiated yet go through a
// table trampoline. A main that provides the memory, table or stack pointer
// must exist before anyone imports them, so it comes first.
func (p *Process) orderBatch(b *batch) {
	mainFirst := false
	for _, s := range p.shared {
		if s.provider == p.main {
			mainFirst = true
		}
	}
	inBatch := map[*object]bool{}
	for _, o := range b.objects {
		inBatch[o] = true
	}
	order := initOrder(p.loadOrderScope(b), func(o *object) bool { return inBatch[o] })
	if mainFirst && inBatch[p.main] {
		rest := order[:0:0]
		for _, o := range order {
			if o != p.main {
				rest = append(rest, o)
			}
		}
		order = append([]*object{p.main}, rest...)
	}
	b.instOrder = order
	b.position = map[*object]int{}
	for i, o := range order {
		b.position[o] = i
	}
}

// symbolIndex maps each name to its first definition in a scope.
type symbolIndex struct {
	funcs map[string]*object
	data  map[string]*object
}

func buildIndex(scope []*object) symbolIndex {
	idx := symbolIndex{funcs: map[string]*object{}, data: map[string]*object{}}
	for _, o := range scope {
		for name, s := range o.info.symbols {
			m := idx.data
			if s.Func {
				m = idx.funcs
			}
			if _, taken := m[name]; !taken {
				m[name] = o
			}
		}
	}
	return idx
}

// bindBatch resolves every import of the batch through its scope: the
// first definition wins, so the main interposes on its libraries and an
// earlier library on a later one. It fills the batch's GOT values and each
// object's function bindings, and returns every undefined symbol and
// signature mismatch it finds.
func (p *Process) bindBatch(b *batch, lazy bool) LinkErrors {
	var errs LinkErrors
	idx := buildIndex(b.scope)
	b.gotMem, b.gotFunc = map[string]uint32{}, map[string]uint32{}
	b.funcs = map[*object]map[string]*funcBinding{}
	for _, o := range b.instOrder {
		funcs := map[string]*funcBinding{}
		b.funcs[o] = funcs
		f := o.info.file
		for _, ci := range o.info.imports {
			name := ci.Name
			switch ci.Role {
			case wasmfile.RoleFunc:
				want := f.Types[ci.TypeIndex]
				fb := &funcBinding{name: name, typ: want}
				if ht, ok := p.l.isHostFunc(name); ok && overridden(name, o.isMain) {
					if !ht.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: "wasmdl", Want: want.String(), Have: ht.String()})
						continue
					}
					fb.kind = bindHost
					p.l.debugf("bindings", "%s: env.%s -> wasmdl", o.name, name)
				} else if def := idx.funcs[name]; def != nil {
					have := def.info.funcType[name]
					if !have.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: def.name, Want: want.String(), Have: have.String()})
						continue
					}
					fb.def = def
					o.addRelDep(def)
					if p.instantiatedBefore(b, def, o) {
						fb.kind = bindDirect
					} else {
						fb.kind = bindTrampoline
						fb.slot = p.canonicalSlot(b, def, name)
					}
					p.l.debugf("bindings", "%s: env.%s -> %s (%s)", o.name, name, def.name, map[bindKind]string{bindDirect: "direct", bindTrampoline: fmt.Sprintf("trampoline via slot %d", fb.slot)}[fb.kind])
				} else if ht, ok := p.l.isHostFunc(name); ok {
					if !ht.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: "wasmdl", Want: want.String(), Have: ht.String()})
						continue
					}
					fb.kind = bindHost
					p.l.debugf("bindings", "%s: env.%s -> wasmdl", o.name, name)
				} else if ci.Weak {
					fb.kind = bindMissingWeak
					fb.id = missingID(fmt.Sprintf("call to undefined weak function %s (imported by %s)", name, o.name))
					p.l.debugf("bindings", "%s: env.%s -> undefined weak (traps if called)", o.name, name)
				} else if lazy {
					fb.kind = bindMissingWeak
					fb.id = missingID(fmt.Sprintf("symbol lookup error: %s: undefined symbol: %s", o.name, name))
					p.l.debugf("bindings", "%s: env.%s -> undefined, RTLD_LAZY (traps if called)", o.name, name)
				} else {
					errs = append(errs, &UndefinedError{Symbol: name, NeededBy: o.name})
					continue
				}
				funcs[name] = fb
			case wasmfile.RoleGOTMem:
				v, ok := p.dataAddress(idx, name)
				if !ok {
					if !ci.Weak {
						errs = append(errs, &UndefinedError{Symbol: name, NeededBy: o.name})
						continue
					}
					v = 0
				}
				b.gotMem[name] = v
				if def := idx.data[name]; def != nil {
					o.addRelDep(def)
				}
				p.l.debugf("bindings", "%s: GOT.mem.%s = 0x%x (%s)", o.name, name, v, nameOrDash(nameOf(idx.data[name])))
			case wasmfile.RoleGOTFunc:
				var v uint32
				if def := idx.funcs[name]; def != nil {
					o.addRelDep(def)
					v = p.canonicalSlot(b, def, name)
				} else if _, ok := p.l.isHostFunc(name); ok {
					v = p.hostSlot(b, name)
				} else if !ci.Weak {
					errs = append(errs, &UndefinedError{Symbol: name, NeededBy: o.name})
					continue
				}
				b.gotFunc[name] = v
				p.l.debugf("bindings", "%s: GOT.func.%s = slot %d (%s)", o.name, name, v, nameOrDash(nameOf(idx.funcs[name])))
			case wasmfile.RoleTag:
				if int(ci.Tag.TypeIndex) < len(f.Types) {
					p.tags[name] = f.Types[ci.Tag.TypeIndex]
				}
			case wasmfile.RoleMemory, wasmfile.RoleTable, wasmfile.RoleStackPointer:
				if s, ok := p.shared[name]; ok && s.provider == o {
					errs = append(errs, fmt.Errorf("%s: imports env.%s, which it should provide", o.name, name))
				}
			case wasmfile.RoleMemoryBase, wasmfile.RoleTableBase, wasmfile.RoleGlobal:
				if _, ok := p.envGlobal(o, name); !ok && !ci.Weak {
					errs = append(errs, &UndefinedError{Symbol: name, NeededBy: o.name})
				}
			}
		}
	}
	return errs
}

// instantiatedBefore reports whether def's instance exists when o is instantiated.
func (p *Process) instantiatedBefore(b *batch, def, o *object) bool {
	if def.state >= stateInstantiated {
		return true
	}
	dp, ok := b.position[def]
	return ok && dp < b.position[o]
}

// canonicalSlot returns the one table slot of function name defined by def:
// the slot its own element segment gives it, or a new slot the filler will
// set. Every module that takes the function's address gets this slot, so
// function pointers compare equal across modules.
func (p *Process) canonicalSlot(b *batch, def *object, name string) uint32 {
	sym := def.info.symbols[name]
	key := slotKey{def, sym.Index}
	if s, ok := p.slots[key]; ok {
		return s
	}
	var slot uint32
	if rel, ok := def.info.elemSlot[sym.Index]; ok {
		slot = rel
		if def.info.pic {
			slot += def.tableBase
		}
	} else {
		slot, _ = p.allocSlots(1, 1)
		def.extraSlots = append(def.extraSlots, slot)
		b.fills = append(b.fills, slotFill{slot: slot, def: def, name: name, typ: def.info.funcType[name]})
	}
	p.slots[key] = slot
	return slot
}

func (p *Process) hostSlot(b *batch, name string) uint32 {
	if s, ok := p.hostSlots[name]; ok {
		return s
	}
	slot, _ := p.allocSlots(1, 1)
	t, _ := p.l.isHostFunc(name)
	b.fills = append(b.fills, slotFill{slot: slot, def: nil, name: name, typ: t})
	p.hostSlots[name] = slot
	return slot
}

// dataAddress is the absolute address of data symbol name in idx's scope,
// or of a layout symbol the loader defines for a PIE main.
func (p *Process) dataAddress(idx symbolIndex, name string) (uint32, bool) {
	if def := idx.data[name]; def != nil {
		s := def.info.symbols[name]
		switch {
		case s.TLS:
			return def.tlsBase + s.Value, true
		case def.info.pic:
			return def.memoryBase + s.Value, true
		default:
			return s.Value, true
		}
	}
	return p.layoutSymbol(name)
}

// layoutSymbol returns the values of the linker-defined layout symbols,
// which only exist when the loader laid the memory out (a PIE main).
func (p *Process) layoutSymbol(name string) (uint32, bool) {
	if !p.main.info.pic {
		return 0, false
	}
	switch name {
	case "__heap_base":
		return p.heapBase, true
	case "__heap_end":
		return uint32(min(p.mem.end, 0xffffffff)), true
	case "__stack_low":
		return p.stackLow, true
	case "__stack_high":
		return p.stackHigh, true
	}
	return 0, false
}

// envGlobal is the value of an env global import of o.
func (p *Process) envGlobal(o *object, name string) (uint32, bool) {
	switch name {
	case wasmfile.NameMemoryBase:
		return o.memoryBase, true
	case wasmfile.NameTableBase:
		return o.tableBase, true
	}
	return p.layoutSymbol(name)
}

func (p *Process) sharedModName(item string) string { return modShared + item }

// resolve maps an import module name to the instance that provides it, for
// the instantiation of o (nil for generated modules).
func (p *Process) resolve(name string, o *object, b *batch, defs []*object) api.Module {
	switch {
	case name == "env" && o != nil:
		return o.glue
	case name == "GOT.mem" && b != nil:
		return b.gotMemMod
	case name == "GOT.func" && b != nil:
		return b.gotFunMod
	case name == "wasi_snapshot_preview1":
		return p.l.wasi
	case name == modHost:
		return p.l.host
	case strings.HasPrefix(name, modShared):
		item := strings.TrimPrefix(name, modShared)
		if strings.HasPrefix(item, "tag:") {
			return p.env
		}
		if s := p.shared[item]; s.provider != nil {
			return s.provider.instance
		}
		return p.env
	case strings.HasPrefix(name, "$g"):
		var i int
		if _, err := fmt.Sscanf(name, "$g%d", &i); err == nil && i >= 0 && i < len(defs) {
			return defs[i].glue
		}
	case strings.HasPrefix(name, "$d"):
		var i int
		if _, err := fmt.Sscanf(name, "$d%d", &i); err == nil && i >= 0 && i < len(defs) {
			return defs[i].instance
		}
	}
	return nil
}

// quietConfig instantiates modules whose WASI state is never used:
// libraries (their WASI calls act on the main's state) and generated
// modules. Anonymous, no start functions, and a fixed random source, which
// spares wazero seeding a math/rand generator (about 50 µs) per instance.
var quietConfig = wazero.NewModuleConfig().WithName("").WithStartFunctions().WithRandSource(zeroReader{})

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// instantiateGenerated compiles (cached by content) and instantiates a
// module wasmdl generated.
func (p *Process) instantiateGenerated(ctx context.Context, what string, data []byte, o *object, b *batch, defs []*object) (api.Module, error) {
	cm, err := p.l.compile(ctx, contentKey(data), data)
	if err != nil {
		return nil, fmt.Errorf("internal error: generated %s does not compile: %w", what, err)
	}
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module { return p.resolve(name, o, b, defs) })
	m, err := p.l.rt.InstantiateModule(ctx, cm, quietConfig)
	if err != nil {
		return nil, fmt.Errorf("instantiate generated %s: %w", what, err)
	}
	switch {
	case o != nil:
		// a glue module: closed with its object
	case b != nil && p.env != nil:
		b.generated = append(b.generated, m)
	default:
		p.generated = append(p.generated, m)
	}
	p.l.owners.Store(m, p)
	return m, nil
}

// instantiateBatch creates the environment (first batch only), the batch's
// GOT modules, then each object preceded by its glue, and finally fills the
// table slots chosen during binding.
func (p *Process) instantiateBatch(ctx context.Context, b *batch) error {
	if p.memory == nil && p.env == nil {
		if err := p.createEnv(ctx, b); err != nil {
			return err
		}
	}
	var err error
	if b.gotMemMod, err = p.instantiateGenerated(ctx, "GOT.mem", buildGOT(b.gotMem), nil, b, nil); err != nil {
		return err
	}
	if b.gotFunMod, err = p.instantiateGenerated(ctx, "GOT.func", buildGOT(b.gotFunc), nil, b, nil); err != nil {
		return err
	}
	for _, o := range b.instOrder {
		if err := p.syncSpaces(ctx); err != nil {
			return err
		}
		glue, defs, err := p.buildGlue(o, b.funcs[o])
		if err != nil {
			return err
		}
		if o.glue, err = p.instantiateGenerated(ctx, "env for "+o.name, glue, o, b, defs); err != nil {
			return err
		}
		if err := p.instantiateObject(ctx, o, b); err != nil {
			return err
		}
	}
	if err := p.syncSpaces(ctx); err != nil {
		return err
	}
	return p.fillTable(ctx, b)
}

// createEnv instantiates the generated environment with whatever the main
// does not provide, sized for the first batch.
func (p *Process) createEnv(ctx context.Context, b *batch) error {
	var mem, table *wasmfile.Limits
	var sp *uint32
	if p.shared[wasmfile.NameMemory].provider == nil {
		l := wasmfile.Limits{Min: alignUp64(p.mem.end, pageSize) / pageSize, HasMax: true, Max: uint64(p.l.cfg.maxPages()), Shared: p.memShared}
		for _, o := range b.objects {
			for _, ci := range o.info.imports {
				if ci.Role == wasmfile.RoleMemory && ci.Memory.Limits.HasMax && ci.Memory.Limits.Max < l.Max {
					l.Max = ci.Memory.Limits.Max
				}
			}
		}
		if l.Min > l.Max {
			return fmt.Errorf("memory: %d pages needed but the limit is %d pages (%d MiB)", l.Min, l.Max, l.Max/16)
		}
		mem = &l
	}
	if p.shared[wasmfile.NameTable].provider == nil {
		table = &wasmfile.Limits{Min: p.table.end}
	}
	if p.shared[wasmfile.NameStackPointer].provider == nil {
		top := p.stackHigh
		sp = &top
	}
	env, err := p.instantiateGenerated(ctx, "environment", buildEnv(mem, table, sp, p.tags), nil, b, nil)
	if err != nil {
		return err
	}
	p.env = env
	for item, s := range p.shared {
		if s.provider == nil {
			s.export = item
			p.shared[item] = s
		}
	}
	if mem != nil {
		p.memory = env.Memory()
	}
	return nil
}

// syncSpaces grows the real memory and table to what the allocators have
// handed out, once their providers exist.
func (p *Process) syncSpaces(ctx context.Context) error {
	if p.memory == nil {
		if s := p.shared[wasmfile.NameMemory]; s.provider != nil && s.provider.instance != nil {
			p.memory = s.provider.instance.Memory()
		}
	}
	if p.memory != nil {
		have := uint64(p.memory.Size())
		if p.mem.end > have {
			if _, ok := p.memory.Grow(uint32((p.mem.end - have + pageSize - 1) / pageSize)); !ok {
				return fmt.Errorf("memory: cannot grow to %d bytes", p.mem.end)
			}
		}
		if have > p.mem.end && have > p.mem.brk {
			// The program grew the memory itself (its heap): new loader
			// allocations must go above that.
			p.mem.end, p.mem.brk = have, have
		}
	}
	if p.tableOps == nil {
		tp := p.shared[wasmfile.NameTable]
		if tp.provider != nil && tp.provider.instance == nil {
			return nil
		}
		ops, err := p.instantiateGenerated(ctx, "table helpers", buildTableOps(tp.export), nil, nil, nil)
		if err != nil {
			return err
		}
		p.tableOps = ops
	}
	res, err := p.tableOps.ExportedFunction("size").Call(ctx)
	if err != nil {
		return err
	}
	if have := res[0]; p.table.end > have {
		if _, err := p.tableOps.ExportedFunction("grow").Call(ctx, p.table.end-have); err != nil {
			return err
		}
	}
	return nil
}

// instantiateObject instantiates one module with its imports resolved
// through its glue, the batch's GOT and the process's WASI forwarder.
func (p *Process) instantiateObject(ctx context.Context, o *object, b *batch) error {
	cm, err := p.l.compile(ctx, o.info.key, o.info.data)
	if err != nil {
		return fmt.Errorf("%s: compile: %w", o.name, err)
	}
	cfg := quietConfig
	if o.isMain && p.l.cfg.ModuleConfig != nil {
		cfg = p.l.cfg.ModuleConfig.WithName("").WithStartFunctions()
	}
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module { return p.resolve(name, o, b, nil) })
	inst, err := p.l.rt.InstantiateModule(ctx, cm, cfg)
	if err != nil {
		return fmt.Errorf("%s: instantiate: %w", o.name, err)
	}
	o.instance = inst
	o.state = stateInstantiated
	p.l.owners.Store(inst, p)
	if o.isMain {
		p.wasiOwner = inst
	}
	return nil
}

// fillTable instantiates the batch's filler, whose element segments place
// each function that needed a new slot.
func (p *Process) fillTable(ctx context.Context, b *batch) error {
	for _, o := range b.instOrder {
		if len(o.tramps) > 0 {
			data, defs := buildTrampFiller(o)
			if _, err := p.instantiateGenerated(ctx, "trampolines of "+o.name, data, nil, b, defs); err != nil {
				return err
			}
		}
	}
	if len(b.fills) == 0 {
		return nil
	}
	data, defs := p.buildFiller(b.fills)
	_, err := p.instantiateGenerated(ctx, "table filler", data, nil, b, defs)
	return err
}

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

package link

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/mmapmem"
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
//	planBatch       decide each module's imports' providers; the first batch
//	                becomes one merged module (merge.go), later ones are
//	                renamed to import from their providers, with a hub for
//	                what no instance provides
//	instantiate     environment, then the merged module, or the batch hub
//	                (with its GOT) and each module
//	finisher        (separate instances) one generated module puts functions
//	                into their table slots; its run makes initBatch's calls
//	initBatch       TLS init, then every __wasm_apply_data_relocs, then
//	                constructors, dependencies first, the main last
//
// A Linker keeps the plan of each program's first batch (everything up to
// planBatch, see prelink.go): loading the same program again restores it
// and goes straight to instantiation.
//
// Everything a module will read while it is instantiated (bases, GOT
// entries) is final before the first instantiation, which is what modules
// that relocate in their start function (LLVM 14, Emscripten 3.1) need.

// Process is one program: a main module, its libraries, one memory, one
// table, one stack pointer and one WASI context.
type Process struct {
	l  *Linker
	mu entryLock // held by whatever runs in the process: an entry point, a fork, Close

	main    *object
	objects []*object // every live object, in load order (the global scope is the global ones)
	byID    map[int]*object
	nextID  int
	deps    *depResolver
	args    []string

	shared   map[string]sharedItem // memory, table, stack pointer: who provides them
	env      api.Module            // the generated environment, if any
	tableOps api.Module
	// tableFuncs are tableOps' functions by name, made once (see tableOp).
	tableFuncs   map[string]api.Function
	tableFuncsOf api.Module // the tableOps instance tableFuncs belong to
	tableHave    uint64     // the table's size as last grown (only the loader grows it)

	mergedObjs      []*object // objects of the merged first batch, by position
	slotCallers     map[uint32]api.Module
	mergedInst      api.Module
	globalNames     *names    // index of the global scope, see scopeIndex
	globalNamesList []*object // the global scope it indexes
	memory          api.Memory
	mem             allocator
	table           allocator
	memShared       bool
	stackLow        uint32
	stackHigh       uint32
	heapBase        uint32 // a PIE main's heap: [heapBase, heapEnd)
	heapEnd         uint64
	memFloor        uint64                       // a non-PIE main's own memory: data, stack, heap
	breakCell       uint32                       // what the virtual memory.size reads (memory.go)
	breakWritten    [2]uint32                    // the numbers last written to the break cell
	hostEnd         atomic.Uint32                // memory size in pages after the host last grew it (hostGrew)
	loaderEnd       uint32                       // memory size in pages after the loader last grew it
	programTop      uint32                       // the program's break in pages (memory.go)
	guestBufs       []Region                     // loader memory written at run time (argv, dlerror, dladdr)
	tableFloor      uint64                       // a non-PIE main's own table slots
	slots           map[slotKey]uint32           // the one table slot of each function
	slotsShared     bool                         // slots is a fork's too: copied before a change (setSlot)
	hostSlots       map[string]uint32            // slots of wasmdl host functions whose address was taken
	tags            map[string]wasmfile.FuncType // exception tags by name (exceptions.go)
	tagMods         map[string]api.Module        // the module of each tag
	sjlj            api.Module                   // the setjmp/longjmp runtime, once needed
	sjljObj         *object                      // the runtime as a trampolines' definer
	guardTags       []string                     // tag names by the number a guard reports
	wasiOwner       api.Module
	generated       []api.Module // generated instances, for Close
	tombstones      []tombstone
	batches         []*batch       // every batch with a live object, in load order (for Fork)
	lateFills       []slotFill     // slots filled outside a batch's plan (dlsym, exit runner)
	image           *mmapmem.Image // a frozen copy of the memory, while nothing ran since (fork.go)
	imageAt         uint64         // entries when it was taken
	imageWrites     uint64         // hostWrites when it was taken
	hostWrites      atomic.Uint64  // host accesses through Process.Memory that may write (memguard.go)
	entries         uint64         // entry points that may have run guest code
	closed          bool
	closePending    bool         // Close was called from one of the process's host functions (process.go)
	hostDepth       atomic.Int32 // the host's host functions of this process running now (Layout)

	// Life (process.go).
	life    context.Context // cancelled by Close
	endLife context.CancelFunc
	dead    error // why guest code can no longer run, if it cannot
	ran     bool  // Run ran the program's entry
	exited  bool  // the program's entry returned or it exited
	modCfg  wazero.ModuleConfig
	// memAlloc backs the memory the process defines (see mmapmem); it is
	// released when the process is closed, under memLife.
	memAlloc *mmapmem.Allocator
	memLife  sync.RWMutex
	memGone  bool  // under memLife: the memory is unmapped
	num      int64 // its number in the Linker, for traces
	// Owner is the host's handle for this process (the public Process),
	// given to its host functions.
	Owner any

	// libdl state.
	dlError     string             // pending dlerror message
	dlErrorBuf  uint32             // guest buffer dlerror returns
	exiting     bool               // exit handlers are running
	exitSeq     uint64             // counts exit handler registrations
	exitRefs    map[uint32]exitRef // exit handlers entered in libc's list, by id
	exitNextID  uint32
	unloading   bool              // dlclose is running destructors (see close)
	unloadAgain bool              // a dlclose during that left more to collect
	exitDepth   int               // exit handlers running, nested (see runExitFunc)
	finalizing  bool              // libc's exit has started running library handlers
	finiArmed   bool              // libc's list holds the runner of runAllExitFuncs (armFini)
	initing     []*batch          // batches whose constructors are running
	lazyRefs    map[int32]lazyRef // RTLD_LAZY bindings, by message id (lazyBind)
	// lazy: objects restored from a launch record are not parsed yet
	// (launch.go); whatever needs their symbols calls materialize first.
	lazy bool
}

// slotKey names a function: its object's process-wide id (the same in a
// fork, so a fork copies the map as it is) and its function index.
type slotKey struct {
	id int
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
	bindTrace []bindTrace // WASMDL_DEBUG=bindings, printed after planBatch
	usesSjlj  bool        // some import binds to the loader's setjmp/longjmp runtime
	hub       api.Module  // GOT entries, bases, layout globals, trampolines and stubs
	hubBytes  []byte      // the hub, as planned (nil: nothing to provide)
	tramps    []slotFill  // what the hub's trampolines call
	fills     []slotFill
	funcs     map[*object]map[string]*funcBinding
	position  map[*object]int
	generated []api.Module // hub, finisher: closed when live reaches 0
	live      int          // objects of the batch still loaded

	// finisher fills the table and makes finisherSteps' calls
	// (instantiateFinisher).
	finisher      api.Module
	finisherSteps []initStep

	// merged is the batch as one module (merge.go), or nil when its
	// objects are instantiated one by one.
	merged    []byte
	mergedKey string
	key       string // the first batch's prelinkKey
	// mergeCacheKey names the merged module in Config.CacheDir, and
	// trapIDs are the messages its trapping stubs name by number.
	mergeCacheKey string
	trapIDs       []int32
	// memoryMax is the largest memory, in pages, every module of the
	// batch accepts (the environment's memory is made with it).
	memoryMax uint64
	// steps are the initialiser's calls when the batch was restored from
	// a plan (prelink.go); otherwise initBatch works them out.
	steps []initStep
	// slotCalls are, for each object, its imported functions bound to a
	// library merged into the program, by function index, and their slots
	// (planImports, callsThroughSlots).
	slotCalls map[*object]map[uint32]uint32
	// interposed lists the functions a library of the batch defines that
	// an earlier module of its lookup scope also defines: the library's
	// own calls to them go to that definition (symbols.go).
	interposed []interposition
}

// Load reads the main module and its libraries, links them into a new
// process and runs their relocations and constructors. The returned process
// is ready for Run. On error nothing is left instantiated.
func (l *Linker) Load(ctx context.Context, mainPath string, pc ProcConfig) (*Process, error) {
	if l.closed.Load() {
		return nil, fmt.Errorf("linker: %w", ErrClosed)
	}
	name := mainPath
	if !strings.Contains(name, "/") {
		name = "./" + name
	}
	p := l.newProcess(pc)
	main, _, err := p.deps.loadObject(search.Request{Name: name, Host: true}, nil)
	if err != nil {
		var me *MissingError
		if errors.As(err, &me) {
			return nil, &FileError{Path: mainPath, Err: me.Err}
		}
		return nil, err
	}
	main.name = path.Base(main.path)
	return l.start(ctx, p, main)
}

// LoadEmpty starts a process with no program of its own: an empty
// position-independent main, so that a host can open libraries into it.
func (l *Linker) LoadEmpty(ctx context.Context, pc ProcConfig) (*Process, error) {
	if l.closed.Load() {
		return nil, fmt.Errorf("linker: %w", ErrClosed)
	}
	p := l.newProcess(pc)
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
	// The process's memory, so that WASI calls acting on the main's
	// instance (the whole process's context) reach the callers' buffers.
	m.ImportMemory("env", wasmfile.NameMemory, wasmfile.Limits{})
	m.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
	b, err := wasmfile.WithDylink(m.Bytes(), &wasmfile.Dylink{})
	if err != nil {
		panic(err)
	}
	return b
}()

// ProcConfig is what differs between processes of one Linker: the WASI
// world of the program.
type ProcConfig struct {
	Args []string
	// ModuleConfig is the process's WASI configuration (stdio, env, file
	// system, clocks). Its name and start functions are ignored.
	ModuleConfig wazero.ModuleConfig
	// Owner becomes Process.Owner.
	Owner any
	// Preopens are the WASI preopens ModuleConfig mounts, as fs paths: a
	// guest's dlopen may name libraries through them.
	Preopens []search.Preopen
}

func (l *Linker) newProcess(pc ProcConfig) *Process {
	p := &Process{
		l: l, byID: map[int]*object{}, shared: map[string]sharedItem{},
		slots: map[slotKey]uint32{}, hostSlots: map[string]uint32{}, tags: map[string]wasmfile.FuncType{},
		args: pc.Args, modCfg: pc.ModuleConfig, Owner: pc.Owner,
	}
	if p.modCfg == nil {
		p.modCfg = wazero.NewModuleConfig()
	}
	p.modCfg = p.modCfg.WithArgs(pc.Args...).WithName("").WithStartFunctions()
	p.life, p.endLife = context.WithCancel(context.Background())
	p.memAlloc = &mmapmem.Allocator{}
	p.num = l.procSeq.Add(1)
	p.deps = &depResolver{searcher: l.searcher("", pc.Preopens...), cache: &l.infos, byName: map[string]*object{}, byPath: map[string]*object{}}
	if l.tracing("libs") {
		p.deps.trace = func(format string, args ...any) { p.debugf("libs", format, args...) }
	}
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
	p.deps.searcher.MainDir = main.dir()
	started := time.Now()

	// The same program started before with the same files: its launch
	// record has the objects and the whole plan (launch.go). Otherwise
	// read the preloads and the NEEDED closure.
	b, pl, restored := p.restoreLaunch(ctx, main)
	var errs LinkErrors
	if !restored {
		b, errs = p.loadStartup(main)
	}
	for _, o := range b.objects {
		p.adopt(o, b)
		o.global, o.startup = true, true
		p.debugf("libs", "%s => %s (via %s, needed by %s)", o.name, p.deps.searcher.Display(o.path), o.via, nameOrDash(o.neededByName()))
	}
	if !restored {
		if limit := l.cfg.maxObjects(); len(b.objects) > limit {
			errs = append(errs, fmt.Errorf("%s: needs %d modules, over the limit of %d per process", main.name, len(b.objects), limit))
		}
		if len(errs) > 0 {
			return nil, errs
		}
		// The same program loaded before by this Linker: reuse its plan
		// (not when bindings are traced: they are printed as planned).
		b.key = l.prelinkKey(b)
		if !l.tracing("bindings") {
			pl = l.prelinked(b.key)
		}
	}
	if pl == nil {
		if err := p.chooseShared(b); err != nil {
			return nil, err
		}
		if err := p.plan(b, false); err != nil {
			return nil, err
		}
		if pl, err = p.snapshot(b); err != nil {
			return nil, err
		}
		l.storePrelink(b.key, pl)
		p.recordLaunch(b, pl, started)
	} else {
		p.restore(b, pl)
	}
	if err := p.startBatch(ctx, b); err != nil {
		return nil, err
	}
	return p, nil
}

// loadStartup reads the preloads and the NEEDED closure of main into the
// first batch, in load order. Preloads come right after the main in the
// global scope, so their definitions interpose on everything the main's
// libraries define. Every missing or unreadable library is reported.
func (p *Process) loadStartup(main *object) (*batch, LinkErrors) {
	var errs LinkErrors
	roots := []*object{main}
	for _, pre := range p.l.cfg.Preload {
		o, isNew, err := p.deps.loadObject(search.Request{Name: pre, Origin: main.dir(), Host: true}, nil)
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
	return &batch{roots: roots, objects: append(append([]*object{}, roots...), added...)}, errs
}

// linkBatch runs the stages after loading on a batch of new objects: the
// same for the initial load and for every dlopen. With lazy, an undefined
// function is bound to a stub that fails when called (RTLD_LAZY) instead of
// failing the load; data references are always resolved immediately.
func (p *Process) linkBatch(ctx context.Context, b *batch, lazy bool) error {
	if err := p.plan(b, lazy); err != nil {
		return err
	}
	return p.startBatch(ctx, b)
}

// plan runs the stages that decide everything before instantiation.
func (p *Process) plan(b *batch, lazy bool) error {
	if errs := p.checkObjects(b); len(errs) > 0 {
		return errs
	}
	if b.roots[0].isMain {
		if err := checkMainMemory(b.roots[0]); err != nil {
			return err
		}
	}
	b.memoryMax = p.memoryMax(b)
	if err := p.layoutBatch(b); err != nil {
		return err
	}
	p.orderBatch(b)
	b.scope = p.batchScope(b)
	if errs := p.bindBatch(b, lazy); len(errs) > 0 {
		return errs
	}
	if m := b.roots[0]; m.isMain && len(b.objects) > 1 && needsFini(m) {
		// The slot of the runner armFini enters in libc's list, filled
		// with the batch's other slots (no module of its own).
		p.hostSlot(b, hostExitRunner)
	}
	if err := p.planBatch(b); err != nil {
		return err
	}
	p.traceBindings(b)
	return nil
}

// startBatch instantiates a planned batch and initialises it.
func (p *Process) startBatch(ctx context.Context, b *batch) error {
	p.batches = append(p.batches, b)
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
		// wasmdl names its own modules "$..." (the host functions, the
		// generated environment, hubs, other processes' definers): a
		// module may not name them, or it could reach what it was not
		// given.
		for _, im := range o.info.file.Imports {
			if strings.HasPrefix(im.Module, "$") {
				errs = append(errs, fmt.Errorf("%s: imports %q from module %q: module names starting with $ are reserved for wasmdl", o.name, im.Name, im.Module))
				break
			}
		}
		if o.isMain {
			// Its data goes at a __memory_base chosen before it exists, so
			// the memory cannot be its own.
			if o.info.pic && len(o.info.file.Memories) > 0 {
				errs = append(errs, fmt.Errorf("%s: a position-independent main must import its memory: link it with -Wl,--import-memory", o.name))
			}
			continue
		}
		if !o.info.pic && !placesNothing(o.info.file) {
			errs = append(errs, fmt.Errorf("%s: not a position-independent shared library (it does not import env.__memory_base): rebuild it with -fPIC and link it with -shared", o.name))
		}
	}
	return errs
}

// placesNothing reports whether a library that does not import
// env.__memory_base still needs no placing: a side module with a dylink.0
// section and no data, no table slots and no memory or table of its own
// (Emscripten writes such modules without the import).
func placesNothing(f *wasmfile.File) bool {
	if f.Dylink == nil || f.Dylink.MemInfo.MemorySize != 0 || f.Dylink.MemInfo.TableSize != 0 ||
		len(f.Memories) > 0 || len(f.Tables) > 0 {
		return false
	}
	for _, d := range f.Data {
		if d.Mode == wasmfile.ModeActive {
			return false
		}
	}
	for _, e := range f.Elements {
		if e.Mode == wasmfile.ModeActive {
			return false
		}
	}
	return true
}

// Stage instantiateBatch: the generated environment, GOT modules and hub,
// the modules themselves, and the fillers that place functions in the table.

package link

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func (p *Process) sharedModName(item string) string { return modShared + item }

// resolve maps an import module name to the instance that provides it, for
// the instantiation of o (nil for generated modules).
func (p *Process) resolve(name string, o *object, b *batch, defs []*object) api.Module {
	switch {
	case name == hubModule && b != nil:
		return b.hub
	case name == "wasi_snapshot_preview1":
		return p.l.wasi
	case name == modHost:
		return p.l.host
	case strings.HasPrefix(name, modTag):
		return p.tagMods[strings.TrimPrefix(name, modTag)]
	case name == sjljModule:
		return p.sjlj
	case strings.HasPrefix(name, modShared):
		item := strings.TrimPrefix(name, modShared)
		if s := p.shared[item]; s.provider != nil {
			return s.provider.instance
		}
		return p.env
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

// Read implements io.Reader.
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
	ctx = experimental.WithMemoryAllocator(ctx, p.memAlloc)
	m, err := p.l.rt.InstantiateModule(ctx, cm, quietConfig)
	if err != nil {
		return nil, fmt.Errorf("instantiate generated %s: %w", what, err)
	}
	switch {
	case b != nil && p.env != nil:
		b.generated = append(b.generated, m)
	default:
		p.generated = append(p.generated, m)
	}
	p.l.owners.Store(m, p)
	return m, nil
}

// instantiateBatch creates the environment (first batch only), the batch's
// GOT modules and the batch hub, then each object with its imports renamed
// to their providers, and finally fills the
// table slots chosen during binding.
func (p *Process) instantiateBatch(ctx context.Context, b *batch) error {
	if b.merged != nil {
		if err := p.instantiateMerged(ctx, b); err != nil {
			return err
		}
		// Its data, before anything runs (see dataInit); a fork, which
		// instantiates it over a copy of the memory, does not do this.
		writeData := p.mergedInst.ExportedFunction(mergedData)
		if writeData == nil {
			return fmt.Errorf("internal error: the merged program of %s has no %s", p.main.name, mergedData)
		}
		if _, err := writeData.Call(ctx); err != nil {
			return fmt.Errorf("%s: writing the data of the merged program: %w", p.main.name, err)
		}
		return nil
	}
	if err := p.l.precompile(ctx, b.instOrder); err != nil {
		return err
	}
	if p.memory == nil && p.env == nil {
		if err := p.createEnv(ctx, b); err != nil {
			return err
		}
	}
	if err := p.ensureExceptions(ctx, b); err != nil {
		return err
	}
	if err := p.instantiateHub(ctx, b); err != nil {
		return err
	}
	for _, o := range b.instOrder {
		if err := p.ensureExceptions(ctx, b); err != nil {
			return err
		}
		if err := p.instantiateObject(ctx, o, b); err != nil {
			return err
		}
	}
	if err := p.ensureExceptions(ctx, b); err != nil {
		return err
	}
	return p.instantiateFinisher(ctx, b)
}

// instantiateHub instantiates the batch's hub, if it has anything to
// provide: a library that imports nothing from it does not pay for an
// empty instance.
func (p *Process) instantiateHub(ctx context.Context, b *batch) error {
	if b.hubBytes == nil {
		return nil
	}
	var err error
	b.hub, err = p.instantiateGenerated(ctx, "hub", b.hubBytes, nil, b, nil)
	return err
}

// planBatch decides where every env import of the batch comes from: the
// modules' import sections are renamed to match, and whatever no instance
// defines goes in the batch's hub.
func (p *Process) planBatch(b *batch) error {
	n := 0
	for _, o := range b.instOrder {
		n += len(o.info.imports)
	}
	h := newHub(n)
	h.tableExport = p.shared[wasmfile.NameTable].export
	renames := make(map[*object]map[int][2]string, len(b.instOrder))
	for k, o := range b.instOrder {
		r, defs, err := p.planImports(b, o, k, b.funcs[o], h)
		if err != nil {
			return err
		}
		o.defs = defs
		renames[o] = r
	}
	if len(b.roots) > 0 && b.roots[0].isMain && !p.l.cfg.Separate {
		merged, err := p.planMerged(b, h, renames)
		if merged || err != nil {
			return err
		}
	}
	for _, o := range b.instOrder {
		if err := planGOT(o, b, h, renames[o]); err != nil {
			return err
		}
	}
	for _, o := range b.instOrder {
		var err error
		if o.code, o.codeKey, err = p.l.rename(o.info, renames[o]); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		if o.code, o.codeKey, err = p.redirectMemorySize(o); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		if o.code, o.codeKey, err = p.limitOwnMemory(o); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		if o.code, o.codeKey, err = p.interposeCalls(b, o); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		if o.code, o.codeKey, err = p.callsThroughSlots(b, o); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	b.slotCalls = nil
	b.hubBytes, b.tramps = nil, h.tramps
	if h.empty() {
		return nil
	}
	var err error
	b.hubBytes, err = p.l.rewritten(h.key(), func() ([]byte, error) { return h.bytes(), nil })
	return err
}

// planGOT points o's GOT.mem and GOT.func imports at the batch's hub,
// which exports each entry as a mutable global holding its final value: the
// GOT needs no module of its own.
func planGOT(o *object, b *batch, h *hub, renames map[int][2]string) error {
	for i, ci := range o.info.imports {
		got, prefix := b.gotMem, "GOT.mem:"
		switch ci.Role {
		case wasmfile.RoleGOTMem:
		case wasmfile.RoleGOTFunc:
			got, prefix = b.gotFunc, "GOT.func:"
		default:
			continue
		}
		if g := ci.Import.Global; g.Type != wasmfile.I32 || !g.Mutable {
			return fmt.Errorf("%s: import %s.%s must be (mut i32), is %s", o.name, ci.Import.Module, ci.Import.Name, g)
		}
		renames[i] = h.global(prefix+ci.Name, true, got[ci.Name])
	}
	return nil
}

// instantiateMerged instantiates a merged batch: the environment, then
// the one module, with the main's module configuration (its WASI state is
// the process's). Fills and trampolines are inside it.
func (p *Process) instantiateMerged(ctx context.Context, b *batch) error {
	cm, err := p.l.compile(experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0)), b.mergedKey, b.merged)
	if err != nil {
		return fmt.Errorf("%s: compile the merged program: %w", p.main.name, err)
	}
	if p.memory == nil && p.env == nil {
		if err := p.createEnv(ctx, b); err != nil {
			return err
		}
	}
	if err := p.syncSpaces(ctx); err != nil {
		return err
	}
	if err := p.ensureExceptions(ctx, b); err != nil {
		return err
	}
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module { return p.resolve(name, p.main, b, nil) })
	inst, err := p.l.rt.InstantiateModule(ctx, cm, p.modCfg)
	if err != nil {
		return fmt.Errorf("%s: instantiate: %w", p.main.name, err)
	}
	p.l.owners.Store(inst, p)
	p.mergedInst, p.mergedObjs = inst, b.objects
	p.wasiOwner = inst
	for _, o := range b.objects {
		o.instance = inst
		o.state = stateInstantiated
	}
	return nil
}

// mergedObject is the object number idx of the merged instance m: the
// caller a host function's "@" variant was given.
func (p *Process) mergedObject(m api.Module, idx uint64) *object {
	if m == p.mergedInst && idx < uint64(len(p.mergedObjs)) {
		return p.mergedObjs[idx]
	}
	return p.objectOf(m)
}

// rename returns the module bytes with its imports renamed, and their
// cache key. The same module with the same renames gives the same bytes,
// kept once per Linker, so it compiles once.
func (l *Linker) rename(mi *moduleInfo, renames map[int][2]string) ([]byte, string, error) {
	if len(renames) == 0 {
		return mi.data, mi.key, nil
	}
	// In import order (renames are keyed by import index): no sort.
	buf := make([]byte, 0, 32*len(renames))
	found := 0
	for i := 0; i < len(mi.file.Imports) && found < len(renames); i++ {
		r, ok := renames[i]
		if !ok {
			continue
		}
		found++
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(append(append(append(append(buf, 0), r[0]...), 0), r[1]...), 0)
	}
	if found != len(renames) {
		return nil, "", fmt.Errorf("internal error: renames for %d imports, %d of them among its %d imports", len(renames), found, len(mi.file.Imports))
	}
	sum := sha256.Sum256(buf)
	key := mi.key + "/" + hex.EncodeToString(sum[:12])
	data, err := l.rewritten(key, func() ([]byte, error) { return wasmfile.RenameImports(mi.data, mi.file, renames) })
	return data, key, err
}

// rewritten returns the module bytes kept under key, making them with
// build the first time: rewrites are pure functions of their key, so each
// is made once per Linker and compiles once.
func (l *Linker) rewritten(key string, build func() ([]byte, error)) ([]byte, error) {
	l.compileMu.Lock()
	data, ok := l.renamed.get(key)
	l.compileMu.Unlock()
	if ok {
		return data, nil
	}
	data, err := build()
	if err != nil {
		return nil, err
	}
	l.compileMu.Lock()
	l.renamed.put(key, data)
	l.compileMu.Unlock()
	return data, nil
}

// precompile compiles the batch's modules that are not compiled yet, in
// parallel: with many libraries, cold start is mostly wazero compiling them,
// and they do not depend on each other.
func (l *Linker) precompile(ctx context.Context, objs []*object) error {
	var todo []*object
	l.compileMu.Lock()
	for _, o := range objs {
		if _, ok := l.compiled.get(o.codeKey); !ok {
			todo = append(todo, o)
		}
	}
	l.compileMu.Unlock()
	workers := min(runtime.GOMAXPROCS(0), len(todo))
	if workers < 2 {
		return nil // instantiateObject compiles them one by one
	}
	errs := make([]error, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := l.compile(ctx, todo[i].codeKey, todo[i].code); err != nil {
					errs[i] = fmt.Errorf("%s: compile: %w", todo[i].name, err)
				}
			}
		}()
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// createEnv instantiates the generated environment with whatever the main
// does not provide, sized for the first batch.
func (p *Process) createEnv(ctx context.Context, b *batch) error {
	var mem, table *wasmfile.Limits
	var sp *uint32
	if s := p.shared[wasmfile.NameMemory]; s.provider == nil && !s.private {
		l := wasmfile.Limits{Min: alignUp64(p.mem.end, pageSize) / pageSize, HasMax: true, Max: b.memoryMax, Shared: p.memShared}
		if l.Min > l.Max {
			return fmt.Errorf("memory: %d pages needed but the limit is %d pages (%d MiB)", l.Min, l.Max, l.Max/16)
		}
		mem = &l
	}
	if s := p.shared[wasmfile.NameTable]; s.provider == nil && !s.private {
		table = &wasmfile.Limits{Min: p.table.end}
	}
	if s := p.shared[wasmfile.NameStackPointer]; s.provider == nil && !s.private {
		top := p.stackHigh
		sp = &top
	}
	env, err := p.instantiateGenerated(ctx, "environment", buildEnv(mem, table, sp), nil, b, nil)
	if err != nil {
		return err
	}
	p.env = env
	if table != nil {
		// The table is made with exactly this size: no call needs to ask
		// it (syncSpaces), which from Go costs a call stack each time.
		p.tableHave = table.Min
	}
	for item, s := range p.shared {
		if s.provider == nil && !s.private {
			s.export = item
			p.shared[item] = s
		}
	}
	if mem != nil {
		p.memory = env.Memory()
	}
	return nil
}

// memoryMax is the largest memory, in pages, the configuration and every
// module of b that imports the memory accept.
func (p *Process) memoryMax(b *batch) uint64 {
	limit := uint64(p.l.cfg.maxPages())
	for _, o := range b.objects {
		for _, ci := range o.info.imports {
			if ci.Role == wasmfile.RoleMemory && ci.Memory.Limits.HasMax && ci.Memory.Limits.Max < limit {
				limit = ci.Memory.Limits.Max
			}
		}
	}
	return limit
}

// loaderContext is ctx for the loader's own calls of its table helpers,
// which run no guest code: they are not stopped when ctx ends. Stopped,
// they would be closed by wazero (a context-aware runtime closes the
// module whose call it stops), and every later dlopen or dlsym would fail
// on a process that is not dead.
func loaderContext(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// syncSpaces grows the real memory and table to what the allocators have
// handed out, once their providers exist. It runs before any guest code
// can run after the loader placed something (see memory.go).
func (p *Process) syncSpaces(ctx context.Context) error {
	if p.memory == nil {
		if s := p.shared[wasmfile.NameMemory]; s.provider != nil && s.provider.instance != nil {
			p.memory = s.provider.instance.Memory()
		}
	}
	if p.memory != nil {
		if err := p.growMemory(); err != nil {
			return err
		}
	}
	if p.tableOps == nil {
		tp := p.shared[wasmfile.NameTable]
		if tp.private || (tp.provider != nil && tp.provider.instance == nil) {
			return nil
		}
		ops, err := p.instantiateGenerated(ctx, "table helpers", p.l.tableOpsModule(tp.export), nil, nil, nil)
		if err != nil {
			return err
		}
		p.tableOps = ops
	}
	if p.tableHave == 0 {
		res, err := p.tableOp("size").Call(loaderContext(ctx))
		if err != nil {
			return err
		}
		p.tableHave = res[0]
	}
	if p.table.end > p.tableHave {
		if _, err := p.tableOp("grow").Call(loaderContext(ctx), p.table.end-p.tableHave); err != nil {
			return err
		}
		p.tableHave = p.table.end
	}
	return nil
}

// refreshTable adopts table growth the program did itself (table.grow),
// as refreshMemory does for memory: those slots are the program's.
func (p *Process) refreshTable(ctx context.Context) error {
	if p.tableOps == nil {
		return nil
	}
	res, err := p.tableOp("size").Call(loaderContext(ctx))
	if err != nil {
		return err
	}
	if have := res[0]; have > p.table.end {
		p.table.release(span{uint32(p.table.brk), uint32(p.table.end)}, false)
		p.table.end, p.table.brk = have, have
		p.tableHave = have
	}
	return nil
}

// tableOp returns the table helper function name. Each ExportedFunction
// call makes a new function with its own call stack (kilobytes), so the
// functions are made once per helper instance, not once per use.
func (p *Process) tableOp(name string) api.Function {
	if p.tableFuncsOf != p.tableOps {
		p.tableFuncs, p.tableFuncsOf = map[string]api.Function{}, p.tableOps
	}
	fn, ok := p.tableFuncs[name]
	if !ok {
		fn = p.tableOps.ExportedFunction(name)
		p.tableFuncs[name] = fn
	}
	return fn
}

// instantiateObject instantiates one module with its imports resolved
// through its renamed imports, the batch's GOT and hub, and the process's
// WASI forwarder.
func (p *Process) instantiateObject(ctx context.Context, o *object, b *batch) error {
	cm, err := p.l.compile(ctx, o.codeKey, o.code)
	if err != nil {
		return fmt.Errorf("%s: compile: %w", o.name, err)
	}
	cfg := quietConfig
	if o.isMain {
		cfg = p.modCfg
	}
	ctx = experimental.WithImportResolver(ctx, func(name string) api.Module { return p.resolve(name, o, b, o.defs) })
	if o.isMain {
		ctx = experimental.WithMemoryAllocator(ctx, p.memAlloc) // a main that defines its memory
	}
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

// instantiateFinisher instantiates the batch's finisher: one generated
// module whose element segments fill the hub's trampoline table and the
// table slots chosen during binding, and whose "run" makes initBatch's
// calls. The fills need the batch's instances and the calls need the
// fills, so this is the one module that must come after them all.
func (p *Process) instantiateFinisher(ctx context.Context, b *batch) error {
	if len(b.fills) > 0 && p.tableOps == nil {
		return fmt.Errorf("%s keeps its function table to itself (it does not export it): no function can be placed in it", p.main.name)
	}
	// The calls as initBatch will list them. An error here is initBatch's
	// to report: the finisher then only fills.
	steps, err := p.initSteps(b, false)
	if err != nil {
		steps = nil
	}
	if len(b.tramps) == 0 && len(b.fills) == 0 && len(steps) == 0 {
		return nil
	}
	sort.Slice(b.fills, func(i, j int) bool { return b.fills[i].slot < b.fills[j].slot })
	key, defs := p.finisherKey(b, steps)
	data, err := p.l.rewritten(key, func() ([]byte, error) {
		var m wasmgen.Module
		var defs definers
		addTrampFills(&m, &defs, b.tramps)
		p.addFills(&m, &defs, b.fills)
		if len(steps) > 0 {
			addInit(&m, &defs, steps)
		}
		return m.Bytes(), nil
	})
	if err != nil {
		return err
	}
	mod, err := p.instantiateGenerated(ctx, "finisher", data, nil, b, defs)
	if err != nil {
		return err
	}
	if len(steps) > 0 {
		b.finisher, b.finisherSteps = mod, steps
	}
	return nil
}

// finisherKey identifies the finisher's bytes, and lists its definers in
// the order its imports name them ("$d0", "$d1"...): what it imports, from
// which definer, and where it puts it. A library opened again at the same
// place reuses the bytes made the first time.
func (p *Process) finisherKey(b *batch, steps []initStep) (string, []*object) {
	var defs definers
	k := make([]byte, 0, 32*(len(b.tramps)+len(b.fills)+len(steps))+32)
	// Names are length-prefixed: they may hold any character.
	str := func(k []byte, s string) []byte {
		return append(strconv.AppendInt(append(k, ' '), int64(len(s)), 10), s...)
	}
	num := func(k []byte, v int64) []byte { return strconv.AppendInt(append(k, ' '), v, 10) }
	if len(b.fills) > 0 {
		k = str(k, p.shared[wasmfile.NameTable].export)
	}
	k = num(k, int64(len(b.tramps)))
	for _, t := range b.tramps {
		k = str(str(str(k, defs.name(t.def)), t.name), typeString(t.typ))
	}
	k = num(k, int64(len(b.fills)))
	for _, f := range b.fills {
		from := modHost
		if f.def != nil {
			from = defs.name(f.def)
		}
		k = str(str(str(num(k, int64(f.slot)), from), f.name), typeString(f.typ))
	}
	for _, st := range steps {
		k = num(str(str(k, defs.name(st.o)), st.fn), st.arg)
	}
	return "finisher/" + hashKey(sha256.Sum256(k)), defs.list
}

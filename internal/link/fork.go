// Fork: a new process that starts where a loaded one is.

package link

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/mmapmem"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// A server that runs a plugin program per request pays a whole load each
// time: reading, linking, instantiating and running every constructor.
// Fork starts a process from one already loaded instead. The child gets:
//
//   - the same modules, instantiated again from the compiled code the
//     Linker already has, in the order the parent's were (every batch the
//     parent loaded and still holds, its tables' fillers and tombstones),
//     with no start function's or constructor's effect kept: the parent's
//     memory replaces whatever they wrote;
//   - a copy of the parent's memory: a frozen image of it (mmapmem.Image),
//     mapped copy-on-write, so starting from it costs the same whatever
//     the memory's size, and taken again only when the parent ran guest
//     code since the last fork;
//   - the parent's mutable globals (the stack pointer, every other one the
//     merged program exports for this) and the loader's state: the
//     libraries, their references and scopes, the layout, table slots,
//     exit handlers, the pending dlerror;
//   - its own WASI context, from its own options: files the parent opened
//     are not open in the child.
//
// Parent and child share nothing that either can change: each has its
// memory, table, globals and instances, and dlopen or dlclose in one does
// not touch the other. Closing the parent leaves its forks as they are.

// Fork returns a copy of p, configured by pc; see above.
//
// A host function of p may fork it, with the context it was given: p is
// then in the middle of a call, which its lock already covers, and the
// child starts from the memory and globals as they are at that moment.
func (p *Process) Fork(ctx context.Context, pc ProcConfig) (_ *Process, err error) {
	hc := p.callback(ctx)
	inGuest := hc != nil
	if inGuest {
		_, leave, err := p.enterCallback(ctx, hc)
		if err != nil {
			return nil, err
		}
		defer leave()
	} else {
		p.mu.Lock()
		defer p.mu.Unlock()
	}
	if err := p.usable(); err != nil {
		return nil, err
	}
	if p.memory == nil {
		return nil, fmt.Errorf("%s keeps its memory to itself: it cannot be forked", p.main.name)
	}
	if inGuest {
		p.entries++ // guest code is running: no image taken before is current
	}
	img, err := p.memoryImage()
	if err != nil {
		return nil, err
	}
	if pc.Args == nil {
		pc.Args = p.args // the program's argv, as the parent's
	}
	c := p.l.newProcess(pc)
	defer func() {
		if err != nil {
			c.Close(ctx)
		}
	}()
	c.copyState(p)
	if err := c.reinstantiate(ctx, p, img); err != nil {
		return nil, fmt.Errorf("fork of %s: %w", p.main.name, err)
	}
	if err := c.copyGlobals(p); err != nil {
		return nil, fmt.Errorf("fork of %s: %w", p.main.name, err)
	}
	return c, nil
}

// memoryImage is a frozen copy of p's memory, made again only when guest
// code may have run since the last one, or the host may have written
// through Process.Memory (its write methods, Grow, and Read, whose slice
// is the memory itself; WriteByte, which the handle cannot watch, is the
// exception its documentation gives).
func (p *Process) memoryImage() (*mmapmem.Image, error) {
	// The break cell as the next synchronisation would leave it (the host
	// may have grown the memory), so that the fork finds it up to date.
	if err := p.growMemory(); err != nil {
		return nil, err
	}
	if p.image != nil && p.imageAt == p.entries && p.imageWrites == p.hostWrites.Load() && p.image.Size() == int(p.memory.Size()) {
		return p.image, nil
	}
	writes := p.hostWrites.Load() // before the copy: a write during it makes the next fork copy again
	b, ok := p.memory.Read(0, p.memory.Size())
	if !ok {
		return nil, fmt.Errorf("cannot read the memory of %s", p.main.name)
	}
	img, err := mmapmem.NewImage(b)
	if err != nil {
		return nil, err
	}
	p.image.Release()
	p.image, p.imageAt, p.imageWrites = img, p.entries, writes
	return img, nil
}

// A fork's memory becomes the parent's image (loadImage) after the last
// instantiation that may write memory: a module instantiated separately
// writes its active data segments, which the image must replace. When
// every batch is merged, no instantiation writes memory (a merged module's
// data is passive), and the image is mapped as soon as the memory exists,
// before the loader writes to it: the fork's few writes then copy a page
// of the image instead of faulting in fresh pages that the image would
// replace (a page's first touch is the dearest fault there is).
type memoryLoad struct {
	img   *mmapmem.Image
	early bool // every batch is merged
	done  bool
}

// loadImage maps ml's image into c's memory, once; before the end of
// reinstantiate (final false) only when ml.early.
func (c *Process) loadImage(ml *memoryLoad, final bool) error {
	if ml.done || (!final && !ml.early) {
		return nil
	}
	if c.memory == nil {
		if s := c.shared[wasmfile.NameMemory]; s.provider != nil && s.provider.instance != nil {
			c.memory = s.provider.instance.Memory()
		}
		if c.memory == nil {
			return nil
		}
	}
	if have := uint64(c.memory.Size()); have < uint64(ml.img.Size()) {
		if _, ok := c.memory.Grow(uint32((uint64(ml.img.Size()) - have + pageSize - 1) / pageSize)); !ok {
			return fmt.Errorf("memory: cannot grow to %d bytes", ml.img.Size())
		}
	}
	b, _ := c.memory.Read(0, c.memory.Size())
	ml.done = true
	return mmapmem.Load(b, ml.img)
}

// copyState gives c, a new process, the loader's state of p: new objects
// and batches that mirror p's, and every table, list and count.
func (c *Process) copyState(p *Process) {
	objs := make(map[*object]*object, len(p.objects))
	for _, o := range p.objects {
		n := *o
		n.instance, n.state = nil, stateLoaded
		if o.state == stateClosed {
			n.state = stateClosed
		}
		n.extraSlots = slices.Clone(o.extraSlots)
		n.exitFuncs = slices.Clone(o.exitFuncs)
		n.strings = maps.Clone(o.strings)
		objs[o] = &n
	}
	obj := func(o *object) *object {
		if o == nil {
			return nil
		}
		if n, ok := objs[o]; ok {
			return n
		}
		return o // not one of p's objects (the setjmp runtime's stand-in)
	}
	list := func(os []*object) []*object {
		out := make([]*object, len(os))
		for i, o := range os {
			out[i] = obj(o)
		}
		return out
	}
	for _, o := range p.objects {
		n := objs[o]
		n.needed, n.neededBy, n.reldeps, n.defs = list(o.needed), obj(o.neededBy), list(o.reldeps), list(o.defs)
	}
	batches := map[*batch]*batch{}
	for _, b := range p.batches {
		n := &batch{
			objects: list(b.objects), roots: list(b.roots), instOrder: list(b.instOrder),
			gotMem: b.gotMem, gotFunc: b.gotFunc, usesSjlj: b.usesSjlj, hubBytes: b.hubBytes,
			merged: b.merged, mergedKey: b.mergedKey, key: b.key, live: b.live, memoryMax: b.memoryMax,
			position: make(map[*object]int, len(b.position)),
		}
		fills := func(fs []slotFill) []slotFill {
			out := slices.Clone(fs)
			for i := range out {
				out[i].def = obj(out[i].def)
			}
			return out
		}
		n.tramps, n.fills = fills(b.tramps), fills(b.fills)
		for o, i := range b.position {
			n.position[obj(o)] = i
		}
		batches[b] = n
		c.batches = append(c.batches, n)
	}
	c.objects = make([]*object, 0, len(p.objects))
	for _, o := range p.objects {
		objs[o].batch = batches[o.batch]
		c.objects = append(c.objects, objs[o])
		c.byID[o.id] = objs[o]
	}
	c.main, c.nextID, c.lazy = obj(p.main), p.nextID, p.lazy
	c.mergedObjs = list(p.mergedObjs)
	c.deps.byName, c.deps.byPath = make(map[string]*object, len(p.deps.byName)), make(map[string]*object, len(p.deps.byPath))
	for k, o := range p.deps.byName {
		c.deps.byName[k] = obj(o)
	}
	for k, o := range p.deps.byPath {
		c.deps.byPath[k] = obj(o)
	}
	c.deps.searcher.MainDir = p.deps.searcher.MainDir
	for item, s := range p.shared {
		s.provider = obj(s.provider)
		c.shared[item] = s
	}
	c.mem, c.table = p.mem, p.table
	c.mem.free, c.table.free = slices.Clone(p.mem.free), slices.Clone(p.table.free)
	c.memShared, c.stackLow, c.stackHigh, c.heapBase, c.heapEnd = p.memShared, p.stackLow, p.stackHigh, p.heapBase, p.heapEnd
	c.memFloor, c.tableFloor = p.memFloor, p.tableFloor
	c.breakCell, c.breakWritten, c.loaderEnd, c.programTop = p.breakCell, p.breakWritten, p.loaderEnd, p.programTop
	c.guestBufs = slices.Clone(p.guestBufs)
	c.slots, c.slotsShared, p.slotsShared = p.slots, true, true
	c.hostSlots, c.tags = maps.Clone(p.hostSlots), maps.Clone(p.tags)
	c.lateFills = slices.Clone(p.lateFills)
	for i := range c.lateFills {
		c.lateFills[i].def = obj(c.lateFills[i].def)
	}
	c.ran, c.exited, c.finalizing, c.finiArmed = p.ran, p.exited, p.finalizing, p.finiArmed
	if len(p.lazyRefs) > 0 {
		c.lazyRefs = make(map[int32]lazyRef, len(p.lazyRefs))
		for id, r := range p.lazyRefs {
			r.o = obj(r.o)
			c.lazyRefs[id] = r
		}
	}
	c.guardTags = slices.Clone(p.guardTags)
	c.dlError, c.dlErrorBuf, c.exiting, c.exitSeq, c.exitNextID = p.dlError, p.dlErrorBuf, p.exiting, p.exitSeq, p.exitNextID
	c.exitRefs = make(map[uint32]exitRef, len(p.exitRefs))
	for id, r := range p.exitRefs {
		c.exitRefs[id] = exitRef{obj(r.o), r.seq}
	}
}

// reinstantiate makes c's instances: what p instantiated, in the same
// order, without running any initialisation, over a memory that is the
// image img of p's.
func (c *Process) reinstantiate(ctx context.Context, p *Process, img *mmapmem.Image) error {
	// Pages above what the loader handed out are the program's (it grew
	// them) or the host's, as p would count them at its next placement
	// (refreshMemory): never the loader's free space.
	c.adoptGrowth(uint64(p.memory.Size()))
	c.table.end = max(c.table.end, p.tableHave)
	var first *batch
	if len(c.batches) > 0 {
		first = c.batches[0]
	}
	if err := c.createEnv(ctx, first); err != nil {
		return err
	}
	ml := &memoryLoad{img: img, early: !slices.ContainsFunc(c.batches, func(b *batch) bool { return b.merged == nil })}
	if err := c.loadImage(ml, false); err != nil {
		return err
	}
	for _, b := range c.batches {
		if err := c.ensureExceptions(ctx, b); err != nil {
			return err
		}
		if b.merged != nil {
			if err := c.instantiateMerged(ctx, b); err != nil {
				return err
			}
			if err := c.loadImage(ml, false); err != nil {
				return err
			}
			for _, o := range b.objects {
				o.state = stateConstructed
			}
			continue
		}
		if err := c.instantiateHub(ctx, b); err != nil {
			return err
		}
		for _, o := range b.instOrder {
			if o.state == stateClosed {
				continue
			}
			if err := c.ensureExceptions(ctx, b); err != nil {
				return err
			}
			if err := c.instantiateObject(ctx, o, b); err != nil {
				return err
			}
			if err := c.loadImage(ml, false); err != nil {
				return err
			}
			o.state = stateConstructed
		}
		if err := c.syncSpaces(ctx); err != nil {
			return err
		}
		if tramps := liveFills(b.tramps); len(tramps) == len(b.tramps) && len(tramps) > 0 {
			data, defs := buildTrampFiller(tramps)
			if _, err := c.instantiateGenerated(ctx, "trampolines", data, nil, b, defs); err != nil {
				return err
			}
		}
		if fills := liveFills(b.fills); len(fills) > 0 {
			data, defs := c.buildFiller(fills)
			if _, err := c.instantiateGenerated(ctx, "table filler", data, nil, b, defs); err != nil {
				return err
			}
		}
	}
	if err := c.loadImage(ml, true); err != nil {
		return err
	}
	if err := c.syncSpaces(ctx); err != nil {
		return err
	}
	// What was placed outside the batches' plans: slots given by dlsym,
	// host functions whose address was taken, stale pointers' stubs.
	late := liveFills(c.lateFills)
	for name, slot := range c.hostSlots {
		if !slices.ContainsFunc(late, func(f slotFill) bool { return f.def == nil && f.name == name }) {
			t, _ := c.l.hostType(name)
			late = append(late, slotFill{slot: slot, name: name, typ: t})
		}
	}
	if len(late) > 0 {
		data, defs := c.buildFiller(late)
		if _, err := c.instantiateGenerated(ctx, "table filler", data, nil, nil, defs); err != nil {
			return err
		}
	}
	for _, t := range p.tombstones {
		mod, err := c.instantiateGenerated(ctx, "tombstone", t.code, nil, nil, nil)
		if err != nil {
			return err
		}
		c.generated = c.generated[:len(c.generated)-1]
		c.tombstones = append(c.tombstones, tombstone{slots: t.slots, mod: mod, code: t.code})
	}
	return nil
}

// liveFills are the fills whose function's module is loaded.
func liveFills(fs []slotFill) []slotFill {
	var out []slotFill
	for _, f := range fs {
		if f.def == nil || f.def.state != stateClosed {
			out = append(out, f)
		}
	}
	return out
}

// copyGlobals gives c's instances the values of p's mutable exported
// globals: the stack pointer, and every one the merged program exports.
func (c *Process) copyGlobals(p *Process) error {
	type pair struct {
		from, to api.Module
		names    []string
	}
	var pairs []pair
	if s := p.shared[wasmfile.NameStackPointer]; s.provider == nil && !s.private {
		pairs = append(pairs, pair{p.env, c.env, []string{wasmfile.NameStackPointer}})
	}
	for _, b := range p.batches {
		if b.merged != nil {
			names, err := c.l.mutableExports(b.mergedKey, b.merged)
			if err != nil {
				return err
			}
			pairs = append(pairs, pair{p.mergedInst, c.mergedInst, names})
		}
	}
	for i, o := range p.objects {
		if o.state != stateClosed && !o.slotOnly && o.instance != p.mergedInst {
			pairs = append(pairs, pair{o.instance, c.objects[i].instance, mutableGlobals(o.info.file)})
		}
	}
	for _, pr := range pairs {
		if pr.from == nil || pr.to == nil {
			continue
		}
		for _, name := range pr.names {
			src, dst := pr.from.ExportedGlobal(name), pr.to.ExportedGlobal(name)
			mg, ok := dst.(api.MutableGlobal)
			if src == nil || !ok {
				return fmt.Errorf("global %s is not in the copy", name)
			}
			mg.Set(src.Get())
		}
	}
	return nil
}

// mutableGlobals lists the exports of f that are mutable globals.
func mutableGlobals(f *wasmfile.File) []string {
	var out []string
	for _, e := range f.Exports {
		if e.Kind != wasmfile.KindGlobal || e.Name == mergedStep {
			continue
		}
		if t, ok := f.GlobalType(e.Index); ok && t.Mutable {
			out = append(out, e.Name)
		}
	}
	return out
}

// mutableExports lists a merged program's mutable exported globals, read
// once per Linker.
func (l *Linker) mutableExports(key string, data []byte) ([]string, error) {
	l.compileMu.Lock()
	names, ok := l.mergedGlobals[key]
	l.compileMu.Unlock()
	if ok {
		return names, nil
	}
	f, err := wasmfile.Options{SkipNames: true}.Parse(data)
	if err != nil {
		return nil, err
	}
	names = mutableGlobals(f)
	l.compileMu.Lock()
	if l.mergedGlobals == nil {
		l.mergedGlobals = map[string][]string{}
	}
	l.mergedGlobals[key] = names
	l.compileMu.Unlock()
	return names, nil
}

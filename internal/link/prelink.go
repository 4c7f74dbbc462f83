package link

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// prelink is the plan of a program's initial batch (layout, bindings,
// renamed code, hub), kept by the Linker so that loading the same program
// again, as a server starting many processes does, goes straight to
// instantiation: prelink(8) for wasm. Objects are referred to by their
// position in the batch's load order. A prelink is never modified once
// stored; restoring it copies whatever a process may change later.
type prelink struct {
	objs       []objectPlan
	mem        allocator
	table      allocator
	memShared  bool
	stackLow   uint32
	stackHigh  uint32
	heapBase   uint32
	heapEnd    uint64
	breakCell  uint32
	loaderEnd  uint32
	programTop uint32
	memFloor   uint64
	tableFloor uint64
	shared     map[string]sharedPlan
	tags       map[string]wasmfile.FuncType
	slots      []slotPlan
	hostSlots  map[string]uint32
	instOrder  []int
	gotMem     map[string]uint32
	gotFunc    map[string]uint32
	fills      []fillPlan
	hubBytes   []byte
	tramps     []fillPlan
	merged     []byte // the merged module, if the batch was merged
	mergedKey  string
	usesSjlj   bool
	memoryMax  uint64
	steps      []stepPlan // the initialiser's calls, in order
}

// stepPlan is an initStep by object position.
type stepPlan struct {
	obj int
	fn  string
	arg int64
}

type objectPlan struct {
	memoryBase, memorySize, tableBase, tableSize, tlsBase uint32
	extraSlots                                            []uint32
	reldeps, defs                                         []int
	code                                                  []byte
	codeKey                                               string
	slotOnly                                              bool
}

type sharedPlan struct {
	provider int // index of the providing object, -1 for the environment
	export   string
	private  bool
}

type slotPlan struct {
	obj  int
	fn   uint32
	slot uint32
}

type fillPlan struct {
	slot uint32
	def  int // -1 for a wasmdl host function
	name string
	typ  wasmfile.FuncType
}

// prelinkKey identifies a program's initial batch: every object's name,
// path, content and NEEDED edges, and the configuration that shapes the
// layout. The same key means the same plan.
func (l *Linker) prelinkKey(b *batch) string {
	h := sha256.New()
	fmt.Fprintf(h, "stack=%d pages=%d roots=%d runonly=%t\x00", l.cfg.stackSize(), l.cfg.maxPages(), len(b.roots), l.cfg.RunOnly)
	index := map[*object]int{}
	for i, o := range b.objects {
		index[o] = i
	}
	for _, hf := range l.cfg.HostFuncs {
		fmt.Fprintf(h, "host %s %v %v\x00", hf.Name, hf.Params, hf.Results)
	}
	for _, o := range b.objects {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00", o.name, o.path, o.info.key, o.isMain)
		for _, d := range o.needed {
			fmt.Fprintf(h, "%d,", index[d])
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// snapshot records the plan of b, the process's first batch, after
// planBatch.
func (p *Process) snapshot(b *batch) (*prelink, error) {
	index := map[*object]int{}
	for i, o := range b.objects {
		index[o] = i
	}
	idx := func(o *object) int {
		if o == nil {
			return -1
		}
		return index[o]
	}
	pl := &prelink{
		mem: p.mem, table: p.table, memShared: p.memShared,
		stackLow: p.stackLow, stackHigh: p.stackHigh, heapBase: p.heapBase, heapEnd: p.heapEnd,
		breakCell: p.breakCell, loaderEnd: p.loaderEnd, programTop: p.programTop,
		memFloor: p.memFloor, tableFloor: p.tableFloor,
		shared: map[string]sharedPlan{}, tags: cloneMap(p.tags), hostSlots: cloneMap(p.hostSlots),
		gotMem: cloneMap(b.gotMem), gotFunc: cloneMap(b.gotFunc), hubBytes: b.hubBytes,
		merged: b.merged, mergedKey: b.mergedKey, usesSjlj: b.usesSjlj, memoryMax: b.memoryMax,
	}
	steps, err := p.batchSteps(b, false)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		pl.steps = append(pl.steps, stepPlan{obj: index[st.o], fn: st.fn, arg: st.arg})
	}
	pl.mem.free = slices.Clone(p.mem.free)
	pl.table.free = slices.Clone(p.table.free)
	for item, s := range p.shared {
		pl.shared[item] = sharedPlan{provider: idx(s.provider), export: s.export, private: s.private}
	}
	for k, slot := range p.slots {
		o, ok := index[p.byID[k.id]]
		if !ok {
			continue // not an object of the batch (the setjmp runtime's stand-in)
		}
		pl.slots = append(pl.slots, slotPlan{obj: o, fn: k.fn, slot: slot})
	}
	for _, o := range b.instOrder {
		pl.instOrder = append(pl.instOrder, index[o])
	}
	fill := func(f slotFill) fillPlan { return fillPlan{slot: f.slot, def: idx(f.def), name: f.name, typ: f.typ} }
	for _, f := range b.fills {
		pl.fills = append(pl.fills, fill(f))
	}
	for _, f := range b.tramps {
		pl.tramps = append(pl.tramps, fill(f))
	}
	for _, o := range b.objects {
		op := objectPlan{
			memoryBase: o.memoryBase, memorySize: o.memorySize, tableBase: o.tableBase,
			tableSize: o.tableSize, tlsBase: o.tlsBase, extraSlots: slices.Clone(o.extraSlots),
			code: o.code, codeKey: o.codeKey, slotOnly: o.slotOnly,
		}
		for _, d := range o.reldeps {
			op.reldeps = append(op.reldeps, index[d])
		}
		for _, d := range o.defs {
			op.defs = append(op.defs, index[d])
		}
		pl.objs = append(pl.objs, op)
	}
	return pl, nil
}

// restore applies a stored plan to a new process's first batch, whose
// objects are in the same order as the snapshot's.
func (p *Process) restore(b *batch, pl *prelink) {
	obj := func(i int) *object {
		if i < 0 {
			return nil
		}
		return b.objects[i]
	}
	p.mem, p.table = pl.mem, pl.table
	p.mem.free = slices.Clone(pl.mem.free)
	p.table.free = slices.Clone(pl.table.free)
	p.memShared, p.stackLow, p.stackHigh, p.heapBase = pl.memShared, pl.stackLow, pl.stackHigh, pl.heapBase
	p.heapEnd, p.breakCell, p.loaderEnd, p.programTop = pl.heapEnd, pl.breakCell, pl.loaderEnd, pl.programTop
	p.memFloor, p.tableFloor = pl.memFloor, pl.tableFloor
	for item, s := range pl.shared {
		p.shared[item] = sharedItem{provider: obj(s.provider), export: s.export, private: s.private}
	}
	p.tags = cloneMap(pl.tags)
	p.hostSlots = cloneMap(pl.hostSlots)
	if len(p.slots) == 0 {
		p.slots = make(map[slotKey]uint32, len(pl.slots))
	}
	for _, s := range pl.slots {
		p.setSlot(slotKey{b.objects[s.obj].id, s.fn}, s.slot)
	}
	b.instOrder = make([]*object, len(pl.instOrder))
	b.position = map[*object]int{}
	for i, j := range pl.instOrder {
		b.instOrder[i] = b.objects[j]
		b.position[b.objects[j]] = i
	}
	b.gotMem, b.gotFunc, b.hubBytes = pl.gotMem, pl.gotFunc, pl.hubBytes
	b.merged, b.mergedKey = pl.merged, pl.mergedKey
	b.usesSjlj, b.memoryMax = pl.usesSjlj, pl.memoryMax
	b.steps = make([]initStep, 0, len(pl.steps))
	for _, st := range pl.steps {
		b.steps = append(b.steps, initStep{o: b.objects[st.obj], fn: st.fn, arg: st.arg})
	}
	fill := func(f fillPlan) slotFill { return slotFill{slot: f.slot, def: obj(f.def), name: f.name, typ: f.typ} }
	b.fills = make([]slotFill, 0, len(pl.fills))
	for _, f := range pl.fills {
		b.fills = append(b.fills, fill(f))
	}
	b.tramps = make([]slotFill, 0, len(pl.tramps))
	for _, f := range pl.tramps {
		b.tramps = append(b.tramps, fill(f))
	}
	for i, op := range pl.objs {
		o := b.objects[i]
		o.memoryBase, o.memorySize, o.tableBase, o.tableSize, o.tlsBase = op.memoryBase, op.memorySize, op.tableBase, op.tableSize, op.tlsBase
		o.extraSlots = slices.Clone(op.extraSlots)
		o.code, o.codeKey, o.slotOnly = op.code, op.codeKey, op.slotOnly
		o.reldeps = nil
		for _, d := range op.reldeps {
			o.reldeps = append(o.reldeps, b.objects[d])
		}
		o.defs = nil
		for _, d := range op.defs {
			o.defs = append(o.defs, b.objects[d])
		}
	}
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

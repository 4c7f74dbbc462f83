package link

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/internal/wazerofix"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// This file is dlclose's half of the load order: what unloading undoes, in
// reverse. No peer frees anything on dlclose; wasmdl does:
//
//	collect       which dlopen'ed objects nothing keeps alive any more
//	runExitFuncs  their atexit/__cxa_atexit handlers and __wasm_call_dtors,
//	              dependants before dependencies
//	tombstone     their table slots get stubs that trap naming the library
//	closeObject   their wazero modules are closed
//	release       their memory (zeroed) and table ranges go back for reuse

// tombstone is a generated module whose functions fill the table slots of
// an unloaded library, so that a stale function pointer traps with a
// message instead of calling into a closed module.
type tombstone struct {
	slots []uint32 // the slots it fills, sorted
	mod   api.Module
	code  []byte // its bytes, for a fork to make its own
}

// covers reports whether any of t's slots lies in [start, end).
func (t *tombstone) covers(start, end uint32) bool {
	for _, s := range t.slots {
		if s >= start && s < end {
			return true
		}
	}
	return false
}

// allocSlots takes table slots, first retiring tombstones that cover them:
// a reused slot no longer points to the unloaded library.
func (p *Process) allocSlots(n, align uint32) (uint32, error) {
	start, err := p.table.alloc(n, align)
	if err != nil || n == 0 {
		return start, err
	}
	end := start + n
	kept := p.tombstones[:0]
	for _, t := range p.tombstones {
		if t.covers(start, end) && p.tableOps != nil && p.clearSlots(t.slots) == nil {
			// All its slots are null now: wazero does not clear table
			// entries that point into a closed module, so this had to come
			// first.
			p.l.owners.Delete(t.mod)
			t.mod.Close(context.Background())
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) < len(p.tombstones) {
		p.pruneTable()
	}
	p.tombstones = kept
	return start, nil
}

// pruneTable makes wazero forget the closed modules that imported the
// shared table (see wazerofix.PruneTables), so unloading frees them.
func (p *Process) pruneTable() {
	if p.tableOps != nil {
		wazerofix.PruneTables(p.tableOps)
	}
}

// collect returns the dlopen'ed objects that nothing keeps alive: not
// loaded at startup, not NODELETE, not opened (refs 0), and not needed, or
// bound to, by a live object. They are returned dependants first.
func (p *Process) collect() []*object {
	alive := map[*object]bool{}
	var mark func(o *object)
	mark = func(o *object) {
		if alive[o] || o.state == stateClosed {
			return
		}
		alive[o] = true
		for _, d := range o.needed {
			mark(d)
		}
		for _, d := range o.reldeps {
			mark(d)
		}
	}
	for _, o := range p.objects {
		// A batch whose constructors are running is still being opened:
		// a constructor that opens and closes its own library (or one
		// that needs it) must not unload it.
		if o.isMain || o.startup || o.nodelete || o.refs > 0 || o.batch != nil && slices.Contains(p.initing, o.batch) {
			mark(o)
		}
	}
	var dead []*object
	for _, o := range p.objects {
		if !alive[o] && o.state != stateClosed {
			dead = append(dead, o)
		}
	}
	// Destructors of a dependant run before those of what it needs: reverse
	// of the constructor order.
	order := initOrder(dead, func(o *object) bool { return !alive[o] && o.state != stateClosed })
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// unload removes objects from the process. With runDtors, their exit
// handlers and destructors run first (dlclose); without, they are simply
// discarded (a failed dlopen rolling back).
func (p *Process) unload(ctx context.Context, objs []*object, runDtors bool) error {
	var firstErr error
	if runDtors {
		// Exit handlers of everything unloaded, last registered first (a
		// library registers its destructors in its constructors), then any
		// exported __wasm_call_dtors.
		if err := p.runExitFuncsOf(ctx, objs, true); err != nil {
			firstErr = err
		}
		for _, o := range objs {
			if o.state < stateConstructed {
				continue
			}
			if err := p.call(ctx, o, wasmfile.NameCallDtors); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	for _, o := range objs {
		if o.state >= stateInstantiated {
			if err := p.tombstone(ctx, o); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	for _, o := range objs {
		p.closeObject(ctx, o)
		p.release(o)
	}
	// Forget them: names can be loaded afresh, symbols fall back to the
	// next definition in the scope.
	kept := p.objects[:0]
	for _, o := range p.objects {
		if o.state != stateClosed {
			kept = append(kept, o)
		}
	}
	p.objects = kept
	for _, o := range objs {
		delete(p.byID, o.id)
		p.deps.forget(o)
		for _, k := range p.slotKeysOf(o) {
			p.deleteSlot(k)
		}
	}
	p.pruneTable()
	return firstErr
}

// runExitFuncsOf runs the exit handlers registered by objs, the last
// registered first, across all of them; with fini false, only those that
// are not destructors (exitFunc.fini).
func (p *Process) runExitFuncsOf(ctx context.Context, objs []*object, fini bool) error {
	last := func(o *object) int {
		for i := len(o.exitFuncs) - 1; i >= 0; i-- {
			if fini || !o.exitFuncs[i].fini {
				return i
			}
		}
		return -1
	}
	for {
		var owner *object
		at := -1
		for _, o := range objs {
			if o.state < stateInstantiated {
				continue
			}
			if i := last(o); i >= 0 && (owner == nil || o.exitFuncs[i].seq > owner.exitFuncs[at].seq) {
				owner, at = o, i
			}
		}
		if owner == nil {
			return nil
		}
		h := owner.exitFuncs[at]
		owner.exitFuncs = append(owner.exitFuncs[:at], owner.exitFuncs[at+1:]...)
		if err := p.runExitFunc(ctx, owner, h); err != nil {
			return err
		}
	}
}

// runExitFunc calls one exit handler through the table and disarms its
// runner in libc's list, if it has one.
func (p *Process) runExitFunc(ctx context.Context, o *object, h exitFunc) error {
	if h.id != 0 {
		delete(p.exitRefs, h.id)
	}
	op := "call_v"
	args := []uint64{uint64(h.slot)}
	if h.hasArg {
		op, args = "call_i", []uint64{uint64(h.arg), uint64(h.slot)}
	}
	// A handler may itself run handlers (a destructor calling dlclose), and
	// a wazero function handle has one call stack: a nested call through
	// the cached handle would overwrite the frames of the outer one.
	fn := p.tableOp(op)
	if p.exitDepth > 0 {
		fn = p.tableOps.ExportedFunction(op)
	}
	p.exitDepth++
	_, err := fn.Call(ctx, args...)
	p.exitDepth--
	if err != nil {
		return &CallError{Module: o.name, Func: fmt.Sprintf("exit handler (slot %d)", h.slot), Err: err}
	}
	return nil
}

// tombstone replaces o's function pointers in the table with stubs of the
// same types that trap naming o.
func (p *Process) tombstone(ctx context.Context, o *object) error {
	type entry struct {
		slot uint32
		typ  wasmfile.FuncType
	}
	var entries []entry
	f := o.info.file
	if o.info.pic {
		for fi, rel := range o.info.elemSlot {
			if t, ok := f.FuncType(fi); ok {
				entries = append(entries, entry{o.tableBase + rel, t})
			}
		}
	}
	if len(o.extraSlots) > 0 {
		extra := make(map[uint32]bool, len(o.extraSlots))
		for _, s := range o.extraSlots {
			extra[s] = true
		}
		for _, k := range p.slotKeysOf(o) {
			if s := p.slots[k]; extra[s] {
				if t, ok := f.FuncType(k.fn); ok {
					entries = append(entries, entry{s, t})
				}
			}
		}
	}
	if len(entries) == 0 || p.tableOps == nil {
		return nil
	}
	id := p.l.messages.id("call through a stale function pointer into " + o.name + ", which dlclose unloaded")
	sort.Slice(entries, func(i, j int) bool { return entries[i].slot < entries[j].slot })
	slots := make([]uint32, len(entries))
	// The stubs depend on the library, the message and the slots: a
	// library closed again at the same place reuses the bytes made the
	// first time (and their compilation).
	key := make([]byte, 0, 64+8*len(entries))
	key = append(append(key, o.info.key...), '/')
	tabExport := p.shared[wasmfile.NameTable].export
	key = append(strconv.AppendInt(key, int64(len(tabExport)), 10), tabExport...) // any characters
	key = strconv.AppendInt(append(key, '/'), int64(id), 10)
	for i, e := range entries {
		slots[i] = e.slot
		key = strconv.AppendUint(append(key, '/'), uint64(e.slot), 10)
		key = append(append(key, ':'), typeString(e.typ)...)
	}
	code, err := p.l.rewritten("tombstone/"+hashKey(sha256.Sum256(key)), func() ([]byte, error) {
		var m wasmgen.Module
		tab := m.ImportTable(p.sharedModName(wasmfile.NameTable), p.shared[wasmfile.NameTable].export, 0)
		trap := m.ImportFunc(modHost, hostWeakMissing, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
		for _, e := range entries {
			body := wasmgen.I32Const(nil, id)
			body = wasmgen.Call(body, trap)
			body = wasmgen.Unreachable(body)
			m.ActiveElemTable(tab, e.slot, []uint32{m.Func(e.typ, body)})
		}
		return m.Bytes(), nil
	})
	if err != nil {
		return err
	}
	mod, err := p.instantiateGenerated(ctx, "tombstone for "+o.name, code, nil, nil, nil)
	if err != nil {
		return err
	}
	// instantiateGenerated filed it as process-wide; it is tracked here instead.
	p.generated = p.generated[:len(p.generated)-1]
	p.tombstones = append(p.tombstones, tombstone{slots: slots, mod: mod, code: code})
	return nil
}

// slotKeysOf returns the keys of p.slots that belong to o. Every slot is
// given to a named function (canonicalSlot), so o's function symbols find
// them without a walk over every slot of the process.
func (p *Process) slotKeysOf(o *object) []slotKey {
	var keys []slotKey
	for _, s := range o.info.symbols {
		k := slotKey{o.id, s.Index}
		if _, ok := p.slots[k]; ok && s.Func && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// clearSlots sets slots (sorted) to null, a run at a time.
func (p *Process) clearSlots(slots []uint32) error {
	clear := p.tableOp("clear")
	for i := 0; i < len(slots); {
		j := i + 1
		for j < len(slots) && slots[j] == slots[j-1]+1 {
			j++
		}
		if _, err := clear.Call(context.Background(), uint64(slots[i]), uint64(j-i)); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// closeObject closes o's instance, and its batch's generated
// modules once the batch has no live object left.
func (p *Process) closeObject(ctx context.Context, o *object) {
	if o.state == stateClosed {
		return
	}
	if o.instance != nil {
		p.l.owners.Delete(o.instance)
		o.instance.Close(ctx)
	}
	o.state = stateClosed
	if b := o.batch; b != nil {
		b.live--
		if b.live == 0 {
			for _, m := range b.generated {
				p.l.owners.Delete(m)
				m.Close(ctx)
			}
			b.generated = nil
			for i, x := range p.batches {
				if x == b {
					p.batches = append(p.batches[:i], p.batches[i+1:]...)
					break
				}
			}
			// Slots the batch gave functions of modules that stay (a
			// plugin took the address of the main's printf, or called a
			// merged library's function): a fork, which replays only
			// live batches, must still fill them.
			for _, f := range b.fills {
				if f.def == nil || f.def.state != stateClosed {
					p.lateFills = append(p.lateFills, f)
				}
			}
			b.fills = nil
		}
	}
	for i := 0; i < len(p.lateFills); i++ {
		if p.lateFills[i].def == o {
			p.lateFills = append(p.lateFills[:i], p.lateFills[i+1:]...)
			i--
		}
	}
}

// release returns o's memory (zeroed, so a later library finds its bss
// clean and no data leaks) and table ranges for reuse.
func (p *Process) release(o *object) {
	if !o.info.pic || o.isMain || o.startup {
		return
	}
	zero := func(start, size uint32) {
		if p.memory == nil || size == 0 {
			return
		}
		buf := make([]byte, min(size, 64<<10))
		for off := uint32(0); off < size; off += uint32(len(buf)) {
			n := min(uint32(len(buf)), size-off)
			p.memory.Write(start+off, buf[:n])
		}
	}
	if o.memorySize > 0 {
		zero(o.memoryBase, o.memorySize)
		p.mem.release(span{o.memoryBase, o.memoryBase + o.memorySize}, false)
	}
	if o.info.hasTLS && o.info.tlsSize > 0 {
		zero(o.tlsBase, o.info.tlsSize)
		p.mem.release(span{o.tlsBase, o.tlsBase + o.info.tlsSize}, false)
	}
	if o.tableSize > 0 {
		p.table.release(span{o.tableBase, o.tableBase + o.tableSize}, false)
	}
	for _, s := range o.extraSlots {
		p.table.release(span{s, s + 1}, false)
	}
	for str, a := range o.strings {
		p.releaseGuest(a, uint32(len(str)+1))
	}
	o.strings = nil
}

// Stages orderBatch and bindBatch: who is instantiated before whom, and
// what every import of a batch resolves to.

package link

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/wasmdl/wasmdl/internal/wasmedit"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// orderBatch decides the instantiation order. Dependencies come before
// the modules that need them, so most function imports bind directly to an
// existing instance; imports of modules not instantiated yet go through a
// table trampoline. A main that provides the memory, table or stack pointer
// must exist before anyone imports them, so it comes first.
func (p *Process) orderBatch(b *batch) {
	inBatch := map[*object]bool{}
	for _, o := range b.objects {
		inBatch[o] = true
	}
	order := initOrder(p.loadOrderScope(b), func(o *object) bool { return inBatch[o] })
	if inBatch[p.main] {
		// The main moves up to just before the first module that imports
		// something it provides; everything before that (and, the order
		// being dependencies first, what they need) stays ahead of it, so
		// the main's calls into them bind directly.
		first := -1
		for i, o := range order {
			if o != p.main && p.needsMain(o) {
				first = i
				break
			}
		}
		if first >= 0 {
			rest := make([]*object, 0, len(order))
			for _, o := range order {
				if o != p.main {
					rest = append(rest, o)
				}
			}
			order = append(append(append([]*object{}, rest[:first]...), p.main), rest[first:]...)
		}
	}
	b.instOrder = order
	b.position = map[*object]int{}
	for i, o := range order {
		b.position[o] = i
	}
}

// needsMain reports whether o imports the memory, table or stack pointer
// the main module provides.
func (p *Process) needsMain(o *object) bool {
	for _, ci := range o.info.imports {
		switch ci.Role {
		case wasmfile.RoleMemory, wasmfile.RoleTable, wasmfile.RoleStackPointer:
			if ci.Module == "env" && p.shared[ci.Name].provider == p.main {
				return true
			}
		}
	}
	return false
}

// symbolIndex maps each name to its first definition in a scope. A batch's
// scope is the global scope followed by local objects, so its index is the
// process's cached global index with a small layer for the rest: a dlopen
// does not re-index every symbol of the program.
type symbolIndex struct {
	global, local *names
}

// names is one layer of a symbolIndex.
type names struct {
	funcs map[string]*object
	data  map[string]*object
}

func (n *names) add(o *object) {
	for name, s := range o.info.symbols {
		m := n.data
		if s.Func {
			m = n.funcs
		}
		if _, taken := m[name]; !taken {
			m[name] = o
		}
	}
}

func newNames() *names { return &names{funcs: map[string]*object{}, data: map[string]*object{}} }

// fn is the first definer of function name.
func (idx symbolIndex) fn(name string) *object {
	return idx.first(func(n *names) map[string]*object { return n.funcs }, name)
}

// datum is the first definer of data object name.
func (idx symbolIndex) datum(name string) *object {
	return idx.first(func(n *names) map[string]*object { return n.data }, name)
}

// first looks name up in the global layer, then the local one.
func (idx symbolIndex) first(kind func(*names) map[string]*object, name string) *object {
	if o := kind(idx.global)[name]; o != nil {
		return o
	}
	if idx.local != nil {
		return kind(idx.local)[name]
	}
	return nil
}

// scopeIndex indexes b.scope: the cached global layer, rebuilt only when
// the global scope changed, plus the objects after it.
func (p *Process) scopeIndex(b *batch) symbolIndex {
	global := p.globalScope()
	if p.globalNames == nil || !sameObjects(p.globalNamesList, global) {
		p.globalNames = newNames()
		for _, o := range global {
			p.globalNames.add(o)
		}
		p.globalNamesList = global
	}
	idx := symbolIndex{global: p.globalNames}
	if len(b.scope) > len(global) {
		n := 0
		for _, o := range b.scope[len(global):] {
			n += len(o.info.symbols)
		}
		idx.local = &names{funcs: make(map[string]*object, n), data: make(map[string]*object, n/4)}
		for _, o := range b.scope[len(global):] {
			idx.local.add(o)
		}
	}
	return idx
}

func sameObjects(a, b []*object) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// bindBatch resolves every import of the batch through its scope: the
// first definition wins, so the main interposes on its libraries and an
// earlier library on a later one. It fills the batch's GOT values and each
// object's function bindings, and returns every undefined symbol and
// signature mismatch it finds.
func (p *Process) bindBatch(b *batch, lazy bool) LinkErrors {
	var errs LinkErrors
	trace := p.l.tracing("bindings")
	note := func(fb *funcBinding, format string, args ...any) {
		b.bindTrace = append(b.bindTrace, bindTrace{fmt.Sprintf(format, args...), fb})
	}
	idx := p.scopeIndex(b)
	b.gotMem, b.gotFunc = map[string]uint32{}, map[string]uint32{}
	b.funcs = map[*object]map[string]*funcBinding{}
	b.interposed = nil
	for _, o := range b.instOrder {
		p.findInterpositions(b, idx, o)
		funcs := make(map[string]*funcBinding, len(o.info.imports))
		b.funcs[o] = funcs
		bindings := make([]funcBinding, 0, len(o.info.imports)) // one allocation for all of o's
		f := o.info.file
		for _, ci := range o.info.imports {
			name := ci.Name
			switch ci.Role {
			case wasmfile.RoleFunc:
				want := f.Types[ci.TypeIndex]
				bindings = append(bindings, funcBinding{name: name, typ: want})
				fb := &bindings[len(bindings)-1]
				def := idx.fn(name)
				if ht, ok := p.l.isHostFunc(name); ok && (def == nil || overridden(name, o.isMain)) {
					// wasmdl's own: libdl always, exit registration for
					// libraries, anything else only if nobody defines it.
					if !ht.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: "wasmdl", Want: want.String(), Have: ht.String()})
						continue
					}
					fb.kind = bindHost
					if trace {
						note(nil, "%s: env.%s -> wasmdl", o.name, name)
					}
				} else if def != nil {
					have := def.info.funcType[name]
					if !have.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: def.name, Want: want.String(), Have: have.String()})
						continue
					}
					fb.def = def
					o.addRelDep(def)
					fb.kind = bindDirect
					if !p.instantiatedBefore(b, def, o) {
						fb.kind = bindTrampoline
					}
					if trace {
						note(fb, "%s: env.%s -> %s", o.name, name, def.name)
					}
				} else if st, ok := sjljFunc(name); ok {
					if !st.Equal(want) {
						errs = append(errs, &SignatureError{Symbol: name, Importer: o.name, Definer: "wasmdl", Want: want.String(), Have: st.String()})
						continue
					}
					fb.kind = bindSjlj
					b.usesSjlj = true
					if p.shared[wasmfile.NameMemory].provider == o {
						// The runtime imports the memory o defines, so it
						// comes after o: o calls it through a trampoline.
						fb.kind, fb.def = bindTrampoline, p.sjljObject()
					}
					if trace {
						note(nil, "%s: env.%s -> wasmdl's setjmp/longjmp runtime", o.name, name)
					}
				} else if ci.Weak {
					fb.kind = bindMissingWeak
					fb.id = p.l.messages.id(fmt.Sprintf("call to undefined weak function %s (imported by %s)", name, o.name))
					if trace {
						note(nil, "%s: env.%s -> undefined weak (traps if called)", o.name, name)
					}
				} else if lazy {
					fb.kind = bindLazy
					fb.id = p.l.messages.id(fmt.Sprintf("symbol lookup error: %s: undefined symbol: %s", o.name, name))
					if trace {
						note(nil, "%s: env.%s -> undefined, RTLD_LAZY (looked up when called)", o.name, name)
					}
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
				if def := idx.datum(name); def != nil {
					o.addRelDep(def)
				}
				if trace {
					note(nil, "%s: GOT.mem.%s = 0x%x (%s)", o.name, name, v, nameOrDash(nameOf(idx.datum(name))))
				}
			case wasmfile.RoleGOTFunc:
				var v uint32
				if def := idx.fn(name); def != nil {
					o.addRelDep(def)
					v = p.canonicalSlot(b, def, name)
				} else if _, ok := p.l.isHostFunc(name); ok {
					v = p.hostSlot(b, name)
				} else if !ci.Weak {
					errs = append(errs, &UndefinedError{Symbol: name, NeededBy: o.name})
					continue
				}
				b.gotFunc[name] = v
				if trace {
					note(nil, "%s: GOT.func.%s = slot %d (%s)", o.name, name, v, nameOrDash(nameOf(idx.fn(name))))
				}
			case wasmfile.RoleTag:
				if int(ci.Tag.TypeIndex) < len(f.Types) {
					if err := p.useTag(o.name, name, f.Types[ci.Tag.TypeIndex]); err != nil {
						errs = append(errs, err)
					}
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

// interposition is a function o defines and calls that an earlier module
// of o's lookup scope, def, also defines with the same type. Under ld.so a
// library's calls to its own exported functions go through the PLT, so
// the first definition in the scope (the main's, a preload's, an earlier
// library's) is the one that runs. wasm-ld binds those calls directly, so
// the loader redirects them: the merge calls def's function instead, a
// separate instance calls through def's table slot.
type interposition struct {
	o, def *object
	fn     uint32 // o's function index
	name   string
}

// findInterpositions records, for o (not the main: an executable's own
// calls are never interposed), every exported function an earlier module
// of the scope defines too. A definition of another type is a different
// function that happens to share the name (a library's own log next to
// libm's, say); calling it through the wrong type would trap, so o keeps
// its own. wasmdl's host functions are never interposed on.
func (p *Process) findInterpositions(b *batch, idx symbolIndex, o *object) {
	if o.isMain {
		return
	}
	for _, name := range o.info.funcSymbols() {
		def := idx.fn(name)
		if def == nil || def == o {
			continue
		}
		if _, host := p.l.isHostFunc(name); host {
			continue
		}
		if !def.info.funcType[name].Equal(o.info.funcType[name]) {
			continue
		}
		b.interposed = append(b.interposed, interposition{o: o, def: def, fn: o.info.symbols[name].Index, name: name})
		o.addRelDep(def) // o calls def's function: def stays while o does, as for an import
		if p.l.tracing("bindings") {
			b.bindTrace = append(b.bindTrace, bindTrace{line: fmt.Sprintf("%s: its own calls to %s -> %s (interposed)", o.name, name, def.name)})
		}
	}
}

// interposeCalls redirects o's own calls to its interposed functions
// through the interposer's table slot, on top of its renamed code (the
// merge does it with direct calls instead). The result depends on the
// module and the slots.
func (p *Process) interposeCalls(b *batch, o *object) ([]byte, string, error) {
	var redirects []wasmedit.Redirect
	for _, ip := range b.interposed {
		if ip.o == o {
			redirects = append(redirects, wasmedit.Redirect{Func: ip.fn, Slot: p.canonicalSlot(b, ip.def, ip.name)})
		}
	}
	if len(redirects) == 0 {
		return o.code, o.codeKey, nil
	}
	f := o.info.file
	shared := p.shared[wasmfile.NameTable]
	if shared.private || f.NumImportedTables()+uint32(len(f.Tables)) > 1 ||
		(len(f.Tables) == 1 && shared.provider != o) {
		return o.code, o.codeKey, nil // no shared table to call through: o keeps its own
	}
	// A PIC library imports the process's table as its only table, or
	// has none (nothing of its own is called through it) and gets one.
	table := wasmedit.Table{Module: p.sharedModName(wasmfile.NameTable), Name: shared.export}
	key := o.codeKey + "/interpose"
	for _, r := range redirects {
		key += fmt.Sprintf(":%d@%d", r.Func, r.Slot)
	}
	key = contentKey([]byte(key))
	data, err := p.l.rewritten(key, func() ([]byte, error) { return wasmedit.RedirectCalls(o.code, table, redirects) })
	return data, key, err
}

// callsThroughSlots makes o's calls of functions of libraries merged into
// the program (b.slotCalls) call their table slots directly, on top of
// its renamed code. Renamed, such an import is the hub's function that
// calls the slot: two calls, one of them into another instance, for each
// of o's calls, which a plugin calling into a merged library (a Lua C
// module calling the Lua API) makes millions of times. The result depends
// on the module and the slots.
func (p *Process) callsThroughSlots(b *batch, o *object) ([]byte, string, error) {
	slots := b.slotCalls[o]
	if len(slots) == 0 {
		return o.code, o.codeKey, nil
	}
	f := o.info.file
	shared := p.shared[wasmfile.NameTable]
	importsShared := slices.ContainsFunc(o.info.imports, func(ci wasmfile.ClassifiedImport) bool {
		return ci.Kind == wasmfile.KindTable && ci.Role == wasmfile.RoleTable
	})
	if shared.private || f.NumImportedTables() != 1 || len(f.Tables) != 0 || !importsShared {
		return o.code, o.codeKey, nil // no shared table of its own to call through: the hub's callers stay
	}
	fns := make([]uint32, 0, len(slots))
	for fn := range slots {
		fns = append(fns, fn)
	}
	slices.Sort(fns)
	k := append(make([]byte, 0, len(o.codeKey)+16+12*len(fns)), o.codeKey...)
	k = append(k, "/slotcalls"...)
	for _, fn := range fns {
		k = strconv.AppendUint(append(k, ':'), uint64(fn), 10)
		k = strconv.AppendUint(append(k, '@'), uint64(slots[fn]), 10)
	}
	key := contentKey(k)
	data, err := p.l.rewritten(key, func() ([]byte, error) { return wasmedit.CallsThroughSlots(o.code, 0, slots) })
	return data, key, err
}

// bindTrace is one line of the bindings trace (WASMDL_DEBUG=bindings). A
// function binding says how the call is made, which is known only once
// planBatch has decided whether the batch is merged.
type bindTrace struct {
	line string
	fb   *funcBinding
}

// traceBindings prints the batch's bindings trace.
func (p *Process) traceBindings(b *batch) {
	for _, t := range b.bindTrace {
		line := t.line
		if fb := t.fb; fb != nil {
			switch {
			case b.merged != nil:
				line += " (direct call: merged into one module)"
			case fb.def.slotOnly:
				line += " (through its table slot: the definer is merged into the program)"
			case fb.kind == bindTrampoline:
				line += " (trampoline: instantiated later)"
			default:
				line += " (direct)"
			}
		}
		p.debugf("bindings", "%s", line)
	}
	b.bindTrace = nil
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
	key := slotKey{def.id, sym.Index}
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
	p.setSlot(key, slot)
	return slot
}

// setSlot records the slot of a function, and deleteSlot forgets it. A
// fork starts with its parent's map; whichever changes it first copies
// it, so a fork costs no copy of a map most never change.
func (p *Process) setSlot(key slotKey, slot uint32) {
	p.ownSlots()
	p.slots[key] = slot
}

func (p *Process) deleteSlot(key slotKey) {
	p.ownSlots()
	delete(p.slots, key)
}

func (p *Process) ownSlots() {
	if p.slotsShared {
		p.slots, p.slotsShared = maps.Clone(p.slots), false
	}
}

func (p *Process) hostSlot(b *batch, name string) uint32 {
	if s, ok := p.hostSlots[name]; ok {
		return s
	}
	slot, _ := p.allocSlots(1, 1)
	t, _ := p.l.hostType(name)
	b.fills = append(b.fills, slotFill{slot: slot, def: nil, name: name, typ: t})
	p.hostSlots[name] = slot
	return slot
}

// dataAddress is the absolute address of data symbol name in idx's scope,
// or of a layout symbol the loader defines for a PIE main.
func (p *Process) dataAddress(idx symbolIndex, name string) (uint32, bool) {
	if def := idx.datum(name); def != nil {
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

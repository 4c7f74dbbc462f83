// Stage mergeBatch: the objects loaded with the main, as one module.

package link

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// Objects loaded with the main are never unloaded, so the loader is free to
// make them one module: a static link done at load time, with the layout,
// bindings and table slots the loader chose. On wazero this is what makes
// dynamic linking cost nothing afterwards and little at start:
//   - a call between two libraries becomes a direct call inside one module,
//     which wazero makes much more cheaply than a call to an imported
//     function of another instance;
//   - GOT entries, __memory_base, __table_base and data symbols' addresses
//     become constants in the code (wazero reloads imported mutable GOT
//     globals after every call), and every data and element segment lands
//     at a constant offset;
//   - wazero compiles (in parallel) or reads from its cache one module, and
//     instantiates one, instead of one per library plus the generated
//     modules that connect them;
//   - one generated initialiser inside the module runs start functions,
//     TLS set-up, relocations and constructors.
//
// The result is the same process as the separate instances would make: the
// same memory and table contents, the same symbol bindings (interposition
// included), the same initialisation order. Libraries opened later with
// dlopen import from the merged instance, where each library's functions
// are exported under the prefix in object.exportPrefix.
//
// Modules the merge does not understand (their own memory or table,
// typed references, undecodable code) are refused with a reason
// (WASMDL_DEBUG=merge prints it); the batch is then instantiated module by
// module, exactly as a dlopen batch always is.

// Exports of a merged module besides the objects' own.
const (
	mergedData   = "$wasmdl.data" // writes the modules' data (see dataInit)
	mergedInit   = "$wasmdl.init" // runs the batch's initialisation
	mergedStep   = "$wasmdl.step" // the step the initialiser is at
	mergedGlobal = "$wasmdl.g"    // prefix of the other mutable globals' exports
)

// mergeRefusal says why a batch cannot be merged.
type mergeRefusal struct{ why string }

// Error implements error.
func (e *mergeRefusal) Error() string { return "not merged: " + e.why }

func refuse(format string, args ...any) error {
	return &mergeRefusal{fmt.Sprintf(format, args...)}
}

// funcRef is where one function index of an object ends up before the
// merged module's index spaces are final.
type funcRef struct {
	kind  funcRefKind
	index uint32  // refImport: merged import index; refExtra: extra number; refOwn: defined number
	def   *object // refBound
	name  string  // refBound: the definer's export name
}

type funcRefKind byte

const (
	refImport funcRefKind = iota // an import of the merged module
	refOwn                       // one of the object's own functions
	refBound                     // another object's exported function
	refExtra                     // a stub or wrapper the merge generates
)

// mergeComp is one object inside the merged module, with the merged index
// of each of its own indices.
type mergeComp struct {
	o        *object
	f        *wasmfile.File
	refs     []funcRef // by the object's function index
	funcs    []uint32  // final merged function index, by the object's index
	resolved []bool
	funcBase uint32
	types    []uint32
	globals  []uint32  // by the object's global index
	tags     []uint32  // by the object's tag index
	consts   []*uint64 // value of each imported global that became a constant
	// fold holds, for each global whose value is a constant nobody may
	// write (bases, GOT entries, data symbols' addresses), the constant
	// instruction that replaces its global.get. Folded globals are not in
	// the merged module at all: wazero declares a variable for every
	// global in every function it compiles, so thousands of them made
	// compiling a 1000-library program quadratic.
	fold     [][]byte
	elemBase uint32
	dataBase uint32
	exports  map[string]uint32 // exported function name -> the object's function index
	// callTo redirects the object's direct calls of its interposed
	// functions (by the object's function index) to the merged index of
	// the interposer's definition.
	callTo map[uint32]uint32
}

// constGlobal is the value of global g of c if the merge made it a
// constant: what its initialisers and segment offsets may read.
func (c *mergeComp) constGlobal(g uint32) (uint64, bool) {
	if g < uint32(len(c.consts)) && c.consts[g] != nil {
		return *c.consts[g], true
	}
	return 0, false
}

// extraFunc is a function the merge adds: a stub for an undefined weak
// function, or a wrapper passing a host function its caller.
type extraFunc struct {
	typ    wasmfile.FuncType
	body   []byte // a function the loader wrote (the virtual memory.size)
	trapID int32  // stub: the name's id for hostWeakMissing
	host   uint32 // wrapper: the import of the "@" host function
	caller int32  // wrapper: the caller's position in the batch; -1 for a stub
}

// pendingGlobal is a defined global of the merged module whose index is
// assigned once every global import is known.
type pendingGlobal struct {
	typ  wasmfile.GlobalType
	init []byte
}

type merger struct {
	p       *Process
	b       *batch
	m       wasmgen.Module
	comps   []*mergeComp
	byObj   map[*object]*mergeComp
	imports map[string]uint32 // dedup key -> merged import index (per kind)
	extras  []extraFunc
	extraBy map[string]uint32
	globals []pendingGlobal // defined globals, in order
	shared  map[string]uint32
	weakImp int64 // the hostWeakMissing import, -1 if none
	// memorySize is the extra that memory.size becomes (memory.go), -1
	// when the process keeps no break cell.
	memorySize int64
	extraBase  uint32 // merged index of the first extra
	// sharedGlobals are imports of a global another object of the batch
	// defines and exports.
	sharedGlobals []sharedGlobal
	hostFns       map[string]bool

	// Relocations applied by the merge (prereloc.go): the candidates'
	// relocation functions by merged index (nil once something else calls
	// one), the active data segments by offset with the running maximum of
	// their ends, and the segments as the relocations left them.
	relocs       map[uint32]*mergeComp
	segs         []dataSeg
	maxEnd       []uint64
	patched      map[uint32][]byte
	preRelocated int
}

// planMerged makes b, the first batch, one module, from the cache of
// Config.CacheDir or by mergeBatch. It reports false, with no error, when
// the merge refuses the batch: the caller then plans separate instances.
func (p *Process) planMerged(b *batch, h *hub, renames map[*object]map[int][2]string) (bool, error) {
	for _, o := range b.objects {
		if err := mergeable(o); err != nil {
			p.debugf("merge", "%v", err)
			return false, nil
		}
	}
	// The merged module exports only the main's functions (wazero spends
	// time proportional to functions times exports on a module's first
	// trap or exit), so every function a library defines gets its table
	// slot now: that is how later batches and the host reach it. (Should
	// the merge refuse later on, these slots simply stay filled.) In a
	// closed world nothing will reach them by name (deadfuncs.go).
	closed := p.closedWorld(b)
	for _, o := range b.objects {
		if !o.isMain && !closed {
			for _, name := range o.info.funcSymbols() {
				p.canonicalSlot(b, o, name)
			}
		}
	}
	var key string
	if p.l.cfg.CacheDir != "" {
		key = p.mergeKey(b, h)
	}
	data, cached := p.l.cachedMerge(key)
	if !cached {
		var err error
		if data, err = p.mergeBatch(b, h, renames, closed); err != nil {
			var refusal *mergeRefusal
			if errors.As(err, &refusal) {
				p.debugf("merge", "%v", err)
				return false, nil
			}
			return false, err
		}
		p.l.storeMerge(key, data)
	}
	b.merged, b.mergedKey = data, mergedModuleKey(key, data)
	b.mergeCacheKey, b.trapIDs = key, h.trapIDs()
	// The merged module fills its table slots and holds its trampolines
	// itself: nothing needs the lists again (a fork instantiates the
	// same module), and each process and plan would otherwise copy them.
	b.fills, b.tramps = nil, nil
	for _, o := range b.objects {
		o.slotOnly = !o.isMain
	}
	return true, nil
}

// mergeBatch builds the merged module of the first batch from its plan:
// renames says, for each object's imports, what planImports decided (the
// same decisions the separate instances would be linked by), and h holds
// the hub items those decisions refer to. In a closed world (closedWorld)
// it leaves out what nothing can call.
func (p *Process) mergeBatch(b *batch, h *hub, renames map[*object]map[int][2]string, closed bool) ([]byte, error) {
	mg := &merger{p: p, b: b, byObj: map[*object]*mergeComp{}, imports: map[string]uint32{},
		extraBy: map[string]uint32{}, shared: map[string]uint32{}, weakImp: -1, memorySize: -1, hostFns: p.l.callerAware()}
	for _, o := range b.objects {
		c := &mergeComp{o: o, f: o.info.file}
		mg.comps = append(mg.comps, c)
		mg.byObj[o] = c
	}
	if err := mg.importPass(h, renames); err != nil {
		return nil, err
	}
	if _, ok := mg.shared["table"]; !ok && mg.needsTable() {
		// No object imports the table, but the merged module fills slots
		// of it: every library function gets its slot (see planMerged).
		tp := p.shared[wasmfile.NameTable]
		if tp.private {
			return nil, refuse("%s keeps its function table to itself", p.main.name)
		}
		mg.shared["table"] = mg.m.ImportTable(p.sharedModName(wasmfile.NameTable), tp.export, 0)
	}
	if _, hasMemory := mg.shared["memory"]; hasMemory && p.breakCell != 0 {
		ref := mg.extra("memory.size", extraFunc{typ: memorySizeType, body: memorySizeBody(p.breakCell)})
		mg.memorySize = int64(ref.index)
	}
	if err := mg.defineTags(); err != nil {
		return nil, err
	}
	if err := mg.placeFuncs(); err != nil {
		return nil, err
	}
	mg.interpose()
	mg.relocCandidates()
	if err := mg.defineGlobals(); err != nil {
		return nil, err
	}
	step := mg.m.NumGlobals() + uint32(len(mg.globals))
	mg.globals = append(mg.globals, pendingGlobal{wasmfile.GlobalType{Type: wasmfile.I32, Mutable: true}, wasmgen.I32Const(nil, -1)})
	mg.numberSegments()
	if err := mg.code(); err != nil {
		return nil, err
	}
	if err := mg.initFunc(step); err != nil {
		return nil, err
	}
	if mg.preRelocated > 0 {
		p.debugf("merge", "data relocations of %d modules applied when merging", mg.preRelocated)
	}
	if err := mg.segments(); err != nil {
		return nil, err
	}
	if err := mg.exports(step); err != nil {
		return nil, err
	}
	// Every mutable global is exported, under a name of wasmdl's if it
	// has none, so that Process.Fork can copy it.
	exported := map[uint32]bool{}
	for _, c := range mg.comps {
		if c.o.isMain {
			for _, e := range c.f.Exports {
				if e.Kind == wasmfile.KindGlobal && int(e.Index) < len(c.globals) {
					exported[c.globals[e.Index]] = true
				}
			}
		}
	}
	base := mg.m.NumGlobals()
	for i, g := range mg.globals {
		idx := base + uint32(i)
		mg.m.Global(g.typ, g.init)
		if g.typ.Mutable && !exported[idx] && idx != step {
			mg.m.Export(fmt.Sprintf("%s%d", mergedGlobal, idx), wasmfile.KindGlobal, idx)
		}
	}
	if closed {
		return mg.dropUnreachable(mg.m.Bytes())
	}
	return mg.m.Bytes(), nil
}

// needsTable reports whether the merged module writes table slots: the
// loader's fills, or an object's own active element segments.
func (mg *merger) needsTable() bool {
	if len(mg.b.fills) > 0 {
		return true
	}
	for _, c := range mg.comps {
		for _, seg := range c.f.Elements {
			if seg.Mode == wasmfile.ModeActive {
				return true
			}
		}
	}
	return false
}

// mergeable refuses what the merge does not handle.
func mergeable(o *object) error {
	f := o.info.file
	switch {
	case len(f.Memories) > 0:
		return refuse("%s defines its own memory", o.name)
	case len(f.Tables) > 0:
		return refuse("%s defines its own table", o.name)
	case f.NumImportedMemories() > 1 || f.NumImportedTables() > 1:
		return refuse("%s imports more than one memory or table", o.name)
	}
	for _, im := range f.Imports {
		if im.Kind == wasmfile.KindTable && im.Table.Elem != wasmfile.FuncRef {
			return refuse("%s imports a table of %s", o.name, im.Table.Elem)
		}
	}
	return nil
}

// callerAware lists the host functions with a variant taking their caller.
func (l *Linker) callerAware() map[string]bool {
	out := map[string]bool{}
	for _, h := range l.hostFuncs() {
		if h.byObject != nil {
			out[h.name] = true
		}
	}
	return out
}

// importPass walks every object's imports: what stays an import of the
// merged module is imported now (so that import indices come first), the
// rest is recorded to be resolved once defined indices are known.
func (mg *merger) importPass(h *hub, renames map[*object]map[int][2]string) error {
	hubGlobals := map[string]hubGlobal{}
	for _, g := range h.globals {
		hubGlobals[g.export] = g
	}
	hubFuncs := map[string]hubFunc{}
	for _, f := range h.funcs {
		hubFuncs[f.export] = f
	}
	for k, c := range mg.comps {
		o, f := c.o, c.f
		c.types = make([]uint32, len(f.Types))
		for i, t := range f.Types {
			c.types[i] = mg.m.Type(t)
		}
		c.refs = make([]funcRef, 0, int(f.NumImportedFuncs())+len(f.Funcs))
		c.consts = make([]*uint64, f.NumImportedGlobals())
		c.fold = make([][]byte, f.NumImportedGlobals()+uint32(len(f.Globals)))
		c.globals = make([]uint32, f.NumImportedGlobals()+uint32(len(f.Globals)))
		gi := 0
		for i := range f.Imports {
			im := &f.Imports[i]
			r, renamed := renames[o][i]
			switch im.Kind {
			case wasmfile.KindFunc:
				ref, err := mg.funcImport(k, c, im, r, renamed, o.defs, hubFuncs, h.tramps)
				if err != nil {
					return err
				}
				c.refs = append(c.refs, ref)
			case wasmfile.KindGlobal:
				if err := mg.globalImport(c, gi, o.info.imports[i], r, renamed, hubGlobals); err != nil {
					return err
				}
				gi++
			case wasmfile.KindMemory:
				if !renamed {
					return refuse("%s imports memory %s.%s", o.name, im.Module, im.Name)
				}
				if _, ok := mg.shared["memory"]; !ok {
					lim := wasmfile.Limits{Shared: mg.p.memShared}
					if lim.Shared {
						lim.HasMax, lim.Max = true, uint64(mg.p.l.cfg.maxPages())
					}
					mg.shared["memory"] = mg.m.ImportMemory(r[0], r[1], lim)
				}
			case wasmfile.KindTag:
				if !renamed || int(im.Tag.TypeIndex) >= len(f.Types) {
					return refuse("%s imports tag %s.%s", o.name, im.Module, im.Name)
				}
				key := "t\x00" + r[0]
				ti, ok := mg.imports[key]
				if !ok {
					ti = mg.m.ImportTag(r[0], r[1], f.Types[im.Tag.TypeIndex])
					mg.imports[key] = ti
				}
				c.tags = append(c.tags, ti)
			case wasmfile.KindTable:
				if !renamed {
					return refuse("%s imports table %s.%s", o.name, im.Module, im.Name)
				}
				if _, ok := mg.shared["table"]; !ok {
					mg.shared["table"] = mg.m.ImportTable(r[0], r[1], 0)
				}
			default:
				return refuse("%s imports %s %s.%s", o.name, im.Kind, im.Module, im.Name)
			}
		}
		for j := range f.Funcs {
			c.refs = append(c.refs, funcRef{kind: refOwn, index: uint32(j)})
		}
	}
	// Host functions whose address was taken are placed by the merged
	// module's own element segments.
	for _, fl := range mg.b.fills {
		if fl.def == nil {
			mg.importFunc(modHost, fl.name, fl.typ)
		}
	}
	for _, e := range mg.extras {
		if e.body == nil && e.caller < 0 && mg.weakImp < 0 {
			mg.weakImp = int64(mg.importFunc(modHost, hostWeakMissing, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}}))
		}
	}
	return nil
}

func (mg *merger) importFunc(module, name string, t wasmfile.FuncType) uint32 {
	key := "f\x00" + module + "\x00" + name + "\x00" + t.String()
	if i, ok := mg.imports[key]; ok {
		return i
	}
	i := mg.m.ImportFunc(module, name, t)
	mg.imports[key] = i
	return i
}

// funcImport decides what function import im of object number k becomes.
func (mg *merger) funcImport(k int, c *mergeComp, im *wasmfile.Import, r [2]string, renamed bool, defs []*object, hubFuncs map[string]hubFunc, tramps []slotFill) (funcRef, error) {
	t := c.f.Types[im.TypeIndex]
	if !renamed { // WASI and other host modules: still imports
		return funcRef{kind: refImport, index: mg.importFunc(im.Module, im.Name, t)}, nil
	}
	switch {
	case r[0] == modHost:
		if !mg.hostFns[r[1]] {
			return funcRef{kind: refImport, index: mg.importFunc(modHost, r[1], t)}, nil
		}
		wt := wasmfile.FuncType{Params: append(append([]wasmfile.ValType{}, t.Params...), wasmfile.I32), Results: t.Results}
		imp := mg.importFunc(modHost, r[1]+callerSuffix, wt)
		return mg.extra(fmt.Sprintf("c%d:%d", k, imp), extraFunc{typ: t, host: imp, caller: int32(k)}), nil
	case r[0] == sjljModule:
		return funcRef{kind: refImport, index: mg.importFunc(sjljModule, r[1], t)}, nil
	case r[0] == hubModule:
		hf, ok := hubFuncs[r[1]]
		if !ok {
			return funcRef{}, fmt.Errorf("internal error: %s imports unknown hub function %s", c.o.name, r[1])
		}
		if hf.tramp >= 0 { // a trampoline: in one module, a direct call
			return funcRef{kind: refBound, def: tramps[hf.tramp].def, name: tramps[hf.tramp].name}, nil
		}
		return mg.extra(fmt.Sprintf("w%d:%s", hf.trapID, t), extraFunc{typ: t, trapID: hf.trapID, caller: -1}), nil
	case strings.HasPrefix(r[0], "$d"):
		n, err := strconv.Atoi(r[0][2:])
		if err != nil || n < 0 || n >= len(defs) {
			return funcRef{}, fmt.Errorf("internal error: %s imports from unknown definer %s", c.o.name, r[0])
		}
		return funcRef{kind: refBound, def: defs[n], name: r[1]}, nil
	}
	return funcRef{}, refuse("%s imports function %s.%s from %s", c.o.name, im.Module, im.Name, r[0])
}

func (mg *merger) extra(key string, e extraFunc) funcRef {
	if i, ok := mg.extraBy[key]; ok {
		return funcRef{kind: refExtra, index: i}
	}
	i := uint32(len(mg.extras))
	mg.extras = append(mg.extras, e)
	mg.extraBy[key] = i
	return funcRef{kind: refExtra, index: i}
}

// globalImport decides what global import number gi of c becomes: shared
// items stay imports; bases, layout symbols and GOT entries, all final
// before instantiation, become constants folded into the code.
func (mg *merger) globalImport(c *mergeComp, gi int, ci wasmfile.ClassifiedImport, r [2]string, renamed bool, hubGlobals map[string]hubGlobal) error {
	im := ci.Import
	var value uint32
	switch {
	case renamed && strings.HasPrefix(r[0], modShared):
		if s := mg.p.shared[strings.TrimPrefix(r[0], modShared)]; s.provider != nil {
			// An object of the batch defines it (a main's own stack
			// pointer): bound once its globals are numbered.
			mg.sharedGlobals = append(mg.sharedGlobals, sharedGlobal{c, gi, s.provider, s.export})
			return nil
		}
		key := "g\x00" + r[0] + "\x00" + r[1] + "\x00" + im.Global.String()
		i, ok := mg.imports[key]
		if !ok {
			i = mg.m.ImportGlobal(r[0], r[1], im.Global)
			mg.imports[key] = i
		}
		c.globals[gi] = i
		return nil
	case renamed && r[0] == hubModule:
		hg, ok := hubGlobals[r[1]]
		if !ok {
			return fmt.Errorf("internal error: %s imports unknown hub global %s", c.o.name, r[1])
		}
		value = hg.value
	case renamed:
		return refuse("%s imports global %s.%s from %s", c.o.name, im.Module, im.Name, r[0])
	case ci.Role == wasmfile.RoleGOTMem || ci.Role == wasmfile.RoleGOTFunc:
		got := mg.b.gotMem
		if ci.Role == wasmfile.RoleGOTFunc {
			got = mg.b.gotFunc
		}
		v, ok := got[im.Name]
		if !ok {
			return fmt.Errorf("internal error: %s.%s has no GOT value", im.Module, im.Name)
		}
		value = v
	default: // another host module's global: stays an import
		key := "g\x00" + im.Module + "\x00" + im.Name + "\x00" + im.Global.String()
		i, ok := mg.imports[key]
		if !ok {
			i = mg.m.ImportGlobal(im.Module, im.Name, im.Global)
			mg.imports[key] = i
		}
		c.globals[gi] = i
		return nil
	}
	if im.Global.Type != wasmfile.I32 {
		return refuse("%s imports %s.%s as %s", c.o.name, im.Module, im.Name, im.Global)
	}
	v := uint64(value)
	c.consts[gi] = &v
	// Code that wrote one (a mutable import, shared by its importers)
	// makes the merge refuse: see rewrite.
	c.fold[gi] = wasmgen.I32Const(nil, int32(value))
	c.globals[gi] = foldedGlobal
	return nil
}

type sharedGlobal struct {
	c      *mergeComp
	gi     int
	def    *object
	export string
}

// foldedGlobal marks a global index that no longer exists: its reads are
// constants (mergeComp.fold).
const foldedGlobal = ^uint32(0)

// pendingBit marks a global index that is a position in merger.globals,
// made final once all global imports are known.
const pendingBit = 1 << 31

// defineTags adds each object's own tags, once every tag import is known.
func (mg *merger) defineTags() error {
	for _, c := range mg.comps {
		for _, t := range c.f.Tags {
			if int(t.TypeIndex) >= len(c.f.Types) {
				return refuse("%s: tag of type %d out of range", c.o.name, t.TypeIndex)
			}
			c.tags = append(c.tags, mg.m.Tag(c.f.Types[t.TypeIndex]))
		}
	}
	return nil
}

// tryTableCatches re-encodes try_table's catch clauses (raw, after its
// block type) with merged tag indices.
func (mg *merger) tryTableCatches(out []byte, c *mergeComp, raw []byte) ([]byte, error) {
	n, k := wasmgen.ReadU32(raw)
	raw = raw[k:]
	out = wasmfile.AppendU32(out, n)
	for i := uint32(0); i < n; i++ {
		if len(raw) == 0 {
			return nil, refuse("%s: truncated try_table", c.o.name)
		}
		kind := raw[0]
		out = append(out, kind)
		raw = raw[1:]
		if kind < 2 { // catch, catch_ref: a tag
			tag, k := wasmgen.ReadU32(raw)
			if int(tag) >= len(c.tags) {
				return nil, refuse("%s: tag %d out of range", c.o.name, tag)
			}
			out = wasmfile.AppendU32(out, c.tags[tag])
			raw = raw[k:]
		}
		label, k := wasmgen.ReadU32(raw)
		out = wasmfile.AppendU32(out, label)
		raw = raw[k:]
	}
	return out, nil
}

// placeFuncs numbers the defined functions (objects' own, then extras)
// and resolves every function reference to its merged index.
func (mg *merger) placeFuncs() error {
	next := mg.m.NumFuncs()
	for _, c := range mg.comps {
		c.funcBase = next
		next += uint32(len(c.f.Funcs))
		c.exports = map[string]uint32{}
		for _, e := range c.f.Exports {
			if e.Kind == wasmfile.KindFunc {
				c.exports[e.Name] = e.Index
			}
		}
	}
	extraBase := next
	mg.extraBase = extraBase
	for _, c := range mg.comps {
		c.funcs = make([]uint32, len(c.refs))
		c.resolved = make([]bool, len(c.refs))
	}
	for _, c := range mg.comps {
		for i := range c.refs {
			if _, err := mg.resolve(c, uint32(i), extraBase, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// interpose points each interposed function's calls at the interposer's
// definition (see interposition): a direct call in the merged module.
func (mg *merger) interpose() {
	for _, ip := range mg.b.interposed {
		c, d := mg.byObj[ip.o], mg.byObj[ip.def]
		if c == nil || d == nil {
			continue
		}
		di, ok := d.exports[ip.name]
		if !ok || int(di) >= len(d.funcs) {
			continue
		}
		if c.callTo == nil {
			c.callTo = map[uint32]uint32{}
		}
		c.callTo[ip.fn] = d.funcs[di]
	}
}

// resolve finds the merged index of function i of c; a binding to another
// object's export follows that export, which may itself be an import.
func (mg *merger) resolve(c *mergeComp, i uint32, extraBase uint32, depth int) (uint32, error) {
	if c.resolved[i] {
		return c.funcs[i], nil
	}
	if depth > len(mg.comps) {
		return 0, refuse("%s: function %d is bound in a cycle of re-exports", c.o.name, i)
	}
	ref := c.refs[i]
	var idx uint32
	switch ref.kind {
	case refImport:
		idx = ref.index
	case refOwn:
		idx = c.funcBase + ref.index
	case refExtra:
		idx = extraBase + ref.index
	case refBound:
		dc := mg.byObj[ref.def]
		if dc == nil {
			return 0, refuse("%s binds %s to %s, which is not in the batch", c.o.name, ref.name, ref.def.name)
		}
		fi, ok := dc.exports[ref.name]
		if !ok || int(fi) >= len(dc.refs) {
			return 0, fmt.Errorf("internal error: %s does not export function %s", ref.def.name, ref.name)
		}
		var err error
		if idx, err = mg.resolve(dc, fi, extraBase, depth+1); err != nil {
			return 0, err
		}
	}
	c.funcs[i], c.resolved[i] = idx, true
	return idx, nil
}

// defineGlobals adds each object's own globals, their initial values
// evaluated now that every base is known, and makes global indices final.
func (mg *merger) defineGlobals() error {
	for _, c := range mg.comps {
		nImp, eval := c.f.NumImportedGlobals(), c.constGlobal
		exported := map[uint32]bool{}
		if c.o.isMain {
			for _, e := range c.f.Exports {
				if e.Kind == wasmfile.KindGlobal {
					exported[e.Index] = true
				}
			}
		}
		for j, g := range c.f.Globals {
			idx := nImp + uint32(j)
			init, err := mg.constInit(c, g.Type.Type, g.Init, eval)
			if err != nil {
				return refuse("%s: global %d: %v", c.o.name, idx, err)
			}
			if !g.Type.Mutable && !exported[idx] && isNumConst(init) {
				c.fold[idx], c.globals[idx] = init, foldedGlobal
				continue
			}
			c.globals[idx] = uint32(len(mg.globals)) | pendingBit
			mg.globals = append(mg.globals, pendingGlobal{g.Type, init})
		}
	}
	base := mg.m.NumGlobals()
	for _, c := range mg.comps {
		for i, g := range c.globals {
			if g != foldedGlobal && g&pendingBit != 0 {
				c.globals[i] = base + g&^pendingBit
			}
		}
	}
	for _, sg := range mg.sharedGlobals {
		dc := mg.byObj[sg.def]
		if dc == nil {
			return refuse("%s imports %s from %s, which is not in the batch", sg.c.o.name, sg.export, sg.def.name)
		}
		e, ok := dc.f.Export(sg.export)
		if !ok || e.Kind != wasmfile.KindGlobal || e.Index < dc.f.NumImportedGlobals() || int(e.Index) >= len(dc.globals) {
			return refuse("%s imports %s, which %s does not define and export", sg.c.o.name, sg.export, sg.def.name)
		}
		sg.c.globals[sg.gi] = dc.globals[e.Index]
	}
	return nil
}

// isNumConst reports whether an encoded constant is a number (which a
// global.get can be replaced with), not a reference.
func isNumConst(init []byte) bool {
	return len(init) > 0 && init[0] >= 0x41 && init[0] <= 0x44
}

// constInit re-encodes a constant expression as a constant of type t.
func (mg *merger) constInit(c *mergeComp, t wasmfile.ValType, e wasmfile.ConstExpr, eval func(uint32) (uint64, bool)) ([]byte, error) {
	if fi, ok := e.RefFunc(); ok {
		if int(fi) >= len(c.funcs) {
			return nil, fmt.Errorf("ref.func %d out of range", fi)
		}
		return wasmfile.AppendU32([]byte{0xd2}, c.funcs[fi]), nil
	}
	if len(e.Ops) == 1 && e.Ops[0].Opcode == 0xd0 {
		return []byte{0xd0, byte(e.Ops[0].Imm & 0x7f)}, nil
	}
	v, err := e.Eval(eval)
	if err != nil {
		return nil, err
	}
	switch t {
	case wasmfile.I32:
		return wasmgen.I32Const(nil, int32(uint32(v))), nil
	case wasmfile.I64:
		return wasmfile.AppendS64([]byte{0x42}, int64(v)), nil
	case wasmfile.F32:
		b := uint32(v)
		return []byte{0x43, byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24)}, nil
	case wasmfile.F64:
		out := []byte{0x44}
		for s := 0; s < 64; s += 8 {
			out = append(out, byte(v>>s))
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot re-encode a %s constant", t)
}

// numberSegments gives each object's element and data segments their
// merged indices, in object order; the loader's table fills come last.
func (mg *merger) numberSegments() {
	var elems, datas uint32
	for _, c := range mg.comps {
		c.elemBase, c.dataBase = elems, datas
		elems += uint32(len(c.f.Elements))
		datas += uint32(len(c.f.Data))
	}
}

// code re-encodes every function body with merged indices, then adds the
// extras.
func (mg *merger) code() error {
	// All bodies go in one buffer, sized so that it is not reallocated:
	// rewritten indices are rarely longer than the originals.
	size := 0
	for _, c := range mg.comps {
		for j := range c.f.Code {
			size += len(c.f.Code[j].Bytes())
		}
	}
	buf := make([]byte, 0, size+size/8+64)
	for _, c := range mg.comps {
		names := c.f.FuncNames()
		nImp := c.f.NumImportedFuncs()
		for j := range c.f.Code {
			start := len(buf)
			var err error
			if buf, err = mg.rewrite(buf, c, j); err != nil {
				return err
			}
			body := buf[start:len(buf):len(buf)]
			if int(c.f.Funcs[j]) >= len(c.f.Types) {
				return fmt.Errorf("%s: function %d has no type", c.o.name, nImp+uint32(j))
			}
			idx := mg.m.RawFunc(c.f.Types[c.f.Funcs[j]], body)
			if idx != c.funcBase+uint32(j) {
				return fmt.Errorf("internal error: merged function %d placed at %d", c.funcBase+uint32(j), idx)
			}
			if n, ok := names[nImp+uint32(j)]; ok {
				// Stack traces name the library a function comes from,
				// as they do for separate instances.
				if !c.o.isMain {
					n = c.o.name + ":" + n
				}
				mg.m.FuncName(idx, n)
			}
		}
	}
	for _, e := range mg.extras {
		var body []byte
		if e.body != nil {
			mg.m.FuncName(mg.m.Func(e.typ, e.body), "wasmdl.memory_size")
			continue
		}
		if e.caller < 0 {
			body = wasmgen.I32Const(body, e.trapID)
			body = wasmgen.Call(body, uint32(mg.weakImp))
			body = wasmgen.Unreachable(body)
		} else {
			body = wasmgen.LocalGets(body, len(e.typ.Params))
			body = wasmgen.I32Const(body, e.caller)
			body = wasmgen.Call(body, e.host)
		}
		mg.m.Func(e.typ, body)
	}
	return nil
}

// rewrite appends body j of c to out with every function, global, type,
// element and data index replaced by its merged index; other bytes are
// copied as they are.
func (mg *merger) rewrite(out []byte, c *mergeComp, j int) ([]byte, error) {
	fb := &c.f.Code[j]
	raw := fb.Bytes()
	base := fb.FileOff
	if len(c.f.Raw()) < int(base)+len(raw) {
		base = 0 // EachInstruction decodes the body on its own
	}
	last := 0
	bad := func(what string, v uint64) error {
		return refuse("%s: function %d: %s %d out of range", c.o.name, c.f.NumImportedFuncs()+uint32(j), what, v)
	}
	var enc []byte
	err := c.f.EachInstruction(j, func(in *wasmfile.Instr) error {
		op := in.Op
		enc = enc[:0]
		switch op {
		case wasmfile.OpCall, wasmfile.OpReturnCall, wasmfile.OpRefFunc:
			if in.Imm >= uint64(len(c.funcs)) {
				return bad("function", in.Imm)
			}
			target := c.funcs[in.Imm]
			if to, ok := c.callTo[uint32(in.Imm)]; ok && op != wasmfile.OpRefFunc {
				target = to
			}
			mg.noteCall(target)
			enc = wasmfile.AppendU32(append(enc, byte(op)), target)
		case wasmfile.OpMemorySize:
			if in.Imm != 0 || mg.memorySize < 0 {
				return nil
			}
			enc = wasmfile.AppendU32(append(enc, byte(wasmfile.OpCall)), mg.extraBase+uint32(mg.memorySize))
		case wasmfile.OpGlobalGet, wasmfile.OpGlobalSet:
			if in.Imm >= uint64(len(c.globals)) {
				return bad("global", in.Imm)
			}
			if f := c.fold[in.Imm]; f != nil {
				if op == wasmfile.OpGlobalSet {
					return refuse("%s writes global %d, which the merge made a constant", c.o.name, in.Imm)
				}
				enc = append(enc, f...)
				break
			}
			enc = wasmfile.AppendU32(append(enc, byte(op)), c.globals[in.Imm])
		case wasmfile.OpCallIndirect, wasmfile.OpReturnCallIndirect:
			if in.Imm >= uint64(len(c.types)) {
				return bad("type", in.Imm)
			}
			enc = wasmfile.AppendU32(append(enc, byte(op)), c.types[in.Imm])
			enc = wasmfile.AppendU32(enc, uint32(in.Imm2))
		case wasmfile.OpCallRef, wasmfile.OpReturnCallRef:
			if in.Imm >= uint64(len(c.types)) {
				return bad("type", in.Imm)
			}
			enc = wasmfile.AppendU32(append(enc, byte(op)), c.types[in.Imm])
		case wasmfile.OpBlock, wasmfile.OpLoop, wasmfile.OpIf, 0x1f: // block loop if try_table
			bt := int64(in.Imm)
			at, end := int(in.Off-base), int(in.End-base)
			if bt < 0 && op != 0x1f {
				return nil // empty or a value type
			}
			if bt >= int64(len(c.types)) {
				return bad("block type", in.Imm)
			}
			btEnd := at + 1 + lebLen(raw[at+1:end])
			if bt < 0 {
				enc = append(enc, raw[at:btEnd]...)
			} else {
				enc = wasmfile.AppendS64(append(enc, byte(op)), int64(c.types[bt]))
			}
			if op == 0x1f {
				var err error
				if enc, err = mg.tryTableCatches(enc, c, raw[btEnd:end]); err != nil {
					return err
				}
			}
		case 0x08: // throw
			if in.Imm >= uint64(len(c.tags)) {
				return bad("tag", in.Imm)
			}
			enc = wasmfile.AppendU32(append(enc, 0x08), c.tags[in.Imm])
		case 0xd0: // ref.null with a concrete heap type
			if int64(in.Imm) >= 0 {
				return refuse("%s: typed function references", c.o.name)
			}
			return nil
		case 0x06, 0x07, 0x09, 0x18: // the legacy form, translated before
			return refuse("%s: legacy exception handling", c.o.name)
		case wasmfile.OpMemoryInit, 0xfc<<16 | 9: // memory.init, data.drop
			if in.Imm >= uint64(len(c.f.Data)) {
				return bad("data segment", in.Imm)
			}
			enc = wasmfile.AppendU32(append(enc, 0xfc), uint32(op&0xffff))
			enc = wasmfile.AppendU32(enc, c.dataBase+uint32(in.Imm))
			if op == wasmfile.OpMemoryInit {
				enc = wasmfile.AppendU32(enc, uint32(in.Imm2))
			}
		case 0xfc<<16 | 12, 0xfc<<16 | 13: // table.init, elem.drop
			if in.Imm >= uint64(len(c.f.Elements)) {
				return bad("element segment", in.Imm)
			}
			enc = wasmfile.AppendU32(append(enc, 0xfc), uint32(op&0xffff))
			enc = wasmfile.AppendU32(enc, c.elemBase+uint32(in.Imm))
			if op == 0xfc<<16|12 {
				enc = wasmfile.AppendU32(enc, uint32(in.Imm2))
			}
		default:
			return nil
		}
		at, end := int(in.Off-base), int(in.End-base)
		if at < last || end > len(raw) || at >= end {
			return fmt.Errorf("%s: function body %d: instruction offsets out of order", c.o.name, j)
		}
		out = append(out, raw[last:at]...)
		out = append(out, enc...)
		last = end
		return nil
	})
	if err != nil {
		var fe *wasmfile.FormatError
		if errors.As(err, &fe) {
			return nil, refuse("%s: %v", c.o.name, err)
		}
		return nil, err
	}
	return append(out, raw[last:]...), nil
}

// lebLen is the length of the LEB128 number at the start of b.
func lebLen(b []byte) int {
	for i, x := range b {
		if x&0x80 == 0 {
			return i + 1
		}
	}
	return len(b)
}

// mergedSteps is the initialisation the merged module runs: each object's
// start function (in instantiation order, as separate instances would run
// them), then initSteps (which marks the objects when mark is set).
func (p *Process) mergedSteps(b *batch, mark bool) ([]initStep, error) {
	var steps []initStep
	for _, o := range b.instOrder {
		if o.info.file.HasStart {
			steps = append(steps, initStep{o: o, fn: "", arg: -1})
		}
	}
	rest, err := p.initSteps(b, mark)
	return append(steps, rest...), err
}

// initFunc adds the initialiser: for each step, record it in the step
// global, then make the call. And the function that writes the modules'
// data (dataInit).
func (mg *merger) initFunc(step uint32) error {
	steps, err := mg.p.mergedSteps(mg.b, false)
	if err != nil {
		return err
	}
	data, err := mg.dataInit()
	if err != nil {
		return err
	}
	idx := mg.m.Func(wasmfile.FuncType{}, data)
	mg.m.FuncName(idx, "wasmdl.data")
	mg.m.Export(mergedData, wasmfile.KindFunc, idx)
	var body []byte
	for i, st := range steps {
		c := mg.byObj[st.o]
		var fi uint32
		if st.fn == "" {
			fi = c.f.Start
		} else {
			var ok bool
			if fi, ok = c.exports[st.fn]; !ok {
				return fmt.Errorf("internal error: %s does not export %s", st.o.name, st.fn)
			}
		}
		if int(fi) >= len(c.funcs) {
			return refuse("%s: function %d out of range", st.o.name, fi)
		}
		if st.fn == wasmfile.NameApplyDataRelocs {
			if err := mg.preRelocate(c, c.funcs[fi]); err != nil {
				return err
			}
		}
		body = wasmgen.I32Const(body, int32(i))
		body = wasmgen.GlobalSet(body, step)
		if st.arg >= 0 {
			body = wasmgen.I32Const(body, int32(uint32(st.arg)))
		}
		body = wasmgen.Call(body, c.funcs[fi])
	}
	idx = mg.m.Func(wasmfile.FuncType{}, body)
	mg.m.FuncName(idx, "wasmdl.init")
	mg.m.Export(mergedInit, wasmfile.KindFunc, idx)
	return nil
}

// dataInit is the body of the function that writes the modules' data:
// memory.init and data.drop of each module's active data segment, in
// order, at its final offset.
//
// The merged module's data segments are all passive, so instantiating it
// writes no memory: instantiateBatch calls this function right after, before
// anything else runs in the process, which is when active segments would
// have been written. A fork instantiates the same module again over a copy
// of the parent's memory, which data segments would only overwrite before
// the copy replaced them (a tenth of a fork's time went to writing them).
func (mg *merger) dataInit() ([]byte, error) {
	var body []byte
	for _, c := range mg.comps {
		for d := range c.f.Data {
			seg := &c.f.Data[d]
			if seg.Mode == wasmfile.ModePassive || len(seg.Bytes()) == 0 {
				continue
			}
			off, err := mg.dataOffset(c, d)
			if err != nil {
				return nil, err
			}
			idx := c.dataBase + uint32(d)
			body = wasmgen.I32Const(body, int32(off))
			body = wasmgen.I32Const(body, 0)
			body = wasmgen.I32Const(body, int32(len(seg.Bytes())))
			body = wasmfile.AppendU32(append(body, 0xfc, 8), idx) // memory.init
			body = append(body, 0)
			body = wasmfile.AppendU32(append(body, 0xfc, 9), idx) // data.drop
		}
	}
	return body, nil
}

// dataOffset is where active data segment d of c goes.
func (mg *merger) dataOffset(c *mergeComp, d int) (uint32, error) {
	seg := &c.f.Data[d]
	if seg.Memory != 0 {
		return 0, refuse("%s: data segment %d is for memory %d", c.o.name, d, seg.Memory)
	}
	off, err := seg.Offset.Eval(c.constGlobal)
	if err != nil {
		return 0, refuse("%s: data segment %d: offset %v: %v", c.o.name, d, seg.Offset, err)
	}
	if off > math.MaxUint32 {
		return 0, refuse("%s: data segment %d at offset %d", c.o.name, d, off)
	}
	return uint32(off), nil
}

// segments adds every object's element and data segments at their final
// offsets, and the loader's table fills. Data segments are all passive:
// the initialiser writes them (dataInit).
func (mg *merger) segments() error {
	for _, c := range mg.comps {
		eval := c.constGlobal
		for e := range c.f.Elements {
			seg := &c.f.Elements[e]
			if seg.Type != 0 && seg.Type != wasmfile.FuncRef {
				return refuse("%s: element segment %d holds %s", c.o.name, e, seg.Type)
			}
			funcs := make([]uint32, len(seg.Funcs))
			hasNull := false
			for i, fi := range seg.Funcs {
				if fi == wasmfile.NullFunc {
					funcs[i], hasNull = fi, true
					continue
				}
				if int(fi) >= len(c.funcs) {
					return refuse("%s: element segment %d: function %d out of range", c.o.name, e, fi)
				}
				funcs[i] = c.funcs[fi]
			}
			var enc []byte
			switch seg.Mode {
			case wasmfile.ModeActive:
				if seg.Table != 0 {
					return refuse("%s: element segment %d is for table %d", c.o.name, e, seg.Table)
				}
				off, err := seg.Offset.Eval(eval)
				if err != nil {
					return refuse("%s: element segment %d: offset %v: %v", c.o.name, e, seg.Offset, err)
				}
				if !hasNull {
					mg.m.ActiveElem(uint32(off), funcs)
					continue
				}
				enc = wasmgen.I32Const([]byte{4}, int32(uint32(off)))
				enc = append(enc, 0x0b)
			case wasmfile.ModePassive:
				enc = []byte{1, 0}
				if hasNull {
					enc = []byte{5, byte(wasmfile.FuncRef)}
				}
			default:
				enc = []byte{3, 0}
				if hasNull {
					enc = []byte{7, byte(wasmfile.FuncRef)}
				}
			}
			enc = wasmfile.AppendU32(enc, uint32(len(funcs)))
			for _, fi := range funcs {
				switch {
				case !hasNull:
					enc = wasmfile.AppendU32(enc, fi)
				case fi == wasmfile.NullFunc:
					enc = append(enc, 0xd0, byte(wasmfile.FuncRef), 0x0b)
				default:
					enc = append(wasmfile.AppendU32(append(enc, 0xd2), fi), 0x0b)
				}
			}
			mg.m.Elem(enc)
		}
		for d := range c.f.Data {
			data, ok := mg.patched[c.dataBase+uint32(d)]
			if !ok {
				data = c.f.Data[d].Bytes()
			}
			mg.m.PassiveData(data)
		}
	}
	mg.m.WithDataCount() // for the initialiser's memory.init
	// The loader's fills: functions given a slot beyond their module's
	// own segments, in runs of consecutive slots.
	fills := append([]slotFill{}, mg.b.fills...)
	sort.Slice(fills, func(i, j int) bool { return fills[i].slot < fills[j].slot })
	idx := make([]uint32, len(fills))
	for i, fl := range fills {
		if fl.def == nil {
			idx[i] = mg.importFunc(modHost, fl.name, fl.typ)
			continue
		}
		c := mg.byObj[fl.def]
		if c == nil {
			return refuse("table slot %d holds %s of %s, which is not in the batch", fl.slot, fl.name, fl.def.name)
		}
		fi, ok := c.exports[fl.name]
		if !ok || int(fi) >= len(c.funcs) {
			return fmt.Errorf("internal error: %s does not export function %s", fl.def.name, fl.name)
		}
		idx[i] = c.funcs[fi]
	}
	for i := 0; i < len(fills); {
		j := i + 1
		for j < len(fills) && fills[j].slot == fills[j-1].slot+1 {
			j++
		}
		mg.m.ActiveElem(fills[i].slot, idx[i:j])
		i = j
	}
	return nil
}

// exports exports the main's exports under their own names (the
// program's entry points, and what Process.Main shows) and the
// initialiser's step. Libraries' functions are not exported: they all have
// table slots (see planBatch).
func (mg *merger) exports(step uint32) error {
	seen := map[string]bool{mergedInit: true, mergedStep: true}
	mg.m.Export(mergedStep, wasmfile.KindGlobal, step)
	c := mg.byObj[mg.p.main]
	if c == nil {
		return refuse("the main is not in the batch")
	}
	for _, e := range c.f.Exports {
		var idx uint32
		switch e.Kind {
		case wasmfile.KindFunc:
			if int(e.Index) >= len(c.funcs) {
				return refuse("%s: export %s out of range", c.o.name, e.Name)
			}
			idx = c.funcs[e.Index]
		case wasmfile.KindGlobal:
			if int(e.Index) >= len(c.globals) || c.globals[e.Index] == foldedGlobal {
				return refuse("%s: cannot export global %s", c.o.name, e.Name)
			}
			idx = c.globals[e.Index]
		case wasmfile.KindMemory, wasmfile.KindTable:
			item := "memory"
			if e.Kind == wasmfile.KindTable {
				item = "table"
			}
			i, ok := mg.shared[item]
			if !ok {
				return refuse("%s: export %s out of range", c.o.name, e.Name)
			}
			idx = i
		default:
			return refuse("%s exports %s %s", c.o.name, e.Kind, e.Name)
		}
		if seen[e.Name] {
			return refuse("%s exports %q, a name the merged module uses", c.o.name, e.Name)
		}
		seen[e.Name] = true
		mg.m.Export(e.Name, e.Kind, idx)
	}
	return nil
}

// A merged program depends only on its inputs (prelinkKey covers every
// object's bytes, names, paths, NEEDED edges and the layout settings), so
// with Config.CacheDir it is kept on disk and a later process loading the
// same program skips the merge: with wazero's compilation cache in the
// same folder, a warm start then reads one compiled module. A file holds
// a CRC-32C of the module, then the module; anything that does not check
// out is ignored and rebuilt.

// mergeCacheVersion changes whenever the merge's output would.
const mergeCacheVersion = "wasmdl-merged-9"

func (l *Linker) mergeCachePath(key string) string {
	if l.cfg.CacheDir == "" || key == "" {
		return ""
	}
	return filepath.Join(l.cfg.CacheDir, mergeCacheVersion, key[:40]+".wasm")
}

// mergeKey is the cache key of b's merged module: its prelinkKey, and the
// messages its trapping stubs pass to the host by number, which are
// numbered per Linker (see messages).
func (p *Process) mergeKey(b *batch, h *hub) string {
	if b.key == "" {
		return ""
	}
	s := sha256.New()
	s.Write([]byte(b.key))
	for _, id := range h.trapIDs() {
		fmt.Fprintf(s, "\x00%d=%s", id, p.l.messages.text(id))
	}
	return hex.EncodeToString(s.Sum(nil))
}

// trapIDs lists the messages the hub's trapping stubs name by number.
func (h *hub) trapIDs() []int32 {
	var ids []int32
	for _, f := range h.funcs {
		if f.tramp < 0 && f.slot < 0 && f.trapID >= 0 {
			ids = append(ids, f.trapID)
		}
	}
	return ids
}

// mergedModuleKey names a merged module in the Linker's compiled-module
// cache: by its merge cache key when it has one (which decides its bytes),
// sparing a hash of the whole module, else by content.
func mergedModuleKey(cacheKey string, data []byte) string {
	if cacheKey != "" {
		return "merged/" + cacheKey
	}
	return contentKey(data)
}

// cachedMerge returns the merged program stored for key, if any.
func (l *Linker) cachedMerge(key string) ([]byte, bool) {
	path := l.mergeCachePath(key)
	if path == "" {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 4 {
		return nil, false
	}
	if crc32.Checksum(b[4:], castagnoli) != binary.LittleEndian.Uint32(b) {
		return nil, false
	}
	return b[4:], true
}

// storeMerge keeps a merged program for key; failures only cost the next
// process a merge.
func (l *Linker) storeMerge(key string, data []byte) {
	path := l.mergeCachePath(key)
	if path == "" {
		return
	}
	sum := binary.LittleEndian.AppendUint32(nil, crc32.Checksum(data, castagnoli))
	writeAtomic(path, sum, data)
}

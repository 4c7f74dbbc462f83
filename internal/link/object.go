package link

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"sync"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/wasmedit"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// object is one loaded module: the analogue of musl's struct dso. Everything
// the loader learns about a module lives here, from its bytes to its instance.
type object struct {
	id     int         // process-wide number, for generated import names
	name   string      // as requested: NEEDED entry, dlopen argument, or main path
	path   string      // fs path it was read from
	via    string      // the search rule that found it
	info   *moduleInfo // nil until materialize for an object restored from a launch record
	lazy   *lazyInfo   // what such an object's file must hold
	isMain bool
	// before lists the candidate paths the search found missing before
	// this object's (see launch.go).
	before []string

	needed   []*object // direct dependencies, in NEEDED order
	neededBy *object   // the first object that needed it (nil for main and preloads)

	// Placement, fixed before instantiation.
	memoryBase uint32 // where its data lives (0 for a non-PIE main)
	memorySize uint32
	tableBase  uint32
	tableSize  uint32
	tlsBase    uint32 // its thread-local block, if it has TLS

	// Runtime state.
	instance api.Module
	code     []byte    // its bytes with imports renamed for this process (see planImports)
	codeKey  string    // their cache key
	defs     []*object // the definers its renamed imports "$d<N>" name
	state    objectState
	// slotOnly: the object is a library merged with the rest of its batch
	// into one module (merge.go), which does not export its functions;
	// they are reached through their table slots, all assigned at load.
	slotOnly bool

	// libdl state.
	refs       int       // dlopen reference count
	global     bool      // symbols visible in the global scope
	startup    bool      // loaded with the main: never unloaded
	nodelete   bool      // RTLD_NODELETE
	batch      *batch    // the load it came with
	reldeps    []*object // definers it bound to outside its NEEDED closure
	extraSlots []uint32  // table slots the loader gave its functions
	exitFuncs  []exitFunc
	strings    map[string]uint32 // its name and symbol names placed for dladdr
}

// exitFunc is a handler a library registered with atexit or __cxa_atexit:
// it runs when the library is unloaded, or at exit.
type exitFunc struct {
	seq    uint64 // registration order, process-wide
	id     uint32 // its id in the process's exitRefs when entered in libc's list, else 0
	slot   uint32 // function pointer (table slot)
	arg    uint32
	hasArg bool // __cxa_atexit handlers take arg
	// fini: the handler runs at exit in its object's turn, as glibc's
	// _dl_fini runs an object's fini_array and __cxa_finalize, not from
	// libc's list. That is where glibc runs a library's destructors, which
	// clang's wasm lowering turns into __cxa_atexit handlers with a NULL
	// argument registered by the constructors, and every handler a library
	// loaded at startup registers from its constructors (they precede the
	// registration of _dl_fini itself). A library opened with dlopen that
	// registers anything else from its constructors (atexit, a C++ static
	// object's destructor with the object as argument) has it run from
	// libc's list, as glibc does.
	fini bool
}

// addRelDep records that o uses a definition of def, so that def stays
// loaded as long as o is (glibc's relocation dependencies): an object
// reached only through the global scope is not in o's NEEDED list.
func (o *object) addRelDep(def *object) {
	if def == o || def.isMain || def.startup {
		return
	}
	for _, d := range o.reldeps {
		if d == def {
			return
		}
	}
	o.reldeps = append(o.reldeps, def)
}

type objectState int

const (
	stateLoaded       objectState = iota // read and placed
	stateInstantiated                    // wazero instance exists
	stateRelocated                       // __wasm_apply_data_relocs ran
	stateConstructed                     // constructors ran
	stateClosed
)

// dir is the object's folder, for $ORIGIN.
func (o *object) dir() string { return path.Dir(o.path) }

// neededName names who needed o, for error messages.
func (o *object) neededByName() string {
	if o.neededBy == nil {
		return ""
	}
	return o.neededBy.name
}

// moduleInfo is what wasmdl derives from a module's bytes alone. It is shared
// between processes that load the same bytes, so it is never mutated after
// it is built.
type moduleInfo struct {
	file     *wasmfile.File
	data     []byte // the module as the loader uses it (exception handling translated)
	srcLen   int    // the length of the file it came from
	key      string // content hash of the file
	imports  []wasmfile.ClassifiedImport
	symbols  map[string]wasmfile.Symbol
	funcType map[string]wasmfile.FuncType // exported function name -> signature
	// elemSlot maps a function index to its slot in the module's own element
	// segments: relative to __table_base for PIC modules, absolute otherwise.
	elemSlot map[uint32]uint32
	kind     wasmfile.Kind
	pic      bool
	memInfo  wasmfile.MemInfo
	tlsSize  uint32
	tlsAlign uint32
	hasTLS   bool

	memorySizeOnce sync.Once
	memorySize     bool
	memorySizeErr  error
}

func newModuleInfo(f *wasmfile.File, data []byte, key string) *moduleInfo {
	mi := &moduleInfo{
		file:     f,
		data:     data,
		key:      key,
		imports:  f.ClassifyImports(),
		symbols:  map[string]wasmfile.Symbol{},
		funcType: map[string]wasmfile.FuncType{},
		elemSlot: map[uint32]uint32{},
		kind:     f.Kind(),
		pic:      f.IsPIC(),
	}
	if f.Dylink != nil {
		mi.memInfo = f.Dylink.MemInfo
	}
	for _, s := range f.Symbols() {
		if _, dup := mi.symbols[s.Name]; dup {
			continue
		}
		mi.symbols[s.Name] = s
		if s.Func {
			if t, ok := f.FuncType(s.Index); ok {
				mi.funcType[s.Name] = t
			}
		}
	}
	if sz, ok := f.ExportedGlobalValue(wasmfile.NameTLSSize); ok {
		if _, init := f.Export(wasmfile.NameInitTLS); init {
			mi.hasTLS = true
			mi.tlsSize = uint32(sz)
			mi.tlsAlign = 1
			if al, ok := f.ExportedGlobalValue(wasmfile.NameTLSAlign); ok && al > 0 {
				mi.tlsAlign = uint32(al)
			}
		}
	}
	// The table base is 0 when evaluating a PIC module's element offsets, so
	// slots come out relative to it; other imported globals are unknown.
	tableBaseIdx := ^uint32(0)
	for i, n := uint32(0), f.NumImportedGlobals(); i < n; i++ {
		if im, ok := f.ImportedGlobal(i); ok && im.Module == "env" && im.Name == wasmfile.NameTableBase {
			tableBaseIdx = i
		}
	}
	eval := func(g uint32) (uint64, bool) {
		if g == tableBaseIdx {
			return 0, true
		}
		if v, ok := f.GlobalValue(g); ok {
			return uint64(uint32(v)), true
		}
		return 0, false
	}
	for _, seg := range f.Elements {
		if seg.Mode != wasmfile.ModeActive || seg.Table != 0 {
			continue
		}
		off, err := seg.Offset.Eval(eval)
		if err != nil {
			continue
		}
		for j, fi := range seg.Funcs {
			if fi == wasmfile.NullFunc {
				continue
			}
			if _, seen := mi.elemSlot[fi]; !seen {
				mi.elemSlot[fi] = uint32(off) + uint32(j)
			}
		}
	}
	return mi
}

// initialMemory is the initial size in bytes of the memory the module
// defines or imports (0 if it has none).
func (mi *moduleInfo) initialMemory() uint64 {
	f := mi.file
	if len(f.Memories) > 0 {
		return f.Memories[0].Limits.Min * pageSize
	}
	for _, im := range f.Imports {
		if im.Kind == wasmfile.KindMemory {
			return im.Memory.Limits.Min * pageSize
		}
	}
	return 0
}

// usesMemorySize reports whether the module's code executes memory.size,
// which the loader then redirects (see memory.go); decoded once per module.
func (mi *moduleInfo) usesMemorySize() (bool, error) {
	mi.memorySizeOnce.Do(func() {
		mi.memorySize, mi.memorySizeErr = wasmedit.UsesMemorySize(mi.file)
	})
	return mi.memorySize, mi.memorySizeErr
}

// funcSymbols lists the functions the module offers other modules, in
// export order.
func (mi *moduleInfo) funcSymbols() []string {
	var out []string
	for _, e := range mi.file.Exports {
		if s, ok := mi.symbols[e.Name]; ok && s.Func && s.Name == e.Name {
			out = append(out, e.Name)
		}
	}
	return out
}

// contentKey names module bytes in the Linker's caches.
func contentKey(data []byte) string { return hashKey(sha256.Sum256(data)) }

func hashKey(sum [32]byte) string { return hex.EncodeToString(sum[:12]) }

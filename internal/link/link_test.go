package link

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func TestAllocator(t *testing.T) {
	a := allocator{what: "memory", end: 1024, brk: 1024, limit: 4 * pageSize, unit: pageSize}
	x, err := a.alloc(100, 16)
	if err != nil || x != 1024 {
		t.Fatalf("alloc = %d, %v", x, err)
	}
	if a.end != pageSize {
		t.Fatalf("end = %d, want one page", a.end)
	}
	y, _ := a.alloc(10, 64) // aligned: the gap [1124, 1152) is kept for reuse
	if y != 1152 {
		t.Fatalf("aligned alloc = %d, want 1152", y)
	}
	z, _ := a.alloc(8, 8) // first fit in the alignment gap
	if z != 1128 {
		t.Fatalf("gap reuse = %d, want 1128", z)
	}
	a.release(span{x, x + 100}, false)
	w, _ := a.alloc(64, 16) // the released range is reused first
	if w != 1024 {
		t.Fatalf("reuse = %d, want 1024", w)
	}
	if _, err := a.alloc(4*pageSize, 1); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Fatalf("over the limit: %v", err)
	}
	// Neighbouring releases coalesce into one range.
	b := allocator{what: "table", end: 1, brk: 1, limit: 100, unit: 1}
	s1, _ := b.alloc(2, 1)
	s2, _ := b.alloc(3, 1)
	b.release(span{s1, s1 + 2}, false)
	b.release(span{s2, s2 + 3}, false)
	if len(b.free) != 1 || b.free[0] != (span{1, 6}) {
		t.Fatalf("free = %v", b.free)
	}
}

// TestInitOrder checks glibc's constructor order (elf/dl-sort-maps.c).
func TestInitOrder(t *testing.T) {
	obj := func(name string, needed ...*object) *object { return &object{name: name, needed: needed} }
	names := func(os []*object) string {
		var s []string
		for _, o := range os {
			s = append(s, o.name)
		}
		return strings.Join(s, " ")
	}
	all := func(*object) bool { return true }

	base := obj("base")
	l, r := obj("l", base), obj("r", base)
	main := obj("main", l, r)
	main.isMain = true
	// Breadth-first load order: main, l, r, base.
	if got := names(initOrder([]*object{main, l, r, base}, all)); got != "base r l main" {
		t.Errorf("diamond: %s, want base r l main (glibc)", got)
	}
	c := obj("c")
	b := obj("b", c)
	a := obj("a", b)
	m2 := obj("main", a)
	if got := names(initOrder([]*object{m2, a, b, c}, all)); got != "c b a main" {
		t.Errorf("chain: %s", got)
	}
	// A cycle is broken at the first revisit: every object runs once.
	x, y := obj("x"), obj("y")
	x.needed, y.needed = []*object{y}, []*object{x}
	m3 := obj("main", x)
	if got := names(initOrder([]*object{m3, x, y}, all)); got != "x y main" {
		t.Errorf("cycle: %s", got)
	}
}

// TestGeneratedModulesStable: a second process with the same libraries
// compiles nothing, because every generated module has the same bytes.
// Merged, the program is three modules (environment, table helpers and the
// merged program); separate, each library is one more.
func TestGeneratedModulesStable(t *testing.T) {
	for _, separate := range []bool{false, true} {
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
		defer rt.Close(ctx)
		var out bytes.Buffer
		l := NewLinker(rt, Config{
			FS: os.DirFS("../../testdata/link/fnptr"), Cwd: ".", SearchPaths: []string{"."},
			Separate: separate,
		})
		run := func() {
			p, err := l.Load(ctx, "main.wasm", ProcConfig{Args: []string{"main.wasm"}, ModuleConfig: wazero.NewModuleConfig().WithStdout(&out)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Run(ctx); err != nil {
				t.Fatal(err)
			}
			p.Close(ctx)
		}
		run()
		first := l.compiled.len()
		run()
		run()
		if n := l.compiled.len(); n != first {
			t.Fatalf("separate=%t: compiled modules: %d after the first process, %d after three", separate, first, n)
		}
		if separate && first < 6 {
			t.Fatalf("separate: only %d compiled modules: expected the main, 3 libraries and generated glue", first)
		}
		if !separate && first != 3 {
			t.Fatalf("merged: %d compiled modules, want 3 (environment, table helpers, program)", first)
		}
		if want, _ := os.ReadFile("../../testdata/link/fnptr/expected.stdout"); out.String() != strings.Repeat(string(want), 3) {
			t.Errorf("separate=%t: output\n%s\nwant three times\n%s", separate, out.String(), want)
		}
	}
}

// TestMergeWithoutTableImport: neither the main nor its library imports a
// table, yet the merged program must place the library's functions in
// table slots (how later batches and the host reach them): it imports the
// process's table itself.
func TestMergeWithoutTableImport(t *testing.T) {
	i32 := wasmfile.I32
	var lib wasmgen.Module
	lib.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
	lib.Export("lib_add", wasmfile.KindFunc, lib.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}, Results: []wasmfile.ValType{i32}},
		[]byte{0x20, 0x00, 0x20, 0x01, 0x6a, 0x41, 0x01, 0x6a})) // a + b + 1
	libBytes, err := wasmfile.WithDylink(lib.Bytes(), &wasmfile.Dylink{})
	if err != nil {
		t.Fatal(err)
	}
	var main wasmgen.Module
	main.ImportMemory("env", wasmfile.NameMemory, wasmfile.Limits{})
	main.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
	add := main.ImportFunc("env", "lib_add", wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}, Results: []wasmfile.ValType{i32}})
	main.Export("__main_void", wasmfile.KindFunc, main.Func(wasmfile.FuncType{Results: []wasmfile.ValType{i32}},
		wasmgen.Call(wasmgen.I32Const(wasmgen.I32Const(nil, 20), 21), add)))
	mainBytes, err := wasmfile.WithDylink(main.Bytes(), &wasmfile.Dylink{Needed: []string{"liblib.so"}})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"main.wasm": {Data: mainBytes}, "liblib.so": {Data: libBytes}}
	for _, separate := range []bool{false, true} {
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
		l := NewLinker(rt, Config{FS: fsys, Cwd: ".", Separate: separate})
		p, err := l.Load(ctx, "main.wasm", ProcConfig{Args: []string{"main.wasm"}})
		if err != nil {
			t.Fatalf("separate=%t: %v", separate, err)
		}
		s, err := p.Lookup(ctx, -1, "lib_add")
		if err != nil || s.Value == 0 {
			t.Fatalf("separate=%t: lookup: %+v, %v", separate, s, err)
		}
		if res, err := p.Call(ctx, s, []uint64{1, 2}); err != nil || res[0] != 4 {
			t.Errorf("separate=%t: lib_add through its slot = %v, %v", separate, res, err)
		}
		if status, err := p.Run(ctx); err != nil || status != 42 {
			t.Errorf("separate=%t: status %d, %v", separate, status, err)
		}
		p.Close(ctx)
		rt.Close(ctx)
	}
}

// TestBounded: the Linker's caches forget their oldest entries past their
// bound, and say so to whoever must release them.
func TestBounded(t *testing.T) {
	var evicted []int
	b := newBounded(3, func(v int) { evicted = append(evicted, v) })
	for i := 0; i < 5; i++ {
		b.put(string(rune('a'+i)), i)
	}
	b.put("e", 44) // a known key is replaced, not added
	if b.len() != 3 || len(evicted) != 2 || evicted[0] != 0 || evicted[1] != 1 {
		t.Fatalf("len %d, evicted %v", b.len(), evicted)
	}
	if _, ok := b.get("a"); ok {
		t.Error("the oldest entry is still there")
	}
	if v, ok := b.get("e"); !ok || v != 44 {
		t.Errorf("e = %d, %t", v, ok)
	}
}

// TestLimits: what a module asks for past the process's limits is refused
// with its name, before the host allocates it; a main that defines its own
// memory is held to the memory limit like the loader's memory is.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	i32 := wasmfile.I32
	var lib wasmgen.Module
	lib.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
	huge, err := wasmfile.WithDylink(lib.Bytes(), &wasmfile.Dylink{MemInfo: wasmfile.MemInfo{TableSize: 0x7ffffff0}})
	if err != nil {
		t.Fatal(err)
	}
	// A plain main with its own memory (1 page, no maximum) and grow(n).
	var own wasmgen.Module
	own.Export("memory", wasmfile.KindMemory, own.Memory(wasmfile.Limits{Min: 1}))
	own.Export("grow", wasmfile.KindFunc, own.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}},
		[]byte{0x20, 0x00, 0x40, 0x00}))
	own.Export("_initialize", wasmfile.KindFunc, own.Func(wasmfile.FuncType{}, nil))
	var big wasmgen.Module
	big.Export("memory", wasmfile.KindMemory, big.Memory(wasmfile.Limits{Min: 300}))
	fsys := fstest.MapFS{"libhuge.so": {Data: huge}, "own.wasm": {Data: own.Bytes()}, "big.wasm": {Data: big.Bytes()}}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
	defer rt.Close(ctx)
	l := NewLinker(rt, Config{FS: fsys, Cwd: ".", SearchPaths: []string{"."}, MaxMemoryPages: 4})

	p, err := l.LoadEmpty(ctx, ProcConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Open(ctx, "libhuge.so", RTLDNow); err == nil || !strings.Contains(err.Error(), "libhuge.so: cannot place its 2147483632 table slots") {
		t.Errorf("a library with 2^31-16 table slots: %v", err)
	}
	p.Close(ctx)

	if _, err := l.Load(ctx, "big.wasm", ProcConfig{}); err == nil || !strings.Contains(err.Error(), "big.wasm: its own memory starts at 300 pages") {
		t.Errorf("a main whose own memory is over the limit: %v", err)
	}
	p, err = l.Load(ctx, "own.wasm", ProcConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	grow, err := p.Lookup(ctx, -1, "grow")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ pages, want int32 }{{1, 2}, {5, -1}, {1, 3}, {1, -1}} { // 1 page of its own, 1 of the loader's
		if res, err := p.Call(ctx, grow, []uint64{uint64(tc.pages)}); err != nil || int32(res[0]) != tc.want {
			t.Errorf("memory.grow %d = %v, %v, want %d (limit 4 pages)", tc.pages, res, err, tc.want)
		}
	}
}

// TestSideModuleWithoutData: a side module with a dylink.0 section but
// nothing to place (no data, no table slots) need not import
// __memory_base, as Emscripten writes it; one with data at fixed
// addresses is still refused.
func TestSideModuleWithoutData(t *testing.T) {
	ctx := context.Background()
	var m wasmgen.Module
	m.Export("answer", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Results: []wasmfile.ValType{wasmfile.I32}}, wasmgen.I32Const(nil, 42)))
	side, err := wasmfile.WithDylink(m.Bytes(), &wasmfile.Dylink{})
	if err != nil {
		t.Fatal(err)
	}
	var d wasmgen.Module
	d.ImportMemory("env", wasmfile.NameMemory, wasmfile.Limits{Min: 1})
	d.ActiveData(1024, []byte("fixed"))
	fixed, err := wasmfile.WithDylink(d.Bytes(), &wasmfile.Dylink{MemInfo: wasmfile.MemInfo{MemorySize: 5}})
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
	defer rt.Close(ctx)
	l := NewLinker(rt, Config{FS: fstest.MapFS{"libside.so": {Data: side}, "libfixed.so": {Data: fixed}}, Cwd: ".", SearchPaths: []string{"."}})
	p, err := l.LoadEmpty(ctx, ProcConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	id, _, err := p.Open(ctx, "libside.so", RTLDNow)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Lookup(ctx, id, "answer")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Call(ctx, s, nil); err != nil || res[0] != 42 {
		t.Errorf("answer() = %v, %v", res, err)
	}
	if _, _, err := p.Open(ctx, "libfixed.so", RTLDNow); err == nil || !strings.Contains(err.Error(), "not a position-independent shared library") {
		t.Errorf("a module with fixed data: %v", err)
	}
}

// TestIsolation: a module cannot import wasmdl's own modules ("$host",
// "$shared"...), and the exit-handler runner acts on the calling process
// only: a process that names another's handler ids runs nothing of it.
func TestIsolation(t *testing.T) {
	ctx := context.Background()
	i32 := wasmfile.I32
	var evil wasmgen.Module
	run := evil.ImportFunc("$host", hostExitRunner, wasmfile.FuncType{Params: []wasmfile.ValType{i32}})
	evil.Export("_initialize", wasmfile.KindFunc, evil.Func(wasmfile.FuncType{}, nil))
	evil.Export("attack", wasmfile.KindFunc, evil.Func(wasmfile.FuncType{}, wasmgen.Call(wasmgen.I32Const(nil, 1), run)))
	fsys := fstest.MapFS{"evil.wasm": {Data: evil.Bytes()}}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
	defer rt.Close(ctx)
	l := NewLinker(rt, Config{FS: os.DirFS("../../testdata/link/ctors"), Cwd: ".", SearchPaths: []string{"."}})
	if _, err := NewLinker(rt, Config{FS: fsys, Cwd: "."}).Load(ctx, "evil.wasm", ProcConfig{}); err == nil ||
		!strings.Contains(err.Error(), `imports "__wasmdl_run_exit" from module "$host": module names starting with $ are reserved`) {
		t.Fatalf("a module importing $host: %v", err)
	}
	// A victim whose libraries entered exit handlers in its libc's list.
	var out bytes.Buffer
	victim, err := l.Load(ctx, "main.wasm", ProcConfig{Args: []string{"main.wasm"}, ModuleConfig: wazero.NewModuleConfig().WithStdout(&out)})
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	// libch3.so's c3_register calls atexit: outside a constructor, so the
	// handler goes to libc's list (destructors stay with their library).
	reg, err := victim.Lookup(ctx, -1, "c3_register")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := victim.Call(ctx, reg, nil); err != nil {
		t.Fatal(err)
	}
	if len(victim.exitRefs) == 0 {
		t.Fatal("the victim entered no exit handler in libc's list")
	}
	other, err := l.LoadEmpty(ctx, ProcConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	before := out.Len()
	for id := range victim.exitRefs {
		other.runDelegatedExit(ctx, id) // what the runner does for a call from other
	}
	if out.Len() != before || len(victim.exitRefs) == 0 {
		t.Fatalf("another process ran the victim's exit handlers: %q", out.String()[before:])
	}
}

// TestDlopenGeneratedModules: a dlopen instantiates only the generated
// modules its library needs. The GOT lives in the batch's hub, the table
// fills and the initialiser's calls in one finisher, and a library that
// needs neither gets neither.
func TestDlopenGeneratedModules(t *testing.T) {
	ctx := context.Background()
	i32 := wasmfile.I32
	ret := wasmfile.FuncType{Results: []wasmfile.ValType{i32}}
	mutI32 := wasmfile.GlobalType{Type: i32, Mutable: true}
	lib := func(build func(m *wasmgen.Module)) []byte {
		var m wasmgen.Module
		build(&m)
		b, err := wasmfile.WithDylink(m.Bytes(), &wasmfile.Dylink{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fsys := fstest.MapFS{
		// No GOT import, a constructor: the hub (its __memory_base) and
		// a finisher that only calls.
		"libnogot.so": {Data: lib(func(m *wasmgen.Module) {
			m.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
			ran := m.GlobalI32(true, 0)
			m.Export(wasmfile.NameCallCtors, wasmfile.KindFunc, m.Func(wasmfile.FuncType{}, wasmgen.GlobalSet(wasmgen.I32Const(nil, 1), ran)))
			m.Export("ran", wasmfile.KindFunc, m.Func(ret, []byte{0x23, byte(ran)})) // global.get
		})},
		// Only GOT.func, for its own function: the hub holds the entry,
		// a finisher that only fills puts the function in its slot.
		"libgotfunc.so": {Data: lib(func(m *wasmgen.Module) {
			m.ImportGlobal("env", wasmfile.NameMemoryBase, i32Type)
			got := m.ImportGlobal("GOT.func", "seven", mutI32)
			m.Export("seven", wasmfile.KindFunc, m.Func(ret, wasmgen.I32Const(nil, 7)))
			m.Export("seven_ptr", wasmfile.KindFunc, m.Func(ret, []byte{0x23, byte(got)}))
		})},
		// Nothing to import, nothing to run: no generated module at all.
		"libbare.so": {Data: lib(func(m *wasmgen.Module) {
			m.Export("eight", wasmfile.KindFunc, m.Func(ret, wasmgen.I32Const(nil, 8)))
		})},
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesExtendedConst))
	defer rt.Close(ctx)
	l := NewLinker(rt, Config{FS: fsys, Cwd: ".", SearchPaths: []string{"."}})
	p, err := l.LoadEmpty(ctx, ProcConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	call := func(id int, name string) uint64 {
		t.Helper()
		s, err := p.Lookup(ctx, id, name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Call(ctx, s, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res[0]
	}
	for _, tc := range []struct {
		lib       string
		generated int
		check     func(id int)
	}{
		{"libnogot.so", 2, func(id int) {
			if got := call(id, "ran"); got != 1 {
				t.Errorf("libnogot.so: constructor did not run (ran = %d)", got)
			}
		}},
		{"libgotfunc.so", 2, func(id int) {
			ptr := call(id, "seven_ptr")
			s, err := p.Lookup(ctx, id, "seven")
			if err != nil {
				t.Fatal(err)
			}
			if uint64(s.Value) != ptr || ptr == 0 {
				t.Errorf("libgotfunc.so: GOT.func.seven = %d, its slot is %d", ptr, s.Value)
			}
			if got := call(id, "seven"); got != 7 {
				t.Errorf("libgotfunc.so: seven() = %d", got)
			}
		}},
		{"libbare.so", 0, func(id int) {
			if got := call(id, "eight"); got != 8 {
				t.Errorf("libbare.so: eight() = %d", got)
			}
		}},
	} {
		for round := 0; round < 2; round++ { // the second time from the caches
			id, _, err := p.Open(ctx, tc.lib, RTLDNow)
			if err != nil {
				t.Fatalf("%s: %v", tc.lib, err)
			}
			if n := len(p.batches[len(p.batches)-1].generated); n != tc.generated {
				t.Errorf("%s: %d generated instances, want %d", tc.lib, n, tc.generated)
			}
			tc.check(id)
			if err := p.CloseLibrary(ctx, id); err != nil {
				t.Fatalf("%s: close: %v", tc.lib, err)
			}
		}
	}
}

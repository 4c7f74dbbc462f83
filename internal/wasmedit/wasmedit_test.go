package wasmedit

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// sizeModule has a memory of 2 pages and functions that read memory.size
// in different ways; f5 does not.
func sizeModule(t *testing.T, withSizeType bool) []byte {
	t.Helper()
	var m wasmgen.Module
	i32 := wasmfile.I32
	if withSizeType {
		m.Type(wasmfile.FuncType{Results: []wasmfile.ValType{i32}})
	}
	m.Export("memory", wasmfile.KindMemory, m.Memory(wasmfile.Limits{Min: 2}))
	// size() -> memory.size
	m.Export("size", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Results: []wasmfile.ValType{i32}}, []byte{0x3f, 0x00}))
	// twice(x) -> x + memory.size + memory.size
	m.Export("twice", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}},
		[]byte{0x20, 0x00, 0x3f, 0x00, 0x6a, 0x3f, 0x00, 0x6a}))
	// grow(n) -> memory.grow n (untouched)
	m.Export("grow", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}},
		[]byte{0x20, 0x00, 0x40, 0x00}))
	// plain() -> 5
	m.Export("plain", wasmfile.KindFunc, m.Func(wasmfile.FuncType{Results: []wasmfile.ValType{i32}}, wasmgen.I32Const(nil, 5)))
	return m.Bytes()
}

func TestRedirectMemorySize(t *testing.T) {
	ctx := context.Background()
	for _, withType := range []bool{false, true} {
		mod := sizeModule(t, withType)
		f, err := wasmfile.Parse(mod)
		if err != nil {
			t.Fatal(err)
		}
		if uses, err := UsesMemorySize(f); err != nil || !uses {
			t.Fatalf("UsesMemorySize = %t, %v", uses, err)
		}
		out, err := RedirectMemorySize(mod, wasmgen.I32Const(nil, 77))
		if err != nil {
			t.Fatal(err)
		}
		g, err := wasmfile.Parse(out)
		if err != nil {
			t.Fatalf("rewritten module does not parse: %v", err)
		}
		if len(g.Funcs) != len(f.Funcs)+1 {
			t.Errorf("%d functions, want %d", len(g.Funcs), len(f.Funcs)+1)
		}
		if uses, _ := UsesMemorySize(g); uses {
			t.Error("rewritten module still executes memory.size")
		}
		rt := wazero.NewRuntime(ctx)
		inst, err := rt.Instantiate(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		call := func(name string, args ...uint64) uint64 {
			t.Helper()
			res, err := inst.ExportedFunction(name).Call(ctx, args...)
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		if got := call("size"); got != 77 {
			t.Errorf("size() = %d, want 77", got)
		}
		if got := call("twice", 1); got != 155 {
			t.Errorf("twice(1) = %d, want 155", got)
		}
		if got := call("grow", 1); got != 2 {
			t.Errorf("grow(1) = %d, want the real size 2", got)
		}
		if got := call("plain"); got != 5 {
			t.Errorf("plain() = %d", got)
		}
		rt.Close(ctx)
	}
}

func TestRedirectMemorySizeKeepsOtherSections(t *testing.T) {
	mod := sizeModule(t, true)
	out, err := RedirectMemorySize(mod, wasmgen.I32Const(nil, 1))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := wasmfile.Parse(mod)
	g, _ := wasmfile.Parse(out)
	for i, s := range f.Sections {
		if s.ID == wasmfile.SectionType || s.ID == wasmfile.SectionFunction || s.ID == wasmfile.SectionCode {
			continue
		}
		a := mod[s.DataOffset : s.DataOffset+int64(s.Size)]
		t2 := g.Sections[i]
		b := out[t2.DataOffset : t2.DataOffset+int64(t2.Size)]
		if s.ID != t2.ID || !bytes.Equal(a, b) {
			t.Errorf("section %d (id %d) changed", i, s.ID)
		}
	}
	if len(g.Types) != len(f.Types) {
		t.Errorf("a () -> i32 type exists already: %d types became %d", len(f.Types), len(g.Types))
	}
}

func TestUsesMemorySize(t *testing.T) {
	var m wasmgen.Module
	m.Memory(wasmfile.Limits{Min: 1})
	m.Func(wasmfile.FuncType{}, []byte{0x3f, 0x00, 0x1a}) // memory.size; drop
	f, _ := wasmfile.Parse(m.Bytes())
	if uses, _ := UsesMemorySize(f); !uses {
		t.Error("memory.size not seen")
	}
	var n wasmgen.Module
	n.Func(wasmfile.FuncType{}, nil)
	g, _ := wasmfile.Parse(n.Bytes())
	if uses, _ := UsesMemorySize(g); uses {
		t.Error("memory.size seen in a module without it")
	}
}

// TestRedirectCalls: a module's own calls of a redirected function go to
// the function in a table slot of the host's table, through the module's
// table or through one the edit imports; the function itself, called from
// outside, and calls of other functions are unchanged.
func TestRedirectCalls(t *testing.T) {
	ctx := context.Background()
	i32 := wasmfile.I32
	unary := wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}}
	for _, withTable := range []bool{false, true} {
		rt := wazero.NewRuntime(ctx)
		// The host: a table whose slot 3 holds other(x) = x + 100.
		var host wasmgen.Module
		host.Export("table", wasmfile.KindTable, host.Table(wasmfile.Limits{Min: 4}))
		other := host.Func(unary, append(wasmgen.LocalGet(nil, 0), append(wasmgen.I32Const(nil, 100), 0x6a)...))
		host.ActiveElem(3, []uint32{other})
		host.Export("unused", wasmfile.KindFunc, other)
		if _, err := rt.InstantiateWithConfig(ctx, host.Bytes(), wazero.NewModuleConfig().WithName("host")); err != nil {
			t.Fatal(err)
		}
		var lib wasmgen.Module
		lib.ImportFunc("host", "unused", unary) // an imported function shifts defined indices
		if withTable {
			lib.ImportTable("host", "table", 0)
		}
		own := lib.Func(unary, append(wasmgen.LocalGet(nil, 0), append(wasmgen.I32Const(nil, 1), 0x6a)...))
		lib.Export("own", wasmfile.KindFunc, own)
		// caller(x) = own(x) * 10; plain(x) = x
		lib.Export("caller", wasmfile.KindFunc, lib.Func(unary,
			append(wasmgen.Call(wasmgen.LocalGet(nil, 0), own), append(wasmgen.I32Const(nil, 10), 0x6c)...)))
		lib.Export("plain", wasmfile.KindFunc, lib.Func(unary, wasmgen.LocalGet(nil, 0)))
		mod := lib.Bytes()
		out, err := RedirectCalls(mod, Table{Module: "host", Name: "table"}, []Redirect{{Func: own, Slot: 3}})
		if err != nil {
			t.Fatal(err)
		}
		g, err := wasmfile.Parse(out)
		if err != nil {
			t.Fatalf("rewritten module does not parse: %v", err)
		}
		if g.NumImportedTables() != 1 {
			t.Errorf("withTable=%t: %d imported tables, want 1", withTable, g.NumImportedTables())
		}
		inst, err := rt.Instantiate(ctx, out)
		if err != nil {
			t.Fatalf("withTable=%t: %v", withTable, err)
		}
		call := func(name string, x uint64) uint64 {
			t.Helper()
			res, err := inst.ExportedFunction(name).Call(ctx, x)
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		if got := call("caller", 5); got != 1050 {
			t.Errorf("withTable=%t: caller(5) = %d, want (5+100)*10", withTable, got)
		}
		if got := call("own", 5); got != 6 {
			t.Errorf("withTable=%t: own(5) = %d, want its own 6", withTable, got)
		}
		if got := call("plain", 5); got != 5 {
			t.Errorf("withTable=%t: plain(5) = %d", withTable, got)
		}
		rt.Close(ctx)
	}
	if _, err := RedirectCalls(sizeModule(t, false), Table{}, []Redirect{{Func: 99, Slot: 0}}); err == nil {
		t.Error("a redirect of a function the module does not define was accepted")
	}
}

// TestCallsThroughSlots: calls and tail calls of an import named in the
// map go to the function in its slot; the import itself, other calls and
// a function index that is not an import are left or refused.
func TestCallsThroughSlots(t *testing.T) {
	ctx := context.Background()
	i32 := wasmfile.I32
	unary := wasmfile.FuncType{Params: []wasmfile.ValType{i32}, Results: []wasmfile.ValType{i32}}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesTailCall))
	defer rt.Close(ctx)
	// The host: slot 2 holds plus100(x) = x + 100; the import the module
	// is bound to, first(x) = x + 1, stands for the hub's slot caller.
	var host wasmgen.Module
	host.Export("table", wasmfile.KindTable, host.Table(wasmfile.Limits{Min: 4}))
	plus100 := host.Func(unary, append(wasmgen.LocalGet(nil, 0), append(wasmgen.I32Const(nil, 100), 0x6a)...))
	host.ActiveElem(2, []uint32{plus100})
	host.Export("first", wasmfile.KindFunc, host.Func(unary, append(wasmgen.LocalGet(nil, 0), append(wasmgen.I32Const(nil, 1), 0x6a)...)))
	if _, err := rt.InstantiateWithConfig(ctx, host.Bytes(), wazero.NewModuleConfig().WithName("host")); err != nil {
		t.Fatal(err)
	}
	var lib wasmgen.Module
	lib.ImportTable("host", "table", 0)
	first := lib.ImportFunc("host", "first", unary)
	again := lib.ImportFunc("host", "first", unary) // the same function, not redirected
	lib.Export("call", wasmfile.KindFunc, lib.Func(unary, wasmgen.Call(wasmgen.LocalGet(nil, 0), first)))
	lib.Export("tail", wasmfile.KindFunc, lib.Func(unary, wasmfile.AppendU32(append(wasmgen.LocalGet(nil, 0), 0x12), first)))
	lib.Export("other", wasmfile.KindFunc, lib.Func(unary, wasmgen.Call(wasmgen.LocalGet(nil, 0), again)))
	lib.Export("first", wasmfile.KindFunc, first)
	mod := lib.Bytes()
	if _, err := CallsThroughSlots(mod, 0, map[uint32]uint32{2: 2}); err == nil {
		t.Error("a defined function was accepted as an import")
	}
	if _, err := CallsThroughSlots(mod, 1, map[uint32]uint32{first: 2}); err == nil {
		t.Error("a table the module does not have was accepted")
	}
	out, err := CallsThroughSlots(mod, 0, map[uint32]uint32{first: 2})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := rt.Instantiate(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint64{"call": 105, "tail": 105, "other": 6, "first": 6} {
		res, err := inst.ExportedFunction(name).Call(ctx, 5)
		if err != nil || res[0] != want {
			t.Errorf("%s(5) = %v, %v; want %d", name, res, err, want)
		}
	}
}

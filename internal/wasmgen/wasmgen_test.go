package wasmgen

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// TestModuleRoundTrip builds a module with every kind of item, reads it
// back with wasmfile, and has wazero compile and run it.
func TestModuleRoundTrip(t *testing.T) {
	i32 := wasmfile.I32
	binop := wasmfile.FuncType{Params: []wasmfile.ValType{i32, i32}, Results: []wasmfile.ValType{i32}}
	var m Module
	add := m.ImportFunc("host", "add", binop)
	g := m.ImportGlobal("host", "base", wasmfile.GlobalType{Type: i32})
	tab := m.Table(wasmfile.Limits{Min: 4})
	m.Memory(wasmfile.Limits{Min: 1, HasMax: true, Max: 2})
	c := m.GlobalI32(false, -42)
	// f(a, b) = add(a, b) through slot 2 of the table.
	body := LocalGet(LocalGet(nil, 0), 1)
	body = I32Const(body, 2)
	f := m.Func(binop, CallIndirect(body, m.Type(binop), tab))
	m.ActiveElem(2, []uint32{add})
	m.Export("f", wasmfile.KindFunc, f)
	m.Export("c", wasmfile.KindGlobal, c)
	m.Export("base", wasmfile.KindGlobal, g)
	b := m.Bytes()

	file, err := wasmfile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Imports) != 2 || len(file.Funcs) != 1 || len(file.Elements) != 1 || len(file.Globals) != 1 {
		t.Fatalf("read back %d imports, %d funcs, %d elems, %d globals", len(file.Imports), len(file.Funcs), len(file.Elements), len(file.Globals))
	}
	if v, ok := file.ExportedGlobalValue("c"); !ok || v != -42 {
		t.Fatalf("c = %d, %v", v, ok)
	}
	if off, ok := file.Elements[0].Offset.I32(); !ok || off != 2 || file.Elements[0].Funcs[0] != add {
		t.Fatalf("elem %+v", file.Elements[0])
	}

	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := rt.NewHostModuleBuilder("host").NewFunctionBuilder().
		WithFunc(func(a, b int32) int32 { return a + b }).Export("add").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	// Running it: "base" comes from another generated module, as the glue
	// modules' constants do.
	var bm Module
	bm.Export("base", wasmfile.KindGlobal, bm.GlobalI32(false, 7))
	if _, err := rt.InstantiateWithConfig(ctx, bm.Bytes(), wazero.NewModuleConfig().WithName("hostg")); err != nil {
		t.Fatal(err)
	}
	var m2 Module
	add2 := m2.ImportFunc("host", "add", binop)
	m2.ImportGlobal("hostg", "base", wasmfile.GlobalType{Type: i32})
	tab2 := m2.Table(wasmfile.Limits{Min: 4})
	body2 := LocalGet(LocalGet(nil, 0), 1)
	body2 = I32Const(body2, 2)
	f2 := m2.Func(binop, CallIndirect(body2, m2.Type(binop), tab2))
	m2.ActiveElem(2, []uint32{add2})
	m2.Export("f", wasmfile.KindFunc, f2)
	inst, err := rt.Instantiate(ctx, m2.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	res, err := inst.ExportedFunction("f").Call(ctx, 40, 2)
	if err != nil || int32(res[0]) != 42 {
		t.Fatalf("f(40, 2) = %v, %v", res, err)
	}
}

func TestLEBEncodings(t *testing.T) {
	for _, v := range []int32{0, 1, -1, 63, 64, -64, -65, 1 << 30, -1 << 31} {
		b := I32Const(nil, v)
		var m Module
		m.Export("g", wasmfile.KindGlobal, m.GlobalI32(false, v))
		f, err := wasmfile.Parse(m.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.ExportedGlobalValue("g"); got != v {
			t.Errorf("i32.const %d (%x) read back as %d", v, b, got)
		}
	}
}

package link

import (
	"bytes"
	"errors"
	"testing"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// relocBody encodes a relocation function body: no locals, code, end.
func relocBody(code ...[]byte) []byte {
	b := []byte{0}
	for _, c := range code {
		b = append(b, c...)
	}
	return append(b, 0x0b)
}

func i32Store(offset uint32) []byte { return wasmfile.AppendU32([]byte{0x36, 2}, offset) }

func TestEvalRelocStores(t *testing.T) {
	c := func(v int32) []byte { return wasmgen.I32Const(nil, v) }
	add := []byte{byte(wasmfile.OpI32Add)}
	// base+8 = base2+4; base+12 = -4 (wraps); i64 at 16.
	body := relocBody(c(1000), c(8), add, c(2000), c(4), add, i32Store(0),
		c(1000), c(-4), i32Store(12),
		c(1000), []byte{0x42, 0x7f}, []byte{0x37, 3, 16}) // i64.const -1; i64.store offset=16
	stores, err := evalRelocStores(body, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []relocStore{{1008, 4, 2004}, {1012, 4, 0xfffffffc}, {1016, 8, 0xffffffffffffffff}}
	if len(stores) != len(want) {
		t.Fatalf("stores %v, want %v", stores, want)
	}
	for i := range want {
		if stores[i] != want[i] {
			t.Errorf("store %d: %+v, want %+v", i, stores[i], want[i])
		}
	}
	for name, body := range map[string][]byte{
		"local":      relocBody([]byte{0x20, 0}, c(1), i32Store(0)),
		"global":     relocBody(c(4), []byte{0x23, 0}, i32Store(0)),
		"past 4 GiB": relocBody(c(-2), c(7), i32Store(0)),
		"i64 value":  relocBody(c(4), []byte{0x42, 1}, i32Store(0)),
		"call":       relocBody([]byte{0x10, 0}),
		"left over":  relocBody(c(4)),
		"store8":     relocBody(c(4), c(1), []byte{0x3a, 0, 0}),
		"memory 1":   relocBody(c(4), c(1), []byte{0x36, 0x40 | 2, 1, 0}),
	} {
		if _, err := evalRelocStores(body, 0); !errors.Is(err, errNotConstant) {
			t.Errorf("%s: %v, want errNotConstant", name, err)
		}
	}
}

// TestPreRelocate: relocations land in every segment that overlaps them,
// the function is emptied only when every write is inside a segment, and a
// function something else calls is left alone.
func TestPreRelocate(t *testing.T) {
	newMerger := func(body []byte) (*merger, *mergeComp, uint32) {
		mg := &merger{p: &Process{l: &Linker{}}, patched: map[uint32][]byte{}}
		mg.m.ImportFunc("env", "f", wasmfile.FuncType{})
		c := &mergeComp{o: &object{name: "libx.so"}}
		idx := mg.m.RawFunc(wasmfile.FuncType{}, body)
		mg.relocs = map[uint32]*mergeComp{idx: c}
		// [100, 110) and [105, 120) overlap; [200, 204) is alone.
		mg.segs = []dataSeg{
			{start: 100, bytes: bytes.Repeat([]byte{0xaa}, 10), index: 0},
			{start: 105, bytes: bytes.Repeat([]byte{0xbb}, 15), index: 1},
			{start: 200, bytes: make([]byte, 4), index: 2},
		}
		mg.maxEnd = []uint64{110, 120, 204}
		return mg, c, idx
	}
	c := func(v int32) []byte { return wasmgen.I32Const(nil, v) }

	body := relocBody(c(108), c(0x01020304), i32Store(0), c(200), c(7), i32Store(0))
	mg, comp, idx := newMerger(body)
	if err := mg.preRelocate(comp, idx); err != nil {
		t.Fatal(err)
	}
	if got := mg.m.FuncBody(idx); !bytes.Equal(got, []byte{0, 0x0b}) {
		t.Fatalf("body %x, want empty", got)
	}
	want := map[uint32][]byte{
		0: {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x04, 0x03},
		1: {0xbb, 0xbb, 0xbb, 0x04, 0x03, 0x02, 0x01, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb},
		2: {7, 0, 0, 0},
	}
	for i, w := range want {
		if !bytes.Equal(mg.patched[i], w) {
			t.Errorf("segment %d: %x, want %x", i, mg.patched[i], w)
		}
	}
	if mg.segs[0].bytes[8] != 0xaa {
		t.Error("the module's own segment bytes were written")
	}

	for name, body := range map[string][]byte{
		"outside every segment": relocBody(c(200), c(7), i32Store(0), c(150), c(1), i32Store(0)),
		"across two segments":   relocBody(c(118), c(1), i32Store(0)),
	} {
		mg, comp, idx := newMerger(body)
		if err := mg.preRelocate(comp, idx); err != nil {
			t.Fatal(err)
		}
		if got := mg.m.FuncBody(idx); !bytes.Equal(got, body) || len(mg.patched) != 0 {
			t.Errorf("%s: body %x, patched %v: want it left to run", name, got, mg.patched)
		}
	}

	mg, comp, idx = newMerger(body)
	mg.noteCall(idx)
	if err := mg.preRelocate(comp, idx); err != nil {
		t.Fatal(err)
	}
	if got := mg.m.FuncBody(idx); !bytes.Equal(got, body) {
		t.Errorf("called elsewhere: body %x, want it kept", got)
	}
}

// FuzzEvalRelocStores: any body, however malformed, gives stores or an
// error, never a panic, and stores only what fits below 4 GiB.
func FuzzEvalRelocStores(f *testing.F) {
	c := func(v int32) []byte { return wasmgen.I32Const(nil, v) }
	f.Add(relocBody(c(1000), c(8), []byte{byte(wasmfile.OpI32Add)}, c(2000), i32Store(4)))
	f.Add(relocBody(c(16), []byte{0x42, 0x7f}, []byte{0x37, 3, 0}))
	f.Add([]byte{0, 0x0b})
	f.Fuzz(func(t *testing.T, body []byte) {
		stores, err := evalRelocStores(body, 0)
		if err != nil {
			return
		}
		for _, st := range stores {
			if st.addr+uint64(st.width) > 1<<32 || (st.width != 4 && st.width != 8) {
				t.Fatalf("store %+v", st)
			}
		}
	})
}

// TestPreRelocateBounded: a library whose data segments all overlap (which
// no linker makes) cannot make the search for each store's segments
// quadratic: past a few segments the relocations are left to run.
func TestPreRelocateBounded(t *testing.T) {
	const n = 50000
	var code [][]byte
	for i := 0; i < n; i++ {
		code = append(code, wasmgen.I32Const(nil, int32(100+4*i)), wasmgen.I32Const(nil, 1), i32Store(0))
	}
	body := relocBody(code...)
	mg := &merger{p: &Process{l: &Linker{}}, patched: map[uint32][]byte{}}
	c := &mergeComp{o: &object{name: "libx.so"}}
	idx := mg.m.RawFunc(wasmfile.FuncType{}, body)
	mg.relocs = map[uint32]*mergeComp{idx: c}
	// n segments, each from 100 to the end of the writes.
	for i := 0; i < n; i++ {
		mg.segs = append(mg.segs, dataSeg{start: 100, bytes: make([]byte, 4*n), index: uint32(i)})
		mg.maxEnd = append(mg.maxEnd, 100+4*n)
	}
	if err := mg.preRelocate(c, idx); err != nil {
		t.Fatal(err)
	}
	if got := mg.m.FuncBody(idx); !bytes.Equal(got, body) || len(mg.patched) != 0 {
		t.Errorf("overlapping segments: relocations applied (%d segments patched)", len(mg.patched))
	}
}

package link

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/wasmdl/wasmdl/internal/search"
	"github.com/wasmdl/wasmdl/wasmfile"
)

func sampleLaunch() *launchRecord {
	i32 := []wasmfile.ValType{wasmfile.I32}
	return &launchRecord{
		objects: []launchObject{
			{name: "main.wasm", path: "w/main.wasm", via: "path", key: "k0", size: 100, neededBy: -1, needed: []int{1}},
			{name: "liba.so", path: "w/liba.so", via: "-L", key: "k1", size: 200, neededBy: 0, before: []string{"x/liba.so"},
				stamp: search.Stamp{Mode: 0o644, Size: 200, ModTime: 1e18, Sys: search.SysStamp{Dev: 1, Ino: 2, Ctime: 1e18 + 5, Valid: true}}},
		},
		roots:    1,
		aliases:  map[string]int{"main.wasm": 0, "liba.so": 1, "liba": 1},
		mergeKey: "abc",
		messages: map[int32]string{1: "call to undefined weak function f (imported by liba.so)"},
		plan: &prelink{
			objs:     []objectPlan{{memoryBase: 0}, {memoryBase: 1024, memorySize: 64, tableBase: 5, tableSize: 2, extraSlots: []uint32{9}, reldeps: []int{0}, defs: []int{0}, slotOnly: true}},
			mem:      allocator{what: "memory", end: 65536, brk: 2048, limit: 1 << 32, unit: pageSize, free: []span{{1100, 1200}}},
			table:    allocator{what: "table", end: 10, brk: 10, limit: maxTableSlots, unit: 1},
			stackLow: 16, stackHigh: 1024, heapBase: 4096, heapEnd: 65536, programTop: 1, memoryMax: 65536, usesSjlj: true,
			shared:    map[string]sharedPlan{"memory": {provider: -1, export: "memory"}, "table": {provider: 0, export: "t"}},
			tags:      map[string]wasmfile.FuncType{"__cpp_exception": {Params: i32}},
			slots:     []slotPlan{{obj: 1, fn: 3, slot: 9}},
			hostSlots: map[string]uint32{"dlopen": 8},
			instOrder: []int{1, 0},
			gotMem:    map[string]uint32{"d": 1024},
			gotFunc:   map[string]uint32{"f": 9},
			steps:     []stepPlan{{obj: 1, fn: "__wasm_call_ctors", arg: -1}, {obj: 1, fn: "__wasm_init_tls", arg: 2048}},
		},
	}
}

// TestLaunchRecordRoundTrip: a record reads back as written, and any
// damage is refused by its checksum.
func TestLaunchRecordRoundTrip(t *testing.T) {
	data := sampleLaunch().encode()
	rec, err := decodeLaunch(data)
	if err != nil {
		t.Fatal(err)
	}
	if again := rec.encode(); !bytes.Equal(again, data) {
		t.Fatal("a record does not read back as written")
	}
	if rec.objects[1].stamp != sampleLaunch().objects[1].stamp || rec.plan.steps[1].arg != 2048 || !rec.plan.usesSjlj {
		t.Fatalf("fields lost: %+v", rec.objects[1])
	}
	for i := range data {
		bad := bytes.Clone(data)
		bad[i] ^= 0x20
		if _, err := decodeLaunch(bad); err == nil {
			t.Fatalf("byte %d flipped: accepted", i)
		}
	}
	if _, err := decodeLaunch(data[:len(data)-1]); err == nil {
		t.Fatal("truncated record accepted")
	}
}

// FuzzLaunchRecord: any record body, with a valid checksum, is refused
// with an error or reads back to a record that encodes the same way; it
// never panics or allocates for a count longer than its bytes.
func FuzzLaunchRecord(f *testing.F) {
	f.Add(sampleLaunch().encode()[len(launchMagic)+4:])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append(bytes.Clone(launchMagic), binary.LittleEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))...)
		data = append(data, body...)
		rec, err := decodeLaunch(data)
		if err != nil {
			return
		}
		again, err := decodeLaunch(rec.encode())
		if err != nil {
			t.Fatalf("a decoded record does not decode after encoding: %v", err)
		}
		if !bytes.Equal(again.encode(), rec.encode()) {
			t.Fatal("encoding is not stable")
		}
	})
}

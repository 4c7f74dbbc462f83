package wasmfile

import (
	"errors"
	"math"
	"runtime"
	"testing"
)

// TestBounds: modules that ask a runtime for more than the Bounds allow
// are refused, each with the offset of the count or instruction at fault
// and the function index. Parse accepted every one of them before the
// bounds existed; wazero v1.12 dies (fatal out of memory) on the first.
func TestBounds(t *testing.T) {
	i32 := raw(0x7f)
	tests := []struct {
		name    string
		in      []byte
		bounds  Bounds
		wantErr string
	}{
		{"2^32-1 locals", hostileLocals(math.MaxUint32), Bounds{},
			"offset 0x17: code section: func[0]: 4294967295 locals (parameters included), more than the limit of 50000"},
		{"2^27 locals", hostileLocals(1 << 27), Bounds{},
			"offset 0x17: code section: func[0]: 134217728 locals (parameters included), more than the limit of 50000"},
		{"locals sum without the limit: no overflow", funcModule([][]byte{voidType},
			cat(leb(2), leb(math.MaxUint32), i32, leb(math.MaxUint32), i32), raw(0x0b)),
			Bounds{Locals: math.MaxUint32, TotalLocals: math.MaxUint32},
			"offset 0x1d: code section: func[0]: 8589934590 locals (parameters included), more than the limit of 4294967295"},
		{"parameters count as locals", funcModule([][]byte{cat(raw(0x60), leb(3), rep(i32, 3), leb(0))},
			cat(leb(1), leb(2), i32), raw(0x0b)), Bounds{Locals: 4},
			"offset 0x1a: code section: func[0]: 5 locals (parameters included), more than the limit of 4"},
		{"locals of all functions", hostileLocals(40000), Bounds{TotalLocals: 1000},
			"offset 0x17: code section: func[0]: 40000 locals in all functions, more than the limit of 1000"},
		{"body size", hostileNesting(10), Bounds{FunctionSize: 16},
			"offset 0x16: code section: func[0]: 32 bytes of code, more than the limit of 16"},
		{"nesting", hostileNesting(20000), Bounds{},
			"offset 0x801b: code section: func[0]: 16385 nested blocks, more than the limit of 16384"},
		{"nesting, small limit", hostileNesting(4), Bounds{Nesting: 3},
			"offset 0x1d: code section: func[0]: 4 nested blocks, more than the limit of 3"},
		{"br_table targets", hostileBrTable(1 << 20), Bounds{},
			"offset 0x1f: code section: func[0]: 1048578 blocks and branch targets, more than the limit of 65536"},
		{"blocks and branches", hostileBlocks(70000), Bounds{},
			"offset 0x3801b: code section: func[0]: 65537 blocks and branch targets, more than the limit of 65536"},
		{"values pushed by calls", hostileResults(1000, 2000), Bounds{},
			"offset 0xc36: code section: func[0]: 1048950 values pushed beyond one per instruction, more than the limit of 1048576"},
		{"values pushed by a block type", funcModule([][]byte{voidType, cat(raw(0x60, 0), leb(5), rep(i32, 5))}, leb(0),
			raw(0x00, 0x02, 0x01, 0x0b, 0x0b)), Bounds{StackValues: 3},
			"offset 0x22: code section: func[0]: 4 values pushed beyond one per instruction, more than the limit of 3"},
		{"local flow", hostileLocalFlow(2000, 1000), Bounds{},
			"offset 0x2324: code section: func[0]: 1050000 local flow units, more than the limit of 1048576"},
		{"local flow around a loop", funcModule([][]byte{voidType}, cat(leb(1), leb(3), i32),
			// A loop reads locals 0..2 (set at entry, before the loop: 1 unit
			// each), then 4 br_ifs, then ends: each is live around the loop
			// from its read to the back edge (4 units each): 15.
			cat(raw(0x03, 0x40), raw(0x20, 0, 0x1a, 0x20, 1, 0x1a, 0x20, 2, 0x1a),
				rep(raw(0x41, 0, 0x0d, 0), 4), raw(0x0b, 0x0b))), Bounds{LocalFlow: 14},
			"offset 0x34: code section: func[0]: 15 local flow units, more than the limit of 14"},
		{"select with two types", funcModule([][]byte{voidType}, leb(0),
			raw(0x41, 0, 0x41, 0, 0x41, 0, 0x1c, 2, 0x7f, 0x7f, 0x1a, 0x0b)), Bounds{},
			"offset 0x1d: code section: func[0]: select with 2 types, want 1"},
		{"block type out of range", funcModule([][]byte{voidType}, leb(0), raw(0x02, 0x05, 0x0b, 0x0b)), Bounds{},
			"offset 0x17: code section: func[0]: block type index 5 out of range (1 types)"},
		{"instructions after the final end", funcModule([][]byte{voidType}, leb(0), raw(0x0b, 0x01, 0x0b)), Bounds{},
			"offset 0x18: code section: func[0]: instructions after the function's final end"},
		{"names claiming 2^32-1 functions", hostileNames(), Bounds{},
			`offset 0x11: custom section "name": function names: count 4294967295, 0 bytes left in the module: count larger than the bytes left`},
		{"function names over the limit", module(custom("name", subsec(1, leb(3), leb(0), str("a"), leb(1), str("b"), leb(2), str("c")))),
			Bounds{Functions: 2}, `offset 0x11: custom section "name": function names: 3 function names, more than the limit of 2`},
		{"local names of all functions", module(custom("name", subsec(2, leb(2),
			leb(0), leb(1), leb(0), str("x"), leb(1), leb(2), leb(0), str("y"), leb(1), str("z")))),
			Bounds{TotalLocals: 2}, `offset 0x18: custom section "name": local names: 3 local names in all functions, more than the limit of 2`},
		{"name length past the module", module(custom("name", raw(0, 5), leb(math.MaxUint32))), Bounds{},
			`offset 0x11: custom section "name": module name: name of 4294967295 bytes, 0 left in the module: count larger than the bytes left`},
		{"imports", module(section(SectionImport, leb(2), str("m"), str("a"), raw(0), leb(0), str("m"), str("b"), raw(0), leb(0))),
			Bounds{Imports: 1}, "offset 0xa: import section: 2 imports, more than the limit of 1"},
		{"functions with imports", module(section(SectionType, leb(1), voidType),
			section(SectionImport, leb(1), str("m"), str("f"), raw(0), leb(0)),
			section(SectionFunction, leb(1), leb(0)), section(SectionCode, leb(1), leb(2), leb(0), raw(0x0b))),
			Bounds{Functions: 1}, "offset 0x19: function section: 2 functions (imports included), more than the limit of 1"},
		{"memories imported", module(section(SectionImport, leb(2), str("m"), str("a"), raw(2, 0), leb(0),
			str("m"), str("b"), raw(2, 0), leb(0))),
			Bounds{Memories: 1}, "offset 0x12: import section: import[1] \"m\".\"b\": 2 memories (imports included), more than the limit of 1"},
		{"parameters", module(section(SectionType, leb(1), raw(0x60), leb(1001), rep(i32, 1001), leb(0))), Bounds{},
			"offset 0xd: type section: type[0]: 1001 parameters, more than the limit of 1000"},
		{"results", module(section(SectionType, leb(1), raw(0x60, 0), leb(3), rep(i32, 3))), Bounds{Results: 2},
			"offset 0xd: type section: type[0]: 3 results, more than the limit of 2"},
		{"table size", module(section(SectionTable, leb(1), raw(0x70, 0), leb(10_000_001))), Bounds{},
			"offset 0xb: table section: table[0]: 10000001 table elements (minimum size), more than the limit of 10000000"},
		{"element entries of all segments", module(section(SectionElement, leb(2),
			raw(1, 0), leb(2), raw(0, 0), raw(1, 0), leb(2), raw(0, 0))), Bounds{ElementEntries: 3},
			"offset 0x12: element section: elem[1]: 4 element entries (all segments), more than the limit of 3"},
		{"element segments", module(section(SectionElement, leb(2), raw(1, 0, 0), raw(1, 0, 0))), Bounds{ElementSegments: 1},
			"offset 0xa: element section: 2 element segments, more than the limit of 1"},
		{"data segments", module(section(SectionData, leb(2), raw(1, 0), raw(1, 0))), Bounds{DataSegments: 1},
			"offset 0xa: data section: 2 data segments, more than the limit of 1"},
		{"exports", module(section(SectionExport, leb(2), str("a"), raw(0), leb(0), str("b"), raw(0), leb(0))), Bounds{Exports: 1},
			"offset 0xa: export section: 2 exports, more than the limit of 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Options{Bounds: tt.bounds}.Parse(tt.in)
			if err == nil {
				t.Fatal("Parse accepted the module")
			}
			checkFormatError(t, err, len(tt.in))
			if err.Error() != tt.wantErr {
				t.Errorf("error\n got %s\nwant %s", err, tt.wantErr)
			}
		})
	}
}

// TestBoundsEdges: a module exactly at a limit parses; one past it does not.
func TestBoundsEdges(t *testing.T) {
	if _, err := Parse(hostileLocals(50_000)); err != nil {
		t.Errorf("50,000 locals: %v", err)
	}
	if _, err := Parse(hostileLocals(50_001)); !errors.Is(err, ErrLimit) {
		t.Errorf("50,001 locals: %v, want ErrLimit", err)
	}
	if _, err := Parse(hostileNesting(1 << 14)); err != nil {
		t.Errorf("16,384 nested blocks: %v", err)
	}
	if _, err := Parse(hostileBrTable(1<<16 - 2)); err != nil { // + default + the block
		t.Errorf("br_table of 65,534 targets: %v", err)
	}
	// A lifted limit lets the module through.
	if _, err := (Options{Bounds: Bounds{Locals: math.MaxUint32, TotalLocals: math.MaxUint32}}).Parse(hostileLocals(math.MaxUint32)); err != nil {
		t.Errorf("2^32-1 locals with the limit lifted: %v", err)
	}
}

// TestBoundsAllocation: refusing a hostile module allocates in proportion
// to its size, not to the counts it claims.
func TestBoundsAllocation(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		extra uint64 // allowed beyond 4 KiB and the input's size
	}{
		{"locals", hostileLocals(math.MaxUint32), 0},
		{"names", hostileNames(), 0},
		// The checker's stack of open blocks (16 bytes each, at most
		// Bounds.Nesting, grown by append) is sized by the input's
		// structure, never by a count it claims.
		{"nesting", hostileNesting(20000), 64 << 14},
	}
	for _, tt := range tests {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < 10; i++ {
			Parse(tt.in)
		}
		runtime.ReadMemStats(&after)
		if perRun := (after.TotalAlloc - before.TotalAlloc) / 10; perRun > 4096+uint64(len(tt.in))+tt.extra {
			t.Errorf("%s: Parse allocated %d bytes per run on a %d-byte module", tt.name, perRun, len(tt.in))
		}
	}
}

// TestDefaultBounds: zero fields take the defaults, set ones stay.
func TestDefaultBounds(t *testing.T) {
	got := Bounds{Locals: 7}.withDefaults()
	want := DefaultBounds()
	want.Locals = 7
	if got != want {
		t.Errorf("withDefaults = %+v\nwant %+v", got, want)
	}
}

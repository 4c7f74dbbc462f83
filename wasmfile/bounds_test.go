package wasmfile

import (
	"errors"
	"math"
	"runtime"
	"testing"
)

// boundsCase is a module Parse must refuse under bounds with wantErr.
type boundsCase struct {
	name    string
	in      []byte
	bounds  Bounds
	wantErr string
}

// checkRefused parses each case and checks its exact error.
func checkRefused(t *testing.T, tests []boundsCase) {
	t.Helper()
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

// TestSectionBounds: section counts above the Bounds are refused at the
// count (or the entry) that crosses them.
func TestSectionBounds(t *testing.T) {
	i32 := raw(0x7f)
	checkRefused(t, []boundsCase{
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
	})
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

package wasmfile

import (
	"math"
	"testing"
)

// TestBodyBounds: bodies that ask a runtime for more than the Bounds allow
// are refused, each with the offset of the count or instruction at fault
// and the function index. Parse accepted every one of them before the
// bounds existed; wazero v1.12 dies (fatal out of memory) on the first.
func TestBodyBounds(t *testing.T) {
	i32 := raw(0x7f)
	checkRefused(t, []boundsCase{
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
	})
}

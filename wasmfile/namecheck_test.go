package wasmfile

import (
	"math"
	"testing"
)

// TestRuntimeNames: a name section whose counts wazero would allocate
// from before reading is refused; see checkRuntimeNames. (Other damage
// to the name section stays harmless: TestNameSection.)
func TestRuntimeNames(t *testing.T) {
	checkRefused(t, []boundsCase{
		{"names claiming 2^32-1 functions", hostileNames(), Bounds{},
			`offset 0x11: custom section "name": function names: count 4294967295, 0 bytes left in the module: count larger than the bytes left`},
		{"function names over the limit", module(custom("name", subsec(1, leb(3), leb(0), str("a"), leb(1), str("b"), leb(2), str("c")))),
			Bounds{Functions: 2}, `offset 0x11: custom section "name": function names: 3 function names, more than the limit of 2`},
		{"local names of all functions", module(custom("name", subsec(2, leb(2),
			leb(0), leb(1), leb(0), str("x"), leb(1), leb(2), leb(0), str("y"), leb(1), str("z")))),
			Bounds{TotalLocals: 2}, `offset 0x18: custom section "name": local names: 3 local names in all functions, more than the limit of 2`},
		{"name length past the module", module(custom("name", raw(0, 5), leb(math.MaxUint32))), Bounds{},
			`offset 0x11: custom section "name": module name: name of 4294967295 bytes, 0 left in the module: count larger than the bytes left`},
	})
}

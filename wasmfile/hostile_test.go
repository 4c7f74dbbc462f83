package wasmfile

import (
	"bytes"
	"math"
)

// Hostile modules: each is small and asks a runtime for far more memory or
// time than its size suggests. They are built here rather than committed so
// that each shows its bytes; FuzzCompile uses them as seeds.

// voidType is the type () -> ().
var voidType = raw(0x60, 0, 0)

// funcModule is a module with the given types whose function 0 has type 0 and
// the given local declarations (already encoded, count first) and body.
func funcModule(types [][]byte, locals []byte, body []byte) []byte {
	code := cat(locals, body)
	return module(
		section(SectionType, leb(uint32(len(types))), cat(types...)),
		section(SectionFunction, leb(1), leb(0)),
		section(SectionCode, leb(1), leb(uint32(len(code))), code),
	)
}

// rep repeats b n times.
func rep(b []byte, n int) []byte { return bytes.Repeat(b, n) }

// hostileLocals declares n locals of type i64 in one declaration.
func hostileLocals(n uint32) []byte {
	return funcModule([][]byte{voidType}, cat(leb(1), leb(n), raw(0x7e)), raw(0x0b))
}

// hostileNesting nests n empty blocks.
func hostileNesting(n int) []byte {
	return funcModule([][]byte{voidType}, leb(0), cat(rep(raw(0x02, 0x40), n), rep(raw(0x0b), n), raw(0x0b)))
}

// hostileBrTable is one br_table with n targets.
func hostileBrTable(n int) []byte {
	return funcModule([][]byte{voidType}, leb(0),
		cat(raw(0x02, 0x40, 0x41, 0x00, 0x0e), leb(uint32(n)), rep(raw(0), n), raw(0, 0x0b, 0x0b)))
}

// hostileBlocks is n blocks in a row, each left by a br_if: wazero's
// compiler takes time quadratic in n.
func hostileBlocks(n int) []byte {
	return funcModule([][]byte{voidType}, leb(0), cat(rep(raw(0x02, 0x40, 0x41, 0x00, 0x0d, 0x00, 0x0b), n), raw(0x0b)))
}

// hostileResults is a function of type () -> (results x i32) that, after
// unreachable, calls itself n times: every call pushes its results onto
// a validator's stack, which never shrinks in unreachable code.
func hostileResults(results, n int) []byte {
	t := cat(raw(0x60, 0), leb(uint32(results)), rep(raw(0x7f), results))
	return funcModule([][]byte{t}, leb(0), cat(raw(0x00), rep(raw(0x10, 0x00), n), raw(0x0b)))
}

// hostileLocalFlow reads each of locals locals after blocks blocks left by
// br_if: an SSA compiler makes a block parameter per local and block.
func hostileLocalFlow(locals, blocks int) []byte {
	body := cat(rep(raw(0x02, 0x40), blocks), rep(raw(0x41, 0x00, 0x0d, 0x00, 0x0b), blocks))
	for i := 0; i < locals; i++ {
		body = cat(body, raw(0x20), leb(uint32(i)), raw(0x1a))
	}
	return funcModule([][]byte{voidType}, cat(leb(1), leb(uint32(locals)), raw(0x7f)), cat(body, raw(0x0b)))
}

// hostileNames has a name section claiming 2^32-1 function names.
func hostileNames() []byte {
	return module(custom("name", raw(1, 5), leb(math.MaxUint32)))
}

// hostileModules are the seeds FuzzCompile starts from, by name.
func hostileModules() map[string][]byte {
	return map[string][]byte{
		"locals_2^32-1": hostileLocals(math.MaxUint32),
		"locals_2^27":   hostileLocals(1 << 27),
		"nesting_20000": hostileNesting(20000),
		"br_table_1M":   hostileBrTable(1 << 20),
		"blocks_70000":  hostileBlocks(70000),
		"results_1000":  hostileResults(1000, 2000),
		"local_flow":    hostileLocalFlow(2000, 1000),
		"names_2^32-1":  hostileNames(),
	}
}

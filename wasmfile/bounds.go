package wasmfile

import (
	"errors"
	"fmt"
)

// Bounds limits what a module may declare and what its function bodies may
// ask of a compiler. A runtime (wazero v1.12 among them) allocates from the
// counts in a module before it checks them, and its compiler does work that
// grows faster than the code it compiles; every limit here caps one such
// quantity, so that a module the reader accepts can be handed to the
// runtime without the host running out of memory. Checking a count against
// the bytes left, which the reader always does, is not enough: a runtime
// spends tens to thousands of bytes for each byte a count costs (8 bytes
// per local, 2 KiB to 7 KiB of compiler state per block or branch).
//
// A zero field takes its default, from [DefaultBounds]. The section
// counts and sizes are the implementation limits every browser enforces
// (the WebAssembly JS API, https://webassembly.github.io/spec/js-api/#limits),
// tighter where wazero spends many bytes per entry (element segments and
// entries). The limits on function bodies, which the JS API mostly lacks,
// sit well above what clang, wasm-ld and Emscripten emit and below what
// makes wazero's compiler take minutes or gigabytes on one function: the
// largest values among the functions of SQLite built with clang 19 at -O0
// and -O2 are 8,770 locals, blocks nested 310 deep, 2,600 blocks and
// branches, a br_table of 342 targets and 83,000 units of local flow,
// while 65,536 blocks left by br_if (the Control limit counts 131,072)
// take wazero 104 s and 485 MB, and 5,000 locals read after 1,000 such
// blocks (10 million units of local flow) 83 s and 550 MB. To lift a
// limit, set it to the largest value of its type.
type Bounds struct {
	// Section counts. Functions, Globals, Tables, Memories and Tags count
	// imports and definitions together.
	Types, Imports, Functions, Tables, Memories, Globals, Exports, Tags uint32
	// ElementSegments and DataSegments count segments; ElementEntries counts
	// the entries of all element segments together.
	ElementSegments, DataSegments, ElementEntries uint32
	// TableSize bounds the minimum size of a table the module defines
	// (the runtime allocates it at instantiation).
	TableSize uint32
	// Params and Results bound each function type.
	Params, Results uint32

	// FunctionSize bounds the bytes of one function body.
	FunctionSize uint32
	// Locals bounds the locals of one function, parameters included.
	Locals uint32
	// TotalLocals bounds the locals declared by all functions together (a
	// runtime keeps their types for the module's lifetime: wazero spends 8
	// bytes on each).
	TotalLocals uint32
	// Nesting bounds how deeply block, loop, if, try and try_table nest.
	Nesting uint32
	// Control bounds, in one function, the structured instructions (block,
	// loop, if, else, try, catch, catch_all, delegate, try_table and each of
	// its catch clauses) plus the branches (br, br_if, br_on_null,
	// br_on_non_null, and each target of a br_table, default included):
	// each becomes at least one basic block, and wazero's compiler spends
	// time quadratic in their number.
	Control uint32
	// LocalFlow bounds, in one function, the sum over every local.get that
	// reads a local not set earlier in the same basic block of the blocks
	// and branches between it and the local's previous set or read (and,
	// inside a loop, from its last use to the end of the loop). An SSA
	// compiler creates a block parameter for the local in each of them, so
	// a few thousand locals read after a few thousand branches cost
	// gigabytes.
	LocalFlow uint32
	// StackValues bounds, in one function, the values instructions push
	// beyond one each: a call pushes its results, a block with a type index
	// its parameters and results, br_if its label's values, even in
	// unreachable code, where a validator's stack only grows.
	StackValues uint32
}

// DefaultBounds returns the limits [Parse] applies; see [Bounds].
func DefaultBounds() Bounds {
	return Bounds{
		Types:           1_000_000,  // JS API
		Imports:         100_000,    // JS API
		Functions:       1_000_000,  // JS API
		Tables:          100_000,    // JS API
		Memories:        100,        // JS API (multi-memory)
		Globals:         1_000_000,  // JS API
		Exports:         100_000,    // JS API
		Tags:            1_000_000,  // JS API
		ElementSegments: 100_000,    // JS API allows 10,000,000; wazero spends ~80 bytes on each
		DataSegments:    100_000,    // JS API
		ElementEntries:  1_000_000,  // ~40 bytes each in wazero; one per address-taken function
		TableSize:       10_000_000, // JS API; 8 bytes each in wazero
		Params:          1_000,      // JS API
		Results:         1_000,      // JS API
		FunctionSize:    7_654_321,  // JS API
		Locals:          50_000,     // JS API
		TotalLocals:     1 << 24,
		Nesting:         1 << 14,
		Control:         1 << 16,
		LocalFlow:       1 << 20,
		StackValues:     1 << 20,
	}
}

// withDefaults returns l with every zero field set to its default.
func (l Bounds) withDefaults() Bounds {
	d := DefaultBounds()
	fill := func(v *uint32, def uint32) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&l.Types, d.Types)
	fill(&l.Imports, d.Imports)
	fill(&l.Functions, d.Functions)
	fill(&l.Tables, d.Tables)
	fill(&l.Memories, d.Memories)
	fill(&l.Globals, d.Globals)
	fill(&l.Exports, d.Exports)
	fill(&l.Tags, d.Tags)
	fill(&l.ElementSegments, d.ElementSegments)
	fill(&l.DataSegments, d.DataSegments)
	fill(&l.ElementEntries, d.ElementEntries)
	fill(&l.TableSize, d.TableSize)
	fill(&l.Params, d.Params)
	fill(&l.Results, d.Results)
	fill(&l.FunctionSize, d.FunctionSize)
	fill(&l.Locals, d.Locals)
	fill(&l.TotalLocals, d.TotalLocals)
	fill(&l.Nesting, d.Nesting)
	fill(&l.Control, d.Control)
	fill(&l.LocalFlow, d.LocalFlow)
	fill(&l.StackValues, d.StackValues)
	return l
}

// ErrLimit is wrapped by errors for modules that exceed one of the
// [Bounds].
var ErrLimit = errors.New("exceeds a limit")

// limitErr reports that a count read at offset at is n what, above limit:
// "60000 locals (parameters included), more than the limit of 50000".
func (c *cursor) limitErr(at int, n uint64, what string, limit uint32) *FormatError {
	return &FormatError{Off: int64(at), Section: c.section, Item: c.itemText(),
		Msg: fmt.Sprintf("%d %s, more than the limit of %d", n, what, limit), Err: ErrLimit}
}

// countLimit reads a vector length as count does, then checks it against
// limit, adding already (for index spaces shared with imports).
func (c *cursor) countLimit(minSize int, already uint32, what string, limit uint32) (int, error) {
	at := c.off
	n, err := c.count(minSize)
	if err != nil {
		return 0, err
	}
	if total := uint64(n) + uint64(already); total > uint64(limit) {
		return 0, c.limitErr(at, total, what, limit)
	}
	return n, nil
}

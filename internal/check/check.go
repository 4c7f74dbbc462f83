// Package check explains why a set of WebAssembly modules is unsafe to
// instantiate against one shared memory (and one shared table), the way the
// seed experiments did: data segments that overwrite each other, private
// stack pointers whose stacks share addresses, stacks that run into data,
// several allocators over one heap, element segments that overwrite each
// other's table slots, import limits no single memory can meet, and modules
// that define their own memory and so share nothing.
//
// [Check] reads only what the modules declare and what their code does to
// the stack pointer; it runs nothing. Position-independent modules
// (tool-conventions DynamicLinking.md: they import env.__memory_base) are
// placed by a loader such as "wasmdl run" and never collide.
//
// The model: the modules are instantiated in the order given, against one
// memory that every module importing a memory shares (or the one memory a
// single module defines and exports), and one table that every module
// importing a table shares. Later modules' active segments overwrite earlier
// ones.
//
// # JSON output
//
// A [Report] marshals to the documented, stable schema [SchemaVersion]
// (README.md, "wasmdl check", JSON output): the field names are the json
// tags of [Report], [ModuleInfo], [Stack], [Heap], [Range], [Hazard], [Note]
// and [Fix]; kinds encode as the names [Kind.String] returns. Lists are
// never null. Fields may be added; none changes meaning without a new
// schema name.
//
// # Security
//
// Check trusts nothing in the modules beyond what [wasmfile.Parse] has
// validated; sizes and offsets are handled as uint64 so that no sum
// overflows. It is not hardened against modules crafted to make the stack
// analysis slow: it visits each function once per stack pointer.
package check

import (
	"encoding/json"
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// Module is one module of the set, in instantiation order. Name is what
// messages call it (usually the file's base name).
type Module struct {
	Name string
	File *wasmfile.File
}

// Kind is the kind of a [Hazard] or [Note]. Its JSON and text form is the
// string returned by [Kind.String]; those strings are part of the stable
// JSON schema and never change meaning.
type Kind int

// Hazard kinds.
const (
	// DataOverlap: active data segments of two modules write the same
	// bytes; the later module overwrites the earlier one's data.
	DataOverlap Kind = iota + 1
	// SeparateStacks: several modules each define their own stack pointer
	// global over the shared memory; none knows where the others' stacks are.
	SeparateStacks
	// StackOverlap: a module's stack range overlaps another module's stack
	// or data.
	StackOverlap
	// StackOverflow: a module's stack can grow below address 0 or into data
	// that lies under its initial stack pointer.
	StackOverflow
	// Allocators: several modules manage a heap in the shared memory
	// (define malloc or sbrk, or execute memory.grow).
	Allocators
	// HeapOverlap: a module's heap covers another module's data or stack.
	HeapOverlap
	// TableOverlap: active element segments of two modules write the same
	// slots of the shared table.
	TableOverlap
	// Limits: the memory or table imports have limits (minimum, maximum,
	// shared, 64-bit, element type) that no single memory or table meets.
	Limits
	// OwnMemory: a module defines its own memory (or several do), so it
	// shares nothing with the others.
	OwnMemory
	// DataPastMemory: a module's active data segment lies past the initial
	// size of its memory, where memory grown for others (a heap, or a
	// loader placing libraries above the main) also lands.
	DataPastMemory
)

// Note kinds: facts that are not hazards.
const (
	// PIC: the module is position-independent and is placed by the loader.
	PIC Kind = iota + 100
	// StackReentry: the stack can overflow if the host re-enters the module
	// (or it recurses), but it would trap at address 0 rather than corrupt data.
	StackReentry
	// SharedStack: the module uses a stack pointer it imports (shares a stack).
	SharedStack
	// NoMemory: the module has no memory at all.
	NoMemory
)

var kindNames = map[Kind]string{
	DataOverlap: "data-overlap", SeparateStacks: "separate-stacks", StackOverlap: "stack-overlap",
	StackOverflow: "stack-overflow", Allocators: "allocators", HeapOverlap: "heap-overlap",
	TableOverlap: "table-overlap", Limits: "limits", OwnMemory: "own-memory", DataPastMemory: "data-past-memory",
	PIC: "pic", StackReentry: "stack-reentry", SharedStack: "shared-stack", NoMemory: "no-memory",
}

// String returns the kind's stable name, e.g. "data-overlap".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// MarshalText encodes the kind as its name, for JSON.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Space names the index space of a [Range].
type Space string

// Spaces.
const (
	Memory Space = "memory" // byte addresses of the shared memory
	Table  Space = "table"  // slot indices of the shared table
)

// Range is a half-open range [Start, End) of bytes or table slots that
// belongs to (or is written by) one module.
type Range struct {
	Module string `json:"module"`
	Space  Space  `json:"space"`
	Start  uint64 `json:"start"`
	End    uint64 `json:"end"`
	// What the range holds: "data", "bss" (a zero-filled data segment),
	// "stack", "heap", "slots", or "overlap" for the part two ranges share.
	What string `json:"what"`
}

// String formats r as "[start,end)".
func (r Range) String() string { return fmt.Sprintf("[%d,%d)", r.Start, r.End) }

// Len is the number of bytes or slots in r.
func (r Range) Len() uint64 { return r.End - r.Start }

// Hazard is one reason the set is unsafe to share a memory or table.
type Hazard struct {
	Kind    Kind     `json:"kind"`
	Modules []string `json:"modules"` // the modules involved, in instantiation order
	Ranges  []Range  `json:"ranges"`  // the ranges involved; "overlap" ranges are the shared part
	Message string   `json:"message"` // one paragraph in plain words
}

// Note is a finding that is not a hazard, such as why a position-independent
// module cannot collide.
type Note struct {
	Kind    Kind     `json:"kind"`
	Modules []string `json:"modules"`
	Message string   `json:"message"`
}

// Report is the result of [Check].
type Report struct {
	Modules []ModuleInfo `json:"modules"`
	Hazards []Hazard     `json:"hazards"`
	Notes   []Note       `json:"notes"`
	// Fix says how to make the set safe; nil when there is no hazard.
	Fix *Fix `json:"fix"`
}

// MarshalJSON adds the schema version to the report; see README.md.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(struct {
		Schema string `json:"schema"`
		*plain
	}{SchemaVersion, (*plain)(r)})
}

// SchemaVersion names the JSON schema of a [Report]. It changes only when a
// field changes meaning or disappears; fields may be added.
const SchemaVersion = "wasmdl-check/1"

// MemoryUse says where a module's memory comes from.
type MemoryUse string

// Memory uses.
const (
	MemoryImported MemoryUse = "imported" // imports its memory: shares it
	MemoryExported MemoryUse = "exported" // defines and exports it: may provide the shared memory
	MemoryDefined  MemoryUse = "defined"  // defines it without exporting: shares nothing
	MemoryNone     MemoryUse = "none"
)

// ModuleInfo is what Check learned about one module's layout.
type ModuleInfo struct {
	Name   string    `json:"name"`
	Kind   string    `json:"kind"` // wasmfile.Kind: "plain module", "shared library", ...
	PIC    bool      `json:"pic"`
	Memory MemoryUse `json:"memory"`
	// Shared is true when the module's memory is the shared one, so its
	// ranges take part in the overlap checks.
	Shared bool    `json:"shared"`
	Data   []Range `json:"data"`  // active data segments at fixed addresses
	Stack  *Stack  `json:"stack"` // nil: no stack pointer of its own
	Heap   *Heap   `json:"heap"`  // nil: no allocator
	Slots  []Range `json:"slots"` // active element segments at fixed slots of an imported table
}

// Stack describes a module's own stack pointer and the stack below it.
type Stack struct {
	Global  uint32 `json:"global"`  // global index of the stack pointer
	Name    string `json:"name"`    // its name, or "" if recognised by shape
	Initial uint64 `json:"initial"` // its initial value: the top of the stack
	// Range is the stack, [low, Initial): where wasm-ld put it as far as the
	// layout shows; Assumed says how it was inferred.
	Range   Range  `json:"range"`
	Assumed string `json:"assumed"`
	// MaxFrame is the largest fixed frame one function takes; Depth the most
	// bytes a chain of calls inside the module takes, each recursive cycle
	// counted once; Recursion the bytes one more level of the costliest
	// recursive cycle takes (0: no recursion that uses the stack); Reentry
	// the bytes one level takes if the host re-enters the module from an
	// import it calls (0: never).
	MaxFrame  int64 `json:"max_frame"`
	Depth     int64 `json:"depth"`
	Recursion int64 `json:"recursion"`
	Reentry   int64 `json:"reentry"`
	// Why explains Depth and Reentry: the call chain, the recursion, the
	// import through which the host can re-enter.
	Why string `json:"why"`
}

// Heap describes a module's allocator.
type Heap struct {
	// Range starts at __heap_base (or where wasm-ld would put it) and ends
	// at the end of the shared memory's initial size; a heap grows past it.
	Range    Range    `json:"range"`
	Evidence []string `json:"evidence"` // e.g. "defines malloc", "executes memory.grow"
	Assumed  string   `json:"assumed"`
}

// Fix says how to make the set safe.
type Fix struct {
	Rebuild []Rebuild `json:"rebuild"`
	// Advice holds what rebuilding alone does not cure (a stack too small
	// for its call chains, limits no memory meets).
	Advice []string `json:"advice"`
	// Command is a "wasmdl run" command line for the rebuilt modules.
	Command string `json:"command"`
}

// Rebuild is one module to rebuild as position-independent code.
type Rebuild struct {
	Module string `json:"module"`
	As     string `json:"as"`     // "PIE main" or "shared library"
	Output string `json:"output"` // suggested output file name
	Flags  string `json:"flags"`  // compiler and linker flags
}

// HasHazards reports whether the report lists at least one hazard.
func (r *Report) HasHazards() bool { return len(r.Hazards) > 0 }

// Check analyses the modules as if instantiated in the given order against
// one memory and one table, and reports every hazard it finds.
func Check(mods []Module) *Report {
	s := newSet(mods)
	r := &Report{Modules: s.infos, Hazards: []Hazard{}, Notes: []Note{}}
	for _, rule := range rules {
		hs, ns := rule(s)
		r.Hazards = append(r.Hazards, hs...)
		r.Notes = append(r.Notes, ns...)
	}
	for i := range r.Hazards {
		if r.Hazards[i].Ranges == nil {
			r.Hazards[i].Ranges = []Range{} // the JSON schema has no nulls in lists
		}
	}
	if len(r.Hazards) > 0 {
		r.Fix = makeFix(s, r.Hazards)
	}
	return r
}

// rules run in this order; each looks at the whole set and returns its
// hazards and notes. The order is the order of the report.
var rules = []func(*set) ([]Hazard, []Note){
	checkMemories,
	checkData,
	checkDataPastMemory,
	checkStacks,
	checkStackDepth,
	checkHeaps,
	checkTables,
	notePIC,
}

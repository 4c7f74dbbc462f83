package wasmfile

import (
	"fmt"
	"strings"
)

// ValType is a WebAssembly value type, encoded as in the binary format.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7f
	I64       ValType = 0x7e
	F32       ValType = 0x7d
	F64       ValType = 0x7c
	V128      ValType = 0x7b
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6f
	ExnRef    ValType = 0x69
)

// String returns the text-format name of v ("i32", "funcref"), or
// "valtype(0xNN)" for an unknown code.
func (v ValType) String() string {
	switch v {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	case ExnRef:
		return "exnref"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(v))
}

func validValType(b byte) bool {
	switch ValType(b) {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef, ExnRef:
		return true
	}
	return false
}

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType
	Results []ValType
}

// String formats t like "(i32, f64) -> i32"; no results print as "-> ()".
func (t FuncType) String() string {
	join := func(vs []ValType) string {
		s := make([]string, len(vs))
		for i, v := range vs {
			s[i] = v.String()
		}
		return strings.Join(s, ", ")
	}
	res := join(t.Results)
	if len(t.Results) != 1 {
		res = "(" + res + ")"
	}
	return "(" + join(t.Params) + ") -> " + res
}

// Equal reports whether t and u have the same parameters and results.
func (t FuncType) Equal(u FuncType) bool {
	if len(t.Params) != len(u.Params) || len(t.Results) != len(u.Results) {
		return false
	}
	for i := range t.Params {
		if t.Params[i] != u.Params[i] {
			return false
		}
	}
	for i := range t.Results {
		if t.Results[i] != u.Results[i] {
			return false
		}
	}
	return true
}

// ExternKind is the kind of an import or export.
type ExternKind byte

// Import and export kinds.
const (
	KindFunc   ExternKind = 0
	KindTable  ExternKind = 1
	KindMemory ExternKind = 2
	KindGlobal ExternKind = 3
	KindTag    ExternKind = 4
)

// String returns "func", "table", "memory", "global" or "tag".
func (k ExternKind) String() string {
	switch k {
	case KindFunc:
		return "func"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Limits are the size limits of a memory (in 64 KiB pages) or a table (in elements).
type Limits struct {
	Min    uint64
	Max    uint64 // valid only if HasMax
	HasMax bool
	Shared bool // memory only: threads proposal shared memory
	Is64   bool // memory64 / table64
}

// String formats l as "min 1 max 16 shared".
func (l Limits) String() string {
	s := fmt.Sprintf("min %d", l.Min)
	if l.HasMax {
		s += fmt.Sprintf(" max %d", l.Max)
	}
	if l.Shared {
		s += " shared"
	}
	if l.Is64 {
		s += " i64"
	}
	return s
}

// TableType describes a table.
type TableType struct {
	Elem   ValType
	Limits Limits
}

// MemoryType describes a linear memory.
type MemoryType struct {
	Limits Limits
}

// GlobalType describes a global variable.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// String formats g as "i32" or "mut i32".
func (g GlobalType) String() string {
	if g.Mutable {
		return "mut " + g.Type.String()
	}
	return g.Type.String()
}

// TagType describes an exception tag: its attribute (0 = exception) and signature.
type TagType struct {
	Attr      byte
	TypeIndex uint32
}

// Import is one entry of the import section. Exactly one of the typed fields
// is meaningful, selected by Kind: TypeIndex for functions, Table, Memory,
// Global, or Tag.
type Import struct {
	Module    string
	Name      string
	Kind      ExternKind
	TypeIndex uint32 // KindFunc: index into File.Types
	Table     TableType
	Memory    MemoryType
	Global    GlobalType
	Tag       TagType
	Offset    int64 // file offset of the entry
}

// Global is a global defined by the module.
type Global struct {
	Type GlobalType
	Init ConstExpr
}

// Export is one entry of the export section. Index is in the index space of
// Kind (imports first, then definitions).
type Export struct {
	Name  string
	Kind  ExternKind
	Index uint32
}

// SegmentMode says when a data or element segment is applied.
type SegmentMode byte

// Segment modes.
const (
	ModeActive      SegmentMode = 0 // copied at instantiation to Offset
	ModePassive     SegmentMode = 1 // copied by memory.init / table.init
	ModeDeclarative SegmentMode = 2 // element segments only: declares ref.func targets
)

// String returns "active", "passive" or "declarative".
func (m SegmentMode) String() string {
	switch m {
	case ModeActive:
		return "active"
	case ModePassive:
		return "passive"
	case ModeDeclarative:
		return "declarative"
	}
	return fmt.Sprintf("mode(%d)", byte(m))
}

// NullFunc marks a null entry in [ElementSegment.Funcs].
const NullFunc = ^uint32(0)

// ElementSegment is one entry of the element section.
type ElementSegment struct {
	Mode   SegmentMode
	Table  uint32
	Offset ConstExpr // active only
	Type   ValType   // funcref or externref
	// Funcs holds the function index of each element, or NullFunc for ref.null
	// and for expressions that are not a plain ref.func.
	Funcs   []uint32
	FileOff int64 // file offset of the segment
}

// Count is the number of elements in the segment.
func (e *ElementSegment) Count() int { return len(e.Funcs) }

// DataSegment is one entry of the data section.
type DataSegment struct {
	Mode    SegmentMode // active or passive
	Memory  uint32
	Offset  ConstExpr // active only
	Size    uint32
	FileOff int64 // file offset of the first data byte
	data    []byte
}

// Bytes returns the segment's contents. The slice aliases the module bytes
// and must not be modified.
func (d *DataSegment) Bytes() []byte { return d.data }

// FuncBody is the code of one defined function.
type FuncBody struct {
	FileOff int64 // offset of the body (after its size)
	body    []byte
}

// Bytes returns the body (local declarations followed by the expression).
func (b *FuncBody) Bytes() []byte { return b.body }

// Section is the placement of one section in the file.
type Section struct {
	ID         byte
	Name       string // custom sections only
	Offset     int64  // offset of the section id byte
	DataOffset int64  // offset of the payload
	Size       uint32 // payload size
}

// Section ids.
const (
	SectionCustom    byte = 0
	SectionType      byte = 1
	SectionImport    byte = 2
	SectionFunction  byte = 3
	SectionTable     byte = 4
	SectionMemory    byte = 5
	SectionGlobal    byte = 6
	SectionExport    byte = 7
	SectionStart     byte = 8
	SectionElement   byte = 9
	SectionCode      byte = 10
	SectionData      byte = 11
	SectionDataCount byte = 12
	SectionTag       byte = 13
)

// SectionName returns the name of a known section id ("import", ...).
func SectionName(id byte) string {
	switch id {
	case SectionCustom:
		return "custom"
	case SectionType:
		return "type"
	case SectionImport:
		return "import"
	case SectionFunction:
		return "function"
	case SectionTable:
		return "table"
	case SectionMemory:
		return "memory"
	case SectionGlobal:
		return "global"
	case SectionExport:
		return "export"
	case SectionStart:
		return "start"
	case SectionElement:
		return "element"
	case SectionCode:
		return "code"
	case SectionData:
		return "data"
	case SectionDataCount:
		return "data count"
	case SectionTag:
		return "tag"
	}
	return fmt.Sprintf("unknown(%d)", id)
}

// CustomSection is a custom section's name and payload.
type CustomSection struct {
	Name    string
	FileOff int64 // offset of the payload (after the name)
	data    []byte
}

// Bytes returns the payload after the name. It aliases the module bytes.
func (c *CustomSection) Bytes() []byte { return c.data }

// Names holds the decoded "name" custom section.
type Names struct {
	Module    string
	Functions map[uint32]string
	Globals   map[uint32]string
	Data      map[uint32]string
}

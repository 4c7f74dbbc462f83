package ehtrans

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// Opcodes of the legacy and the new exception-handling instructions, and
// the control instructions whose labels the rewrite renumbers.
const (
	opUnreachable  = 0x00
	opBlock        = 0x02
	opLoop         = 0x03
	opIf           = 0x04
	opElse         = 0x05
	opTry          = 0x06 // legacy
	opCatch        = 0x07 // legacy
	opThrow        = 0x08
	opRethrow      = 0x09 // legacy
	opThrowRef     = 0x0a
	opEnd          = 0x0b
	opBr           = 0x0c
	opBrIf         = 0x0d
	opBrTable      = 0x0e
	opCall         = 0x10
	opCallIndirect = 0x11
	opCallRef      = 0x14
	opDelegate     = 0x18 // legacy
	opCatchAll     = 0x19 // legacy
	opTryTable     = 0x1f
	opLocalGet     = 0x20
	opLocalSet     = 0x21

	catchTag    = 0x00 // try_table clause kinds
	catchTagRef = 0x01
	catchAll    = 0x02
	catchAllRef = 0x03

	exnRef = wasmfile.ExnRef
)

// Translate returns module with every function body that uses the legacy
// exception-handling instructions rewritten to the try_table form; see the
// package documentation. A module without a legacy try is returned as it
// is (the same slice): finding that out reads only the section headers
// and decodes only the function bodies that contain a 0x06 byte, and
// allocates nothing in proportion to the module.
//
// A module that does use legacy exception handling is parsed with
// [wasmfile.Parse]; errors are *[wasmfile.FormatError]s.
func Translate(module []byte) ([]byte, error) {
	if legacy, err := scanModule(module); err == nil && !legacy {
		return module, nil
	}
	// Legacy code, or framing the scan could not follow: the reader
	// decides, and reports a malformed module precisely.
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		return nil, err
	}
	return TranslateFile(f)
}

// TranslateFile is [Translate] for a module already parsed. It returns
// f.Raw() itself when no function body contains a legacy try.
func TranslateFile(f *wasmfile.File) ([]byte, error) {
	raw := f.Raw()
	first := -1
	for i := range f.Code {
		legacy, err := bodyHasTry(raw, f.Code[i].FileOff, f.Code[i].Bytes(), i)
		if err != nil {
			return nil, err
		}
		if legacy {
			first = i
			break
		}
	}
	if first < 0 {
		return raw, nil
	}
	t, err := newTranslator(f)
	if err != nil {
		return nil, err
	}
	code, err := t.codeSection(first)
	if err != nil {
		return nil, err
	}
	return t.assemble(code), nil
}

// errFound stops a scan at the first legacy try.
var errFound = errors.New("legacy try found")

// bodyHasTry reports whether a function body contains a try instruction.
// Every legacy construct starts with one (catch, catch_all, delegate and
// rethrow are only valid inside a try), and a body without a 0x06 byte
// cannot hold one, so most bodies are skipped without decoding them.
func bodyHasTry(module []byte, off int64, body []byte, index int) (bool, error) {
	if bytes.IndexByte(body, opTry) < 0 {
		return false, nil
	}
	start := int(off)
	err := wasmfile.EachInstructionIn(module, start, start+len(body), index, func(in wasmfile.Instr) error {
		if in.Op == opTry {
			return errFound
		}
		return nil
	})
	if err == errFound {
		return true, nil
	}
	return false, err
}

// errFraming means the section walk of scanModule could not follow the
// module; Translate then lets the reader report the problem.
var errFraming = errors.New("malformed module framing")

// scanModule reports whether module has a function body with a legacy
// try, reading only section headers and the code section's body sizes.
func scanModule(b []byte) (bool, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return false, errFraming
	}
	off := 8
	for off < len(b) {
		id := b[off]
		size, n := uleb32(b[off+1:])
		if n == 0 || uint64(size) > uint64(len(b)-off-1-n) {
			return false, errFraming
		}
		start := off + 1 + n
		end := start + int(size)
		if id == wasmfile.SectionCode {
			return scanCode(b, start, end)
		}
		off = end
	}
	return false, nil
}

// scanCode walks the function bodies of the code section b[start:end].
func scanCode(b []byte, start, end int) (bool, error) {
	count, n := uleb32(b[start:end])
	if n == 0 {
		return false, errFraming
	}
	off := start + n
	for i := 0; i < int(count); i++ { // each body takes at least a byte
		size, n := uleb32(b[off:end])
		if n == 0 || uint64(size) > uint64(end-off-n) {
			return false, errFraming
		}
		off += n
		legacy, err := bodyHasTry(b, int64(off), b[off:off+int(size)], i)
		if err != nil || legacy {
			return legacy, err
		}
		off += int(size)
	}
	return false, nil
}

// uleb32 decodes an unsigned LEB128 of at most 5 bytes at the start of b.
// n is the number of bytes read, 0 if b does not start with one.
func uleb32(b []byte) (v uint32, n int) {
	var shift uint
	for i := 0; i < 5 && i < len(b); i++ {
		c := b[i]
		if i == 4 && c > 0x0f {
			return 0, 0
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1
		}
		shift += 7
	}
	return 0, 0
}

// translator holds what the rewrite needs to know about the module.
type translator struct {
	f         *wasmfile.File
	raw       []byte
	types     typeSet
	tags      []uint32 // type index of every tag, imported ones first
	funcTypes []uint32 // type index of every function, imported ones first
	fn        funcState

	limit     int                // largest code section allowed
	code      []byte             // the function being written
	scratch   []wasmfile.ValType // block results being assembled
	order     []int32            // a try's clauses
	chain     []byte             // encoded catch clauses of a try_table
	chainTags []uint32           // tags in chain
}

func newTranslator(f *wasmfile.File) (*translator, error) {
	t := &translator{f: f, raw: f.Raw(), types: typeSet{old: f.Types}}
	for i := range f.Imports {
		if f.Imports[i].Kind == wasmfile.KindTag {
			t.tags = append(t.tags, f.Imports[i].Tag.TypeIndex)
		}
	}
	for _, tag := range f.Tags {
		t.tags = append(t.tags, tag.TypeIndex)
	}
	for i := range f.Imports {
		if f.Imports[i].Kind == wasmfile.KindFunc {
			t.funcTypes = append(t.funcTypes, f.Imports[i].TypeIndex)
		}
	}
	t.funcTypes = append(t.funcTypes, f.Funcs...)
	// The reader checks the type index of defined tags but not of
	// imported ones.
	for i, ti := range t.tags {
		if uint64(ti) >= uint64(len(f.Types)) {
			return nil, &wasmfile.FormatError{Off: 0, Msg: fmt.Sprintf("tag %d has type index %d out of range (%d types)", i, ti, len(f.Types))}
		}
	}
	return t, nil
}

// table64 reports whether table idx is indexed by i64.
func (t *translator) table64(idx uint64) bool {
	for i := range t.f.Imports {
		if im := &t.f.Imports[i]; im.Kind == wasmfile.KindTable {
			if idx == 0 {
				return im.Table.Limits.Is64
			}
			idx--
		}
	}
	return idx < uint64(len(t.f.Tables)) && t.f.Tables[idx].Limits.Is64
}

// section returns the placement of the section with the given id.
func (t *translator) section(id byte) (wasmfile.Section, bool) {
	for _, s := range t.f.Sections {
		if s.ID == id {
			return s, true
		}
	}
	return wasmfile.Section{}, false
}

// codeSection encodes the payload of the new code section: bodies before
// first are copied, the others rewritten when they hold a legacy try.
func (t *translator) codeSection(first int) ([]byte, error) {
	sec, _ := t.section(wasmfile.SectionCode)
	t.limit = maxCodeGrowth*int(sec.Size) + maxCodeExtra
	out := make([]byte, 0, int(sec.Size)+int(sec.Size/8))
	out = wasmfile.AppendU32(out, uint32(len(t.f.Code)))
	var body []byte
	for i := range t.f.Code {
		b := t.f.Code[i].Bytes()
		legacy := i == first
		if i > first {
			var err error
			if legacy, err = bodyHasTry(t.raw, t.f.Code[i].FileOff, b, i); err != nil {
				return nil, err
			}
		}
		if !legacy {
			out = wasmfile.AppendU32(out, uint32(len(b)))
			out = append(out, b...)
			continue
		}
		var err error
		if body, err = t.rewrite(i, body[:0]); err != nil {
			return nil, err
		}
		if uint64(len(body)) > 1<<32-1 {
			return nil, t.errf(t.f.Code[i].FileOff, "rewritten body is larger than 4 GiB")
		}
		out = wasmfile.AppendU32(out, uint32(len(body)))
		out = append(out, body...)
		if len(out) > t.limit {
			return nil, t.errf(t.f.Code[i].FileOff, "rewritten code section larger than %d bytes", t.limit)
		}
	}
	return out, nil
}

// The rewritten code section may be at most maxCodeGrowth times the
// original plus maxCodeExtra bytes: wrapping a call in a try_table adds a
// few bytes per enclosing catch, and hostile input could otherwise make
// that quadratic.
const (
	maxCodeGrowth = 16
	maxCodeExtra  = 1 << 20
)

// assemble copies the module with the new code section and, if types were
// added, the type section extended at its end.
func (t *translator) assemble(code []byte) []byte {
	raw := t.raw
	out := make([]byte, 0, len(raw)+len(code)/8+len(t.types.added)+16)
	prev := int64(0)
	put := func(id byte, payload ...[]byte) {
		n := 0
		for _, p := range payload {
			n += len(p)
		}
		out = append(out, id)
		out = wasmfile.AppendU32(out, uint32(n))
		for _, p := range payload {
			out = append(out, p...)
		}
	}
	typesDone := t.types.n == 0
	for _, s := range t.f.Sections {
		end := s.DataOffset + int64(s.Size)
		switch {
		case s.ID == wasmfile.SectionType && !typesDone:
			out = append(out, raw[prev:s.Offset]...)
			_, n := uleb32(raw[s.DataOffset:end])
			count := wasmfile.AppendU32(nil, uint32(len(t.f.Types)+t.types.n))
			put(wasmfile.SectionType, count, raw[s.DataOffset+int64(n):end], t.types.added)
			typesDone = true
			prev = end
		case s.ID != wasmfile.SectionCustom && !typesDone:
			// No type section: the new one goes before the first
			// known section.
			out = append(out, raw[prev:s.Offset]...)
			put(wasmfile.SectionType, wasmfile.AppendU32(nil, uint32(t.types.n)), t.types.added)
			typesDone = true
			prev = s.Offset
		}
		if s.ID == wasmfile.SectionCode {
			out = append(out, raw[prev:s.Offset]...)
			put(wasmfile.SectionCode, code)
			prev = end
		}
	}
	return append(out, raw[prev:]...)
}

// Package wasmedit rewrites modules the loader is about to instantiate:
// edits that keep every existing index of a module valid, so that only the
// sections they touch are re-encoded and the rest is copied byte for byte.
package wasmedit

import (
	"fmt"

	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// UsesMemorySize reports whether any function body of f executes
// memory.size on memory 0.
func UsesMemorySize(f *wasmfile.File) (bool, error) {
	found := false
	for j := range f.Code {
		err := f.EachInstruction(j, func(in *wasmfile.Instr) error {
			if in.Op == wasmfile.OpMemorySize && in.Imm == 0 {
				found = true
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return false, err
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

var errStop = fmt.Errorf("stop")

// RedirectMemorySize returns a copy of module in which every memory.size
// on memory 0 calls a new function of type () -> i32 with the given body
// (code without locals and without the function's final end). The new function is appended after the
// module's own, and its type after the module's types if it has none of
// that type, so no existing index changes; every section other than the
// type, function and code sections is copied as it is.
func RedirectMemorySize(module []byte, body []byte) ([]byte, error) {
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		return nil, err
	}
	sizeType := wasmfile.FuncType{Results: []wasmfile.ValType{wasmfile.I32}}
	call := wasmfile.AppendU32([]byte{byte(wasmfile.OpCall)}, f.NumImportedFuncs()+uint32(len(f.Funcs)))
	return appendFuncs(f, []newFunc{{sizeType, body}}, nil, func(in *wasmfile.Instr) []byte {
		if in.Op == wasmfile.OpMemorySize && in.Imm == 0 {
			return call
		}
		return nil
	})
}

// Table is the function table redirected calls go through: table Index
// of the module, or, for a module without any table, a new import
// Module.Name of a funcref table (it becomes table 0; no other index
// changes).
type Table struct {
	Index        uint32
	Module, Name string
}

// tableImport encodes an import section entry for a funcref table with
// no minimum size.
func tableImport(module, name string) []byte {
	e := wasmfile.AppendU32(nil, uint32(len(module)))
	e = append(e, module...)
	e = wasmfile.AppendU32(e, uint32(len(name)))
	e = append(e, name...)
	return append(e, byte(wasmfile.KindTable), 0x70, 0x00, 0x00)
}

// Redirect names a function whose direct calls go elsewhere: to whatever
// function table slot Slot holds.
type Redirect struct {
	Func uint32 // function index (imports first) of a defined function
	Slot uint32 // absolute table slot of the function to call instead
}

// RedirectCalls returns a copy of module in which every call and
// return_call of each redirected function calls instead a new function of
// the same type that passes its arguments on to the function in the
// redirect's table slot (call_indirect on the given table). Everything else,
// the function itself, its exports and its table entries included, is
// unchanged: this is how a library's own calls to a function that an
// earlier module in the global scope also defines go to that definition,
// as ld.so binds them. The new functions are appended, so no index changes.
func RedirectCalls(module []byte, table Table, redirects []Redirect) ([]byte, error) {
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		return nil, err
	}
	var imports [][]byte
	tableIdx := table.Index
	if tables := f.NumImportedTables() + uint32(len(f.Tables)); tables == 0 {
		imports = append(imports, tableImport(table.Module, table.Name))
		tableIdx = 0
	} else if tableIdx >= tables {
		return nil, fmt.Errorf("wasmedit: module has no table %d", tableIdx)
	}
	first := f.NumImportedFuncs() + uint32(len(f.Funcs))
	to := make(map[uint64]uint32, len(redirects))
	funcs := make([]newFunc, 0, len(redirects))
	for _, r := range redirects {
		d := uint64(r.Func) - uint64(f.NumImportedFuncs())
		if r.Func < f.NumImportedFuncs() || d >= uint64(len(f.Funcs)) {
			return nil, fmt.Errorf("wasmedit: function %d is not a defined function", r.Func)
		}
		if _, dup := to[uint64(r.Func)]; dup {
			return nil, fmt.Errorf("wasmedit: function %d redirected twice", r.Func)
		}
		typeIdx := f.Funcs[d]
		typ := f.Types[typeIdx]
		body := wasmgen.LocalGets(nil, len(typ.Params))
		body = wasmgen.I32Const(body, int32(r.Slot))
		body = wasmgen.CallIndirect(body, typeIdx, tableIdx)
		to[uint64(r.Func)] = first + uint32(len(funcs))
		funcs = append(funcs, newFunc{typ, body})
	}
	return appendFuncs(f, funcs, imports, func(in *wasmfile.Instr) []byte {
		if in.Op != wasmfile.OpCall && in.Op != wasmfile.OpReturnCall {
			return nil
		}
		if stub, ok := to[in.Imm]; ok {
			return wasmfile.AppendU32([]byte{byte(in.Op)}, stub)
		}
		return nil
	})
}

// CallsThroughSlots returns a copy of module in which every call and
// return_call of an imported function named in slots (function index to
// absolute table slot) is a call_indirect (return_call_indirect) of that
// slot of table, with the import's own type. The call then goes straight
// to the function in the slot, where a call of the import goes through
// whatever the import is bound to first. The imports stay, for anything
// else that names them (ref.func, element segments, exports); no index
// changes.
func CallsThroughSlots(module []byte, table uint32, slots map[uint32]uint32) ([]byte, error) {
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		return nil, err
	}
	if table >= f.NumImportedTables()+uint32(len(f.Tables)) {
		return nil, fmt.Errorf("wasmedit: module has no table %d", table)
	}
	type target struct{ slot, typ uint32 }
	calls := make(map[uint64]target, len(slots))
	for fn, slot := range slots {
		im, ok := f.ImportedFunc(fn)
		if !ok {
			return nil, fmt.Errorf("wasmedit: function %d is not an imported function", fn)
		}
		calls[uint64(fn)] = target{slot, im.TypeIndex}
	}
	return appendFuncs(f, nil, nil, func(in *wasmfile.Instr) []byte {
		if in.Op != wasmfile.OpCall && in.Op != wasmfile.OpReturnCall {
			return nil
		}
		t, ok := calls[in.Imm]
		if !ok {
			return nil
		}
		op := byte(0x11) // call_indirect
		if in.Op == wasmfile.OpReturnCall {
			op = 0x13 // return_call_indirect
		}
		enc := append(wasmgen.I32Const(nil, int32(t.slot)), op)
		return wasmfile.AppendU32(wasmfile.AppendU32(enc, t.typ), table)
	})
}

// newFunc is a function an edit appends: its type and its body (code
// without locals and without the final end).
type newFunc struct {
	typ  wasmfile.FuncType
	body []byte
}

// appendFuncs re-encodes f with funcs appended after its own functions
// (their types after its types when it has no equal one) and every
// instruction for which replace returns bytes replaced by them. Sections
// other than the type, function and code sections are copied as they are.
func appendFuncs(f *wasmfile.File, funcs []newFunc, imports [][]byte, replace func(*wasmfile.Instr) []byte) ([]byte, error) {
	types := f.Types
	var addTypes [][]byte
	funcTypes := make([]uint32, len(funcs))
	for i, nf := range funcs {
		idx := -1
		for j, t := range types {
			if t.Equal(nf.typ) {
				idx = j
				break
			}
		}
		if idx < 0 {
			idx = len(types)
			types = append(types[:len(types):len(types)], nf.typ)
			addTypes = append(addTypes, encodeFuncType(nf.typ))
		}
		funcTypes[i] = uint32(idx)
	}
	raw := f.Raw()
	out := make([]byte, 0, len(raw)+len(raw)/16+64)
	out = append(out, raw[:8]...)
	seenType, seenFunc, seenCode, seenImport := false, false, false, len(imports) == 0
	for _, s := range f.Sections {
		payload := raw[s.DataOffset : s.DataOffset+int64(s.Size)]
		var err error
		switch s.ID {
		case wasmfile.SectionImport:
			seenImport = true
			for _, im := range imports {
				payload = appendEntry(payload, im)
			}
		case wasmfile.SectionType:
			seenType = true
			for _, t := range addTypes {
				payload = appendEntry(payload, t)
			}
		case wasmfile.SectionFunction:
			seenFunc = true
			for _, ti := range funcTypes {
				payload = appendEntry(payload, wasmfile.AppendU32(nil, ti))
			}
		case wasmfile.SectionCode:
			seenCode = true
			if payload, err = rewriteCode(f, funcs, replace); err != nil {
				return nil, err
			}
		}
		if s.ID == wasmfile.SectionCustom {
			out = append(out, raw[s.Offset:s.DataOffset+int64(s.Size)]...)
			continue
		}
		out = append(out, s.ID)
		out = wasmfile.AppendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	if !seenType || !seenFunc || !seenCode {
		return nil, fmt.Errorf("wasmedit: module has no function bodies to rewrite")
	}
	if !seenImport {
		return nil, fmt.Errorf("wasmedit: module has no import section to add to")
	}
	return out, nil
}

// encodeFuncType encodes t as a type section entry.
func encodeFuncType(t wasmfile.FuncType) []byte {
	e := wasmfile.AppendU32([]byte{0x60}, uint32(len(t.Params)))
	for _, v := range t.Params {
		e = append(e, byte(v))
	}
	e = wasmfile.AppendU32(e, uint32(len(t.Results)))
	for _, v := range t.Results {
		e = append(e, byte(v))
	}
	return e
}

// appendEntry adds one encoded entry to a vector section payload.
func appendEntry(payload, entry []byte) []byte {
	n, size := wasmgen.ReadU32(payload)
	out := wasmfile.AppendU32(make([]byte, 0, len(payload)+len(entry)+5), n+1)
	out = append(out, payload[size:]...)
	return append(out, entry...)
}

// rewriteCode re-encodes the code section with the instructions replace
// chooses replaced, and funcs' bodies appended.
func rewriteCode(f *wasmfile.File, funcs []newFunc, replace func(*wasmfile.Instr) []byte) ([]byte, error) {
	out := wasmfile.AppendU32(nil, uint32(len(f.Code)+len(funcs)))
	var buf []byte
	for j := range f.Code {
		raw := f.Code[j].Bytes()
		base := f.Code[j].FileOff
		buf = buf[:0]
		last := 0
		err := f.EachInstruction(j, func(in *wasmfile.Instr) error {
			enc := replace(in)
			if enc == nil {
				return nil
			}
			at, end := int(in.Off-base), int(in.End-base)
			buf = append(buf, raw[last:at]...)
			buf = append(buf, enc...)
			last = end
			return nil
		})
		if err != nil {
			return nil, err
		}
		if last == 0 {
			out = wasmfile.AppendU32(out, uint32(len(raw)))
			out = append(out, raw...)
			continue
		}
		buf = append(buf, raw[last:]...)
		out = wasmfile.AppendU32(out, uint32(len(buf)))
		out = append(out, buf...)
	}
	for _, nf := range funcs {
		fn := append([]byte{0x00}, nf.body...) // no locals
		fn = append(fn, 0x0b)
		out = wasmfile.AppendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	return out, nil
}

// LimitMemory returns a copy of module whose own memory 0 may grow to at
// most maxPages pages: its maximum becomes maxPages if it had none or a
// larger one. Only the memory section changes. The module must define its
// memory (a 32-bit one) with a minimum of at most maxPages.
func LimitMemory(module []byte, maxPages uint32) ([]byte, error) {
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		return nil, err
	}
	if len(f.Memories) == 0 {
		return nil, fmt.Errorf("wasmedit: module defines no memory")
	}
	for _, m := range f.Memories {
		if m.Limits.Is64 {
			return nil, fmt.Errorf("wasmedit: a 64-bit memory")
		}
	}
	lim := f.Memories[0].Limits
	if lim.Min > uint64(maxPages) {
		return nil, fmt.Errorf("wasmedit: memory of %d pages over the maximum of %d", lim.Min, maxPages)
	}
	if lim.HasMax && lim.Max <= uint64(maxPages) {
		return module, nil
	}
	raw := f.Raw()
	out := make([]byte, 0, len(raw)+8)
	out = append(out, raw[:8]...)
	for _, s := range f.Sections {
		if s.ID != wasmfile.SectionMemory {
			out = append(out, raw[s.Offset:s.DataOffset+int64(s.Size)]...)
			continue
		}
		payload := wasmfile.AppendU32(nil, uint32(len(f.Memories)))
		for i, m := range f.Memories {
			l := m.Limits
			if i == 0 {
				l.HasMax, l.Max = true, uint64(maxPages)
			}
			flags := byte(0)
			if l.HasMax {
				flags |= 1
			}
			if l.Shared {
				flags |= 2
			}
			payload = append(payload, flags)
			payload = wasmfile.AppendU32(payload, uint32(l.Min))
			if l.HasMax {
				payload = wasmfile.AppendU32(payload, uint32(l.Max))
			}
		}
		out = append(out, s.ID)
		out = wasmfile.AppendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	return out, nil
}

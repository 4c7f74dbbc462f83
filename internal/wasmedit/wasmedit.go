// Package wasmedit rewrites modules the loader is about to instantiate:
// edits that keep every existing index of a module valid, so that only the
// sections they touch are re-encoded and the rest is copied byte for byte.
package wasmedit

import (
	"fmt"

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
	typeIdx, newType := uint32(len(f.Types)), true
	for i, t := range f.Types {
		if t.Equal(sizeType) {
			typeIdx, newType = uint32(i), false
			break
		}
	}
	fnIdx := f.NumImportedFuncs() + uint32(len(f.Funcs))
	raw := f.Raw()
	out := make([]byte, 0, len(raw)+len(raw)/16+64)
	out = append(out, raw[:8]...)
	seenType, seenFunc, seenCode := false, false, false
	for _, s := range f.Sections {
		payload := raw[s.DataOffset : s.DataOffset+int64(s.Size)]
		switch s.ID {
		case wasmfile.SectionType:
			seenType = true
			if newType {
				payload = appendEntry(payload, []byte{0x60, 0x00, 0x01, byte(wasmfile.I32)})
			}
		case wasmfile.SectionFunction:
			seenFunc = true
			payload = appendEntry(payload, wasmfile.AppendU32(nil, typeIdx))
		case wasmfile.SectionCode:
			seenCode = true
			if payload, err = redirectCode(f, fnIdx, body); err != nil {
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
	return out, nil
}

// appendEntry adds one encoded entry to a vector section payload.
func appendEntry(payload, entry []byte) []byte {
	n, size := readU32(payload)
	out := wasmfile.AppendU32(make([]byte, 0, len(payload)+len(entry)+5), n+1)
	out = append(out, payload[size:]...)
	return append(out, entry...)
}

// redirectCode re-encodes the code section with memory.size replaced by
// calls to function fnIdx, and that function's body appended.
func redirectCode(f *wasmfile.File, fnIdx uint32, body []byte) ([]byte, error) {
	call := wasmfile.AppendU32([]byte{0x10}, fnIdx)
	out := wasmfile.AppendU32(nil, uint32(len(f.Code)+1))
	var buf []byte
	for j := range f.Code {
		raw := f.Code[j].Bytes()
		base := f.Code[j].FileOff
		buf = buf[:0]
		last := 0
		err := f.EachInstruction(j, func(in *wasmfile.Instr) error {
			if in.Op != wasmfile.OpMemorySize || in.Imm != 0 {
				return nil
			}
			at, end := int(in.Off-base), int(in.End-base)
			buf = append(buf, raw[last:at]...)
			buf = append(buf, call...)
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
	fn := append([]byte{0x00}, body...) // no locals
	fn = append(fn, 0x0b)
	out = wasmfile.AppendU32(out, uint32(len(fn)))
	return append(out, fn...), nil
}

// readU32 decodes the LEB128 number at the start of b (already validated
// by the reader) and returns it with its length.
func readU32(b []byte) (uint32, int) {
	var v uint32
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, len(b)
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

package ehtrans

import "github.com/wasmdl/wasmdl/wasmfile"

// typeSet hands out function type indices for the block types the
// rewrite needs. It reuses an existing type with the same signature, and
// appends new ones after the module's own types, so that no existing
// index moves.
type typeSet struct {
	old   []wasmfile.FuncType
	index map[string]uint32 // encoded signature -> index; built on first use
	added []byte            // encoded entries of the new types
	n     int               // number of new types
	key   []byte            // scratch for lookup
	key2  []byte            // scratch for callers of lookupEncoded
}

// appendVals appends a vector of value types whose length is extra more
// than len(vals) (the caller appends the extra ones).
func appendVals(b []byte, vals []wasmfile.ValType, extra int) []byte {
	b = wasmfile.AppendU32(b, uint32(len(vals)+extra))
	for _, v := range vals {
		b = append(b, byte(v))
	}
	return b
}

// lookup returns the index of the type params -> results, adding it if the
// module does not have it.
func (s *typeSet) lookup(params, results []wasmfile.ValType) uint32 {
	s.key = appendVals(append(s.key[:0], 0x60), params, 0)
	s.key = appendVals(s.key, results, 0)
	return s.lookupEncoded(s.key)
}

// lookupEncoded is lookup for a type given in its binary encoding.
func (s *typeSet) lookupEncoded(enc []byte) uint32 {
	if s.index == nil {
		s.index = make(map[string]uint32, len(s.old))
		var b []byte
		for i := len(s.old) - 1; i >= 0; i-- { // the first of duplicates wins
			b = appendVals(append(b[:0], 0x60), s.old[i].Params, 0)
			b = appendVals(b, s.old[i].Results, 0)
			s.index[string(b)] = uint32(i)
		}
	}
	if i, ok := s.index[string(enc)]; ok {
		return i
	}
	i := uint32(len(s.old) + s.n)
	s.index[string(enc)] = i
	s.added = append(s.added, enc...)
	s.n++
	return i
}

// appendBlockType appends the block type params -> results: the empty
// type, a single value type, or a type index.
func (s *typeSet) appendBlockType(b []byte, params, results []wasmfile.ValType) []byte {
	switch {
	case len(params) == 0 && len(results) == 0:
		return append(b, 0x40)
	case len(params) == 0 && len(results) == 1:
		return append(b, byte(results[0]))
	}
	return wasmfile.AppendS64(b, int64(s.lookup(params, results)))
}

package wasmfile

// checkRuntimeNames checks the "name" section as wazero v1.12 reads it,
// for counts it allocates from. The section's own decoding (readNames) is
// lenient, as the core spec wants of custom sections; wazero's is not
// lenient about memory: it sizes a slice by the count of function names
// and of local-name maps (24 and 32 bytes an entry) and a byte buffer by
// each name's length before reading them, and it reads subsections 0 to 2
// from the module's remaining bytes, ignoring their declared sizes. This
// walks the same bytes the same way and refuses a count or length that
// the bytes left cannot hold, or that exceeds the Bounds. A malformed
// section that does not allocate is left to wazero, which refuses it.
//
// c is the section's cursor, just past the section's name.
func (f *File) checkRuntimeNames(c *cursor) error {
	r := &nameWalk{cursor: cursor{b: f.raw, off: c.off, end: len(f.raw), section: c.section}}
	limit := uint64(c.end - c.off) // wazero's remaining section bytes
	for limit > 0 && r.left() > 0 {
		id := r.b[r.off]
		r.off++
		limit--
		at := r.off
		size, err := r.u32()
		if err != nil {
			return nil // wazero fails here, before allocating
		}
		limit -= uint64(r.off - at) // wraps like wazero's uint64 would
		var ok bool
		switch id {
		case 0:
			r.item = "module name"
			ok, err = r.name()
		case 1:
			r.item = "function names"
			ok, err = r.nameMap(f.lim.Functions, "function names")
		case 2:
			r.item = "local names"
			ok, err = r.localNames(f)
		default:
			ok = uint64(size) <= uint64(r.left())
			r.off += int(min(uint64(size), uint64(r.left())))
		}
		if err != nil || !ok {
			return err
		}
		limit -= uint64(size)
	}
	return nil
}

// nameWalk reads the name section the way wazero does.
type nameWalk struct {
	cursor
	nlocal uint64 // local names in all maps so far
}

// name checks one length-prefixed name. ok is false when wazero would
// stop with an error of its own (malformed, but without allocating).
func (r *nameWalk) name() (bool, error) {
	at := r.off
	n, err := r.u32()
	if err != nil {
		return false, nil
	}
	if uint64(n) > uint64(r.left()) {
		return false, r.errf(at, ErrTooMany, "name of %d bytes, %d left in the module", n, r.left())
	}
	r.off += int(n)
	return true, nil
}

// mapCount reads the count of a name map, each entry at least 2 bytes.
func (r *nameWalk) mapCount(limit uint32, what string) (uint32, bool, error) {
	at := r.off
	n, err := r.u32()
	if err != nil {
		return 0, false, nil
	}
	if uint64(n) > uint64(r.left()/2) {
		return 0, false, r.errf(at, ErrTooMany, "count %d, %d bytes left in the module", n, r.left())
	}
	if n > limit {
		return 0, false, r.limitErr(at, uint64(n), what, limit)
	}
	return n, true, nil
}

// nameMap checks a map of index to name.
func (r *nameWalk) nameMap(limit uint32, what string) (bool, error) {
	n, ok, err := r.mapCount(limit, what)
	for i := uint32(0); ok && err == nil && i < n; i++ {
		if _, err := r.u32(); err != nil {
			return false, nil
		}
		ok, err = r.name()
	}
	return ok, err
}

// localNames checks the map of function index to local-name maps.
func (r *nameWalk) localNames(f *File) (bool, error) {
	n, ok, err := r.mapCount(f.lim.Functions, "functions with local names")
	for i := uint32(0); ok && err == nil && i < n; i++ {
		if _, err := r.u32(); err != nil {
			return false, nil
		}
		at := r.off
		var locals uint32
		if locals, ok, err = r.mapCount(f.lim.Locals, "local names in one function"); !ok || err != nil {
			return ok, err
		}
		if r.nlocal += uint64(locals); r.nlocal > uint64(f.lim.TotalLocals) {
			return false, r.limitErr(at, r.nlocal, "local names in all functions", f.lim.TotalLocals)
		}
		for j := uint32(0); ok && err == nil && j < locals; j++ {
			if _, err := r.u32(); err != nil {
				return false, nil
			}
			ok, err = r.name()
		}
	}
	return ok, err
}

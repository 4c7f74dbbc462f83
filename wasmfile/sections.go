package wasmfile

func (f *File) readTypes(c *cursor) error {
	n, err := c.countLimit(3, 0, "types", f.lim.Types) // 0x60, param count, result count
	if err != nil {
		return err
	}
	f.Types = make([]FuncType, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("type", int64(i))
		at := c.off
		form, err := c.byte()
		if err != nil {
			return err
		}
		if form != 0x60 {
			return c.errf(at, nil, "expected func type 0x60, got 0x%02x", form)
		}
		var t FuncType
		if t.Params, err = c.valTypes("parameters", f.lim.Params); err != nil {
			return err
		}
		if t.Results, err = c.valTypes("results", f.lim.Results); err != nil {
			return err
		}
		f.Types = append(f.Types, t)
	}
	return nil
}

func (c *cursor) valTypes(what string, limit uint32) ([]ValType, error) {
	n, err := c.countLimit(1, 0, what, limit)
	if err != nil {
		return nil, err
	}
	vs := make([]ValType, 0, n)
	for i := 0; i < n; i++ {
		v, err := c.valType()
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func (c *cursor) valType() (ValType, error) {
	at := c.off
	b, err := c.byte()
	if err != nil {
		return 0, err
	}
	if !validValType(b) {
		return 0, c.errf(at, nil, "invalid value type 0x%02x", b)
	}
	return ValType(b), nil
}

func (c *cursor) limits(memory bool) (Limits, error) {
	at := c.off
	flags, err := c.byte()
	if err != nil {
		return Limits{}, err
	}
	if flags > 7 || (!memory && flags&2 != 0) {
		return Limits{}, c.errf(at, nil, "invalid limits flags 0x%02x", flags)
	}
	l := Limits{HasMax: flags&1 != 0, Shared: flags&2 != 0, Is64: flags&4 != 0}
	if l.Min, err = c.limit(l.Is64); err != nil {
		return l, err
	}
	if l.HasMax {
		if l.Max, err = c.limit(l.Is64); err != nil {
			return l, err
		}
		if l.Max < l.Min {
			return l, c.errf(at, nil, "maximum %d below minimum %d", l.Max, l.Min)
		}
	} else if l.Shared {
		return l, c.errf(at, nil, "shared memory without a maximum")
	}
	return l, nil
}

func (c *cursor) limit(is64 bool) (uint64, error) {
	if is64 {
		return c.u64()
	}
	v, err := c.u32()
	return uint64(v), err
}

// refType reads a reference type: the element type of a table or of an
// element segment with expressions.
func (c *cursor) refType() (ValType, error) {
	at := c.off
	v, err := c.valType()
	if err != nil {
		return 0, err
	}
	if v != FuncRef && v != ExternRef && v != ExnRef {
		return 0, c.errf(at, nil, "%s is not a reference type", v)
	}
	return v, nil
}

func (c *cursor) tableType() (TableType, error) {
	elem, err := c.refType()
	if err != nil {
		return TableType{}, err
	}
	lim, err := c.limits(false)
	return TableType{Elem: elem, Limits: lim}, err
}

func (c *cursor) globalType() (GlobalType, error) {
	v, err := c.valType()
	if err != nil {
		return GlobalType{}, err
	}
	at := c.off
	m, err := c.byte()
	if err != nil {
		return GlobalType{}, err
	}
	if m > 1 {
		return GlobalType{}, c.errf(at, nil, "invalid mutability 0x%02x", m)
	}
	return GlobalType{Type: v, Mutable: m == 1}, nil
}

func (c *cursor) tagType() (TagType, error) {
	at := c.off
	attr, err := c.byte()
	if err != nil {
		return TagType{}, err
	}
	if attr != 0 {
		return TagType{}, c.errf(at, nil, "invalid tag attribute %d", attr)
	}
	ti, err := c.u32()
	return TagType{Attr: attr, TypeIndex: ti}, err
}

func (f *File) checkType(c *cursor, at int, ti uint32) error {
	if uint64(ti) >= uint64(len(f.Types)) {
		return c.errf(at, nil, "type index %d out of range (%d types)", ti, len(f.Types))
	}
	return nil
}

func (f *File) readImports(c *cursor) error {
	n, err := c.countLimit(4, 0, "imports", f.lim.Imports) // two names, kind, descriptor
	if err != nil {
		return err
	}
	f.Imports = make([]Import, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("import", int64(i))
		im := Import{Offset: int64(c.off)}
		if im.Module, err = c.name(); err != nil {
			return err
		}
		if im.Name, err = c.name(); err != nil {
			return err
		}
		c.setItem("import", int64(i), im.Module, im.Name)
		at := c.off
		k, err := c.byte()
		if err != nil {
			return err
		}
		im.Kind = ExternKind(k)
		switch im.Kind {
		case KindFunc:
			at := c.off
			if im.TypeIndex, err = c.u32(); err == nil {
				err = f.checkType(c, at, im.TypeIndex)
			}
		case KindTable:
			im.Table, err = c.tableType()
		case KindMemory:
			im.Memory.Limits, err = c.limits(true)
		case KindGlobal:
			im.Global, err = c.globalType()
		case KindTag:
			at := c.off
			if im.Tag, err = c.tagType(); err == nil {
				err = f.checkType(c, at, im.Tag.TypeIndex)
			}
		default:
			return c.errf(at, nil, "invalid import kind 0x%02x", k)
		}
		if err != nil {
			return err
		}
		if err := f.checkImportCount(c, &im); err != nil {
			return err
		}
		f.importsByKind[im.Kind] = append(f.importsByKind[im.Kind], len(f.Imports))
		f.Imports = append(f.Imports, im)
	}
	c.item, c.indexed = "", false
	f.numImportedFuncs = uint32(len(f.importsByKind[KindFunc]))
	f.numImportedTables = uint32(len(f.importsByKind[KindTable]))
	f.numImportedMemories = uint32(len(f.importsByKind[KindMemory]))
	f.numImportedGlobals = uint32(len(f.importsByKind[KindGlobal]))
	f.numImportedTags = uint32(len(f.importsByKind[KindTag]))
	return nil
}

// checkImportCount applies to an import the limit of the index space it
// shares with definitions of its kind.
func (f *File) checkImportCount(c *cursor, im *Import) error {
	limit, what := f.lim.Functions, "functions (imports included)"
	switch im.Kind {
	case KindTable:
		limit, what = f.lim.Tables, "tables (imports included)"
	case KindMemory:
		limit, what = f.lim.Memories, "memories (imports included)"
	case KindGlobal:
		limit, what = f.lim.Globals, "globals (imports included)"
	case KindTag:
		limit, what = f.lim.Tags, "tags (imports included)"
	}
	if n := uint64(len(f.importsByKind[im.Kind])) + 1; n > uint64(limit) {
		return c.limitErr(int(im.Offset), n, what, limit)
	}
	return nil
}

func (f *File) readFunctions(c *cursor) error {
	n, err := c.countLimit(1, f.numImportedFuncs, "functions (imports included)", f.lim.Functions)
	if err != nil {
		return err
	}
	f.Funcs = make([]uint32, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("func", int64(i))
		at := c.off
		ti, err := c.u32()
		if err != nil {
			return err
		}
		if err := f.checkType(c, at, ti); err != nil {
			return err
		}
		f.Funcs = append(f.Funcs, ti)
	}
	return nil
}

func (f *File) readTables(c *cursor) error {
	n, err := c.countLimit(3, f.numImportedTables, "tables (imports included)", f.lim.Tables)
	if err != nil {
		return err
	}
	f.Tables = make([]TableType, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("table", int64(i))
		at := c.off
		if b, err := c.byte(); err == nil && b == 0x40 {
			// Function-references form: 0x40 0x00 tabletype expr.
			at := c.off
			if z, err := c.byte(); err != nil {
				return err
			} else if z != 0 {
				return c.errf(at, nil, "expected 0x00 after 0x40 in a table definition, got 0x%02x", z)
			}
			t, err := f.definedTableType(c)
			if err != nil {
				return err
			}
			if _, err := c.constExpr(); err != nil {
				return err
			}
			f.Tables = append(f.Tables, t)
			continue
		}
		c.off = at
		t, err := f.definedTableType(c)
		if err != nil {
			return err
		}
		f.Tables = append(f.Tables, t)
	}
	return nil
}

// definedTableType reads the type of a table the module defines, whose
// minimum size the runtime allocates.
func (f *File) definedTableType(c *cursor) (TableType, error) {
	at := c.off
	t, err := c.tableType()
	if err == nil && t.Limits.Min > uint64(f.lim.TableSize) {
		err = c.limitErr(at, t.Limits.Min, "table elements (minimum size)", f.lim.TableSize)
	}
	return t, err
}

func (f *File) readMemories(c *cursor) error {
	n, err := c.countLimit(2, f.numImportedMemories, "memories (imports included)", f.lim.Memories)
	if err != nil {
		return err
	}
	f.Memories = make([]MemoryType, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("memory", int64(i))
		l, err := c.limits(true)
		if err != nil {
			return err
		}
		f.Memories = append(f.Memories, MemoryType{Limits: l})
	}
	return nil
}

func (f *File) readTags(c *cursor) error {
	n, err := c.countLimit(2, f.numImportedTags, "tags (imports included)", f.lim.Tags)
	if err != nil {
		return err
	}
	f.Tags = make([]TagType, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("tag", int64(i))
		at := c.off
		t, err := c.tagType()
		if err != nil {
			return err
		}
		if err := f.checkType(c, at, t.TypeIndex); err != nil {
			return err
		}
		f.Tags = append(f.Tags, t)
	}
	return nil
}

func (f *File) readGlobals(c *cursor) error {
	n, err := c.countLimit(4, f.numImportedGlobals, "globals (imports included)", f.lim.Globals) // type, mut, const op, end
	if err != nil {
		return err
	}
	f.Globals = make([]Global, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("global", int64(f.numImportedGlobals)+int64(i))
		t, err := c.globalType()
		if err != nil {
			return err
		}
		e, err := c.constExpr()
		if err != nil {
			return err
		}
		f.Globals = append(f.Globals, Global{Type: t, Init: e})
	}
	return nil
}

func (f *File) readExports(c *cursor) error {
	n, err := c.countLimit(3, 0, "exports", f.lim.Exports)
	if err != nil {
		return err
	}
	f.Exports = make([]Export, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("export", int64(i))
		var e Export
		if e.Name, err = c.name(); err != nil {
			return err
		}
		c.setItem("export", int64(i), e.Name)
		at := c.off
		k, err := c.byte()
		if err != nil {
			return err
		}
		if k > byte(KindTag) {
			return c.errf(at, nil, "invalid export kind 0x%02x", k)
		}
		e.Kind = ExternKind(k)
		if e.Index, err = c.u32(); err != nil {
			return err
		}
		f.Exports = append(f.Exports, e)
	}
	return nil
}

func (f *File) readElements(c *cursor) error {
	n, err := c.countLimit(3, 0, "element segments", f.lim.ElementSegments)
	if err != nil {
		return err
	}
	f.Elements = make([]ElementSegment, 0, n)
	var entries uint32 // in all segments so far, at most f.lim.ElementEntries
	for i := 0; i < n; i++ {
		c.setItem("elem", int64(i))
		seg := ElementSegment{FileOff: int64(c.off), Type: FuncRef}
		at := c.off
		flags, err := c.u32()
		if err != nil {
			return err
		}
		if flags > 7 {
			return c.errf(at, nil, "invalid element segment flags %d", flags)
		}
		// Bit 0: passive or declarative; bit 1: explicit table index (active)
		// or declarative (non-active); bit 2: element expressions.
		switch {
		case flags&1 == 0:
			seg.Mode = ModeActive
		case flags&2 != 0:
			seg.Mode = ModeDeclarative
		default:
			seg.Mode = ModePassive
		}
		if seg.Mode == ModeActive {
			if flags&2 != 0 {
				if seg.Table, err = c.u32(); err != nil {
					return err
				}
			}
			if seg.Offset, err = c.constExpr(); err != nil {
				return err
			}
		}
		exprs := flags&4 != 0
		if flags&3 != 0 { // elemkind or reftype present
			if exprs {
				if seg.Type, err = c.refType(); err != nil {
					return err
				}
			} else {
				at := c.off
				kind, err := c.byte()
				if err != nil {
					return err
				}
				if kind != 0 {
					return c.errf(at, nil, "invalid element kind 0x%02x", kind)
				}
			}
		}
		cnt, err := c.countLimit(1, entries, "element entries (all segments)", f.lim.ElementEntries)
		if err != nil {
			return err
		}
		entries += uint32(cnt)
		seg.Funcs = make([]uint32, 0, cnt)
		for j := 0; j < cnt; j++ {
			if !exprs {
				fi, err := c.u32()
				if err != nil {
					return err
				}
				seg.Funcs = append(seg.Funcs, fi)
				continue
			}
			e, err := c.constExpr()
			if err != nil {
				return err
			}
			if fi, ok := e.RefFunc(); ok {
				seg.Funcs = append(seg.Funcs, fi)
			} else {
				seg.Funcs = append(seg.Funcs, NullFunc)
			}
		}
		f.Elements = append(f.Elements, seg)
	}
	return nil
}

func (f *File) readCode(c *cursor) error {
	n, err := c.count(2) // size byte + at least an end
	if err != nil {
		return err
	}
	f.Code = make([]FuncBody, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("code", int64(i))
		size, err := c.u32()
		if err != nil {
			return err
		}
		at := c.off
		b, err := c.bytes(int(size))
		if err != nil {
			return err
		}
		f.Code = append(f.Code, FuncBody{FileOff: int64(at), body: b})
	}
	return nil
}

func (f *File) readData(c *cursor) error {
	n, err := c.countLimit(2, 0, "data segments", f.lim.DataSegments)
	if err != nil {
		return err
	}
	f.Data = make([]DataSegment, 0, n)
	for i := 0; i < n; i++ {
		c.setItem("data", int64(i))
		at := c.off
		flags, err := c.u32()
		if err != nil {
			return err
		}
		var seg DataSegment
		switch flags {
		case 0:
			seg.Mode = ModeActive
		case 1:
			seg.Mode = ModePassive
		case 2:
			seg.Mode = ModeActive
			if seg.Memory, err = c.u32(); err != nil {
				return err
			}
		default:
			return c.errf(at, nil, "invalid data segment flags %d", flags)
		}
		if seg.Mode == ModeActive {
			if seg.Offset, err = c.constExpr(); err != nil {
				return err
			}
		}
		if seg.Size, err = c.u32(); err != nil {
			return err
		}
		seg.FileOff = int64(c.off)
		if seg.data, err = c.bytes(int(seg.Size)); err != nil {
			return err
		}
		f.Data = append(f.Data, seg)
	}
	return nil
}

func (f *File) readCustom(c *cursor, name string, sectionOff int) error {
	f.Customs = append(f.Customs, CustomSection{Name: name, FileOff: int64(c.off), data: c.b[c.off:c.end:c.end]})
	switch name {
	case "name":
		// The core spec (5.5.3, Custom Sections) says errors in a custom
		// section must not invalidate the module: a bad name section is
		// recorded in NamesErr and otherwise ignored. Only the first one
		// counts. A runtime reads it too, and allocates from its counts:
		// those are checked whatever the options.
		if !f.sawNames {
			f.sawNames = true
			if err := f.checkRuntimeNames(c); err != nil {
				return err
			}
		}
		if f.Names != nil || f.NamesErr != nil || f.skipNames {
			return nil
		}
		names, err := readNames(c)
		if err != nil {
			f.NamesErr = err
			return nil
		}
		f.Names = names
	case "dylink.0", "dylink":
		// dylink.0 is different: the loader cannot place a module whose
		// dylink.0 it cannot read, so its errors are fatal.
		if f.Dylink != nil {
			return c.errf(sectionOff, ErrSectionOrder, "second dylink section")
		}
		d, err := readDylink(c, name)
		if err != nil {
			return err
		}
		d.sectionIndex = len(f.Sections)
		d.sectionOff = int64(sectionOff)
		f.Dylink = d
	}
	return nil
}

func readNames(c *cursor) (*Names, error) {
	n := &Names{}
	var lastID = -1
	for c.left() > 0 {
		at := c.off
		id, _ := c.byte()
		size, err := c.u32()
		if err != nil {
			return nil, err
		}
		sub, err := c.sub(int(size), at)
		if err != nil {
			return nil, err
		}
		if int(id) <= lastID {
			return nil, c.errf(at, ErrSectionOrder, "name subsection %d out of order", id)
		}
		lastID = int(id)
		switch id {
		case 0:
			sub.item = "module name"
			if n.Module, err = sub.name(); err != nil {
				return nil, err
			}
		case 1:
			sub.item = "function names"
			n.Functions, err = sub.nameMap()
		case 7:
			sub.item = "global names"
			n.Globals, err = sub.nameMap()
		case 9:
			sub.item = "data segment names"
			n.Data, err = sub.nameMap()
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (c *cursor) nameMap() (map[uint32]string, error) {
	n, err := c.count(2)
	if err != nil {
		return nil, err
	}
	m := make(map[uint32]string, n)
	for i := 0; i < n; i++ {
		idx, err := c.u32()
		if err != nil {
			return nil, err
		}
		s, err := c.name()
		if err != nil {
			return nil, err
		}
		m[idx] = s
	}
	return m, nil
}

// FuncNames returns the function names of the "name" section, decoding it
// now if the module was parsed with [Options.SkipNames]. It returns nil
// when there is no name section or it is malformed.
func (f *File) FuncNames() map[uint32]string {
	if f.Names != nil {
		return f.Names.Functions
	}
	if !f.skipNames {
		return nil
	}
	for i := range f.Customs {
		cs := &f.Customs[i]
		if cs.Name != "name" {
			continue
		}
		c := &cursor{b: cs.data, end: len(cs.data), section: "name section"}
		if n, err := readNames(c); err == nil {
			return n.Functions
		}
		return nil
	}
	return nil
}

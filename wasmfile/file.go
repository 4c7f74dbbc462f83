package wasmfile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
)

// File is a decoded WebAssembly module. Slices alias the bytes it was parsed
// from; the caller must not modify those bytes while the File is in use.
type File struct {
	Sections     []Section
	Types        []FuncType
	Imports      []Import
	Funcs        []uint32 // type index of each defined function
	Tables       []TableType
	Memories     []MemoryType
	Tags         []TagType
	Globals      []Global
	Exports      []Export
	Start        uint32 // valid only if HasStart
	HasStart     bool
	Elements     []ElementSegment
	DataCount    uint32 // valid only if HasDataCount
	HasDataCount bool
	Code         []FuncBody
	Data         []DataSegment
	Customs      []CustomSection
	// Names is the decoded "name" section, or nil when there is none or it
	// is malformed.
	Names *Names
	// NamesErr is why the "name" section could not be decoded. A malformed
	// name section does not make the module unreadable (core spec 5.5.3).
	NamesErr error
	// Dylink is the dylink.0 (or legacy "dylink") section, or nil.
	Dylink *Dylink

	raw       []byte
	skipNames bool   // Options.SkipNames
	lim       Bounds // Options.Bounds with the defaults filled in
	sawNames  bool   // the first "name" section has been checked

	// Counts of imports by kind, so that index spaces can be mapped.
	numImportedFuncs, numImportedTables, numImportedMemories, numImportedGlobals, numImportedTags uint32
	// importsByKind[k][i] is the position in Imports of the i-th import of kind k.
	importsByKind [5][]int
}

// Open reads and parses the named file.
func Open(name string) (*File, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// ReadFS reads and parses a file of fsys.
func ReadFS(fsys fs.FS, name string) (*File, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Raw returns the bytes the module was parsed from.
func (f *File) Raw() []byte { return f.raw }

var magic = []byte{0x00, 'a', 's', 'm'}

// Parse decodes a module. Every count is checked against the bytes left
// before anything is allocated for it, so hostile input fails with a
// *FormatError rather than exhausting memory. Every function body is
// decoded and checked against [DefaultBounds], and the "name" section
// against what a runtime reads from it, so that a module Parse accepts can
// be given to wazero's CompileModule; see the package's Security section.
func Parse(b []byte) (*File, error) { return Options{}.Parse(b) }

// Options tune how a module is decoded. The zero value decodes everything
// and applies [DefaultBounds].
type Options struct {
	// SkipNames leaves the "name" custom section undecoded (Names stays
	// nil). A loader has no use for it, and it is usually the largest
	// custom section of a module built with symbols. The section is still
	// checked for counts a runtime would allocate from.
	SkipNames bool
	// Bounds limits counts and the cost of function bodies; zero fields
	// take their defaults from [DefaultBounds].
	Bounds Bounds
}

// Parse decodes a module as the options say; see [Parse].
func (o Options) Parse(b []byte) (*File, error) {
	// A short file is "not wasm" rather than "truncated" as soon as the
	// bytes it has disagree with the magic number.
	if !bytes.HasPrefix(b, magic) && !bytes.HasPrefix(magic, b) {
		return nil, &FormatError{Off: 0, Msg: ErrNotWasm.Error(), Err: ErrNotWasm}
	}
	if len(b) < 8 {
		return nil, &FormatError{Off: int64(len(b)), Msg: "header: " + ErrUnexpectedEOF.Error(), Err: ErrUnexpectedEOF}
	}
	if v := uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24; v != 1 {
		return nil, &FormatError{Off: 4, Msg: fmt.Sprintf("%s %d", ErrBadVersion, v), Err: ErrBadVersion}
	}
	f := &File{raw: b, skipNames: o.SkipNames, lim: o.Bounds.withDefaults()}
	c := &cursor{b: b, off: 8, end: len(b)}
	var lastOrder int // order rank of the last known section
	seen := map[byte]bool{}
	var funcCount int = -1
	for c.left() > 0 {
		start := c.off
		id, _ := c.byte()
		c.section, c.item, c.indexed = SectionName(id)+" section", "", false
		size, err := c.u32()
		if err != nil {
			return nil, err
		}
		payload := c.off
		sc, err := c.sub(int(size), start)
		if err != nil {
			return nil, &FormatError{Off: int64(start), Section: SectionName(id) + " section",
				Msg: fmt.Sprintf("section length %d runs past the end of the file (%d bytes left)", size, len(b)-payload), Err: ErrUnexpectedEOF}
		}
		sec := Section{ID: id, Offset: int64(start), DataOffset: int64(payload), Size: size}
		sc.section = SectionName(id) + " section"
		if id != SectionCustom {
			rank := sectionRank(id)
			if rank == 0 {
				return nil, &FormatError{Off: int64(start), Msg: fmt.Sprintf("unknown section id %d", id)}
			}
			if seen[id] {
				return nil, &FormatError{Off: int64(start), Section: sc.section, Msg: "duplicate section", Err: ErrSectionOrder}
			}
			if rank < lastOrder {
				return nil, &FormatError{Off: int64(start), Section: sc.section, Msg: "section out of order", Err: ErrSectionOrder}
			}
			seen[id] = true
			lastOrder = rank
		}
		switch id {
		case SectionCustom:
			// Not "name, err :=": that would shadow err and lose the
			// error of readCustom.
			var name string
			if name, err = sc.name(); err == nil {
				sec.Name = name
				sc.section = fmt.Sprintf("custom section %q", name)
				err = f.readCustom(sc, name, start)
			}
		case SectionType:
			err = f.readTypes(sc)
		case SectionImport:
			err = f.readImports(sc)
		case SectionFunction:
			err = f.readFunctions(sc)
			funcCount = len(f.Funcs)
		case SectionTable:
			err = f.readTables(sc)
		case SectionMemory:
			err = f.readMemories(sc)
		case SectionTag:
			err = f.readTags(sc)
		case SectionGlobal:
			err = f.readGlobals(sc)
		case SectionExport:
			err = f.readExports(sc)
		case SectionStart:
			f.Start, err = sc.u32()
			f.HasStart = err == nil
		case SectionElement:
			err = f.readElements(sc)
		case SectionDataCount:
			f.DataCount, err = sc.u32()
			f.HasDataCount = err == nil
		case SectionCode:
			err = f.readCode(sc)
			sc.item, sc.indexed = "", false
			if err == nil && len(f.Code) != max(funcCount, 0) {
				err = sc.errf(payload, nil, "%d function bodies for %d declared functions", len(f.Code), max(funcCount, 0))
			}
			if err == nil {
				err = f.checkBodies()
			}
		case SectionData:
			err = f.readData(sc)
		}
		if err != nil {
			return nil, err
		}
		if id != SectionCustom && sc.left() != 0 {
			return nil, sc.errf(sc.off, nil, "section declares %d bytes but %d are left unread", size, sc.left())
		}
		f.Sections = append(f.Sections, sec)
	}
	if funcCount > 0 && !seen[SectionCode] {
		return nil, &FormatError{Off: int64(len(b)), Msg: fmt.Sprintf("%d functions declared but no code section", funcCount)}
	}
	if f.HasDataCount && int(f.DataCount) != len(f.Data) {
		return nil, &FormatError{Off: int64(len(b)), Section: "data count section", Msg: fmt.Sprintf("data count %d, but %d data segments", f.DataCount, len(f.Data))}
	}
	if f.Dylink != nil && f.Dylink.sectionIndex != 0 {
		return nil, &FormatError{Off: f.Dylink.sectionOff, Section: fmt.Sprintf("custom section %q", f.Dylink.SectionName),
			Msg: "must be the first section of the module", Err: ErrSectionOrder}
	}
	return f, nil
}

// sectionRank orders the known sections as the binary format requires.
func sectionRank(id byte) int {
	switch id {
	case SectionType:
		return 1
	case SectionImport:
		return 2
	case SectionFunction:
		return 3
	case SectionTable:
		return 4
	case SectionMemory:
		return 5
	case SectionTag:
		return 6
	case SectionGlobal:
		return 7
	case SectionExport:
		return 8
	case SectionStart:
		return 9
	case SectionElement:
		return 10
	case SectionDataCount:
		return 11
	case SectionCode:
		return 12
	case SectionData:
		return 13
	}
	return 0
}

// NumImportedFuncs is the number of imported functions: defined function i
// has index NumImportedFuncs()+i in the function index space.
func (f *File) NumImportedFuncs() uint32 { return f.numImportedFuncs }

// NumImportedGlobals is the number of imported globals.
func (f *File) NumImportedGlobals() uint32 { return f.numImportedGlobals }

// NumImportedTables is the number of imported tables.
func (f *File) NumImportedTables() uint32 { return f.numImportedTables }

// NumImportedMemories is the number of imported memories.
func (f *File) NumImportedMemories() uint32 { return f.numImportedMemories }

// FuncType returns the signature of function index idx (imports first).
func (f *File) FuncType(idx uint32) (FuncType, bool) {
	var ti uint32
	if idx < f.numImportedFuncs {
		ti = f.Imports[f.importsByKind[KindFunc][idx]].TypeIndex
	} else {
		d := idx - f.numImportedFuncs
		if uint64(d) >= uint64(len(f.Funcs)) {
			return FuncType{}, false
		}
		ti = f.Funcs[d]
	}
	if uint64(ti) >= uint64(len(f.Types)) {
		return FuncType{}, false
	}
	return f.Types[ti], true
}

// GlobalType returns the type of global index idx (imports first).
func (f *File) GlobalType(idx uint32) (GlobalType, bool) {
	if idx < f.numImportedGlobals {
		return f.Imports[f.importsByKind[KindGlobal][idx]].Global, true
	}
	d := idx - f.numImportedGlobals
	if uint64(d) >= uint64(len(f.Globals)) {
		return GlobalType{}, false
	}
	return f.Globals[d].Type, true
}

// ImportedGlobal returns the import behind global index idx, if it is imported.
func (f *File) ImportedGlobal(idx uint32) (*Import, bool) {
	return f.nthImport(KindGlobal, idx)
}

// ImportedFunc returns the import behind function index idx, if it is imported.
func (f *File) ImportedFunc(idx uint32) (*Import, bool) {
	return f.nthImport(KindFunc, idx)
}

func (f *File) nthImport(k ExternKind, idx uint32) (*Import, bool) {
	if int(k) >= len(f.importsByKind) || uint64(idx) >= uint64(len(f.importsByKind[k])) {
		return nil, false
	}
	return &f.Imports[f.importsByKind[k][idx]], true
}

// Export returns the export with the given name.
func (f *File) Export(name string) (Export, bool) {
	for _, e := range f.Exports {
		if e.Name == name {
			return e, true
		}
	}
	return Export{}, false
}

// Custom returns the first custom section with the given name.
func (f *File) Custom(name string) (*CustomSection, bool) {
	for i := range f.Customs {
		if f.Customs[i].Name == name {
			return &f.Customs[i], true
		}
	}
	return nil, false
}

// FuncName returns the name-section name of function index idx, or "".
func (f *File) FuncName(idx uint32) string {
	if f.Names == nil {
		return ""
	}
	return f.Names.Functions[idx]
}

// GlobalName returns the name-section name of global index idx, or "".
func (f *File) GlobalName(idx uint32) string {
	if f.Names == nil {
		return ""
	}
	return f.Names.Globals[idx]
}

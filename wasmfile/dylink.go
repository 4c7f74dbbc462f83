package wasmfile

import (
	"fmt"
	"strings"
)

// Subsection types of dylink.0, from tool-conventions DynamicLinking.md.
const (
	DylinkMemInfo     byte = 1
	DylinkNeeded      byte = 2
	DylinkExportInfo  byte = 3
	DylinkImportInfo  byte = 4
	DylinkRuntimePath byte = 5
)

// Symbol flags used in dylink.0 EXPORT_INFO and IMPORT_INFO (the WASM_SYM_*
// flags of tool-conventions Linking.md).
const (
	SymBindingWeak      uint32 = 0x01
	SymBindingLocal     uint32 = 0x02
	SymVisibilityHidden uint32 = 0x04
	SymUndefined        uint32 = 0x10
	SymExported         uint32 = 0x20
	SymExplicitName     uint32 = 0x40
	SymNoStrip          uint32 = 0x80
	SymTLS              uint32 = 0x100
	SymAbsolute         uint32 = 0x200
)

// FlagsString formats symbol flags as "WEAK|UNDEFINED".
func FlagsString(flags uint32) string {
	names := []struct {
		bit  uint32
		name string
	}{
		{SymBindingWeak, "WEAK"}, {SymBindingLocal, "LOCAL"}, {SymVisibilityHidden, "HIDDEN"},
		{SymUndefined, "UNDEFINED"}, {SymExported, "EXPORTED"}, {SymExplicitName, "EXPLICIT_NAME"},
		{SymNoStrip, "NO_STRIP"}, {SymTLS, "TLS"}, {SymAbsolute, "ABSOLUTE"},
	}
	s := ""
	for _, n := range names {
		if flags&n.bit != 0 {
			if s != "" {
				s += "|"
			}
			s += n.name
			flags &^= n.bit
		}
	}
	if flags != 0 {
		if s != "" {
			s += "|"
		}
		s += fmt.Sprintf("0x%x", flags)
	}
	if s == "" {
		s = "0"
	}
	return s
}

// MemInfo is the dylink.0 MEM_INFO subsection. Alignments are log2 values.
type MemInfo struct {
	MemorySize  uint32
	MemoryAlign uint32
	TableSize   uint32
	TableAlign  uint32
}

// SymbolInfo is one EXPORT_INFO entry.
type SymbolInfo struct {
	Name  string
	Flags uint32
}

// ImportInfo is one IMPORT_INFO entry.
type ImportInfo struct {
	Module string
	Field  string
	Flags  uint32
}

// Subsection is the placement of one dylink.0 subsection.
type Subsection struct {
	Type    byte
	FileOff int64 // offset of the payload
	Size    uint32
}

// Dylink is a decoded dylink.0 section (or the pre-LLVM-13 "dylink" section,
// which has only MEM_INFO and NEEDED and no subsection framing).
type Dylink struct {
	SectionName string // "dylink.0" or "dylink"
	MemInfo     MemInfo
	Needed      []string
	ExportInfo  []SymbolInfo
	ImportInfo  []ImportInfo
	RuntimePath []string
	// Subsections lists every subsection in file order, known or not.
	Subsections []Subsection

	sectionIndex int   // position among the module's sections
	sectionOff   int64 // offset of the section's id byte
}

// SubsectionName returns the tool-conventions name of a dylink.0
// subsection type ("MEM_INFO", "NEEDED", ...), or "unknown(N)".
func SubsectionName(typ byte) string {
	switch typ {
	case DylinkMemInfo:
		return "MEM_INFO"
	case DylinkNeeded:
		return "NEEDED"
	case DylinkExportInfo:
		return "EXPORT_INFO"
	case DylinkImportInfo:
		return "IMPORT_INFO"
	case DylinkRuntimePath:
		return "RUNTIME_PATH"
	}
	return fmt.Sprintf("unknown(%d)", typ)
}

// Legacy reports whether the section is the pre-LLVM-13 "dylink" form.
func (d *Dylink) Legacy() bool { return d.SectionName == "dylink" }

func readDylink(c *cursor, name string) (*Dylink, error) {
	d := &Dylink{SectionName: name}
	if name == "dylink" {
		c.item, c.indexed = "mem_info", false
		if err := c.memInfo(&d.MemInfo); err != nil {
			return nil, err
		}
		c.item, c.indexed = "needed", false
		var err error
		d.Needed, err = c.names()
		if err != nil {
			return nil, err
		}
		if c.left() != 0 {
			return nil, c.errf(c.off, nil, "%d bytes left after the needed list", c.left())
		}
		return d, nil
	}
	seen := map[byte]bool{}
	for c.left() > 0 {
		at := c.off
		typ, _ := c.byte()
		c.item, c.indexed = strings.ToLower(SubsectionName(typ)), false
		size, err := c.u32()
		if err != nil {
			return nil, err
		}
		sub, err := c.sub(int(size), at)
		if err != nil {
			return nil, err
		}
		d.Subsections = append(d.Subsections, Subsection{Type: typ, FileOff: int64(sub.off), Size: size})
		if typ >= DylinkMemInfo && typ <= DylinkRuntimePath {
			if seen[typ] {
				return nil, c.errf(at, nil, "duplicate subsection")
			}
			seen[typ] = true
		}
		switch typ {
		case DylinkMemInfo:
			err = sub.memInfo(&d.MemInfo)
		case DylinkNeeded:
			d.Needed, err = sub.names()
		case DylinkRuntimePath:
			d.RuntimePath, err = sub.names()
		case DylinkExportInfo:
			d.ExportInfo, err = sub.exportInfo()
		case DylinkImportInfo:
			d.ImportInfo, err = sub.importInfo()
		default:
			continue // unknown subsection: skipped by its length
		}
		if err != nil {
			return nil, err
		}
		if sub.left() != 0 {
			return nil, sub.errf(sub.off, nil, "subsection declares %d bytes but %d are left unread", size, sub.left())
		}
	}
	return d, nil
}

func (c *cursor) memInfo(m *MemInfo) error {
	fields := []struct {
		p     *uint32
		align bool
	}{{&m.MemorySize, false}, {&m.MemoryAlign, true}, {&m.TableSize, false}, {&m.TableAlign, true}}
	for _, f := range fields {
		at := c.off
		v, err := c.u32()
		if err != nil {
			return err
		}
		// Alignments are log2: anything past 2^31 cannot be honoured in a
		// 32-bit memory or table.
		if f.align && v > 31 {
			return c.errf(at, nil, "alignment 2^%d too large", v)
		}
		*f.p = v
	}
	return nil
}

func (c *cursor) names() ([]string, error) {
	n, err := c.count(1)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		s, err := c.name()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *cursor) exportInfo() ([]SymbolInfo, error) {
	n, err := c.count(2)
	if err != nil {
		return nil, err
	}
	out := make([]SymbolInfo, 0, n)
	for i := 0; i < n; i++ {
		var s SymbolInfo
		if s.Name, err = c.name(); err != nil {
			return nil, err
		}
		if s.Flags, err = c.u32(); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *cursor) importInfo() ([]ImportInfo, error) {
	n, err := c.count(3)
	if err != nil {
		return nil, err
	}
	out := make([]ImportInfo, 0, n)
	for i := 0; i < n; i++ {
		var s ImportInfo
		if s.Module, err = c.name(); err != nil {
			return nil, err
		}
		if s.Field, err = c.name(); err != nil {
			return nil, err
		}
		if s.Flags, err = c.u32(); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Encode returns the payload of a dylink.0 section describing d (without the
// section id, size and name). Subsections are written in type order and
// empty ones are omitted, as wasm-ld does.
func (d *Dylink) Encode() []byte {
	var out []byte
	sub := func(typ byte, payload []byte) {
		out = append(out, typ)
		out = AppendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	var p []byte
	for _, v := range []uint32{d.MemInfo.MemorySize, d.MemInfo.MemoryAlign, d.MemInfo.TableSize, d.MemInfo.TableAlign} {
		p = AppendU32(p, v)
	}
	sub(DylinkMemInfo, p)
	if len(d.Needed) > 0 {
		sub(DylinkNeeded, appendNames(nil, d.Needed))
	}
	if len(d.ExportInfo) > 0 {
		p = AppendU32(nil, uint32(len(d.ExportInfo)))
		for _, s := range d.ExportInfo {
			p = AppendName(p, s.Name)
			p = AppendU32(p, s.Flags)
		}
		sub(DylinkExportInfo, p)
	}
	if len(d.ImportInfo) > 0 {
		p = AppendU32(nil, uint32(len(d.ImportInfo)))
		for _, s := range d.ImportInfo {
			p = AppendName(p, s.Module)
			p = AppendName(p, s.Field)
			p = AppendU32(p, s.Flags)
		}
		sub(DylinkImportInfo, p)
	}
	if len(d.RuntimePath) > 0 {
		sub(DylinkRuntimePath, appendNames(nil, d.RuntimePath))
	}
	return out
}

func appendNames(b []byte, names []string) []byte {
	b = AppendU32(b, uint32(len(names)))
	for _, n := range names {
		b = AppendName(b, n)
	}
	return b
}

// AppendU32 appends v as unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// AppendS64 appends v as signed LEB128.
func AppendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendName appends a length-prefixed name.
func AppendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}

// WithDylink returns a copy of the module with its dylink.0 section replaced
// by d (or inserted as the first section if it has none). The module must
// parse; a legacy "dylink" section is replaced by a dylink.0 one.
func WithDylink(module []byte, d *Dylink) ([]byte, error) {
	f, err := Parse(module)
	if err != nil {
		return nil, err
	}
	var payload []byte
	payload = AppendName(payload, "dylink.0")
	payload = append(payload, d.Encode()...)
	out := append([]byte{}, module[:8]...)
	out = append(out, SectionCustom)
	out = AppendU32(out, uint32(len(payload)))
	out = append(out, payload...)
	for _, s := range f.Sections {
		if s.ID == SectionCustom && (s.Name == "dylink.0" || s.Name == "dylink") {
			continue
		}
		out = append(out, module[s.Offset:s.DataOffset+int64(s.Size)]...)
	}
	return out, nil
}

// RenameImports returns a copy of the module whose import entry i is
// renamed to names[i] (module and field), for every i in names; other
// imports and every other section are kept byte for byte. The loader uses
// it to point a module's imports at the instances that provide them.
func RenameImports(module []byte, f *File, names map[int][2]string) ([]byte, error) {
	var sec *Section
	for i := range f.Sections {
		if f.Sections[i].ID == SectionImport {
			sec = &f.Sections[i]
		}
	}
	if sec == nil || len(names) == 0 {
		return module, nil
	}
	end := sec.DataOffset + int64(sec.Size)
	payload := AppendU32(make([]byte, 0, sec.Size+64), uint32(len(f.Imports)))
	for i := range f.Imports {
		im := &f.Imports[i]
		// The descriptor follows the two names; it ends where the next
		// entry (or the section) starts.
		c := &cursor{b: module, off: int(im.Offset), end: int(end)}
		if _, err := c.name(); err != nil {
			return nil, err
		}
		if _, err := c.name(); err != nil {
			return nil, err
		}
		descEnd := end
		if i+1 < len(f.Imports) {
			descEnd = f.Imports[i+1].Offset
		}
		mod, field := im.Module, im.Name
		if n, ok := names[i]; ok {
			mod, field = n[0], n[1]
		}
		payload = AppendName(payload, mod)
		payload = AppendName(payload, field)
		payload = append(payload, module[c.off:descEnd]...)
	}
	out := make([]byte, 0, len(module)+len(payload)-int(sec.Size)+8)
	out = append(out, module[:sec.Offset]...)
	out = append(out, SectionImport)
	out = AppendU32(out, uint32(len(payload)))
	out = append(out, payload...)
	out = append(out, module[end:]...)
	return out, nil
}

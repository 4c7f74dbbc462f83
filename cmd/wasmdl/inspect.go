package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

func init() {
	register("inspect", "print a module's kind, dylink.0 metadata, imports by role and exported symbols", inspectMain)
}

const inspectUsage = `usage: wasmdl inspect [--json] FILE...

For each module: its kind (shared library, PIE main, non-PIE main, plain
module), its dylink.0 section (memory and table size and alignment, needed
libraries, runtime paths, export and import info with flags), its imports
grouped by their role in the dynamic-linking ABI (weak ones marked), and the
symbols it exports (functions with signatures; data with offsets relative to
__memory_base, absolute addresses for a non-PIE main, or offsets from
__tls_base for TLS). --json prints the same as JSON (see README.md, "wasmdl inspect").

Exit status: 0 ok, 2 usage or an unreadable file (the others are still shown).
`

// inspectSchema is the version of the --json output. It changes only when
// a field is removed or changes meaning; new fields may be added.
const inspectSchema = 1

// InspectReport is the --json output of "wasmdl inspect", schema version 1.
// Every list is present (possibly empty) and in file order unless said
// otherwise; values that may be unknown are null.
//
//	{
//	  "schema": 1,
//	  "files": [{
//	    "file": "lib/libfoo.so",        // as given on the command line
//	    "error": "offset 0x1f3: ...",   // only for unreadable files; nothing else is set then
//	    "kind": "shared_library",       // shared_library | pie_main | main | plain
//	    "pic": true,                    // imports env.__memory_base
//	    "module_name": "libfoo.so",     // from the name section, "" if none
//	    "entry_points": ["_start"],     // exported entry functions wasmdl recognises
//	    "start_function": 3,            // index of the start function, or null
//	    "abi_exports": ["__wasm_call_ctors"], // exports that belong to the linking machinery
//	    "dylink": {                     // null without a dylink.0 (or legacy dylink) section
//	      "section": "dylink.0",        // or "dylink" (pre-LLVM-13)
//	      "offset": 8,                  // file offset of the section
//	      "memory_size": 36, "memory_align_log2": 2,
//	      "table_size": 0, "table_align_log2": 0,
//	      "needed": ["libbar.so"],
//	      "runtime_path": ["$ORIGIN/deps"],
//	      "export_info": [{"name": "tls_x", "flags": 256, "flag_names": ["TLS"]}],
//	      "import_info": [{"module": "env", "field": "f", "flags": 17, "flag_names": ["WEAK", "UNDEFINED"]}],
//	      "unknown_subsections": [{"type": 127, "offset": 21, "size": 3}]
//	    },
//	    "tls": {"size": 32, "align": 16},   // from __tls_size/__tls_align, or null
//	    "imports": [{
//	      "module": "GOT.mem", "name": "foo_counter",
//	      "kind": "global",             // func | table | memory | global | tag
//	      "role": "got_mem",            // see below
//	      "weak": false,                // flagged WASM_SYM_BINDING_WEAK in IMPORT_INFO
//	      "type": "mut i32"             // signature, global type, or limits
//	    }],
//	    "symbols": [{
//	      "name": "foo_counter",
//	      "kind": "data",               // func | data | tls
//	      "index": 9,                   // function index, or index of the global holding the address
//	      "signature": "(i32) -> i32",  // functions only
//	      "value": 20,                  // data and tls; null when not a constant
//	      "base": "__memory_base",      // data: __memory_base | absolute; tls: __tls_base
//	      "weak": false                 // flagged weak in EXPORT_INFO
//	    }]
//	  }]
//	}
//
// Roles: memory, table, stack_pointer, memory_base, table_base, got_mem,
// got_func, function (env functions), wasi, tag, global (other env globals),
// other.
type InspectReport struct {
	Schema int           `json:"schema"`
	Files  []InspectFile `json:"files"`
}

// InspectFile describes one module; see [InspectReport].
type InspectFile struct {
	File          string          `json:"file"`
	Error         string          `json:"error,omitempty"`
	Kind          string          `json:"kind,omitempty"`
	PIC           bool            `json:"pic"`
	ModuleName    string          `json:"module_name"`
	EntryPoints   []string        `json:"entry_points"`
	StartFunction *uint32         `json:"start_function"`
	ABIExports    []string        `json:"abi_exports"`
	Dylink        *InspectDylink  `json:"dylink"`
	TLS           *InspectTLS     `json:"tls"`
	Imports       []InspectImport `json:"imports"`
	Symbols       []InspectSymbol `json:"symbols"`
	file          *wasmfile.File  // for the text output
	kind          wasmfile.Kind   // for the text output
	roles         []wasmfile.ImportRole
}

// MarshalJSON writes only "file" and "error" for an unreadable file.
func (f InspectFile) MarshalJSON() ([]byte, error) {
	if f.Error != "" {
		return json.Marshal(struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{f.File, f.Error})
	}
	type plain InspectFile // without this method
	return json.Marshal(plain(f))
}

// InspectDylink is the dylink.0 section; see [InspectReport].
type InspectDylink struct {
	Section            string              `json:"section"`
	Offset             int64               `json:"offset"`
	MemorySize         uint32              `json:"memory_size"`
	MemoryAlignLog2    uint32              `json:"memory_align_log2"`
	TableSize          uint32              `json:"table_size"`
	TableAlignLog2     uint32              `json:"table_align_log2"`
	Needed             []string            `json:"needed"`
	RuntimePath        []string            `json:"runtime_path"`
	ExportInfo         []InspectExportInfo `json:"export_info"`
	ImportInfo         []InspectImportInfo `json:"import_info"`
	UnknownSubsections []InspectSubsection `json:"unknown_subsections"`
}

// InspectExportInfo is one EXPORT_INFO entry.
type InspectExportInfo struct {
	Name      string   `json:"name"`
	Flags     uint32   `json:"flags"`
	FlagNames []string `json:"flag_names"`
}

// InspectImportInfo is one IMPORT_INFO entry.
type InspectImportInfo struct {
	Module    string   `json:"module"`
	Field     string   `json:"field"`
	Flags     uint32   `json:"flags"`
	FlagNames []string `json:"flag_names"`
}

// InspectSubsection is a dylink.0 subsection wasmdl does not know.
type InspectSubsection struct {
	Type   byte   `json:"type"`
	Offset int64  `json:"offset"`
	Size   uint32 `json:"size"`
}

// InspectTLS is the module's thread-local block.
type InspectTLS struct {
	Size  int32 `json:"size"`
	Align int32 `json:"align"`
}

// InspectImport is one import with its ABI role.
type InspectImport struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Role   string `json:"role"`
	Weak   bool   `json:"weak"`
	Type   string `json:"type"`
}

// InspectSymbol is one exported symbol.
type InspectSymbol struct {
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	Index     uint32  `json:"index"`
	Signature string  `json:"signature,omitempty"`
	Value     *uint32 `json:"value,omitempty"`
	Base      string  `json:"base,omitempty"`
	Weak      bool    `json:"weak"`
}

var kindIDs = map[wasmfile.Kind]string{
	wasmfile.KindSharedLibrary: "shared_library",
	wasmfile.KindPIEMain:       "pie_main",
	wasmfile.KindMain:          "main",
	wasmfile.KindPlain:         "plain",
}

var roleIDs = map[wasmfile.ImportRole]string{
	wasmfile.RoleMemory: "memory", wasmfile.RoleTable: "table", wasmfile.RoleStackPointer: "stack_pointer",
	wasmfile.RoleMemoryBase: "memory_base", wasmfile.RoleTableBase: "table_base",
	wasmfile.RoleGOTMem: "got_mem", wasmfile.RoleGOTFunc: "got_func", wasmfile.RoleFunc: "function",
	wasmfile.RoleWASI: "wasi", wasmfile.RoleTag: "tag", wasmfile.RoleGlobal: "global", wasmfile.RoleOther: "other",
}

// inspectMain runs "wasmdl inspect". Unreadable files are reported on
// stderr and the others are still shown.
func inspectMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("inspect", inspectUsage, stdout, stderr)
	asJSON := fset.Bool("json", false, fmt.Sprintf("print JSON (schema %d) instead of text", inspectSchema))
	if status := fset.parse(args, 1); status >= 0 {
		return status
	}
	status := 0
	report := InspectReport{Schema: inspectSchema, Files: []InspectFile{}}
	for i, name := range fset.Args() {
		info, err := inspectFile(name)
		if err != nil {
			msg := openError(err)
			fmt.Fprintf(stderr, "wasmdl: %s: %s\n", safe(name), safe(msg))
			status = 2
			report.Files = append(report.Files, InspectFile{File: name, Error: msg})
			continue
		}
		report.Files = append(report.Files, *info)
		if !*asJSON {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			writeInspectText(stdout, info)
		}
	}
	if *asJSON {
		if status := writeJSON(stdout, stderr, report); status >= 0 {
			return status
		}
	}
	return status
}

// inspectFile reads one module and describes it.
func inspectFile(name string) (*InspectFile, error) {
	f, err := wasmfile.Open(name)
	if err != nil {
		return nil, err
	}
	info := &InspectFile{
		File: name, file: f, kind: f.Kind(), PIC: f.IsPIC(),
		EntryPoints: []string{}, ABIExports: []string{}, Imports: []InspectImport{}, Symbols: []InspectSymbol{},
	}
	info.Kind = kindIDs[info.kind]
	if f.Names != nil {
		info.ModuleName = f.Names.Module
	}
	for _, e := range wasmfile.EntryPoints {
		if x, ok := f.Export(e); ok && x.Kind == wasmfile.KindFunc {
			info.EntryPoints = append(info.EntryPoints, e)
		}
	}
	for _, e := range f.Exports {
		if wasmfile.IsABIExport(e.Name) {
			info.ABIExports = append(info.ABIExports, e.Name)
		}
	}
	if f.HasStart {
		start := f.Start
		info.StartFunction = &start
	}
	if f.Dylink != nil {
		info.Dylink = describeDylink(f)
	}
	if size, ok := f.ExportedGlobalValue(wasmfile.NameTLSSize); ok {
		info.TLS = &InspectTLS{Size: size, Align: 1}
		if al, ok := f.ExportedGlobalValue(wasmfile.NameTLSAlign); ok {
			info.TLS.Align = al
		}
	}
	for _, ci := range f.ClassifyImports() {
		info.Imports = append(info.Imports, InspectImport{
			Module: ci.Module, Name: ci.Name, Kind: ci.Kind.String(), Role: roleIDs[ci.Role],
			Weak: ci.Weak, Type: importType(f, ci.Import),
		})
		info.roles = append(info.roles, ci.Role)
	}
	for _, s := range f.Symbols() {
		info.Symbols = append(info.Symbols, describeSymbol(f, info.kind, s))
	}
	return info, nil
}

func describeDylink(f *wasmfile.File) *InspectDylink {
	d := f.Dylink
	out := &InspectDylink{
		Section: d.SectionName, MemorySize: d.MemInfo.MemorySize, MemoryAlignLog2: d.MemInfo.MemoryAlign,
		TableSize: d.MemInfo.TableSize, TableAlignLog2: d.MemInfo.TableAlign,
		Needed: append([]string{}, d.Needed...), RuntimePath: append([]string{}, d.RuntimePath...),
		ExportInfo: []InspectExportInfo{}, ImportInfo: []InspectImportInfo{}, UnknownSubsections: []InspectSubsection{},
	}
	for _, s := range f.Sections {
		if s.ID == wasmfile.SectionCustom && s.Name == d.SectionName {
			out.Offset = s.Offset
			break
		}
	}
	for _, e := range d.ExportInfo {
		out.ExportInfo = append(out.ExportInfo, InspectExportInfo{Name: e.Name, Flags: e.Flags, FlagNames: flagNames(e.Flags)})
	}
	for _, i := range d.ImportInfo {
		out.ImportInfo = append(out.ImportInfo, InspectImportInfo{Module: i.Module, Field: i.Field, Flags: i.Flags, FlagNames: flagNames(i.Flags)})
	}
	for _, s := range d.Subsections {
		if s.Type < wasmfile.DylinkMemInfo || s.Type > wasmfile.DylinkRuntimePath {
			out.UnknownSubsections = append(out.UnknownSubsections, InspectSubsection{Type: s.Type, Offset: s.FileOff, Size: s.Size})
		}
	}
	return out
}

func flagNames(flags uint32) []string {
	if flags == 0 {
		return []string{}
	}
	return strings.Split(wasmfile.FlagsString(flags), "|")
}

func describeSymbol(f *wasmfile.File, kind wasmfile.Kind, s wasmfile.Symbol) InspectSymbol {
	out := InspectSymbol{Name: s.Name, Index: s.Index, Weak: s.Weak}
	switch {
	case s.Func:
		out.Kind = "func"
		if t, ok := f.FuncType(s.Index); ok {
			out.Signature = t.String()
		}
		return out
	case s.TLS:
		out.Kind, out.Base = "tls", wasmfile.NameTLSBase
	case kind == wasmfile.KindMain || kind == wasmfile.KindPlain:
		// A module at fixed addresses exports absolute addresses.
		out.Kind, out.Base = "data", "absolute"
	default:
		out.Kind, out.Base = "data", wasmfile.NameMemoryBase
	}
	if s.ValueKnown {
		v := s.Value
		out.Value = &v
	}
	return out
}

// importType describes what an import expects: a signature, a global type,
// or limits.
func importType(f *wasmfile.File, im *wasmfile.Import) string {
	switch im.Kind {
	case wasmfile.KindFunc:
		if int(im.TypeIndex) < len(f.Types) {
			return f.Types[im.TypeIndex].String()
		}
	case wasmfile.KindTable:
		return im.Table.Elem.String() + " " + im.Table.Limits.String()
	case wasmfile.KindMemory:
		return im.Memory.Limits.String()
	case wasmfile.KindGlobal:
		return im.Global.String()
	case wasmfile.KindTag:
		if int(im.Tag.TypeIndex) < len(f.Types) {
			return f.Types[im.Tag.TypeIndex].String()
		}
	}
	return "?"
}

// roleOrder is the order of the import groups in the text output: the
// shared machinery first, then what binds to other modules.
var roleOrder = []wasmfile.ImportRole{
	wasmfile.RoleMemory, wasmfile.RoleTable, wasmfile.RoleStackPointer, wasmfile.RoleMemoryBase,
	wasmfile.RoleTableBase, wasmfile.RoleGlobal, wasmfile.RoleGOTMem, wasmfile.RoleGOTFunc,
	wasmfile.RoleFunc, wasmfile.RoleTag, wasmfile.RoleWASI, wasmfile.RoleOther,
}

// writeInspectText prints one module in the manner of readelf -d: a header,
// then one aligned table per part.
func writeInspectText(w io.Writer, info *InspectFile) {
	f := info.file
	fmt.Fprintf(w, "File: %s\n", safe(info.File))
	kind := info.kind.String()
	switch {
	case info.PIC:
		kind += " (position-independent)"
	case info.kind == wasmfile.KindMain:
		kind += " (fixed addresses)"
	}
	fmt.Fprintf(w, "Kind: %s\n", kind)
	if info.ModuleName != "" {
		fmt.Fprintf(w, "Module name: %s\n", safe(info.ModuleName))
	}
	if len(info.EntryPoints) > 0 {
		fmt.Fprintf(w, "Entry points: %s\n", strings.Join(info.EntryPoints, ", "))
	}
	if len(info.ABIExports) > 0 {
		fmt.Fprintf(w, "ABI exports: %s\n", strings.Join(info.ABIExports, ", "))
	}
	if info.StartFunction != nil {
		start := fmt.Sprintf("func[%d]", *info.StartFunction)
		if n := f.FuncName(*info.StartFunction); n != "" {
			start += " <" + safe(n) + ">"
		}
		fmt.Fprintf(w, "Start function: %s\n", start)
	}
	if info.TLS != nil {
		fmt.Fprintf(w, "Thread-local storage: %d bytes, alignment %d\n", info.TLS.Size, info.TLS.Align)
	}
	writeDylinkText(w, f)
	writeImportsText(w, info)
	writeSymbolsText(w, info)
}

func writeDylinkText(w io.Writer, f *wasmfile.File) {
	d := f.Dylink
	if d == nil {
		fmt.Fprintln(w, "\nThere is no dylink.0 section in this module.")
		return
	}
	var rows [][]string
	memInfo := func() {
		m := d.MemInfo
		rows = append(rows,
			[]string{"(MEM_INFO)", fmt.Sprintf("Memory size: %d bytes, alignment: %d (2^%d)", m.MemorySize, uint64(1)<<m.MemoryAlign, m.MemoryAlign)},
			[]string{"(MEM_INFO)", fmt.Sprintf("Table size: %d slots, alignment: %d (2^%d)", m.TableSize, uint64(1)<<m.TableAlign, m.TableAlign)})
	}
	needed := func() {
		for _, n := range d.Needed {
			rows = append(rows, []string{"(NEEDED)", fmt.Sprintf("Shared library: [%s]", safe(n))})
		}
	}
	count := len(d.Subsections)
	if d.Legacy() {
		memInfo()
		needed()
		count = 2
	}
	for _, s := range d.Subsections {
		switch s.Type {
		case wasmfile.DylinkMemInfo:
			memInfo()
		case wasmfile.DylinkNeeded:
			needed()
		case wasmfile.DylinkRuntimePath:
			for _, p := range d.RuntimePath {
				rows = append(rows, []string{"(RUNTIME_PATH)", fmt.Sprintf("Library runpath: [%s]", safe(p))})
			}
		case wasmfile.DylinkExportInfo:
			for _, e := range d.ExportInfo {
				rows = append(rows, []string{"(EXPORT_INFO)", fmt.Sprintf("%s: %s", safe(e.Name), wasmfile.FlagsString(e.Flags))})
			}
		case wasmfile.DylinkImportInfo:
			for _, i := range d.ImportInfo {
				rows = append(rows, []string{"(IMPORT_INFO)", fmt.Sprintf("%s.%s: %s", safe(i.Module), safe(i.Field), wasmfile.FlagsString(i.Flags))})
			}
		default:
			rows = append(rows, []string{"(" + wasmfile.SubsectionName(s.Type) + ")",
				fmt.Sprintf("%d bytes at offset 0x%x, skipped", s.Size, s.FileOff)})
		}
	}
	var off int64
	for _, s := range f.Sections {
		if s.ID == wasmfile.SectionCustom && s.Name == d.SectionName {
			off = s.Offset
			break
		}
	}
	plural := "s"
	if count == 1 {
		plural = ""
	}
	fmt.Fprintf(w, "\nDynamic section %q at offset 0x%x contains %d subsection%s:\n", d.SectionName, off, count, plural)
	writeTable(w, []string{"Type", "Name/Value"}, rows)
}

func writeImportsText(w io.Writer, info *InspectFile) {
	if len(info.Imports) == 0 {
		fmt.Fprintln(w, "\nThere are no imports in this module.")
		return
	}
	// Group by role, keeping import order within a group.
	idx := make([]int, len(info.Imports))
	for i := range idx {
		idx[i] = i
	}
	rank := map[wasmfile.ImportRole]int{}
	for i, r := range roleOrder {
		rank[r] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rank[info.roles[idx[a]]] < rank[info.roles[idx[b]]] })
	var rows [][]string
	for _, i := range idx {
		im := info.Imports[i]
		weak := ""
		if im.Weak {
			weak = "weak"
		}
		rows = append(rows, []string{info.roles[i].String(), im.Kind, safe(im.Module + "." + im.Name), im.Type, weak})
	}
	fmt.Fprintf(w, "\nImports (%d):\n", len(info.Imports))
	writeTable(w, []string{"Role", "Kind", "Import", "Type", ""}, rows)
}

func writeSymbolsText(w io.Writer, info *InspectFile) {
	if len(info.Symbols) == 0 {
		fmt.Fprintln(w, "\nThere are no exported symbols in this module.")
		return
	}
	var rows [][]string
	for _, s := range info.Symbols {
		value, detail := "", s.Signature
		switch {
		case s.Kind == "func":
			value = fmt.Sprintf("func[%d]", s.Index)
		case s.Value != nil:
			value = fmt.Sprintf("0x%08x", *s.Value)
		default:
			value = "?"
		}
		if s.Weak {
			detail = strings.TrimSpace(detail + " [weak]")
		}
		rows = append(rows, []string{strings.ToUpper(s.Kind), value, s.Base, safe(s.Name), detail})
	}
	fmt.Fprintf(w, "\nExported symbols (%d):\n", len(info.Symbols))
	writeTable(w, []string{"Type", "Value", "Base", "Name", "Signature"}, rows)
}

// writeTable prints rows in aligned columns, two spaces apart and indented
// by two, with no trailing blanks.
func writeTable(w io.Writer, header []string, rows [][]string) {
	all := append([][]string{header}, rows...)
	width := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			if i < len(width) && len(c) > width[i] {
				width[i] = len(c)
			}
		}
	}
	for _, r := range all {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

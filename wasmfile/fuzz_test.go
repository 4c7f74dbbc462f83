package wasmfile

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse and, when they parse, calls every
// accessor. The only property is that nothing panics or exhausts memory,
// errors are *FormatError with an offset inside the input, and a module's
// dylink.0 survives an Encode/WithDylink round trip. Seeded with every
// module under testdata/.
func FuzzParse(f *testing.F) {
	for _, p := range fixtures(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(module(custom("dylink.0", subsec(DylinkRuntimePath, leb(1), str("$ORIGIN")))))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			checkFormatError(t, err, len(b))
			return
		}
		exercise(t, file)
	})
}

// FuzzDylink fuzzes the dylink.0 (and legacy dylink) payload decoder
// directly, seeded with the payloads of every fixture that has one. A
// payload that decodes must encode back to the same metadata.
func FuzzDylink(f *testing.F) {
	for _, p := range fixtures(f) {
		file, err := Open(p)
		if err != nil || file.Dylink == nil {
			continue
		}
		cs, _ := file.Custom(file.Dylink.SectionName)
		f.Add(file.Dylink.Legacy(), cs.Bytes())
	}
	f.Add(false, subsec(0x7f, raw(1, 2, 3)))
	f.Add(true, cat(memInfo(16, 2, 0, 0), leb(1), str("libold.so")))
	f.Fuzz(func(t *testing.T, legacy bool, payload []byte) {
		name := "dylink.0"
		if legacy {
			name = "dylink"
		}
		c := &cursor{b: payload, end: len(payload), section: "custom section"}
		d, err := readDylink(c, name)
		if err != nil {
			checkFormatError(t, err, len(payload))
			return
		}
		enc := d.Encode()
		c = &cursor{b: enc, end: len(enc)}
		d2, err := readDylink(c, "dylink.0")
		if err != nil {
			t.Fatalf("re-decoding Encode() output: %v", err)
		}
		d2.SectionName = d.SectionName
		if !sameDylinkLoose(d, d2) {
			t.Fatalf("round trip changed the section:\n%+v\n%+v", d, d2)
		}
	})
}

func checkFormatError(t *testing.T, err error, n int) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T %v is not a *FormatError", err, err)
	}
	if fe.Off < 0 || fe.Off > int64(n) {
		t.Fatalf("error offset 0x%x outside the %d-byte input: %v", fe.Off, n, err)
	}
}

// sameDylinkLoose is sameDylink with empty and nil lists considered equal
// (Encode omits empty subsections).
func sameDylinkLoose(a, b *Dylink) bool {
	norm := func(d *Dylink) Dylink {
		x := *d
		x.Subsections, x.sectionIndex, x.sectionOff = nil, 0, 0
		if len(x.Needed) == 0 {
			x.Needed = nil
		}
		if len(x.ExportInfo) == 0 {
			x.ExportInfo = nil
		}
		if len(x.ImportInfo) == 0 {
			x.ImportInfo = nil
		}
		if len(x.RuntimePath) == 0 {
			x.RuntimePath = nil
		}
		return x
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// exercise calls every accessor of a parsed module.
func exercise(t *testing.T, f *File) {
	_ = f.Kind()
	_ = f.IsPIC()
	_ = f.HasEntry()
	_ = f.ImportsModule("GOT.")
	for _, ci := range f.ClassifyImports() {
		_ = ci.Role.String()
	}
	for _, s := range f.Symbols() {
		if s.Func {
			f.FuncType(s.Index)
		}
	}
	nf := uint64(f.NumImportedFuncs()) + uint64(len(f.Funcs))
	for i := uint64(0); i <= nf && i < 1<<16; i++ {
		f.FuncType(uint32(i))
		f.ImportedFunc(uint32(i))
		_ = f.FuncName(uint32(i))
	}
	ng := uint64(f.NumImportedGlobals()) + uint64(len(f.Globals))
	for i := uint64(0); i <= ng && i < 1<<16; i++ {
		f.GlobalType(uint32(i))
		f.ImportedGlobal(uint32(i))
		f.GlobalValue(uint32(i))
		_ = f.GlobalName(uint32(i))
	}
	f.FuncType(^uint32(0))
	f.GlobalType(^uint32(0))
	_, _ = f.NumImportedTables(), f.NumImportedMemories()
	for _, e := range f.Exports {
		f.Export(e.Name)
		f.ExportedGlobalValue(e.Name)
	}
	for _, c := range f.Customs {
		f.Custom(c.Name)
		_ = c.Bytes()
	}
	eval := func(g uint32) (uint64, bool) {
		v, ok := f.GlobalValue(g)
		return uint64(v), ok
	}
	for _, g := range f.Globals {
		_ = g.Init.String()
		g.Init.Eval(eval)
		_ = g.Type.String()
	}
	for i := range f.Elements {
		e := &f.Elements[i]
		_ = e.Offset.String()
		e.Offset.Eval(eval)
		_ = e.Count()
	}
	for i := range f.Data {
		d := &f.Data[i]
		_ = d.Offset.String()
		d.Offset.Eval(eval)
		if len(d.Bytes()) != int(d.Size) {
			t.Fatalf("data[%d]: %d bytes, size %d", i, len(d.Bytes()), d.Size)
		}
	}
	for i := range f.Code {
		_ = f.Code[i].Bytes()
		// Parse decoded every body already.
		if _, err := f.Instructions(i); err != nil {
			t.Fatalf("body %d of a module that parsed: %v", i, err)
		}
	}
	for _, ty := range f.Types {
		_ = ty.String()
	}
	if f.Dylink != nil {
		for _, s := range f.Dylink.ExportInfo {
			_ = FlagsString(s.Flags)
		}
		out, err := WithDylink(f.Raw(), f.Dylink)
		if err != nil {
			t.Fatalf("WithDylink of a module that parsed: %v", err)
		}
		g, err := Parse(out)
		if err != nil {
			t.Fatalf("module rewritten by WithDylink does not parse: %v", err)
		}
		d := *g.Dylink
		d.SectionName = f.Dylink.SectionName
		if !sameDylinkLoose(&d, f.Dylink) {
			t.Fatalf("WithDylink changed dylink.0:\n%+v\n%+v", f.Dylink, g.Dylink)
		}
	}
}

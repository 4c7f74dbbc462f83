package wasmfile

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

func memInfo(mem, memAlign, table, tableAlign uint32) []byte {
	return cat(leb(mem), leb(memAlign), leb(table), leb(tableAlign))
}

// sameDylink compares the decoded fields of two sections, ignoring where
// they were found.
func sameDylink(a, b *Dylink) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	x.Subsections, y.Subsections = nil, nil
	x.sectionIndex, y.sectionIndex = 0, 0
	x.sectionOff, y.sectionOff = 0, 0
	return reflect.DeepEqual(x, y)
}

func TestDylinkDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want *Dylink
		subs []Subsection
	}{
		{
			name: "all five subsections",
			in: module(custom("dylink.0",
				subsec(DylinkMemInfo, memInfo(1040, 4, 3, 1)),
				subsec(DylinkNeeded, leb(2), str("libbar.so"), str("libext.so")),
				subsec(DylinkExportInfo, leb(1), str("tls_x"), leb(SymTLS)),
				subsec(DylinkImportInfo, leb(2), str("env"), str("weak_missing"), leb(0x11), str("GOT.mem"), str("v"), leb(0)),
				subsec(DylinkRuntimePath, leb(2), str("$ORIGIN/deps"), str("${ORIGIN}")),
			)),
			want: &Dylink{
				SectionName: "dylink.0",
				MemInfo:     MemInfo{MemorySize: 1040, MemoryAlign: 4, TableSize: 3, TableAlign: 1},
				Needed:      []string{"libbar.so", "libext.so"},
				ExportInfo:  []SymbolInfo{{Name: "tls_x", Flags: SymTLS}},
				ImportInfo:  []ImportInfo{{Module: "env", Field: "weak_missing", Flags: 0x11}, {Module: "GOT.mem", Field: "v"}},
				RuntimePath: []string{"$ORIGIN/deps", "${ORIGIN}"},
			},
			subs: []Subsection{
				{Type: 1, FileOff: 21, Size: 5}, {Type: 2, FileOff: 28, Size: 21}, {Type: 3, FileOff: 51, Size: 9},
				{Type: 4, FileOff: 62, Size: 30}, {Type: 5, FileOff: 94, Size: 24},
			},
		},
		{
			name: "unknown subsection skipped by its length",
			in: module(custom("dylink.0",
				subsec(0x7f, raw(0xde, 0xad, 0xbe)),
				subsec(DylinkNeeded, leb(1), str("liba.so")),
				subsec(6, nil),
			)),
			want: &Dylink{SectionName: "dylink.0", Needed: []string{"liba.so"}},
			subs: []Subsection{{Type: 0x7f, FileOff: 21, Size: 3}, {Type: 2, FileOff: 26, Size: 9}, {Type: 6, FileOff: 37}},
		},
		{
			name: "empty section",
			in:   module(custom("dylink.0")),
			want: &Dylink{SectionName: "dylink.0"},
		},
		{
			name: "legacy dylink section",
			in:   module(custom("dylink", memInfo(16, 2, 1, 0), leb(1), str("libold.so"))),
			want: &Dylink{SectionName: "dylink", MemInfo: MemInfo{MemorySize: 16, MemoryAlign: 2, TableSize: 1},
				Needed: []string{"libold.so"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !sameDylink(f.Dylink, tt.want) {
				t.Errorf("Dylink = %+v\nwant     %+v", f.Dylink, tt.want)
			}
			if !reflect.DeepEqual(f.Dylink.Subsections, tt.subs) {
				t.Errorf("Subsections = %+v\nwant          %+v", f.Dylink.Subsections, tt.subs)
			}
			if f.Dylink.Legacy() != (tt.want.SectionName == "dylink") {
				t.Errorf("Legacy() = %v", f.Dylink.Legacy())
			}
			for _, s := range f.Dylink.Subsections {
				if s.FileOff+int64(s.Size) > int64(len(tt.in)) {
					t.Errorf("subsection %+v runs past the file", s)
				}
			}
		})
	}
}

func TestDylinkErrors(t *testing.T) {
	typeSec := section(SectionType, leb(0))
	dylink := func(subs ...[]byte) []byte { return custom("dylink.0", subs...) }
	tests := []struct {
		name     string
		in       []byte
		wantErr  string
		sentinel error
	}{
		{"dylink.0 after a known section", module(typeSec, dylink()),
			`offset 0xb: custom section "dylink.0": must be the first section of the module`, ErrSectionOrder},
		{"dylink.0 after another custom section", module(custom("producers"), dylink()),
			`offset 0x14: custom section "dylink.0": must be the first section of the module`, ErrSectionOrder},
		{"legacy dylink not first", module(typeSec, custom("dylink", memInfo(0, 0, 0, 0), leb(0))),
			`offset 0xb: custom section "dylink": must be the first section of the module`, ErrSectionOrder},
		{"second dylink section", module(dylink(), dylink()),
			`offset 0x13: custom section "dylink.0": second dylink section: section out of order`, ErrSectionOrder},
		{"duplicate subsection", module(dylink(subsec(DylinkNeeded, leb(0)), subsec(DylinkNeeded, leb(0)))),
			`offset 0x16: custom section "dylink.0": needed: duplicate subsection`, nil},
		{"subsection past the end", module(dylink(raw(DylinkNeeded, 9, 0))),
			`offset 0x13: custom section "dylink.0": needed: length 9, 1 bytes left: unexpected end of data`, ErrUnexpectedEOF},
		{"subsection with bytes left over", module(dylink(subsec(DylinkNeeded, leb(0), raw(0)))),
			`offset 0x16: custom section "dylink.0": needed: subsection declares 2 bytes but 1 are left unread`, nil},
		{"truncated mem_info", module(dylink(subsec(DylinkMemInfo, leb(16), leb(2)))),
			`offset 0x17: custom section "dylink.0": mem_info: in LEB128 number: unexpected end of data`, ErrUnexpectedEOF},
		{"alignment too large", module(dylink(subsec(DylinkMemInfo, memInfo(16, 32, 0, 0)))),
			`offset 0x16: custom section "dylink.0": mem_info: alignment 2^32 too large`, nil},
		{"overlong LEB128 in mem_info", module(dylink(subsec(DylinkMemInfo, raw(0x80, 0x80, 0x80, 0x80, 0x80, 0), memInfo(0, 0, 0, 0)[1:]))),
			`offset 0x15: custom section "dylink.0": mem_info: more than 5 bytes for u32: malformed LEB128 number`, ErrBadLEB128},
		{"needed count larger than the bytes left", module(dylink(subsec(DylinkNeeded, leb(3), str("a")))),
			`offset 0x15: custom section "dylink.0": needed: count 3, 2 bytes left: count larger than the bytes left`, ErrTooMany},
		{"invalid UTF-8 in a needed name", module(dylink(subsec(DylinkNeeded, leb(1), raw(3, 'l', 0xff, 'b')))),
			`offset 0x16: custom section "dylink.0": needed: name is not valid UTF-8`, ErrBadUTF8},
		{"invalid UTF-8 in a runtime path", module(dylink(subsec(DylinkRuntimePath, leb(1), raw(1, 0x80)))),
			`offset 0x16: custom section "dylink.0": runtime_path: name is not valid UTF-8`, ErrBadUTF8},
		{"truncated import_info", module(dylink(subsec(DylinkImportInfo, leb(1), str("env"), str("f")))),
			`offset 0x1c: custom section "dylink.0": import_info: in LEB128 number: unexpected end of data`, ErrUnexpectedEOF},
		{"truncated export_info", module(dylink(subsec(DylinkExportInfo, leb(1), str("x")))),
			`offset 0x18: custom section "dylink.0": export_info: in LEB128 number: unexpected end of data`, ErrUnexpectedEOF},
		{"bytes after the legacy needed list", module(custom("dylink", memInfo(0, 0, 0, 0), leb(0), raw(1))),
			`offset 0x16: custom section "dylink": needed: 1 bytes left after the needed list`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error\n got %s\nwant %s", err, tt.wantErr)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%T is not a *FormatError", err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tt.sentinel)
			}
		})
	}
}

// TestDylinkRoundTrip: Encode writes what the decoder reads back, and
// WithDylink replaces (or inserts) the section without touching the rest.
func TestDylinkRoundTrip(t *testing.T) {
	d := &Dylink{
		SectionName: "dylink.0",
		MemInfo:     MemInfo{MemorySize: 70000, MemoryAlign: 4, TableSize: 200, TableAlign: 0},
		Needed:      []string{"libbar.so", "sub/libx.so"},
		ExportInfo:  []SymbolInfo{{Name: "tls_counter", Flags: SymTLS}},
		ImportInfo:  []ImportInfo{{Module: "env", Field: "weak_fn", Flags: SymBindingWeak | SymUndefined}},
		RuntimePath: []string{"$ORIGIN/deps", "/opt/lib"},
	}
	for _, file := range []string{"libfoo.so", "libtls.so", "main.wasm", "em_side.wasm", "../seed/const_only.wasm"} {
		t.Run(file, func(t *testing.T) {
			orig, err := os.ReadFile("../testdata/reader/" + file)
			if err != nil {
				t.Fatal(err)
			}
			before, err := Parse(orig)
			if err != nil {
				t.Fatal(err)
			}
			out, err := WithDylink(orig, d)
			if err != nil {
				t.Fatal(err)
			}
			after, err := Parse(out)
			if err != nil {
				t.Fatalf("rewritten module does not parse: %v", err)
			}
			if !sameDylink(after.Dylink, d) {
				t.Errorf("Dylink after rewrite = %+v\nwant %+v", after.Dylink, d)
			}
			if after.Sections[0].Name != "dylink.0" {
				t.Errorf("first section %q", after.Sections[0].Name)
			}
			// Every other section is carried over byte for byte, in order.
			var want, got [][]byte
			for _, s := range before.Sections {
				if s.ID != SectionCustom || (s.Name != "dylink.0" && s.Name != "dylink") {
					want = append(want, orig[s.DataOffset:s.DataOffset+int64(s.Size)])
				}
			}
			for _, s := range after.Sections[1:] {
				got = append(got, out[s.DataOffset:s.DataOffset+int64(s.Size)])
			}
			if !reflect.DeepEqual(got, want) {
				t.Error("sections other than dylink.0 changed")
			}
			// Writing the module's own section back gives the original bytes
			// (wasm-ld writes subsections in type order, as Encode does).
			if before.Dylink != nil {
				same, err := WithDylink(orig, before.Dylink)
				if err != nil {
					t.Fatal(err)
				}
				if string(same) != string(orig) {
					t.Error("WithDylink(m, m's own dylink.0) changed the module")
				}
			}
		})
	}
	t.Run("Encode alone", func(t *testing.T) {
		f, err := Parse(module(custom("dylink.0", d.Encode())))
		if err != nil {
			t.Fatal(err)
		}
		if !sameDylink(f.Dylink, d) {
			t.Errorf("decoded %+v", f.Dylink)
		}
		var types []byte
		for _, s := range f.Dylink.Subsections {
			types = append(types, s.Type)
		}
		if string(types) != "\x01\x02\x03\x04\x05" {
			t.Errorf("subsection order % x", types)
		}
		if got := (&Dylink{}).Encode(); string(got) != "\x01\x04\x00\x00\x00\x00" {
			t.Errorf("empty Dylink encodes as % x, want MEM_INFO only", got)
		}
	})
	t.Run("legacy section replaced", func(t *testing.T) {
		in := module(custom("dylink", memInfo(16, 2, 0, 0), leb(1), str("libold.so")), section(SectionType, leb(0)))
		out, err := WithDylink(in, d)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if f.Dylink.Legacy() || !sameDylink(f.Dylink, d) || len(f.Sections) != 2 {
			t.Errorf("rewritten: %+v, %d sections", f.Dylink, len(f.Sections))
		}
	})
	t.Run("unreadable input", func(t *testing.T) {
		if _, err := WithDylink([]byte("MZ"), d); !errors.Is(err, ErrNotWasm) {
			t.Errorf("WithDylink(MZ) = %v", err)
		}
	})
}

func TestAppendLEB(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 16383, 16384, 1<<28 - 1, 1 << 28, ^uint32(0)} {
		c := &cursor{b: AppendU32(nil, v)}
		c.end = len(c.b)
		got, err := c.u32()
		if err != nil || got != v || c.left() != 0 {
			t.Errorf("u32 round trip of %d: %d, %v, %d left", v, got, err, c.left())
		}
	}
	for _, v := range []int64{0, 1, -1, 63, 64, -64, -65, 1 << 31, -1 << 31, 1<<63 - 1, -1 << 63} {
		c := &cursor{b: AppendS64(nil, v)}
		c.end = len(c.b)
		got, err := c.sleb(64)
		if err != nil || got != v || c.left() != 0 {
			t.Errorf("s64 round trip of %d: %d, %v, %d left", v, got, err, c.left())
		}
	}
}

func TestFlagsString(t *testing.T) {
	tests := []struct {
		flags uint32
		want  string
	}{
		{0, "0"},
		{SymBindingWeak | SymUndefined, "WEAK|UNDEFINED"},
		{SymTLS, "TLS"},
		{SymVisibilityHidden | 0x8000, "HIDDEN|0x8000"},
		{SymBindingLocal | SymExported | SymExplicitName | SymNoStrip | SymAbsolute, "LOCAL|EXPORTED|EXPLICIT_NAME|NO_STRIP|ABSOLUTE"},
	}
	for _, tt := range tests {
		if got := FlagsString(tt.flags); got != tt.want {
			t.Errorf("FlagsString(0x%x) = %q, want %q", tt.flags, got, tt.want)
		}
	}
	for typ, want := range map[byte]string{1: "MEM_INFO", 2: "NEEDED", 3: "EXPORT_INFO", 4: "IMPORT_INFO", 5: "RUNTIME_PATH", 9: "unknown(9)"} {
		if got := SubsectionName(typ); got != want {
			t.Errorf("SubsectionName(%d) = %q, want %q", typ, got, want)
		}
	}
}

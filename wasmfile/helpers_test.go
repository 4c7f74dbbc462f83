package wasmfile

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Helpers that assemble small modules byte by byte, so that each bad-input
// test shows exactly which bytes it feeds the reader.

var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// leb encodes v as unsigned LEB128.
func leb(v uint32) []byte { return AppendU32(nil, v) }

// str encodes a length-prefixed name.
func str(s string) []byte { return AppendName(nil, s) }

// raw returns its arguments as bytes.
func raw(b ...byte) []byte { return b }

// section frames a payload as a section with the given id.
func section(id byte, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat([]byte{id}, leb(uint32(len(p))), p)
}

// custom frames a custom section.
func custom(name string, payload ...[]byte) []byte {
	return section(SectionCustom, str(name), cat(payload...))
}

// subsec frames a dylink.0 subsection.
func subsec(typ byte, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat([]byte{typ}, leb(uint32(len(p))), p)
}

// module prefixes sections with the wasm header.
func module(sections ...[]byte) []byte { return cat(header, cat(sections...)) }

// fixtures returns every .wasm and .so file under ../testdata, sorted.
func fixtures(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("../testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".wasm" || ext == ".so") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("no fixtures under ../testdata")
	}
	return out
}

func mustOpen(t testing.TB, name string) *File {
	t.Helper()
	f, err := Open(name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	return f
}

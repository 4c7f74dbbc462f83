package wasmfile

import (
	"errors"
	"os"
	"testing"
)

func TestLEB128(t *testing.T) {
	tests := []struct {
		name    string
		bits    uint // 32 or 64; signed when negative width is wanted
		signed  bool
		in      []byte
		want    int64
		wantErr string
	}{
		{"u32 zero", 32, false, raw(0x00), 0, ""},
		{"u32 padded zero (allowed up to 5 bytes)", 32, false, raw(0x80, 0x80, 0x80, 0x80, 0x00), 0, ""},
		{"u32 max", 32, false, raw(0xff, 0xff, 0xff, 0xff, 0x0f), 1<<32 - 1, ""},
		{"u32 overflow", 32, false, raw(0xff, 0xff, 0xff, 0xff, 0x1f), 0, "offset 0x0: u32 overflows: malformed LEB128 number"},
		{"u32 overlong", 32, false, raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0, "offset 0x0: more than 5 bytes for u32: malformed LEB128 number"},
		{"u32 truncated", 32, false, raw(0x80, 0x80), 0, "offset 0x0: in LEB128 number: unexpected end of data"},
		{"u32 empty", 32, false, nil, 0, "offset 0x0: in LEB128 number: unexpected end of data"},
		{"u64 max", 64, false, raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), -1, ""},
		{"u64 overflow", 64, false, raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03), 0, "offset 0x0: u64 overflows: malformed LEB128 number"},
		{"u64 overlong", 64, false, raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0, "offset 0x0: more than 10 bytes for u64: malformed LEB128 number"},
		{"s32 minus one", 32, true, raw(0x7f), -1, ""},
		{"s32 min", 32, true, raw(0x80, 0x80, 0x80, 0x80, 0x78), -1 << 31, ""},
		{"s32 max", 32, true, raw(0xff, 0xff, 0xff, 0xff, 0x07), 1<<31 - 1, ""},
		{"s32 padded minus one", 32, true, raw(0xff, 0xff, 0xff, 0xff, 0x7f), -1, ""},
		{"s32 positive overflow", 32, true, raw(0xff, 0xff, 0xff, 0xff, 0x0f), 0, "offset 0x0: s32 overflows: malformed LEB128 number"},
		{"s32 negative overflow", 32, true, raw(0x80, 0x80, 0x80, 0x80, 0x70), 0, "offset 0x0: s32 overflows: malformed LEB128 number"},
		{"s32 overlong", 32, true, raw(0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 0, "offset 0x0: more than 5 bytes for s32: malformed LEB128 number"},
		{"s64 min", 64, true, raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f), -1 << 63, ""},
		{"s64 overflow", 64, true, raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0, "offset 0x0: s64 overflows: malformed LEB128 number"},
		{"s33 block type", 33, true, raw(0x40), -64, ""},
		{"s33 max", 33, true, raw(0xff, 0xff, 0xff, 0xff, 0x0f), 1<<32 - 1, ""},
		{"s33 overflow", 33, true, raw(0xff, 0xff, 0xff, 0xff, 0x1f), 0, "offset 0x0: s33 overflows: malformed LEB128 number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cursor{b: tt.in, end: len(tt.in)}
			var got int64
			var err error
			if tt.signed {
				got, err = c.sleb(tt.bits)
			} else {
				var u uint64
				u, err = c.uleb(tt.bits)
				got = int64(u)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
			if c.left() != 0 {
				t.Errorf("%d bytes left unread", c.left())
			}
		})
	}
}

// TestTruncated cuts a real library at every length: each prefix must fail
// with a *FormatError pointing inside the prefix, never panic.
func TestTruncated(t *testing.T) {
	b, err := os.ReadFile("../testdata/reader/libfoo.so")
	if err != nil {
		t.Fatal(err)
	}
	full, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	// A cut at a section boundary leaves a valid smaller module (the header
	// alone is the empty module), unless functions are declared and their
	// code section is cut off.
	boundary := map[int]bool{len(header): true}
	declared := false
	for _, s := range full.Sections {
		declared = declared && s.ID != SectionCode || s.ID == SectionFunction
		boundary[int(s.DataOffset)+int(s.Size)] = !declared
	}
	for n := 0; n < len(b); n++ {
		_, err := Parse(b[:n:n])
		if boundary[n] {
			if err != nil {
				t.Errorf("Parse(first %d bytes, a section boundary): %v", n, err)
			}
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("Parse(first %d bytes) = %v, want a *FormatError", n, err)
		}
		if fe.Off < 0 || fe.Off > int64(n) {
			t.Fatalf("Parse(first %d bytes): offset 0x%x outside the input", n, fe.Off)
		}
	}
	// Two cuts, pinned against wasm-objdump -h: the import section starts at
	// 0x60, its length (0x12a, LEB128 aa 02) at 0x61, its payload at 0x63.
	pins := []struct {
		n       int
		wantErr string
	}{
		{0x62, "offset 0x61: import section: in LEB128 number: unexpected end of data"},
		{0x100, "offset 0x60: import section: section length 298 runs past the end of the file (157 bytes left)"},
	}
	for _, p := range pins {
		if _, err := Parse(b[:p.n]); err == nil || err.Error() != p.wantErr {
			t.Errorf("Parse(first 0x%x bytes) = %v\nwant %s", p.n, err, p.wantErr)
		}
	}
}

func TestCount(t *testing.T) {
	c := &cursor{b: raw(3, 1, 2, 3, 4, 5, 6), end: 7}
	if n, err := c.count(2); err != nil || n != 3 {
		t.Errorf("count(2) = %d, %v; want 3", n, err)
	}
	c = &cursor{b: raw(4, 1, 2, 3, 4, 5, 6), end: 7}
	if _, err := c.count(2); err == nil || err.Error() != "offset 0x0: count 4, 6 bytes left: count larger than the bytes left" {
		t.Errorf("count(2) of 4 in 6 bytes: %v", err)
	}
}

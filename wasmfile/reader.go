package wasmfile

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// cursor reads a window [off, end) of the module bytes. It never allocates
// from a count it has not checked against the bytes left in its window, so a
// hostile count fails with ErrTooMany instead of exhausting memory.
type cursor struct {
	b       []byte
	off     int
	end     int
	section string // for error messages
	item    string
	// The item is "item[index]" when indexed, followed by the quoted
	// names; it is formatted only when an error needs it, since a module
	// has thousands of items.
	indexed   bool
	index     int64
	itemNames [2]string
	nNames    int
}

// setItem names the item being read for error messages: kind[i], then
// the quoted names joined by dots.
func (c *cursor) setItem(kind string, i int64, names ...string) {
	c.item, c.indexed, c.index, c.nNames = kind, true, i, len(names)
	copy(c.itemNames[:], names)
}

// itemText is the item as error messages show it.
func (c *cursor) itemText() string {
	if !c.indexed {
		return c.item
	}
	s := c.item + "[" + strconv.FormatInt(c.index, 10) + "]"
	for i := 0; i < c.nNames; i++ {
		if i == 0 {
			s += " "
		} else {
			s += "."
		}
		s += strconv.Quote(c.itemNames[i])
	}
	return s
}

func (c *cursor) errf(at int, sentinel error, format string, args ...any) *FormatError {
	msg := fmt.Sprintf(format, args...)
	if sentinel != nil && msg == "" {
		msg = sentinel.Error()
	} else if sentinel != nil {
		msg += ": " + sentinel.Error()
	}
	return &FormatError{Off: int64(at), Section: c.section, Item: c.itemText(), Msg: msg, Err: sentinel}
}

func (c *cursor) left() int { return c.end - c.off }

func (c *cursor) byte() (byte, error) {
	if c.off >= c.end {
		return 0, c.errf(c.off, ErrUnexpectedEOF, "")
	}
	v := c.b[c.off]
	c.off++
	return v, nil
}

func (c *cursor) bytes(n int) ([]byte, error) {
	if n < 0 || n > c.left() {
		return nil, c.errf(c.off, ErrUnexpectedEOF, "%d bytes wanted, %d left", n, c.left())
	}
	v := c.b[c.off : c.off+n : c.off+n]
	c.off += n
	return v, nil
}

// u32 reads an unsigned LEB128 of at most 5 bytes whose value fits 32 bits.
func (c *cursor) u32() (uint32, error) {
	v, err := c.uleb(32)
	return uint32(v), err
}

func (c *cursor) u64() (uint64, error) { return c.uleb(64) }

func (c *cursor) uleb(bits uint) (uint64, error) {
	start := c.off
	maxBytes := int((bits + 6) / 7)
	var v uint64
	for i := 0; ; i++ {
		if c.off >= c.end {
			return 0, c.errf(start, ErrUnexpectedEOF, "in LEB128 number")
		}
		b := c.b[c.off]
		c.off++
		shift := uint(7 * i)
		if i == maxBytes-1 {
			// The last byte may not continue (overlong), and may only carry
			// the bits the type still has (overflow).
			if b&0x80 != 0 {
				return 0, c.errf(start, ErrBadLEB128, "more than %d bytes for u%d", maxBytes, bits)
			}
			if rem := bits - shift; rem < 7 && b>>rem != 0 {
				return 0, c.errf(start, ErrBadLEB128, "u%d overflows", bits)
			}
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v, nil
		}
	}
}

// sleb reads a signed LEB128 of the given width (32 or 64).
func (c *cursor) sleb(bits uint) (int64, error) {
	start := c.off
	maxBytes := int((bits + 6) / 7)
	var v int64
	var shift uint
	for i := 0; ; i++ {
		if c.off >= c.end {
			return 0, c.errf(start, ErrUnexpectedEOF, "in LEB128 number")
		}
		b := c.b[c.off]
		c.off++
		if i == maxBytes-1 {
			if b&0x80 != 0 {
				return 0, c.errf(start, ErrBadLEB128, "more than %d bytes for s%d", maxBytes, bits)
			}
			// Unused high bits of the last byte must all equal the sign bit.
			rem := bits - shift // bits still to fill, 1..7
			if rem < 7 {
				signAndUnused := int8(b<<1) >> rem // drop the continuation bit
				if signAndUnused != 0 && signAndUnused != -1 {
					return 0, c.errf(start, ErrBadLEB128, "s%d overflows", bits)
				}
			}
		}
		v |= int64(b&0x7f) << shift
		shift += 7
		if b&0x80 == 0 {
			if shift < 64 && b&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
	}
}

// count reads a vector length and checks that n entries of at least
// minSize bytes each can fit in what is left of the window.
func (c *cursor) count(minSize int) (int, error) {
	at := c.off
	n, err := c.u32()
	if err != nil {
		return 0, err
	}
	if minSize < 1 {
		minSize = 1
	}
	if uint64(n) > uint64(c.left()/minSize) {
		return 0, c.errf(at, ErrTooMany, "count %d, %d bytes left", n, c.left())
	}
	return int(n), nil
}

func (c *cursor) name() (string, error) {
	at := c.off
	n, err := c.u32()
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(c.left()) {
		return "", c.errf(at, ErrUnexpectedEOF, "name of %d bytes, %d left", n, c.left())
	}
	b := c.b[c.off : c.off+int(n)]
	if !utf8.Valid(b) {
		return "", c.errf(at, ErrBadUTF8, "")
	}
	c.off += int(n)
	return string(b), nil
}

// sub returns a cursor over the next n bytes and advances c past them. A
// length past the end is reported at header, the offset of the record
// (section, subsection) whose length it is.
func (c *cursor) sub(n int, header int) (*cursor, error) {
	if n < 0 || n > c.left() {
		return nil, c.errf(header, ErrUnexpectedEOF, "length %d, %d bytes left", n, c.left())
	}
	s := &cursor{b: c.b, off: c.off, end: c.off + n, section: c.section, item: c.item,
		indexed: c.indexed, index: c.index, itemNames: c.itemNames, nNames: c.nNames}
	c.off += n
	return s, nil
}

package wasmfile

import (
	"errors"
	"fmt"
)

// FormatError reports malformed input. Off is the absolute byte offset of the
// record that could not be read; Section and Item say where in the module
// that record sits, from the outermost to the innermost.
type FormatError struct {
	Off     int64  // absolute offset in the file
	Section string // e.g. "import section", "custom section \"dylink.0\""; may be empty
	Item    string // e.g. `import[3] "env"."f"`; may be empty
	Msg     string // what is wrong
	Err     error  // underlying sentinel, if any (ErrUnexpectedEOF, ...)
}

// Error formats e as "offset 0x1f3: import section: import[3] \"env\".\"f\": msg".
func (e *FormatError) Error() string {
	s := fmt.Sprintf("offset 0x%x: ", e.Off)
	if e.Section != "" {
		s += e.Section + ": "
	}
	if e.Item != "" {
		s += e.Item + ": "
	}
	return s + e.Msg
}

// Unwrap returns the sentinel error behind e, so that errors.Is works.
func (e *FormatError) Unwrap() error { return e.Err }

// Sentinel errors wrapped by [FormatError].
var (
	// ErrUnexpectedEOF means a record runs past the end of its section or file.
	ErrUnexpectedEOF = errors.New("unexpected end of data")
	// ErrBadLEB128 means a LEB128 number is overlong or overflows its type.
	ErrBadLEB128 = errors.New("malformed LEB128 number")
	// ErrNotWasm means the file does not start with the wasm magic number.
	ErrNotWasm = errors.New("not a WebAssembly module (bad magic)")
	// ErrBadVersion means the binary format version is not 1.
	ErrBadVersion = errors.New("unsupported binary format version")
	// ErrTooMany means a count claims more entries than the bytes left could hold.
	ErrTooMany = errors.New("count larger than the bytes left")
	// ErrBadUTF8 means a name is not valid UTF-8.
	ErrBadUTF8 = errors.New("name is not valid UTF-8")
	// ErrSectionOrder means a known section is duplicated or out of order,
	// or dylink.0 is not the first section.
	ErrSectionOrder = errors.New("section out of order")
)

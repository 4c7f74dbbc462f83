package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names printed by wasmdl come from modules (library, import, export and
// function names, NEEDED and RUNTIME_PATH entries) and from the command
// line. A module must not be able to write to the terminal through them: a
// newline would let it forge "wasmdl: ..." lines, an escape sequence could
// recolour or rewrite what is already shown. Every printer therefore passes
// such text through safe, or writes through a safeLines writer; JSON output
// escapes the same characters (see marshalIndent).

// safe returns s with every character that is not printable replaced by
// its Go escape: control characters (\n, \t, \x1b, \x00, ...), C1 controls
// (\u009b), Unicode format and separator characters such as bidirectional
// overrides (\u202e), and bytes that are not UTF-8 (\xff). Printable text,
// the ASCII space and backslashes are kept as they are, so a name without
// such characters prints unchanged.
func safe(s string) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !printable(r, size) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case printable(r, size):
			b.WriteString(s[i : i+size])
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\a':
			b.WriteString(`\a`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\v':
			b.WriteString(`\v`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// printable reports whether the rune r, size bytes long in its string, can
// be printed as it is.
func printable(r rune, size int) bool {
	if r < utf8.RuneSelf {
		return r >= ' ' && r != 0x7f
	}
	return !(r == utf8.RuneError && size == 1) && unicode.IsPrint(r)
}

// safeLines is a writer for line-oriented text made elsewhere (the
// loader's WASMDL_DEBUG traces, check's report): each Write is one line or
// part of one, as fmt.Fprintf and check's printer write them. A final line
// end is kept; everything else goes through [safe], so a newline inside a
// name shows as \n instead of starting a line.
type safeLines struct{ w io.Writer }

// Write implements io.Writer.
func (s safeLines) Write(p []byte) (int, error) {
	text, nl := strings.CutSuffix(string(p), "\n")
	text = safe(text)
	if nl {
		text += "\n"
	}
	if _, err := io.WriteString(s.w, text); err != nil {
		return 0, err
	}
	return len(p), nil
}

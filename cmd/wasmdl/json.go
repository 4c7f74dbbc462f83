package main

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONIndent is the nesting level past which JSON output is no longer
// indented further: ldd's tree of a chain of thousands of libraries nests
// two levels per library, and indenting every level would make the output
// grow with the square of the chain's length.
const maxJSONIndent = 64

// marshalIndent encodes v as JSON indented by two spaces per level, ending
// with a newline, as json.MarshalIndent(v, "", "  ") does for anything
// shallower than maxJSONIndent, with two differences: nesting depth is not
// limited (json.Indent refuses more than 10,000 levels), and strings escape
// every character [safe] escapes (encoding/json leaves DEL, C1 controls and
// format characters such as bidirectional overrides as they are).
func marshalIndent(v any) ([]byte, error) {
	compact, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return indentJSON(compact), nil
}

// indentJSON indents compact JSON, as json.Marshal writes it.
func indentJSON(src []byte) []byte {
	out := make([]byte, 0, len(src)*2)
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for range min(depth, maxJSONIndent) {
			out = append(out, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			end := i + 1
			for src[end] != '"' {
				if src[end] == '\\' {
					end++
				}
				end++
			}
			out = appendJSONString(out, src[i:end+1])
			i = end
		case '{', '[':
			out = append(out, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				out = append(out, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return append(out, '\n')
}

// appendJSONString appends the encoded string s (quotes included), with
// the characters encoding/json leaves raw but [safe] would escape written
// as \u escapes.
func appendJSONString(out, s []byte) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r < utf8.RuneSelf && r != 0x7f || unicode.IsPrint(r) {
			out = append(out, s[i:i+size]...)
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

package check

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkData reports every pair of active data segments, in different
// modules, that write the same bytes. Segments are copied at instantiation,
// so the later module's bytes are what both modules then read.
func checkData(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	ms := s.sharers()
	for i, a := range ms {
		for _, b := range ms[i+1:] {
			for _, da := range a.data {
				for _, db := range b.data {
					ov, ok := overlap(da.Range, db.Range)
					if !ok {
						continue
					}
					hs = append(hs, dataHazard(a, b, da, db, ov))
				}
			}
		}
	}
	return hs, nil
}

// checkDataPastMemory reports active data segments at fixed addresses
// past the initial size of their module's memory. wasm-ld never makes
// them; a module that has one silently shares those bytes with whatever
// is placed above the initial memory: the heap's first growth, or the
// libraries a loader puts right above a main.
func checkDataPastMemory(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	for _, m := range s.mods {
		min, ok := memoryMin(m.File)
		if !ok || m.info.PIC {
			continue
		}
		initial := min * pageSize
		for _, d := range m.data {
			if d.End <= initial {
				continue
			}
			past := Range{Module: m.Name, Space: Memory, Start: max(d.Start, initial), End: d.End, What: "overlap"}
			hs = append(hs, Hazard{Kind: DataPastMemory, Modules: []string{m.Name}, Ranges: []Range{d.Range, past},
				Message: fmt.Sprintf("%s's data segment %s %s ends past its initial memory of %d bytes (%s): "+
					"bytes %s are outside the memory the module asks for, where memory grown later (a heap, or the "+
					"libraries a loader places above the main) lands too, and the segment does not even fit until the "+
					"memory is grown; link it with a larger --initial-memory", m.Name, segName(d), d.Range, initial, pages(min), past)})
		}
	}
	return hs, nil
}

// pages says n pages in words.
func pages(n uint64) string {
	if n == 1 {
		return "1 page"
	}
	return fmt.Sprintf("%d pages", n)
}

// dataHazard explains that b (instantiated after a) overwrites a's bytes ov.
func dataHazard(a, b *mod, da, db dataSeg, ov Range) Hazard {
	old := da.bytes[ov.Start-da.Start : ov.End-da.Start]
	new := db.bytes[ov.Start-db.Start : ov.End-db.Start]
	ov.Module = b.Name
	msg := fmt.Sprintf("%s %s overwrites %s %s with %s", b.Name, ov, a.Name, quoteBytes(old), quoteBytes(new))
	if string(old) == string(new) {
		msg = fmt.Sprintf("%s %s writes the same bytes as %s (%s), but from now on both modules keep their own "+
			"variables in those bytes: a store by one changes what the other reads", b.Name, ov, a.Name, quoteBytes(old))
	} else {
		msg += fmt.Sprintf(": %s's data segment %s %s is copied over %s's segment %s %s when %s is instantiated, "+
			"so %s reads %s's bytes from then on", b.Name, segName(db), db.Range, a.Name, segName(da), da.Range,
			b.Name, a.Name, b.Name)
	}
	return Hazard{Kind: DataOverlap, Modules: []string{a.Name, b.Name},
		Ranges: []Range{da.Range, db.Range, ov}, Message: msg}
}

func segName(d dataSeg) string {
	if d.name != "" {
		return fmt.Sprintf("%d (%s)", d.index, d.name)
	}
	return strconv.Itoa(d.index)
}

// quoteBytes shows bytes as a Go-quoted string when they are printable text
// (trailing NULs dropped, as C strings end), as "N zero bytes" when all
// zero, and otherwise as hex (at most 16 bytes).
func quoteBytes(b []byte) string {
	if allZero(b) {
		if len(b) == 1 {
			return "1 zero byte"
		}
		return fmt.Sprintf("%d zero bytes", len(b))
	}
	t := strings.TrimRight(string(b), "\x00")
	if printable(t) && !strings.Contains(t, "\x00") {
		const maxText = 64
		if utf8.RuneCountInString(t) > maxText {
			r := []rune(t)
			return strconv.Quote(string(r[:maxText])) + "…"
		}
		return strconv.Quote(t)
	}
	const maxHex = 16
	var sb strings.Builder
	for i, c := range b {
		if i == maxHex {
			sb.WriteString(" …")
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return "bytes " + sb.String()
}

func printable(t string) bool {
	if t == "" || !utf8.ValidString(t) {
		return false
	}
	for _, r := range t {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != 0 {
			return false
		}
	}
	return true
}

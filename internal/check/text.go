package check

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: each module's layout, then every
// hazard and note in plain words, then the fix, then a one-line summary.
func (r *Report) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.line("modules, instantiated in this order against one memory:")
	for _, m := range r.Modules {
		p.module(m)
	}
	for i, h := range r.Hazards {
		p.line("")
		p.line(fmt.Sprintf("hazard %d: %s (%s)", i+1, h.Kind, strings.Join(h.Modules, ", ")))
		p.wrap("  ", "    ", h.Message)
	}
	for _, n := range r.Notes {
		p.line("")
		p.line(fmt.Sprintf("note: %s (%s)", n.Kind, strings.Join(n.Modules, ", ")))
		p.wrap("  ", "    ", n.Message)
	}
	if r.Fix != nil {
		p.line("")
		if r.Fix.Command != "" {
			p.line("fix: rebuild as position-independent code and let the loader place every module:")
			for _, b := range r.Fix.Rebuild {
				p.wrap("  ", "    ", fmt.Sprintf("%s → %s (%s): %s", b.Module, b.Output, b.As, b.Flags))
			}
			p.line("  then run: " + r.Fix.Command)
			p.line("  (wasmdl run provides WASI and libdl: every other import must be defined by one of the modules)")
		} else {
			p.line("fix:")
		}
		for _, a := range r.Fix.Advice {
			prefix := "  also: "
			if r.Fix.Command == "" {
				prefix = "  "
			}
			p.wrap(prefix, "    ", a)
		}
	}
	p.line("")
	switch n := len(r.Hazards); n {
	case 0:
		p.line(fmt.Sprintf("no hazard in %s", plural(len(r.Modules), "module")))
	default:
		p.line(fmt.Sprintf("%s in %s", plural(n, "hazard"), plural(len(r.Modules), "module")))
	}
	return p.err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, s+"\n")
	}
}

// wrap prints text in lines of at most 100 bytes, the first starting with
// first and the others with cont.
func (p *printer) wrap(first, cont, text string) {
	const width = 100
	line, lead := "", first
	for _, word := range strings.Fields(text) {
		if line != "" && len(lead)+len(line)+1+len(word) > width {
			p.line(lead + line)
			line, lead = "", cont
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		p.line(lead + line)
	}
}

func (p *printer) module(m ModuleInfo) {
	var mem string
	switch m.Memory {
	case MemoryImported:
		mem = "imports its memory"
	case MemoryExported:
		mem = "defines and exports its memory"
	case MemoryDefined:
		mem = "defines its own memory"
	default:
		mem = "has no memory"
	}
	if !m.Shared && m.Memory != MemoryNone {
		mem += " (not shared)"
	}
	p.line(fmt.Sprintf("  %s: %s, %s", m.Name, m.Kind, mem))
	if m.PIC {
		p.line("    data and table slots placed by the loader (relative to __memory_base, __table_base)")
	}
	for _, d := range m.Data {
		p.line(fmt.Sprintf("    %-6s %s, %d bytes", d.What, d, d.Len()))
	}
	if st := m.Stack; st != nil {
		name := st.Name
		if name == "" {
			name = "stack pointer"
		}
		p.line(fmt.Sprintf("    %-6s %s, %s; %s = %d (global %d)", "stack", st.Range, sizeWords(st.Range.Len()), name,
			st.Initial, st.Global))
		p.wrap("           ", "             ", "assumed: "+st.Assumed)
		frames := fmt.Sprintf("frames: largest %d bytes, deepest chain %d bytes", st.MaxFrame, st.Depth)
		if st.Recursion > 0 {
			frames += fmt.Sprintf(", recursion %d bytes a level", st.Recursion)
		}
		if st.Reentry > 0 {
			frames += fmt.Sprintf(", host re-entry %d bytes a level", st.Reentry)
		}
		if st.Why != "" {
			frames += " (" + st.Why + ")"
		}
		p.wrap("           ", "             ", frames)
	}
	if h := m.Heap; h != nil {
		where := "placed by the loader"
		if !m.PIC && m.Shared {
			where = fmt.Sprintf("%s and up", h.Range)
		}
		p.line(fmt.Sprintf("    %-6s %s", "heap", where))
		p.wrap("           ", "             ", strings.Join(h.Evidence, "; "))
		if h.Assumed != "" {
			p.wrap("           ", "             ", "assumed: "+h.Assumed)
		}
	}
	for _, s := range m.Slots {
		p.line(fmt.Sprintf("    %-6s %s of the shared table", "slots", s))
	}
}

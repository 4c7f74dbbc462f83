package check

import "fmt"

// notePIC explains why position-independent modules collide with nothing:
// their active data and element segments are placed at the imported
// env.__memory_base and env.__table_base, which the loader chooses so that
// no two modules overlap (tool-conventions DynamicLinking.md), and they use
// the one shared env.__stack_pointer.
func notePIC(s *set) ([]Hazard, []Note) {
	var ns []Note
	for _, m := range s.mods {
		if !m.info.PIC {
			continue
		}
		msg := fmt.Sprintf("%s is position-independent (%s, imports env.__memory_base): the loader places its "+
			"data at its own __memory_base and its table slots at __table_base, away from every other module",
			m.Name, m.info.Kind)
		if importsStackPointer(m.File) {
			msg += ", and it pushes its frames on the one shared env.__stack_pointer"
		}
		ns = append(ns, Note{Kind: PIC, Modules: []string{m.Name}, Message: msg + "; nothing in it can collide"})
	}
	return nil, ns
}

package check

import (
	"fmt"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// checkTables reports active element segments of different modules that
// write the same slots of the shared table (every module that imports a
// table shares it). The later module's functions replace the earlier ones',
// so a function pointer the earlier module made calls the later module's
// function, or traps on a signature mismatch.
func checkTables(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	for i, a := range s.mods {
		for _, b := range s.mods[i+1:] {
			for _, ra := range a.info.Slots {
				for _, rb := range b.info.Slots {
					ov, ok := overlap(ra, rb)
					if !ok {
						continue
					}
					ov.Module = b.Name
					hs = append(hs, Hazard{Kind: TableOverlap, Modules: []string{a.Name, b.Name},
						Ranges: []Range{ra, rb, ov},
						Message: fmt.Sprintf("%s's element segment writes table slots %s over %s's (%s): "+
							"a function pointer %s made now calls %s's function instead, or traps if the "+
							"signatures differ", b.Name, ov, a.Name, slotWords(a, b, ov), a.Name, b.Name)})
				}
			}
		}
	}
	return hs, nil
}

// slotWords describes what the first few overwritten slots held and hold.
func slotWords(a, b *mod, ov Range) string {
	var parts []string
	for slot := ov.Start; slot < ov.End && len(parts) < 3; slot++ {
		parts = append(parts, fmt.Sprintf("slot %d: %s → %s", slot, slotFunc(a.File, slot), slotFunc(b.File, slot)))
	}
	if ov.Len() > 3 {
		parts = append(parts, "…")
	}
	return strings.Join(parts, ", ")
}

// slotFunc names the function the module's active segments put in slot.
func slotFunc(f *wasmfile.File, slot uint64) string {
	name := "null"
	for i := range f.Elements {
		e := &f.Elements[i]
		if e.Mode != wasmfile.ModeActive || e.Table != 0 {
			continue
		}
		off, ok := constI32(f, e.Offset)
		if !ok || slot < off || slot >= off+uint64(e.Count()) {
			continue
		}
		if fi := e.Funcs[slot-off]; fi != wasmfile.NullFunc {
			name = funcName(f, fi)
		} else {
			name = "null"
		}
	}
	return name
}

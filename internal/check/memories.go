package check

import (
	"fmt"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// checkMemories reports memories that are not shared (a module that defines
// its own), and memory or table imports whose limits no single memory or
// table can meet. An import matches a memory of limits {min, max} when
// min >= the import's minimum and, if the import has a maximum, the memory
// has one no larger (core spec, "Import subtyping", limits).
func checkMemories(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	var ns []Note
	if len(s.mods) > 1 {
		hs = append(hs, ownMemories(s)...)
	}
	for _, m := range s.mods {
		if m.info.Memory == MemoryNone {
			ns = append(ns, Note{Kind: NoMemory, Modules: []string{m.Name},
				Message: fmt.Sprintf("%s has no memory: it neither reads nor writes the shared one", m.Name)})
		}
	}
	var mems, tables []limitUse
	for _, m := range s.mods {
		for _, im := range m.File.Imports {
			switch im.Kind {
			case wasmfile.KindMemory:
				mems = append(mems, limitUse{m.Name, im.Memory.Limits, 0})
			case wasmfile.KindTable:
				tables = append(tables, limitUse{m.Name, im.Table.Limits, im.Table.Elem})
			}
		}
	}
	if s.provider >= 0 {
		p := s.mods[s.provider]
		hs = append(hs, providerLimits(p, mems)...)
	} else {
		hs = append(hs, limitConflicts(Memory, "memory", "pages", mems)...)
	}
	hs = append(hs, limitConflicts(Table, "table", "slots", tables)...)
	return hs, ns
}

// limitUse is one module's import (or definition) of a memory or table.
type limitUse struct {
	module string
	limits wasmfile.Limits
	elem   wasmfile.ValType // tables only
}

func ownMemories(s *set) []Hazard {
	var hs []Hazard
	var definers []string
	for _, m := range s.mods {
		if m.info.Memory == MemoryDefined || m.info.Memory == MemoryExported {
			definers = append(definers, m.Name)
		}
	}
	for _, m := range s.mods {
		if m.info.Shared || (m.info.Memory != MemoryDefined && m.info.Memory != MemoryExported) {
			continue
		}
		l, _ := memoryLimits(m.File)
		why := "it does not import one"
		if m.info.Memory == MemoryExported && len(definers) > 1 {
			why = fmt.Sprintf("%s define memories, and only one can be the memory the others share",
				strings.Join(definers, " and "))
		} else if m.info.Memory == MemoryExported {
			why = "it exports it, but the modules that import a memory expect it from outside"
		}
		hs = append(hs, Hazard{Kind: OwnMemory, Modules: []string{m.Name},
			Message: fmt.Sprintf("%s defines its own memory (%s, in 64 KiB pages) and %s: its data, stack and heap live "+
				"there, it shares nothing with the other modules, and a pointer passed between it and them "+
				"points into a different memory", m.Name, l, why)})
	}
	return hs
}

// providerLimits checks every memory import against the one memory that
// a module of the set defines and exports.
func providerLimits(p *mod, imps []limitUse) []Hazard {
	var hs []Hazard
	pl, _ := memoryLimits(p.File)
	for _, u := range imps {
		if why := mismatch(pl, u.limits); why != "" {
			hs = append(hs, Hazard{Kind: Limits, Modules: []string{p.Name, u.module},
				Message: fmt.Sprintf("%s imports a memory of %s pages, but the memory %s defines (%s) "+
					"does not match: %s", u.module, u.limits, p.Name, pl, why)})
		}
	}
	return hs
}

// mismatch says why a memory of limits have does not satisfy an import of
// limits want, or returns "".
func mismatch(have, want wasmfile.Limits) string {
	switch {
	case have.Min < want.Min:
		return fmt.Sprintf("its minimum %d is below %d", have.Min, want.Min)
	case want.HasMax && !have.HasMax:
		return fmt.Sprintf("the import requires a maximum of at most %d and the memory has none", want.Max)
	case want.HasMax && have.Max > want.Max:
		return fmt.Sprintf("its maximum %d is above %d", have.Max, want.Max)
	case have.Shared != want.Shared:
		return "one is shared (threads) and the other is not"
	case have.Is64 != want.Is64:
		return "one is 64-bit and the other is not"
	}
	return ""
}

// limitConflicts reports when no single memory (or table) can satisfy all
// the imports: the largest minimum exceeds the smallest maximum, or they
// disagree on shared, 64-bit or element type.
func limitConflicts(space Space, what, unit string, us []limitUse) []Hazard {
	if len(us) < 2 {
		return nil
	}
	var hs []Hazard
	hi, lo := us[0], limitUse{}
	for _, u := range us {
		if u.limits.Min > hi.limits.Min {
			hi = u
		}
		if u.limits.HasMax && (lo.module == "" || u.limits.Max < lo.limits.Max) {
			lo = u
		}
	}
	if lo.module != "" && hi.limits.Min > lo.limits.Max {
		hs = append(hs, Hazard{Kind: Limits, Modules: []string{hi.module, lo.module},
			Message: fmt.Sprintf("no %s satisfies both %s, which imports it with at least %d %s, and %s, which "+
				"accepts at most %d %s", what, hi.module, hi.limits.Min, unit, lo.module, lo.limits.Max, unit)})
	}
	for _, u := range us[1:] {
		first := us[0]
		var why string
		switch {
		case u.limits.Shared != first.limits.Shared:
			why = "one imports a shared (threads) " + what + " and the other an unshared one"
		case u.limits.Is64 != first.limits.Is64:
			why = "one imports a 64-bit " + what + " and the other a 32-bit one"
		case space == Table && u.elem != first.elem:
			why = fmt.Sprintf("the element types differ (%s and %s)", first.elem, u.elem)
		default:
			continue
		}
		hs = append(hs, Hazard{Kind: Limits, Modules: []string{first.module, u.module},
			Message: fmt.Sprintf("%s and %s cannot import the same %s: %s", first.module, u.module, what, why)})
	}
	return hs
}

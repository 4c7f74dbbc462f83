package check

import (
	"fmt"
	"strings"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// checkStacks reports modules that each keep their own stack pointer over
// the shared memory, and every stack that overlaps another module's stack
// or data. Modules that import env.__stack_pointer share one stack and get
// a note.
func checkStacks(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	var ns []Note
	var owners []*mod
	for _, m := range s.sharers() {
		if m.info.Stack != nil {
			owners = append(owners, m)
		} else if importsStackPointer(m.File) {
			ns = append(ns, Note{Kind: SharedStack, Modules: []string{m.Name},
				Message: fmt.Sprintf("%s imports env.__stack_pointer, so it pushes its frames on the stack of "+
					"whoever provides it instead of keeping its own", m.Name)})
		}
	}
	if len(owners) > 1 {
		hs = append(hs, separateStacks(owners))
	}
	for i, a := range owners {
		for _, b := range owners[i+1:] {
			if ov, ok := overlap(a.info.Stack.Range, b.info.Stack.Range); ok {
				ov.Module = b.Name
				hs = append(hs, Hazard{Kind: StackOverlap, Modules: []string{a.Name, b.Name},
					Ranges:  []Range{a.info.Stack.Range, b.info.Stack.Range, ov},
					Message: stackOverlapWords(a, b, ov)})
			}
		}
	}
	for _, a := range owners {
		for _, b := range s.sharers() {
			if a == b {
				continue
			}
			for _, d := range b.data {
				if ov, ok := overlap(a.info.Stack.Range, d.Range); ok {
					ov.Module = a.Name
					hs = append(hs, Hazard{Kind: StackOverlap, Modules: order(a, b),
						Ranges: []Range{a.info.Stack.Range, d.Range, ov},
						Message: fmt.Sprintf("the stack of %s %s covers %s's data %s %s: frames that %s pushes "+
							"overwrite it", a.Name, a.info.Stack.Range, b.Name, quoteBytes(d.bytes[ov.Start-d.Start:ov.End-d.Start]),
							ov, a.Name)})
				}
			}
		}
	}
	return hs, ns
}

// order returns the names of a and b in instantiation order.
func order(a, b *mod) []string {
	if a.idx < b.idx {
		return []string{a.Name, b.Name}
	}
	return []string{b.Name, a.Name}
}

func separateStacks(owners []*mod) Hazard {
	h := Hazard{Kind: SeparateStacks}
	var parts []string
	for _, m := range owners {
		st := m.info.Stack
		h.Modules = append(h.Modules, m.Name)
		h.Ranges = append(h.Ranges, st.Range)
		name := st.Name
		if name == "" {
			name = "unnamed, recognised by how its code moves it"
		}
		parts = append(parts, fmt.Sprintf("%s: %s (global %d) = %d, stack %s", m.Name, name, st.Global,
			st.Initial, st.Range))
	}
	h.Message = fmt.Sprintf("%d modules each define their own stack pointer instead of importing one "+
		"(env.__stack_pointer): each pushes frames below its own pointer without knowing where the others' "+
		"frames are, and no stack pointer is exported to set them apart. %s", len(owners), strings.Join(parts, "; "))
	return h
}

// checkStackDepth compares how deep each stack can grow with the space
// between its initial value and whatever lies under it: data (of any
// module) or address 0. A chain of calls that needs more than that space
// is a hazard. Growth without a bound (recursion, or the host re-entering
// through an import while frames are live) is a hazard when it would run
// into another module's data; when it would run into the module's own data
// or below address 0 it is a note, as it is for the module alone.
func checkStackDepth(s *set) ([]Hazard, []Note) {
	var hs []Hazard
	var ns []Note
	for _, m := range s.sharers() {
		st := m.info.Stack
		if st == nil {
			continue
		}
		floor, under := s.floor(m, st.Initial)
		space := st.Initial - floor.End
		where := "below address 0"
		if under != nil {
			where = fmt.Sprintf("into %s's data %s", under.Name, floor)
		}
		var rs []Range
		rs = append(rs, st.Range)
		if under != nil {
			rs = append(rs, floor)
		}
		mods := []string{m.Name}
		if under != nil && under != m {
			mods = order(m, under)
		}
		switch {
		case uint64(st.Depth) > space:
			hs = append(hs, Hazard{Kind: StackOverflow, Modules: mods, Ranges: rs,
				Message: fmt.Sprintf("%s's stack needs %d bytes (%s) but only %d bytes lie between its initial "+
					"stack pointer %d and %s: it grows %s", m.Name, st.Depth, m.why.depth, space, st.Initial,
					floorWords(under, floor), where)})
		case st.Recursion > 0 || st.Reentry > 0:
			level, why, how := st.Reentry, m.why.reentry, "each time it is re-entered that way"
			if st.Recursion > level {
				level, why, how = st.Recursion, m.why.recursion, "with each level of recursion"
			}
			fit := space / uint64(level)
			after := int64(st.Initial) - int64(fit+1)*level
			msg := fmt.Sprintf("%s: %s's stack grows by %d bytes %s; %d levels fit between its initial stack "+
				"pointer %d and %s, level %d moves the stack pointer to %d, %s", why, m.Name, level, how, fit,
				st.Initial, floorWords(under, floor), fit+1, after, where)
			if under != nil && under != m {
				hs = append(hs, Hazard{Kind: StackOverflow, Modules: mods, Ranges: rs,
					Message: msg + ", silently overwriting it"})
				continue
			}
			tail := " and the next access traps"
			if under != nil {
				tail = ", overwriting its own data (its layout without other modules)"
			}
			ns = append(ns, Note{Kind: StackReentry, Modules: mods, Message: msg + tail})
		}
	}
	return hs, ns
}

func floorWords(under *mod, floor Range) string {
	if under == nil {
		return "address 0"
	}
	return fmt.Sprintf("the end of %s's data at %d", under.Name, floor.End)
}

// floor returns the highest data range (of any module sharing the memory)
// that starts below top, with the module that owns it; or an empty range at
// 0 and nil when nothing lies under top.
func (s *set) floor(owner *mod, top uint64) (Range, *mod) {
	var best Range
	var who *mod
	for _, m := range s.sharers() {
		for _, d := range m.data {
			if d.Start < top && min(d.End, top) > best.End {
				best, who = d.Range, m
				best.End = min(best.End, top)
			}
		}
	}
	return best, who
}

// stackOverlapWords explains two stacks that share addresses, naming a call
// from one module into the other when the imports show one.
func stackOverlapWords(a, b *mod, ov Range) string {
	sa, sb := a.info.Stack, b.info.Stack
	msg := fmt.Sprintf("the stacks of %s %s and %s %s share %s (%s)", a.Name, sa.Range, b.Name, sb.Range, ov,
		sizeWords(ov.Len()))
	caller, callee, fn := a, b, calls(a, b)
	if fn == "" {
		caller, callee, fn = b, a, calls(b, a)
	}
	if fn != "" {
		return msg + fmt.Sprintf(": %s calls %s's %s, whose frames start at %s's own stack pointer %d, on top of "+
			"the frames %s still uses below %d, and overwrite the caller's locals", caller.Name, callee.Name, fn,
			callee.Name, callee.info.Stack.Initial, caller.Name, caller.info.Stack.Initial)
	}
	return msg + ": whenever one calls the other (directly or through the host) while its frames are live, " +
		"the callee's frames start at its own initial stack pointer, on top of the caller's, and overwrite its locals"
}

// calls returns the name of a function that a imports and b exports, or "".
func calls(a, b *mod) string {
	for _, im := range a.File.Imports {
		if im.Kind != wasmfile.KindFunc {
			continue
		}
		if e, ok := b.File.Export(im.Name); ok && e.Kind == wasmfile.KindFunc {
			return fmt.Sprintf("%s (imported as %s.%s)", im.Name, im.Module, im.Name)
		}
	}
	return ""
}

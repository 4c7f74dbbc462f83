// Stage mergeBatch, continued: functions nothing can call.

package link

import (
	"fmt"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// A shared library exports every function it defines, because any module
// loaded later may import it and dlsym may name it; so the merged module
// gives every library function a table slot, and all of them are compiled,
// validated and loaded at every start, where a static link (wasm-ld
// --gc-sections) keeps only what the program can reach. When nothing can
// ever name a function again, that is no longer so, and the merge does what
// the static link does.
//
// Names stop mattering when the world is closed: the host promised not to
// look symbols up or open libraries (Config.RunOnly), and no module of the
// batch imports dlopen or dlsym, the only ways a guest turns a name into a
// function. Then library functions get table slots only where the program
// takes their address, and every function of the merged module that no
// export, table slot, start function or reachable body refers to is
// replaced by a body that traps, so it costs almost nothing to load. The
// index spaces stay as they are: nothing is renumbered, and the stack trace
// of a trap in such a function (a reachability mistake, which would
// otherwise be silent corruption) names it.

// closedWorld reports whether, once b is loaded, no function of it can be
// named again: see above.
func (p *Process) closedWorld(b *batch) bool {
	if !p.l.cfg.RunOnly {
		return false
	}
	for _, o := range b.objects {
		for _, im := range o.info.file.Imports {
			if im.Kind == wasmfile.KindFunc && (im.Name == "dlopen" || im.Name == "dlsym") {
				return false
			}
		}
	}
	return true
}

// unreachableBody is a function body that traps: no locals, unreachable,
// end. It is valid for every function type.
var unreachableBody = []byte{0, 0x00, 0x0b}

// dropUnreachable finds, in module (the merged module as mg.m encodes it),
// every defined function nothing can reach from its exports, element
// segments and start function through calls and ref.func, gives each the
// trapping body, and returns the module encoded again. A module it cannot
// analyse completely is returned as it is.
func (mg *merger) dropUnreachable(module []byte) ([]byte, error) {
	f, err := wasmfile.Options{SkipNames: true}.Parse(module)
	if err != nil {
		mg.p.debugf("merge", "unreachable functions kept: %v", err)
		return module, nil
	}
	for _, g := range f.Globals {
		if g.Type.Type == wasmfile.FuncRef || g.Type.Type == wasmfile.ExternRef {
			// A reference global's initialiser may name a function.
			return module, nil
		}
	}
	nImp := f.NumImportedFuncs()
	reached := make([]bool, len(f.Code))
	var work []int
	reach := func(idx uint64) {
		if idx < uint64(nImp) || idx-uint64(nImp) >= uint64(len(reached)) {
			return
		}
		if j := int(idx - uint64(nImp)); !reached[j] {
			reached[j] = true
			work = append(work, j)
		}
	}
	for _, e := range f.Exports {
		if e.Kind == wasmfile.KindFunc {
			reach(uint64(e.Index))
		}
	}
	if f.HasStart {
		reach(uint64(f.Start))
	}
	for _, seg := range f.Elements {
		for _, fi := range seg.Funcs {
			if fi != wasmfile.NullFunc {
				reach(uint64(fi))
			}
		}
	}
	for len(work) > 0 {
		j := work[len(work)-1]
		work = work[:len(work)-1]
		err := f.EachInstruction(j, func(in *wasmfile.Instr) error {
			switch in.Op {
			case wasmfile.OpCall, wasmfile.OpReturnCall, wasmfile.OpRefFunc:
				reach(in.Imm)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("merged module: %w", err)
		}
	}
	dropped := 0
	for j, ok := range reached {
		if !ok {
			mg.m.SetFuncBody(nImp+uint32(j), unreachableBody)
			dropped++
		}
	}
	if dropped == 0 {
		return module, nil
	}
	mg.p.debugf("merge", "%d of %d functions nothing can call left out", dropped, len(f.Code))
	return mg.m.Bytes(), nil
}

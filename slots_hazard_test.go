package wasmdl_test

// Consequence checks for the table slots of library functions of a merged
// program: every library function must have one function-pointer value,
// whoever asks for it first (the program's own code, Process.Lookup, a
// dlopened plugin calling it or taking its address), and that value must
// call that function in the process, in its forks and forks of forks, in a
// process restored from a launch record, and across dlopen/dlclose cycles.
// Separate instances (WithMerge(false)) are the reference. Run them with
//
//	go test . -run TestSlotsHazard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl"
)

// ---------------------------------------------------------------- helpers

var shModes = []struct {
	name  string
	merge bool
}{{"merged", true}, {"separate", false}}

// shLoad loads dir/main.wasm with dir as the search path.
func shLoad(t *testing.T, dir string, merge bool, cfgs ...func(wasmdl.Config) wasmdl.Config) (*wasmdl.Linker, *wasmdl.Process) {
	t.Helper()
	l, p, err := shTryLoad(t, dir, merge, cfgs...)
	if err != nil {
		t.Fatalf("load %s (merge=%t): %v", dir, merge, err)
	}
	return l, p
}

// shTryLoad is shLoad returning the error of a program that does not load.
func shTryLoad(t *testing.T, dir string, merge bool, cfgs ...func(wasmdl.Config) wasmdl.Config) (*wasmdl.Linker, *wasmdl.Process, error) {
	cfg := wasmdl.NewConfig().WithSearchPath(dir).WithMerge(merge)
	for _, f := range cfgs {
		cfg = f(cfg)
	}
	l := wasmdl.NewLinker(newRuntime(t), cfg)
	p, err := l.Load(context.Background(), filepath.Join(dir, "main.wasm"), wasmdl.WithStdout(io.Discard), wasmdl.WithStderr(io.Discard))
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return l, p, nil
}

// shFork forks p; the child is closed when the test ends.
func shFork(t *testing.T, p *wasmdl.Process) *wasmdl.Process {
	t.Helper()
	c, err := p.Fork(context.Background(), wasmdl.WithStdout(io.Discard), wasmdl.WithStderr(io.Discard))
	if err != nil {
		t.Fatalf("fork: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// shSym looks name up in p's global scope.
func shSym(t *testing.T, p *wasmdl.Process, name string) *wasmdl.Symbol {
	t.Helper()
	s, err := p.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	return s
}

// shLibSym looks name up through lib's handle.
func shLibSym(t *testing.T, lib *wasmdl.Library, name string) *wasmdl.Symbol {
	t.Helper()
	s, err := lib.Lookup(context.Background(), name)
	if err != nil {
		t.Fatalf("lookup %s in %s: %v", name, lib.Name(), err)
	}
	return s
}

// shCall calls s, failing the test on an error, and returns the first
// result as a string ("" for none).
func shCall(t *testing.T, s *wasmdl.Symbol, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Call(ctx, args...)
	if err != nil {
		t.Fatalf("%s (in %s, slot %d)%v: %v", s.Name, s.Module, s.Address, args, err)
	}
	if len(res) == 0 {
		return ""
	}
	return fmt.Sprint(res[0])
}

// shCallErr calls s and returns the first result as a string.
func shCallErr(s *wasmdl.Symbol, args ...any) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Call(ctx, args...)
	if err != nil || len(res) == 0 {
		return "", err
	}
	return fmt.Sprint(res[0]), nil
}

// shTry calls s and describes the outcome: its results, or that it failed
// (how it failed differs between merged and separate: backtraces).
func shTry(s *wasmdl.Symbol, args ...any) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Call(ctx, args...)
	var exit *wasmdl.ExitError
	switch {
	case errors.As(err, &exit):
		return fmt.Sprintf("exit %d", exit.Code)
	case err != nil:
		return "error"
	}
	return fmt.Sprint(res)
}

// shArgs makes fixed arguments for a function's parameter types.
func shArgs(s *wasmdl.Symbol) []any {
	params, _ := s.Signature()
	var args []any
	for i, p := range params {
		switch p {
		case api.ValueTypeI32:
			args = append(args, int32(3+2*i))
		case api.ValueTypeI64:
			args = append(args, int64(5+3*i))
		case api.ValueTypeF32:
			args = append(args, float32(1.5)+float32(i))
		case api.ValueTypeF64:
			args = append(args, 2.25+float64(i))
		default:
			return nil
		}
	}
	return args
}

// shTableSlots sums the table slots Layout reports, and lists them.
func shTableSlots(p *wasmdl.Process) (uint64, []string) {
	var n uint64
	var rs []string
	for _, r := range p.Layout() {
		if r.Kind == "table" {
			n += r.End - r.Start
			rs = append(rs, fmt.Sprintf("%s[%d,%d)", r.Module, r.Start, r.End))
		}
	}
	return n, rs
}

// shFunc is an exported function of a startup library, by the name
// Lookup finds it under.
type shFunc struct {
	lib, name string
}

// shLibraryFuncs lists, with wasmdl's own reader (Linker.Deps), every
// function the startup libraries of mainPath export.
func shLibraryFuncs(t *testing.T, l *wasmdl.Linker, mainPath string) []shFunc {
	t.Helper()
	tree, err := l.Deps(mainPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []shFunc
	seen := map[string]bool{}
	for _, n := range tree.Order {
		if n == tree.Root || n.File == nil {
			continue
		}
		for _, s := range n.File.Symbols() {
			if s.Func && !seen[s.Name] {
				seen[s.Name] = true
				out = append(out, shFunc{filepath.Base(n.Path), s.Name})
			}
		}
	}
	return out
}

// shFixtures lists the fixture folders with a main.wasm.
func shFixtures(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for _, pat := range []string{"testdata/link/*/main.wasm", "testdata/dl/*/main.wasm"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	sort.Strings(dirs)
	return dirs
}

// ------------------------------------ 1: every library function, by Lookup

// TestSlotsHazardLookupEveryLibraryFunction looks up every function every
// startup library of every fixture exports, in a random order, half before
// a fork and half after it (in the parent in one order, in the child in
// another), and calls each, with fixed arguments, in a fork of the parent,
// of the child and of a fork of a fork: the address is non-zero, one per
// function, stable, the same in a fork as where it was first asked, and the
// call gives what the same call gives with separate instances.
func TestSlotsHazardLookupEveryLibraryFunction(t *testing.T) {
	longUnderRace(t)
	ctx := context.Background()
	total := 0
	for _, dir := range shFixtures(t) {
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			// What separate instances give, each call in a fresh fork.
			results := map[bool]map[string]string{}
			for _, mode := range shModes {
				l, p, err := shTryLoad(t, dir, mode.merge)
				if err != nil {
					t.Skipf("%s does not load (%s): %v", dir, mode.name, err)
				}
				funcs := shLibraryFuncs(t, l, filepath.Join(dir, "main.wasm"))
				if len(funcs) == 0 {
					t.Skip("no startup library exports a function")
				}
				rng := rand.New(rand.NewPCG(uint64(len(dir)), 7))
				rng.Shuffle(len(funcs), func(i, j int) { funcs[i], funcs[j] = funcs[j], funcs[i] })
				half := len(funcs) / 2
				addrs := map[string]uint32{}
				owner := map[uint32]string{}
				note := func(who string, q *wasmdl.Process, f shFunc, want map[string]uint32) *wasmdl.Symbol {
					t.Helper()
					s := shSym(t, q, f.name)
					if !s.Func || s.Address == 0 {
						t.Errorf("%s: %s: %s: func %t, address %d", mode.name, who, f.name, s.Func, s.Address)
					}
					if a, ok := want[f.name]; ok && a != s.Address {
						t.Errorf("%s: %s: %s at slot %d, first given slot %d", mode.name, who, f.name, s.Address, a)
					}
					return s
				}
				distinct := func(who string, m map[string]uint32) {
					t.Helper()
					by := map[uint32]string{}
					for name, a := range m {
						if o, ok := by[a]; ok {
							t.Errorf("%s: %s: %s and %s share slot %d", mode.name, who, o, name, a)
						}
						by[a] = name
					}
				}
				for _, f := range funcs[:half] {
					s := note("parent", p, f, nil)
					addrs[f.name] = s.Address
					owner[s.Address] = f.name
				}
				child := shFork(t, p)
				childAddrs := shClone(addrs)
				// After the fork: the parent asks in one order, the child in
				// the reverse one.
				for _, f := range funcs[half:] {
					addrs[f.name] = note("parent", p, f, nil).Address
				}
				for i := len(funcs) - 1; i >= half; i-- {
					childAddrs[funcs[i].name] = note("child", child, funcs[i], nil).Address
				}
				// Stable, and the first half as the parent had it.
				for _, f := range funcs {
					note("parent again", p, f, addrs)
					note("child again", child, f, childAddrs)
				}
				distinct("parent", addrs)
				distinct("child", childAddrs)
				res := map[string]string{}
				for i, f := range funcs {
					s := shSym(t, p, f.name)
					args := shArgs(s)
					if args == nil {
						continue
					}
					for _, side := range []struct {
						who   string
						from  *wasmdl.Process
						addrs map[string]uint32
					}{{"fork of parent", p, addrs}, {"fork of child", child, childAddrs}} {
						q, err := side.from.Fork(ctx, wasmdl.WithStdout(io.Discard), wasmdl.WithStderr(io.Discard))
						if err != nil {
							t.Fatalf("%s: fork: %v", mode.name, err)
						}
						var g *wasmdl.Process
						if i%4 == 0 {
							// A fork of the fork, made before anything runs.
							if g, err = q.Fork(ctx, wasmdl.WithStdout(io.Discard), wasmdl.WithStderr(io.Discard)); err != nil {
								t.Fatalf("%s: fork of a fork: %v", mode.name, err)
							}
						}
						qs := note(side.who, q, f, side.addrs)
						got := shTry(qs, args...)
						if g != nil {
							if again := shTry(note("fork of a fork", g, f, side.addrs), args...); again != got {
								t.Errorf("%s: %s%v: %s in a fork of a fork, %s in the fork", mode.name, f.name, args, again, got)
							}
							g.Close(ctx)
						}
						q.Close(ctx)
						if prev, ok := res[f.name]; ok && prev != got {
							t.Errorf("%s: %s%v of %s: %s (%s), %s before", mode.name, f.name, args, f.lib, got, side.who, prev)
						}
						res[f.name] = got
					}
				}
				results[mode.merge] = res
				total += len(res)
			}
			for name, want := range results[false] {
				if got, ok := results[true][name]; !ok || got != want {
					t.Errorf("%s: merged %q, separate %q", name, got, want)
				}
			}
		})
	}
	t.Logf("%d calls compared", total)
}

// shModuleFuncs lists, by module (base name of its file), the function
// index of every function each module of mainPath's program exports.
func shModuleFuncs(t *testing.T, l *wasmdl.Linker, mainPath string) (libs []string, funcs map[string]map[string]uint32) {
	t.Helper()
	tree, err := l.Deps(mainPath)
	if err != nil {
		t.Fatal(err)
	}
	funcs = map[string]map[string]uint32{}
	for _, n := range tree.Order {
		if n.File == nil {
			continue
		}
		m := map[string]uint32{}
		for _, s := range n.File.Symbols() {
			if s.Func {
				m[s.Name] = s.Index
			}
		}
		name := filepath.Base(n.Path)
		funcs[name] = m
		if n != tree.Root {
			libs = append(libs, name)
		}
	}
	return libs, funcs
}

// TestSlotsHazardLookupThroughHandles looks up every function of every
// startup library through that library's own handle (dlsym(handle), which
// finds the library's own definition even where an earlier module
// interposes on it), in a random order, then through the global scope:
// each (module, function) has one address, distinct from every other
// function's, the same in a fork, and calling it in a fork gives what
// separate instances give.
func TestSlotsHazardLookupThroughHandles(t *testing.T) {
	longUnderRace(t)
	ctx := context.Background()
	for _, dir := range shFixtures(t) {
		t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir), func(t *testing.T) {
			results := map[bool]map[string]string{}
			for _, mode := range shModes {
				l, p, err := shTryLoad(t, dir, mode.merge)
				if err != nil {
					t.Skipf("does not load (%s): %v", mode.name, err)
				}
				libs, funcs := shModuleFuncs(t, l, filepath.Join(dir, "main.wasm"))
				type key struct{ lib, name string }
				var keys []key
				for _, lib := range libs {
					for name := range funcs[lib] {
						keys = append(keys, key{lib, name})
					}
				}
				if len(keys) == 0 {
					t.Skip("no startup library exports a function")
				}
				sort.Slice(keys, func(i, j int) bool { return keys[i].lib+"/"+keys[i].name < keys[j].lib+"/"+keys[j].name })
				rng := rand.New(rand.NewPCG(uint64(len(dir)), 13))
				rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
				handles := map[string]*wasmdl.Library{}
				for _, lib := range libs {
					h, err := p.Open(ctx, lib, wasmdl.Now|wasmdl.NoLoad)
					if err != nil {
						t.Fatalf("%s: %s: %v", mode.name, lib, err)
					}
					handles[lib] = h
				}
				// One address per function of a module (aliases share it).
				type fnID struct {
					module string
					index  uint32
				}
				slotOf := map[fnID]uint32{}
				fnOf := map[uint32]fnID{}
				record := func(who string, s *wasmdl.Symbol) {
					t.Helper()
					idx, ok := funcs[s.Module][s.Name]
					if !ok {
						t.Errorf("%s: %s: %s found in %s, which does not export it", mode.name, who, s.Name, s.Module)
						return
					}
					id := fnID{s.Module, idx}
					if s.Address == 0 {
						t.Errorf("%s: %s: %s of %s at slot 0", mode.name, who, s.Name, s.Module)
					}
					if a, ok := slotOf[id]; ok && a != s.Address {
						t.Errorf("%s: %s: %s of %s at slot %d, %d before", mode.name, who, s.Name, s.Module, s.Address, a)
					}
					if o, ok := fnOf[s.Address]; ok && o != id {
						t.Errorf("%s: %s: %s of %s at slot %d, which function %d of %s has", mode.name, who, s.Name, s.Module, s.Address, o.index, o.module)
					}
					slotOf[id], fnOf[s.Address] = s.Address, id
				}
				syms := map[key]*wasmdl.Symbol{}
				for _, k := range keys {
					s := shLibSym(t, handles[k.lib], k.name)
					if s.Module != k.lib {
						t.Errorf("%s: dlsym(%s, %s) found it in %s", mode.name, k.lib, k.name, s.Module)
					}
					record("handle", s)
					syms[k] = s
				}
				for _, k := range keys {
					record("global scope", shSym(t, p, k.name))
				}
				// Layout accounts for every slot: each lies in a table
				// region of the module whose function it holds.
				for _, q := range []struct {
					who string
					p   *wasmdl.Process
				}{{"parent", p}, {"fork", shFork(t, p)}} {
					layout := q.p.Layout()
					for id, slot := range slotOf {
						if !slices.ContainsFunc(layout, func(r wasmdl.Region) bool {
							return r.Kind == "table" && r.Module == id.module && uint64(slot) >= r.Start && uint64(slot) < r.End
						}) {
							t.Errorf("%s: %s: slot %d of function %d of %s is in no table region of it", mode.name, q.who, slot, id.index, id.module)
						}
					}
				}
				res := map[string]string{}
				for i, k := range keys {
					args := shArgs(syms[k])
					if args == nil || i%2 == 1 { // half of them: forks cost time
						continue
					}
					q := shFork(t, p)
					h, err := q.Open(ctx, k.lib, wasmdl.Now|wasmdl.NoLoad)
					if err != nil {
						t.Fatal(err)
					}
					s := shLibSym(t, h, k.name)
					if s.Address != syms[k].Address {
						t.Errorf("%s: fork: %s of %s at slot %d, %d in the parent", mode.name, k.name, k.lib, s.Address, syms[k].Address)
					}
					res[k.lib+"/"+k.name] = shTry(s, args...)
					q.Close(ctx)
				}
				results[mode.merge] = res
			}
			for name, want := range results[false] {
				if got := results[true][name]; got != want {
					t.Errorf("%s: merged %q, separate %q", name, got, want)
				}
			}
		})
	}
}

func shClone(m map[string]uint32) map[string]uint32 {
	out := make(map[string]uint32, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ---------------------------- 2: the program's pointers equal Lookup's

// shFnptrCheck checks, in q (a process of testdata/link/fnptr), that the
// pointers to core_fn and printf the program computes itself (returned by
// functions, stored in static data by relocations) are what Lookup gives,
// and that calls through Lookup's values from guest code work.
func shFnptrCheck(t *testing.T, who string, q *wasmdl.Process) {
	t.Helper()
	core := shSym(t, q, "core_fn")
	want := fmt.Sprint(int32(core.Address))
	if core.Address == 0 {
		t.Errorf("%s: core_fn at slot 0", who)
	}
	for _, f := range []string{"core_get_self", "left_get_core", "right_get_core"} {
		if got := shCall(t, shSym(t, q, f)); got != want {
			t.Errorf("%s: %s() = %s, Lookup(core_fn) = %s", who, f, got, want)
		}
	}
	read := func(name string) uint32 {
		t.Helper()
		d := shSym(t, q, name)
		v, ok := q.Memory().ReadUint32Le(d.Address)
		if d.Func || !ok {
			t.Fatalf("%s: %s: not readable data", who, name)
		}
		return v
	}
	if v := read("right_static_core"); v != core.Address {
		t.Errorf("%s: right_static_core = %d, Lookup(core_fn) = %d", who, v, core.Address)
	}
	if printf, err := q.Lookup(context.Background(), "printf"); err == nil {
		for _, f := range []string{"left_get_printf", "right_get_printf"} {
			if got := shCall(t, shSym(t, q, f)); got != fmt.Sprint(int32(printf.Address)) {
				t.Errorf("%s: %s() = %s, Lookup(printf) = %d", who, f, got, printf.Address)
			}
		}
		if v := read("right_static_printf"); v != printf.Address {
			t.Errorf("%s: right_static_printf = %d, Lookup(printf) = %d", who, v, printf.Address)
		}
	}
	// Guest code calling through values only Lookup produced: left_call(f, x)
	// is f(x) + 1.
	if got := shCall(t, shSym(t, q, "left_call"), int32(core.Address), int32(4)); got != "42" {
		t.Errorf("%s: left_call(core_fn, 4) = %s, want 42", who, got)
	}
	if got := shCall(t, shSym(t, q, "right_call"), int32(core.Address), int32(5)); got != "53" {
		t.Errorf("%s: right_call(core_fn, 5) = %s, want 53", who, got)
	}
}

// shCopyFixture copies the files of a fixture folder into a new temporary
// folder, old enough for launch records.
func shCopyFixture(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// shRecorded loads dir/main.wasm twice with the same cache folder, each
// with a new Linker: the second process must start from the launch record.
func shRecorded(t *testing.T, dir string) (planned, restored *wasmdl.Process) {
	t.Helper()
	ctx := context.Background()
	cache := t.TempDir()
	load := func() (*wasmdl.Process, string) {
		t.Helper()
		var trace bytes.Buffer
		cfg := wasmdl.NewConfig().WithDir(dir).WithSearchPath(dir).WithCacheDir(cache).WithDebug(&trace, "libs")
		p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, filepath.Join(dir, "main.wasm"), wasmdl.WithStdout(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close(ctx) })
		return p, trace.String()
	}
	planned, _ = load()
	restored, trace := load()
	if !strings.Contains(trace, "from the launch record") {
		t.Fatalf("the second process did not start from the launch record:\n%s", trace)
	}
	return planned, restored
}

// TestSlotsHazardPointerEquality: in testdata/link/fnptr the pointers the
// program computes equal Lookup's, merged and separate, in forks (made
// before and after the lookups) and forks of forks, whatever was asked
// first. (TestSlotsHazardLaunchRecord does the same in restored processes.)
func TestSlotsHazardPointerEquality(t *testing.T) {
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			_, p := shLoad(t, "testdata/link/fnptr", mode.merge)
			early := shFork(t, p) // before any lookup
			shFnptrCheck(t, "parent", p)
			late := shFork(t, p)
			shFnptrCheck(t, "fork made after the lookups", late)
			shFnptrCheck(t, "fork made before the lookups", early)
			shFnptrCheck(t, "fork of a fork", shFork(t, shFork(t, early)))
		})
	}
}

// TestSlotsHazardGuestCallsThroughLookup: a function pointer the host got
// from Lookup, for library functions nobody took the address of, is
// called by guest code (testdata/dl/fnptr's call_through, opened into
// testdata/link/calls) in the process, in a fork made after the lookup,
// and in a fork made before it that looks the function up itself; and a
// plugin's own &fn is its Lookup value there too.
func TestSlotsHazardGuestCallsThroughLookup(t *testing.T) {
	ctx := context.Background()
	fp, err := filepath.Abs("testdata/dl/fnptr/libfp.so")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			_, p := shLoad(t, "testdata/link/calls", mode.merge)
			lib, err := p.Open(ctx, fp, wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			before := shFork(t, p)
			check := func(who string, q *wasmdl.Process) {
				t.Helper()
				h, err := q.Open(ctx, fp, wasmdl.Now|wasmdl.NoLoad)
				if err != nil {
					t.Fatalf("%s: %v", who, err)
				}
				through := shLibSym(t, h, "call_through")
				for _, c := range []struct {
					name string
					x    int32
					want string
				}{{"one_sum", 10, "45"}, {"one_narrow", 200, "-56"}, {"one_sum", -3, "0"}} {
					s := shSym(t, q, c.name)
					if got := shCall(t, through, int32(s.Address), c.x); got != c.want {
						t.Errorf("%s: call_through(&%s, %d) = %s, want %s", who, c.name, c.x, got, c.want)
					}
					if got := shCall(t, s, c.x); got != c.want {
						t.Errorf("%s: %s(%d) = %s, want %s", who, c.name, c.x, got, c.want)
					}
				}
				fn := shLibSym(t, h, "fn")
				if got := shCall(t, shLibSym(t, h, "self_addr")); got != fmt.Sprint(int32(fn.Address)) {
					t.Errorf("%s: self_addr() = %s, Lookup(fn) = %d", who, got, fn.Address)
				}
				if got := shCall(t, through, int32(fn.Address), int32(1)); got != "43" {
					t.Errorf("%s: call_through(&fn, 1) = %s", who, got)
				}
				h.Close(ctx)
			}
			check("parent", p)
			after := shFork(t, p)
			check("fork made after the lookups", after)
			check("fork made before the lookups", before)
			check("fork of a fork", shFork(t, after))
			lib.Close(ctx)
		})
	}
}

// TestSlotsHazardLaunchRecord: processes restored from a launch record
// (a second Linker with the same cache folder), and forks of them made
// before anything parsed their libraries, give library functions the
// slots the program's own pointers hold: testdata/link/fnptr as in
// TestSlotsHazardPointerEquality; testdata/dl/startup's libplug.so, whose
// pointer to core_add is Lookup's, and whose program, run in a fork after
// the host looked up every libcore.so function, prints what Linux printed.
func TestSlotsHazardLaunchRecord(t *testing.T) {
	ctx := context.Background()
	fnptr := shCopyFixture(t, "testdata/link/fnptr")
	startup := shCopyFixture(t, "testdata/dl/startup")
	settle(t, fnptr)
	settle(t, startup)
	t.Run("fnptr", func(t *testing.T) {
		planned, restored := shRecorded(t, fnptr)
		child := shFork(t, restored)
		shFnptrCheck(t, "fork of the restored process", child)
		shFnptrCheck(t, "restored", restored)
		shFnptrCheck(t, "planned", planned)
		if a, b := shSym(t, planned, "core_fn").Address, shSym(t, restored, "core_fn").Address; a != b {
			t.Errorf("core_fn at slot %d when planned, %d when restored", a, b)
		}
	})
	t.Run("startup", func(t *testing.T) {
		want, err := os.ReadFile(filepath.Join(startup, "expected.stdout"))
		if err != nil {
			t.Fatal(err)
		}
		planned, restored := shRecorded(t, startup)
		early := shFork(t, restored)
		for _, c := range []struct {
			who string
			q   *wasmdl.Process
		}{{"fork of the restored process", early}, {"restored", restored}, {"planned", planned}} {
			for _, name := range []string{"core_half", "core_mul64", "core_counter"} {
				shSym(t, c.q, name)
			}
			var out bytes.Buffer
			run, err := c.q.Fork(ctx, wasmdl.WithStdout(&out))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run.Run(ctx); err != nil || out.String() != string(want) {
				t.Errorf("%s: the program, run in a fork after the lookups: %v, prints:\n%s\nwant:\n%s", c.who, err, out.String(), want)
			}
			run.Close(ctx)
			lib, err := c.q.Open(ctx, "libplug.so", wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			add := shSym(t, c.q, "core_add")
			if got := shCall(t, shLibSym(t, lib, "plug_addr_of_core_add")); got != fmt.Sprint(int32(add.Address)) {
				t.Errorf("%s: plug_addr_of_core_add() = %s, Lookup(core_add) = %d", c.who, got, add.Address)
			}
			if got := shCall(t, shLibSym(t, lib, "plug_run"), int32(5)); got != "25" {
				t.Errorf("%s: plug_run(5) = %s", c.who, got)
			}
		}
	})
}

// ------------------------------------------- 3: forks after a dlclose

// TestSlotsHazardForkAfterDlclose: testdata/dl/startup's libplug.so, opened
// and closed again, called libcore.so's core_mul64 and core_half (merged
// into the program: it reached them through table slots given to them for
// it). A fork made after the dlclose must still have those functions: the
// host looks them up and calls them, and libplug.so opened again in the
// fork works.
func TestSlotsHazardForkAfterDlclose(t *testing.T) {
	ctx := context.Background()
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			_, p := shLoad(t, "testdata/dl/startup", mode.merge)
			use := func(who string, q *wasmdl.Process) {
				t.Helper()
				lib, err := q.Open(ctx, "libplug.so", wasmdl.Now)
				if err != nil {
					t.Errorf("%s: %v", who, err)
					return
				}
				if got, err := shCallErr(shLibSym(t, lib, "plug_run"), int32(5)); err != nil || got != "25" {
					t.Errorf("%s: plug_run(5) = %s, %v; want 25", who, got, err)
					return
				}
				if err := lib.Close(ctx); err != nil {
					t.Errorf("%s: %v", who, err)
				}
			}
			direct := func(who string, q *wasmdl.Process) {
				t.Helper()
				for _, c := range []struct {
					name string
					args []any
					want string
				}{{"core_mul64", []any{int64(6), int64(7)}, "42"}, {"core_half", []any{9.0}, "4.5"}, {"core_add", []any{int32(2), int32(3)}, "5"}} {
					s := shSym(t, q, c.name)
					ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					res, err := s.Call(ctx, c.args...)
					cancel()
					if err != nil || fmt.Sprint(res[0]) != c.want {
						t.Errorf("%s: %s%v at slot %d = %v, %v; want %s", who, c.name, c.args, s.Address, res, err, c.want)
						return // the process is dead
					}
				}
			}
			use("parent", p)
			child := shFork(t, p)
			grandchild := shFork(t, child)
			direct("fork made after the dlclose", child)
			use("fork made after the dlclose, opening libplug.so again", shFork(t, p))
			use("fork of a fork, opening libplug.so", grandchild)
			direct("parent after the dlclose", p)
			use("parent again", p)
			// libplug.so open again in the parent when it forks: the fork
			// instantiates it and must find what it calls.
			lib, err := p.Open(ctx, "libplug.so", wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			open := shFork(t, p)
			h, err := open.Open(ctx, "libplug.so", wasmdl.Now|wasmdl.NoLoad)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := shCallErr(shLibSym(t, h, "plug_run"), int32(5)); err != nil || got != "25" {
				t.Errorf("fork made while libplug.so was open again: plug_run(5) = %s, %v; want 25", got, err)
			}
			lib.Close(ctx)
		})
	}
}

// TestSlotsHazardSecondProcess: what one process of a Linker asked for
// (lookups, plugins opened and closed) does not leak into the next
// process of the same Linker, which starts from the Linker's plan: the
// same table layout as the first had at load, and working functions.
func TestSlotsHazardSecondProcess(t *testing.T) {
	ctx := context.Background()
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			l, first := shLoad(t, "testdata/dl/startup", mode.merge)
			fresh, freshRegions := shTableSlots(first)
			for _, name := range []string{"core_half", "core_mul64", "core_add"} {
				shSym(t, first, name)
			}
			lib, err := first.Open(ctx, "libplug.so", wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			shCall(t, shLibSym(t, lib, "plug_run"), int32(1))
			lib.Close(ctx)
			second, err := l.Load(ctx, "testdata/dl/startup/main.wasm", wasmdl.WithStdout(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close(ctx)
			if n, rs := shTableSlots(second); n != fresh {
				t.Errorf("second process: %d table slots %v, the first had %d %v at load", n, rs, fresh, freshRegions)
			}
			if got := shCall(t, shSym(t, second, "core_mul64"), int64(6), int64(7)); got != "42" {
				t.Errorf("second process: core_mul64(6, 7) = %s", got)
			}
			lib, err = second.Open(ctx, "libplug.so", wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			if got := shCall(t, shLibSym(t, lib, "plug_run"), int32(5)); got != "25" {
				t.Errorf("second process: plug_run(5) = %s", got)
			}
		})
	}
}

// TestSlotsHazardForkAfterDlcloseAddressTaken: the same as
// TestSlotsHazardForkAfterDlclose for a pointer rather than a call, in both
// modes. testdata/link/fnptr's libfnleft.so, opened into
// testdata/dl/plugin/host.wasm (a libc main nothing else takes printf's
// address in), takes &printf: printf gets its slot then. After libfnleft.so
// is closed, printf keeps that slot (Lookup gives it, libfnleft.so opened
// again gets it), so a fork must have printf in it: qsort, given it as its
// comparison function, calls it.
func TestSlotsHazardForkAfterDlcloseAddressTaken(t *testing.T) {
	ctx := context.Background()
	left, err := filepath.Abs("testdata/link/fnptr/libfnleft.so")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			cfg := wasmdl.NewConfig().WithSearchPath("testdata/link/fnptr").WithMerge(mode.merge)
			p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, "testdata/dl/plugin/host.wasm", wasmdl.WithStdout(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close(ctx) })
			// sortWith calls qsort on two 4-byte elements ("ab", "cd": each
			// a format string) with the function at slot cmp.
			sortWith := func(who string, q *wasmdl.Process, cmp uint32) {
				t.Helper()
				buf, err := shCallErr(shSym(t, q, "malloc"), int32(16))
				var at int32
				if _, serr := fmt.Sscan(buf, &at); err != nil || serr != nil || at == 0 {
					t.Fatalf("%s: malloc: %s, %v", who, buf, err)
				}
				q.Memory().Write(uint32(at), []byte("ab\x00\x00cd\x00\x00"))
				if _, err := shCallErr(shSym(t, q, "qsort"), at, int32(2), int32(4), int32(cmp)); err != nil {
					t.Errorf("%s: qsort through printf's slot %d: %v", who, cmp, err)
				}
			}
			lib, err := p.Open(ctx, left, wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			printf := shSym(t, p, "printf").Address
			if got := shCall(t, shLibSym(t, lib, "left_get_printf")); got != fmt.Sprint(int32(printf)) {
				t.Errorf("left_get_printf() = %s, Lookup(printf) = %d", got, printf)
			}
			if err := lib.Close(ctx); err != nil {
				t.Fatal(err)
			}
			child := shFork(t, p)
			reopen := shFork(t, p)
			sortWith("parent after the dlclose", p, printf)
			if a := shSym(t, child, "printf").Address; a != printf {
				t.Errorf("fork: printf at slot %d, %d in the parent", a, printf)
			}
			sortWith("fork made after the dlclose", child, printf)
			lib, err = reopen.Open(ctx, left, wasmdl.Now)
			if err != nil {
				t.Fatal(err)
			}
			got, err := shCallErr(shLibSym(t, lib, "left_get_printf"))
			if err != nil || got != fmt.Sprint(int32(printf)) {
				t.Errorf("fork, libfnleft.so opened again: left_get_printf() = %s, %v; Lookup(printf) = %d", got, err, printf)
			}
			sortWith("fork, libfnleft.so opened again", reopen, printf)
		})
	}
}

// TestSlotsHazardFailedOpenLeavesNoSlot: a dlopen that fails leaves the
// process as it was. testdata/link/fnptr's libfnleft.so takes &printf and
// &core_fn; opened into testdata/dl/plugin/host.wasm with a libfncore.so
// that does not define core_fn (a copy of testdata/dl/plugin's
// libplugin.so under that name, found first), it fails with RTLD_NOW. The
// table must be as before, and printf, looked up afterwards, must be
// callable through its pointer (qsort's comparison function), also in a
// fork.
func TestSlotsHazardFailedOpenLeavesNoSlot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/dl/plugin/libplugin.so")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "libfncore.so"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	left, err := filepath.Abs("testdata/link/fnptr/libfnleft.so")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			cfg := wasmdl.NewConfig().WithSearchPath(dir).WithMerge(mode.merge)
			p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, "testdata/dl/plugin/host.wasm", wasmdl.WithStdout(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close(ctx) })
			before, beforeRegions := shTableSlots(p)
			if _, err := p.Open(ctx, left, wasmdl.Now); err == nil || !strings.Contains(err.Error(), "core_fn") {
				t.Fatalf("open of libfnleft.so without core_fn: %v", err)
			}
			if n, rs := shTableSlots(p); n != before {
				t.Errorf("the failed open left %d table slots %v, %d before %v", n, rs, before, beforeRegions)
			}
			for _, c := range []struct {
				who string
				q   *wasmdl.Process
			}{{"fork", shFork(t, p)}, {"process", p}} {
				buf, err := shCallErr(shSym(t, c.q, "malloc"), int32(16))
				var at int32
				if _, serr := fmt.Sscan(buf, &at); err != nil || serr != nil || at == 0 {
					t.Fatalf("%s: malloc: %s, %v", c.who, buf, err)
				}
				c.q.Memory().Write(uint32(at), []byte("ab\x00\x00cd\x00\x00"))
				printf := shSym(t, c.q, "printf").Address
				if _, err := shCallErr(shSym(t, c.q, "qsort"), at, int32(2), int32(4), int32(printf)); err != nil {
					t.Errorf("%s: qsort through printf's slot %d after the failed open: %v", c.who, printf, err)
				}
			}
		})
	}
}

// ------------------------------------------------ 4: dlopen cycles

// TestSlotsHazardDlopenCycles opens testdata/dl/startup's libplug.so,
// calls through every binding it has to libcore.so (calls, a pointer it
// takes, data), and closes it, 200 times; forks along the way do the same.
// The table must not grow after the first cycle.
func TestSlotsHazardDlopenCycles(t *testing.T) {
	ctx := context.Background()
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			_, p := shLoad(t, "testdata/dl/startup", mode.merge)
			add := shSym(t, p, "core_add").Address
			counter := shSym(t, p, "core_counter").Address
			cycle := func(who string, q *wasmdl.Process, i int) bool {
				t.Helper()
				lib, err := q.Open(ctx, "libplug.so", wasmdl.Now)
				if err != nil {
					t.Errorf("%s: cycle %d: %v", who, i, err)
					return false
				}
				before, _ := q.Memory().ReadUint32Le(counter)
				for _, c := range []struct {
					name string
					args []any
					want string
				}{
					{"plug_run", []any{int32(i)}, fmt.Sprint(i + 1 + 3*i + 4)},
					{"plug_addr_of_core_add", nil, fmt.Sprint(int32(add))},
					{"plug_counter", nil, fmt.Sprint(before + 2)},
				} {
					if got, err := shCallErr(shLibSym(t, lib, c.name), c.args...); err != nil || got != c.want {
						t.Errorf("%s: cycle %d: %s%v = %s, %v; want %s", who, i, c.name, c.args, got, err, c.want)
						return false
					}
				}
				if err := lib.Close(ctx); err != nil {
					t.Errorf("%s: cycle %d: %v", who, i, err)
					return false
				}
				return true
			}
			cycle("parent", p, 0)
			slots, regions := shTableSlots(p)
			for i := 1; i < 200; i++ {
				if !cycle("parent", p, i) {
					break
				}
				if i%50 == 0 {
					c := shFork(t, p)
					ok := true
					for j := 0; j < 5 && ok; j++ {
						ok = cycle(fmt.Sprintf("fork at cycle %d", i), c, j)
					}
					if n, rs := shTableSlots(c); ok && n != slots {
						t.Errorf("fork at cycle %d: %d table slots %v, %d after the first cycle %v", i, n, rs, slots, regions)
					}
					c.Close(ctx)
				}
			}
			if n, rs := shTableSlots(p); n != slots {
				t.Errorf("%d table slots after 200 cycles %v, %d after the first %v", n, rs, slots, regions)
			}
			if got := shCall(t, shSym(t, p, "core_add"), int32(1), int32(1)); got != "2" {
				t.Errorf("core_add(1, 1) = %s", got)
			}
		})
	}
}

// ----------------------------------- 5: hundreds of late slots, then fork

// TestSlotsHazardManyLibraries preloads 300 copies of testdata/dl/plugin's
// libplugin.so (two functions each, and a call counter of its own) into
// its host.wasm: 600 library functions in one merged program. Each copy's
// functions are looked up through its handle, in a random order, and
// called: each must be its own copy (its counter starts at 0). A fork
// then calls them all again, and so does a fork made before the lookups.
func TestSlotsHazardManyLibraries(t *testing.T) {
	ctx := context.Background()
	const n = 300
	src, err := os.ReadFile("testdata/dl/plugin/libplugin.so")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("libp%03d.so", i)
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	host, err := filepath.Abs("testdata/dl/plugin/host.wasm")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range shModes {
		t.Run(mode.name, func(t *testing.T) {
			cfg := wasmdl.NewConfig().WithSearchPath(dir).WithPreload(names...).WithMerge(mode.merge)
			p, err := wasmdl.NewLinker(newRuntime(t), cfg).Load(ctx, host, wasmdl.WithStdout(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close(ctx) })
			early := shFork(t, p)
			type fn struct {
				lib  int
				name string
			}
			var fns []fn
			for i := range names {
				fns = append(fns, fn{i, "plugin_apply"}, fn{i, "plugin_version"})
			}
			rng := rand.New(rand.NewPCG(1, 2))
			rng.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
			handles := func(q *wasmdl.Process) []*wasmdl.Library {
				t.Helper()
				var out []*wasmdl.Library
				for _, name := range names {
					lib, err := q.Open(ctx, name, wasmdl.Now|wasmdl.NoLoad)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, lib)
				}
				return out
			}
			lookups := func(who string, q *wasmdl.Process) map[fn]*wasmdl.Symbol {
				t.Helper()
				libs := handles(q)
				syms := map[fn]*wasmdl.Symbol{}
				owner := map[uint32]fn{}
				for _, f := range fns {
					s := shLibSym(t, libs[f.lib], f.name)
					if s.Module != names[f.lib] || s.Address == 0 {
						t.Fatalf("%s: %s of %s: found in %s at slot %d", who, f.name, names[f.lib], s.Module, s.Address)
					}
					if o, ok := owner[s.Address]; ok {
						t.Errorf("%s: %s of %s and %s of %s share slot %d", who, f.name, names[f.lib], o.name, names[o.lib], s.Address)
					}
					owner[s.Address] = f
					syms[f] = s
				}
				return syms
			}
			syms := lookups("parent", p)
			apply := func(who string, q *wasmdl.Process, syms map[fn]*wasmdl.Symbol, round int) {
				t.Helper()
				bad := 0
				for _, f := range fns {
					s := syms[f]
					var got, want string
					if f.name == "plugin_apply" {
						got, want = shCall(t, s, int32(1)), fmt.Sprint(10+round)
					} else {
						got, want = shCall(t, s), "1"
					}
					if got != want {
						bad++
						if bad <= 5 {
							t.Errorf("%s: %s of %s (slot %d) = %s, want %s", who, f.name, names[f.lib], s.Address, got, want)
						}
					}
				}
				if bad > 5 {
					t.Errorf("%s: %d wrong calls in all", who, bad)
				}
			}
			apply("parent", p, syms, 1)
			child := shFork(t, p)
			childSyms := lookups("fork", child)
			for f, s := range childSyms {
				if s.Address != syms[f].Address {
					t.Errorf("fork: %s of %s at slot %d, %d in the parent", f.name, names[f.lib], s.Address, syms[f].Address)
				}
			}
			apply("fork", child, childSyms, 2)
			apply("parent again", p, syms, 2)
			apply("fork made before the lookups", early, lookups("early fork", early), 1)
		})
	}
}

// TestSlotsHazardConcurrentForks: a parent of testdata/link/chain50 (50
// merged libraries) and four forks made before any lookup each look up and
// call every library function, in orders of their own, all at once; then
// forks of each do it again. Every call gives what separate instances
// give. (Run with -race: forks share the parent's slot map until one of
// them changes it.)
func TestSlotsHazardConcurrentForks(t *testing.T) {
	ctx := context.Background()
	dir := "testdata/link/chain50"
	want := map[string]string{}
	{
		l, ref := shLoad(t, dir, false)
		for _, f := range shLibraryFuncs(t, l, filepath.Join(dir, "main.wasm")) {
			if strings.HasPrefix(f.name, "chain_fn_") {
				want[f.name] = shCall(t, shSym(t, ref, f.name), int32(7))
			}
		}
	}
	if len(want) != 50 {
		t.Fatalf("%d chain functions", len(want))
	}
	var names []string
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	_, p := shLoad(t, dir, true)
	procs := []*wasmdl.Process{p}
	for i := 0; i < 4; i++ {
		procs = append(procs, shFork(t, p))
	}
	round := func(procs []*wasmdl.Process) {
		errs := make(chan error, len(procs)*len(names))
		done := make(chan struct{})
		for i, q := range procs {
			go func() {
				defer func() { done <- struct{}{} }()
				order := slices.Clone(names)
				rand.New(rand.NewPCG(uint64(i), 3)).Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
				for _, name := range order {
					s, err := q.Lookup(ctx, name)
					if err != nil {
						errs <- fmt.Errorf("process %d: %s: %v", i, name, err)
						return
					}
					got, err := shCallErr(s, int32(7))
					if err != nil || got != want[name] {
						errs <- fmt.Errorf("process %d: %s(7) at slot %d = %s, %v; want %s", i, name, s.Address, got, err, want[name])
						return
					}
				}
			}()
		}
		for range procs {
			<-done
		}
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	round(procs)
	var next []*wasmdl.Process
	for _, q := range procs {
		next = append(next, shFork(t, q))
	}
	round(next)
}

// ------------------------- 6: the programs run after the host's lookups

// TestSlotsHazardRunAfterLookups runs every testdata/dl and testdata/link
// program in a fork of a process in which the host first looked up every
// function its startup libraries export (giving them their slots in an
// order of its own): the program must print what Linux printed.
func TestSlotsHazardRunAfterLookups(t *testing.T) {
	longUnderRace(t)
	ctx := context.Background()
	for _, dir := range shFixtures(t) {
		want, err := os.ReadFile(filepath.Join(dir, "expected.stdout"))
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "flags")); err == nil {
			continue // needs search flags of its own
		}
		args := append([]string{"main.wasm"}, shLines(filepath.Join(dir, "args"))...)
		for _, mode := range shModes {
			t.Run(filepath.Base(filepath.Dir(dir))+"/"+filepath.Base(dir)+"/"+mode.name, func(t *testing.T) {
				opts := []wasmdl.Option{wasmdl.WithArgs(args...)}
				for _, kv := range shLines(filepath.Join(dir, "env")) {
					k, v, _ := strings.Cut(kv, "=")
					opts = append(opts, wasmdl.WithEnv(k, v))
				}
				l := wasmdl.NewLinker(newRuntime(t), wasmdl.NewConfig().WithDir(dir).WithSearchPath(".").WithMerge(mode.merge))
				var atLoad bytes.Buffer
				p, err := l.Load(ctx, "main.wasm", append(opts, wasmdl.WithStdout(&atLoad))...)
				if err != nil {
					t.Skipf("does not load: %v", err)
				}
				defer p.Close(ctx)
				funcs := shLibraryFuncs(t, l, "main.wasm")
				rng := rand.New(rand.NewPCG(uint64(len(dir)), 11))
				rng.Shuffle(len(funcs), func(i, j int) { funcs[i], funcs[j] = funcs[j], funcs[i] })
				for _, f := range funcs {
					shSym(t, p, f.name)
				}
				var out bytes.Buffer
				c, err := p.Fork(ctx, append(opts, wasmdl.WithStdout(&out))...)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(ctx)
				if _, err := c.Run(ctx); err != nil {
					var exit *wasmdl.ExitError
					if !errors.As(err, &exit) {
						t.Errorf("run: %v", err)
					}
				}
				if got := atLoad.String() + out.String(); got != string(want) {
					t.Errorf("after %d lookups the program prints:\n%s\nwant:\n%s", len(funcs), got, want)
				}
			})
		}
	}
}

// shLines reads the non-empty lines of a file (none if it is missing).
func shLines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

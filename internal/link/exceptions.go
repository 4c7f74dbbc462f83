// Exceptions across modules: one tag per name for the whole process, and
// the setjmp/longjmp runtime clang's lowering calls.

package link

import (
	"context"
	"fmt"
	"sort"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmdl/wasmdl/internal/wasmgen"
	"github.com/wasmdl/wasmdl/wasmfile"
)

// An exception thrown in one module is caught in another only if both name
// the same tag instance. Modules import their tags from env by name
// (__cpp_exception, __c_longjmp, or a user's); the loader makes one small
// module per name, the first time a batch needs it, and every importer of
// the name in the process gets it. A tag cannot live in the environment
// module: that one exists before any dlopen, and a library opened later
// may bring a tag nobody used before.
//
// Modules come in with the legacy exception-handling instructions clang
// 16-19 and Emscripten emit; the reader sees them (File.UsesLegacy-
// Exceptions) and infoCache translates such modules to the try_table form
// (internal/ehtrans) before anything else reads them, so every later stage,
// the merge included, sees only the form wazero runs.

// modTag prefixes the import module name of a tag: "$tag:NAME".
const modTag = "$tag:"

// ensureTags instantiates the module of every tag the process uses that
// has none yet.
func (p *Process) ensureTags(ctx context.Context) error {
	names := make([]string, 0, len(p.tags))
	for n := range p.tags {
		if p.tagMods[n] == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		var m wasmgen.Module
		m.Export("tag", wasmfile.KindTag, m.Tag(p.tags[n]))
		mod, err := p.instantiateGenerated(ctx, "tag "+n, m.Bytes(), nil, nil, nil)
		if err != nil {
			return err
		}
		if p.tagMods == nil {
			p.tagMods = map[string]api.Module{}
		}
		p.tagMods[n] = mod
	}
	return nil
}

// useTag records that a module imports tag name with type t.
func (p *Process) useTag(importer, name string, t wasmfile.FuncType) error {
	if have, ok := p.tags[name]; ok && !have.Equal(t) {
		return &SignatureError{Symbol: name, Importer: importer, Definer: "the process's tag", Want: t.String(), Have: have.String()}
	}
	p.tags[name] = t
	return nil
}

// The setjmp/longjmp runtime. clang's lowering (-mllvm -wasm-enable-sjlj)
// turns setjmp and longjmp into calls of three functions and catches of
// the tag __c_longjmp; see internal/ehtrans/SJLJ.md for the contract. A
// libc may define them; when no module of the process does, the loader
// provides them. They must be wasm, not Go: a longjmp throws an exception
// that unwinds wasm frames, which a host function cannot do. One module
// per process holds them, importing its memory and the shared tag.
const (
	sjljModule  = "$sjlj"
	sjljTag     = "__c_longjmp"
	sjljSetjmp  = "__wasm_setjmp"
	sjljTest    = "__wasm_setjmp_test"
	sjljLongjmp = "__wasm_longjmp"
)

var sjljTypes = map[string]wasmfile.FuncType{
	sjljSetjmp:  {Params: []wasmfile.ValType{wasmfile.I32, wasmfile.I32, wasmfile.I32}},
	sjljTest:    {Params: []wasmfile.ValType{wasmfile.I32, wasmfile.I32}, Results: []wasmfile.ValType{wasmfile.I32}},
	sjljLongjmp: {Params: []wasmfile.ValType{wasmfile.I32, wasmfile.I32}},
}

var sjljTagType = wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}}

// buildSjlj generates the runtime. A jmp_buf holds, from offset 0: the
// invocation id of the function that called setjmp, the setjmp call site's
// label, then the {env, val} pair a longjmp throws the address of (it must
// outlive the unwinding, and the jmp_buf does), as wasi-libc's runtime
// keeps it: at least 16 bytes.
func buildSjlj(memory [2]string, limits wasmfile.Limits) []byte {
	var m wasmgen.Module
	m.ImportMemory(memory[0], memory[1], limits)
	tag := m.ImportTag(modTag+sjljTag, "tag", sjljTagType)
	load := func(b []byte, off byte) []byte { return append(b, 0x28, 0x02, off) }  // i32.load align=4
	store := func(b []byte, off byte) []byte { return append(b, 0x36, 0x02, off) } // i32.store align=4
	get := wasmgen.LocalGet
	// __wasm_setjmp(env, label, id): env[0] = id; env[1] = label
	var setjmp []byte
	setjmp = store(get(get(setjmp, 0), 2), 0)
	setjmp = store(get(get(setjmp, 0), 1), 4)
	// __wasm_setjmp_test(env, id): env[0] == id ? env[1] : 0
	var test []byte
	test = load(get(test, 0), 4)
	test = wasmgen.I32Const(test, 0)
	test = load(get(test, 0), 0)
	test = append(get(test, 1), 0x46, 0x1b) // i32.eq; select
	// __wasm_longjmp(env, val): env[2] = env; env[3] = val ? val : 1;
	// throw __c_longjmp(env + 8)
	var longjmp []byte
	longjmp = store(get(get(longjmp, 0), 0), 8)
	longjmp = get(longjmp, 0)
	longjmp = wasmgen.I32Const(get(longjmp, 1), 1)
	longjmp = append(get(longjmp, 1), 0x1b) // select(val, 1, val)
	longjmp = store(longjmp, 12)
	longjmp = wasmgen.I32Const(get(longjmp, 0), 8)
	longjmp = append(longjmp, 0x6a, 0x08) // i32.add; throw
	longjmp = wasmfile.AppendU32(longjmp, tag)
	for _, f := range []struct {
		name string
		body []byte
	}{{sjljSetjmp, setjmp}, {sjljTest, test}, {sjljLongjmp, longjmp}} {
		m.Export(f.name, wasmfile.KindFunc, m.Func(sjljTypes[f.name], f.body))
	}
	return m.Bytes()
}

// sjljFunc reports whether the loader provides function name (when no
// module defines it), and its type.
func sjljFunc(name string) (wasmfile.FuncType, bool) {
	t, ok := sjljTypes[name]
	return t, ok
}

// ensureSjlj instantiates the runtime the first time a batch binds to it.
func (p *Process) ensureSjlj(ctx context.Context, b *batch) error {
	if p.sjlj != nil || !b.usesSjlj || p.memory == nil {
		return nil // not needed, or not yet: it imports the memory
	}
	if err := p.useTag("wasmdl", sjljTag, sjljTagType); err != nil {
		return err
	}
	if err := p.ensureTags(ctx); err != nil {
		return err
	}
	mem := p.shared[wasmfile.NameMemory]
	if mem.private {
		return fmt.Errorf("%s keeps its memory to itself: no setjmp/longjmp runtime can be given", p.main.name)
	}
	var lim wasmfile.Limits
	if p.memShared {
		lim = wasmfile.Limits{Shared: true, HasMax: true, Max: uint64(p.l.cfg.maxPages())}
	}
	code := buildSjlj([2]string{p.sharedModName(wasmfile.NameMemory), mem.export}, lim)
	mod, err := p.instantiateGenerated(ctx, "setjmp/longjmp runtime", code, nil, nil, nil)
	if err != nil {
		return err
	}
	p.sjlj = mod
	if p.sjljObj != nil {
		p.sjljObj.instance = mod
	}
	return nil
}

// sjljObject stands for the runtime where a trampoline needs a definer: a
// main that defines the memory the runtime imports is instantiated first.
func (p *Process) sjljObject() *object {
	if p.sjljObj == nil {
		p.sjljObj = &object{id: -1, name: "(wasmdl setjmp/longjmp runtime)", info: &moduleInfo{funcType: sjljTypes}, state: stateInstantiated}
	}
	return p.sjljObj
}

// ensureExceptions makes what a batch's exception handling imports: its
// tags, and the setjmp/longjmp runtime if it binds to it. The memory must
// exist (the runtime imports it).
func (p *Process) ensureExceptions(ctx context.Context, b *batch) error {
	if err := p.ensureTags(ctx); err != nil {
		return err
	}
	if err := p.syncSpaces(ctx); err != nil {
		return err
	}
	return p.ensureSjlj(ctx, b)
}

// An exception that no module catches reaches the host as wazero's
// "uncaught exception", which does not say which. The program's entry
// runs inside a guard instead: a generated function that calls it in a
// try_table catching each of the process's tags, and reports the one that
// escaped as an UncaughtError naming it, as a native uncaught C++
// exception ends in abort with its type.

// UncaughtError is a trap: an exception of tag Tag escaped the program.
type UncaughtError struct{ Tag string }

// Error implements error.
func (e *UncaughtError) Error() string { return "uncaught exception (tag " + e.Tag + ")" }

// hostUncaught is the host function the guard calls with the tag's number.
const hostUncaught = "uncaught"

// guard returns what calls the main's export name (of type t) inside a
// try_table catching every tag of the process; fn itself when the process
// has none.
func (p *Process) guard(ctx context.Context, name string, fn api.Function) (api.Function, error) {
	if len(p.tags) == 0 {
		return fn, nil
	}
	e, ok := p.main.info.file.Export(name)
	if !ok {
		return fn, nil
	}
	t, ok := p.main.info.file.FuncType(e.Index)
	if !ok {
		return fn, nil
	}
	names := make([]string, 0, len(p.tags))
	for n := range p.tags {
		names = append(names, n)
	}
	sort.Strings(names)
	var m wasmgen.Module
	var defs definers
	entry := m.ImportFunc(defs.name(p.main), name, t)
	report := m.ImportFunc(modHost, hostUncaught, wasmfile.FuncType{Params: []wasmfile.ValType{wasmfile.I32}})
	tags := make([]uint32, len(names))
	for i, n := range names {
		tags[i] = m.ImportTag(modTag+n, "tag", p.tags[n])
	}
	blockType := func(results []wasmfile.ValType) []byte {
		switch len(results) {
		case 0:
			return []byte{0x40}
		case 1:
			return []byte{byte(results[0])}
		}
		return wasmfile.AppendS64(nil, int64(m.Type(wasmfile.FuncType{Results: results})))
	}
	// block $done (result T)
	//   block $tag0 (result tag0's values) ... block $tagN
	//     try_table (result T) (catch tagN 0) ... (catch tag0 N)
	//       call entry
	//     end
	//     br $done (N+1)
	//   end  drop the values; report N; unreachable ... per tag
	// end
	var body []byte
	body = append(append(body, 0x02), blockType(t.Results)...)
	for i := range names {
		body = append(append(body, 0x02), blockType(p.tags[names[i]].Params)...)
	}
	body = append(append(body, 0x1f), blockType(t.Results)...)
	body = wasmfile.AppendU32(body, uint32(len(names)))
	for i := range names {
		body = append(body, 0x00) // catch tag label
		body = wasmfile.AppendU32(body, tags[i])
		body = wasmfile.AppendU32(body, uint32(len(names)-1-i))
	}
	body = wasmgen.Call(wasmgen.LocalGets(body, len(t.Params)), entry)
	body = append(body, 0x0b)                                         // end try_table
	body = wasmfile.AppendU32(append(body, 0x0c), uint32(len(names))) // br $done
	for i := len(names) - 1; i >= 0; i-- {
		body = append(body, 0x0b) // end of $tag_i: its values are on the stack
		for range p.tags[names[i]].Params {
			body = append(body, 0x1a) // drop
		}
		body = wasmgen.Call(wasmgen.I32Const(body, int32(i)), report)
		body = wasmgen.Unreachable(body)
	}
	body = append(body, 0x0b) // end $done; Func ends the function
	m.Export("run", wasmfile.KindFunc, m.Func(t, body))
	mod, err := p.instantiateGenerated(ctx, "guard of "+name, m.Bytes(), nil, nil, defs.list)
	if err != nil {
		return nil, err
	}
	p.guardTags = names
	return mod.ExportedFunction("run"), nil
}

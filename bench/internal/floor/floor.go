package floor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

const wasiModule = "wasi_snapshot_preview1"

// Program is a main module and the closure of its NEEDED libraries, read
// from files.
type Program struct {
	Names []string // file paths: the main first, then libraries breadth-first
	Data  [][]byte
	infos []*moduleInfo
}

// Read reads mainPath and every library it needs, breadth-first as a
// dynamic loader would; libraries are looked up in libDir only.
func Read(mainPath, libDir string) (*Program, error) {
	p := &Program{}
	seen := map[string]bool{}
	add := func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		mi, err := parse(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		p.Names = append(p.Names, path)
		p.Data = append(p.Data, data)
		p.infos = append(p.infos, mi)
		return nil
	}
	if err := add(mainPath); err != nil {
		return nil, err
	}
	for i := 0; i < len(p.infos); i++ {
		for _, n := range p.infos[i].needed {
			if seen[n] {
				continue
			}
			seen[n] = true
			if err := add(filepath.Join(libDir, n)); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// Stubs returns the stub modules, by the import module name they stand for:
// for each name every module imports from (but WASI), one module that
// defines what all of them import under that name. The memory and table are
// sized so that every module's data and element segments fit at the bases
// the stubs give (one __memory_base and one __table_base for all).
func (p *Program) Stubs() (map[string][]byte, error) {
	var memMin, tabMin, memAlign, maxData, maxSlots uint64 = 0, 0, 1, 0, 0
	memMax, tabMax := uint64(65536), uint64(0)
	tabHasMax, shared := false, false
	for _, mi := range p.infos {
		for _, im := range mi.imports {
			switch im.kind {
			case kindMemory:
				memMin = max(memMin, im.lim.min)
				if im.lim.hasMax {
					memMax = min(memMax, im.lim.max)
				}
				shared = shared || im.lim.shared
			case kindTable:
				tabMin = max(tabMin, im.lim.min)
				if im.lim.hasMax {
					tabMax = min(tabMax, im.lim.max)
					if !tabHasMax {
						tabMax = im.lim.max
					}
					tabHasMax = true
				}
			}
		}
		if mi.dylink {
			memAlign = max(memAlign, uint64(1)<<mi.memAlign)
			maxData = max(maxData, mi.memSize)
			maxSlots = max(maxSlots, mi.tableSize)
		}
	}
	memBase := (memMin*65536 + memAlign - 1) / memAlign * memAlign
	if memBase == 0 {
		memBase = 1024
	}
	tabBase := max(tabMin, 1)
	pages := (memBase + maxData + 65535) / 65536
	mem := &limits{min: pages, hasMax: true, max: max(memMax, pages), shared: shared}
	tab := &limits{min: tabBase + maxSlots, hasMax: tabHasMax, max: max(tabMax, tabBase+maxSlots)}

	type union struct {
		m       stubModule
		globals map[string]stubGlobal
		funcs   map[string]funcType
		names   map[string]bool
	}
	stubs := map[string]*union{}
	for _, mi := range p.infos {
		for _, im := range mi.imports {
			if im.module == wasiModule {
				continue
			}
			u := stubs[im.module]
			if u == nil {
				u = &union{globals: map[string]stubGlobal{}, funcs: map[string]funcType{}, names: map[string]bool{}}
				stubs[im.module] = u
			}
			switch im.kind {
			case kindMemory:
				u.m.memory = mem
				if !u.names["m:"+im.name] {
					u.names["m:"+im.name] = true
					u.m.memoryNames = append(u.m.memoryNames, im.name)
				}
			case kindTable:
				u.m.table = tab
				if !u.names["t:"+im.name] {
					u.names["t:"+im.name] = true
					u.m.tableNames = append(u.m.tableNames, im.name)
				}
			case kindGlobal:
				g := stubGlobal{name: im.name, typ: im.globalType, mutable: im.mutable}
				if im.module == "env" {
					switch im.name {
					case "__memory_base":
						g.value = int64(memBase)
					case "__table_base":
						g.value = int64(tabBase)
					case "__stack_pointer":
						g.value = int64(memBase)
					}
				}
				if old, ok := u.globals[im.name]; ok && (old.typ != g.typ || old.mutable != g.mutable) {
					return nil, fmt.Errorf("%s.%s imported as two different globals", im.module, im.name)
				}
				u.globals[im.name] = g
			case kindFunc:
				if old, ok := u.funcs[im.name]; ok && old != im.fn {
					return nil, fmt.Errorf("%s.%s imported with two different signatures", im.module, im.name)
				}
				u.funcs[im.name] = im.fn
			}
		}
	}
	out := map[string][]byte{}
	for name, u := range stubs {
		for _, n := range sortedKeys(u.globals) {
			u.m.globals = append(u.m.globals, u.globals[n])
		}
		for _, n := range sortedKeys(u.funcs) {
			u.m.funcs = append(u.m.funcs, stubFunc{n, u.funcs[n]})
		}
		out[name] = u.m.encode()
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Floor holds a program's compiled modules and its instantiated stubs, ready
// to instantiate the program's modules again and again.
type Floor struct {
	rt       wazero.Runtime
	Compiled []wazero.CompiledModule // in Program order
	stubs    []api.Module
}

// New compiles the program's modules and the stubs in rt (so rt's
// compilation cache applies), then instantiates WASI and the stubs under
// their import names. rt should have no other modules with those names.
func New(ctx context.Context, rt wazero.Runtime, p *Program) (*Floor, error) {
	f := &Floor{rt: rt}
	stubs, err := p.Stubs()
	if err != nil {
		return nil, err
	}
	for i, data := range p.Data {
		cm, err := rt.CompileModule(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Names[i], err)
		}
		f.Compiled = append(f.Compiled, cm)
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(stubs) {
		m, err := rt.InstantiateWithConfig(ctx, stubs[name], wazero.NewModuleConfig().WithName(name))
		if err != nil {
			return nil, fmt.Errorf("stub %s: %w", name, err)
		}
		f.stubs = append(f.stubs, m)
	}
	return f, nil
}

// Instantiate instantiates every module of the program once, anonymously
// and without start functions (as wasmdl does: it calls them itself),
// libraries last first (dependencies before their users), the main last.
func (f *Floor) Instantiate(ctx context.Context, mc wazero.ModuleConfig) ([]api.Module, error) {
	if mc == nil {
		mc = wazero.NewModuleConfig()
	}
	mc = mc.WithName("").WithStartFunctions()
	mods := make([]api.Module, 0, len(f.Compiled))
	for i := len(f.Compiled) - 1; i >= 0; i-- {
		m, err := f.rt.InstantiateModule(ctx, f.Compiled[i], mc)
		if err != nil {
			Close(ctx, mods)
			return nil, err
		}
		mods = append(mods, m)
	}
	return mods, nil
}

// Close closes instances from Instantiate, last first.
func Close(ctx context.Context, mods []api.Module) {
	for i := len(mods) - 1; i >= 0; i-- {
		mods[i].Close(ctx)
	}
}

// Compile compiles every module of the program in rt, one after the other,
// and returns the compiled modules (to close, or to discard with rt).
func Compile(ctx context.Context, rt wazero.Runtime, p *Program) ([]wazero.CompiledModule, error) {
	out := make([]wazero.CompiledModule, 0, len(p.Data))
	for i, data := range p.Data {
		cm, err := rt.CompileModule(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Names[i], err)
		}
		out = append(out, cm)
	}
	return out, nil
}

// CompileParallel is Compile with the modules spread over workers
// goroutines (wazero's Runtime is safe for concurrent compiles).
func CompileParallel(ctx context.Context, rt wazero.Runtime, p *Program, workers int) ([]wazero.CompiledModule, error) {
	out := make([]wazero.CompiledModule, len(p.Data))
	errs := make([]error, len(p.Data))
	next := make(chan int)
	done := make(chan struct{})
	for w := 0; w < max(1, workers); w++ {
		go func() {
			for i := range next {
				out[i], errs[i] = rt.CompileModule(ctx, p.Data[i])
			}
			done <- struct{}{}
		}()
	}
	for i := range p.Data {
		next <- i
	}
	close(next)
	for w := 0; w < max(1, workers); w++ {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Names[i], err)
		}
	}
	return out, nil
}

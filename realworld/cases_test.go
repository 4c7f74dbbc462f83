package realworld

import "regexp"

// programs is the suite: each runs as a sequence of steps in one work
// folder, natively and under wasmdl, and the two runs must agree.
var programs = []program{
	{
		name: "zlib/example", comp: "zlib",
		steps: []step{{prog: "example"}},
		// zlibCompileFlags encodes the sizes of uLong and voidpf: 8 bytes
		// on x86-64, 4 on wasm32. Everything else example prints must match.
		fixups: []fixup{{
			wasm: "compile flags = 0x95", native: "compile flags = 0xa9",
			why: "zlibCompileFlags() reports sizeof(uLong) and sizeof(voidpf), 4 on wasm32 and 8 on x86-64",
		}},
	},
	{
		name: "zlib/minigzip", comp: "zlib",
		inputs: map[string]func() []byte{"input.txt": func() []byte { return text(1<<20, 7) }},
		steps: []step{
			{prog: "minigzip", args: []string{"-c", "-9", "input.txt"}},
			{prog: "minigzip", args: []string{"-c", "-1", "-h", "input.txt"}},
			{prog: "minigzip", args: []string{"-c", "-r", "input.txt"}},
			{prog: "minigzip", args: []string{"-6", "-f", "input.txt"}}, // input.txt -> input.txt.gz
			{prog: "minigzip", args: []string{"-d", "-c", "input.txt.gz"}},
			{prog: "minigzip", args: []string{"-d", "input.txt.gz"}}, // and back
			{prog: "minigzip", args: []string{"-9", "input.txt"}},
		},
	},
	{
		name: "zlib/zbig", comp: "zlib",
		steps: []step{{prog: "zbig"}},
	},
	luaScript("tables", ""),
	luaScript("strings", ""),
	luaScript("closures", ""),
	{
		name: "lua/module", comp: "lua",
		scripts: []string{"lua/scripts/module.lua"},
		plugins: []string{"rwlib.so"},
		steps:   []step{{prog: "lua", args: []string{"module.lua"}}},
	},
	luaScript("coroutines", "setjmp"),
	luaScript("errors", "setjmp"),
	{
		name: "lua/cerrors", comp: "lua", needs: "setjmp",
		scripts: []string{"lua/scripts/cerrors.lua"},
		plugins: []string{"rwlib.so"},
		steps:   []step{{prog: "lua", args: []string{"cerrors.lua"}}},
	},
	{
		name: "sqlite/memory", comp: "sqlite",
		plugins: []string{"rwext.so"},
		steps:   []step{{prog: "sqlwork", args: []string{":memory:", "./rwext.so", "memory.dump"}}},
	},
	{
		name: "sqlite/disk", comp: "sqlite",
		plugins: []string{"rwext.so"},
		steps: []step{
			{prog: "sqlwork", args: []string{"shop.db", "./rwext.so", "shop.dump"}},
			{prog: "sqlwork", args: []string{"--check", "shop.db", "reopened.dump"}},
		},
	},
	{
		name: "tinyxml2/xmltest", comp: "tinyxml2",
		data:  []string{"resources"},
		steps: []step{{prog: "xmltest"}},
		masks: []mask{{
			re:  regexp.MustCompile(`Parsing dream\.xml \(Release\): [0-9.]+ milli-seconds`),
			why: "xmltest times ten parses of dream.xml with clock()",
		}},
	},
	{
		name: "tinyxml2/xmlwork", comp: "tinyxml2",
		plugins: []string{"xmlplug.so"},
		steps:   []step{{prog: "xmlwork"}},
		fixups: []fixup{{
			modes:  []mode{static},
			wasm:   "plugin closed\n" + xmlplugUnload,
			native: xmlplugUnload + "plugin closed\n",
			why:    "the static build links the plugin in: dlclose unloads nothing, so its destructor runs at exit",
		}},
	},
}

// xmlplugUnload is what xmlplug.so's destructor prints.
const xmlplugUnload = "xmlplug: unloading after 11 calls to 10 functions\n"

// luaScript is the case running lua/scripts/NAME.lua with the interpreter.
// needs names a Lua build variant the script requires ("" for any).
func luaScript(name, needs string) program {
	return program{
		name: "lua/" + name, comp: "lua", needs: needs,
		scripts: []string{"lua/scripts/" + name + ".lua"},
		steps:   []step{{prog: "lua", args: []string{name + ".lua"}}},
	}
}

// text returns n bytes of lines of words chosen by a fixed pseudo-random
// sequence from seed: compressible input that is the same on every machine.
func text(n int, seed uint32) []byte {
	words := []string{"alpha", "beta", "gamma", "delta", "library", "symbol", "memory", "table",
		"relocation", "wasm", "linker", "loader", "import", "export", "global", "function"}
	x := seed | 1
	out := make([]byte, 0, n+16)
	for len(out) < n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out = append(out, words[x%uint32(len(words))]...)
		if x%9 == 0 {
			out = append(out, '\n')
		} else {
			out = append(out, ' ')
		}
	}
	return out[:n]
}

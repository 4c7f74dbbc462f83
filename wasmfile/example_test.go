package wasmfile_test

import (
	"fmt"
	"log"
	"os"

	"github.com/wasmdl/wasmdl/wasmfile"
)

// Open reads a shared library and prints what the loader needs first: its
// kind, the memory and table it asks for, and the libraries it needs.
func ExampleOpen() {
	f, err := wasmfile.Open("../testdata/reader/libfoo.so")
	if err != nil {
		log.Fatal(err)
	}
	m := f.Dylink.MemInfo
	fmt.Println(f.Kind())
	fmt.Printf("memory %d bytes aligned to %d, table %d slots\n", m.MemorySize, 1<<m.MemoryAlign, m.TableSize)
	fmt.Println("needed:", f.Dylink.Needed)
	// Output:
	// shared library
	// memory 36 bytes aligned to 4, table 0 slots
	// needed: [libbar.so]
}

// Symbols lists what a library defines for others. Data values of a shared
// library are offsets from its __memory_base.
func ExampleFile_Symbols() {
	f, err := wasmfile.Open("../testdata/reader/libbar.so")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range f.Symbols() {
		if s.Func {
			t, _ := f.FuncType(s.Index)
			fmt.Printf("func %s %s\n", s.Name, t)
		} else {
			fmt.Printf("data %s __memory_base+%d\n", s.Name, s.Value)
		}
	}
	// Output:
	// func bar_sum (i32) -> i32
	// data bar_values __memory_base+16
	// func bar_mul64 (i64, i64) -> i64
	// func bar_scale (f64) -> f64
	// data bar_name __memory_base+48
	// data bar_ctor_ran __memory_base+52
}

// ClassifyImports tells what each import is for; weak ones may stay
// unresolved (they then read as 0).
func ExampleFile_ClassifyImports() {
	f, err := wasmfile.Open("../testdata/reader/libfoo.so")
	if err != nil {
		log.Fatal(err)
	}
	for _, ci := range f.ClassifyImports() {
		if ci.Role == wasmfile.RoleGOTFunc || ci.Weak {
			fmt.Printf("%-9s %s.%s weak=%v\n", ci.Role, ci.Module, ci.Name, ci.Weak)
		}
	}
	// Output:
	// function  env.weak_missing weak=true
	// GOT.func  GOT.func.weak_missing weak=true
	// GOT.mem   GOT.mem.weak_missing_var weak=true
	// GOT.func  GOT.func.bar_sum weak=false
}

// WithDylink rewrites a module's dylink.0 section, here to add a
// RUNTIME_PATH that wasm-ld cannot write.
func ExampleWithDylink() {
	b, err := os.ReadFile("../testdata/reader/libfoo.so")
	if err != nil {
		log.Fatal(err)
	}
	f, err := wasmfile.Parse(b)
	if err != nil {
		log.Fatal(err)
	}
	d := *f.Dylink
	d.RuntimePath = []string{"$ORIGIN/deps"}
	out, err := wasmfile.WithDylink(b, &d)
	if err != nil {
		log.Fatal(err)
	}
	g, err := wasmfile.Parse(out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Dylink.Needed, g.Dylink.RuntimePath, len(out)-len(b))
	// Output:
	// [libbar.so] [$ORIGIN/deps] 16
}

// A malformed module is reported with the offset of the bad record.
func ExampleParse_error() {
	_, err := wasmfile.Parse([]byte("\x00asm\x01\x00\x00\x00\x02\x05\xff\xff\xff\xff\x0f"))
	fmt.Println(err)
	// Output:
	// offset 0xa: import section: count 4294967295, 0 bytes left: count larger than the bytes left
}

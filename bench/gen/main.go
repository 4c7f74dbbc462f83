// Command gen generates and builds the synthetic N-library program of the
// benchmarks (see program.go and bench/README.md) in three variants:
//
//	DIR/dyn/      main.wasm + libb0000.so .. + libextra.so   (wasmdl)
//	DIR/static/   static.wasm: the same C in one module        (wazero, wasmdl run)
//	DIR/em/       main.js + main.wasm + side modules           (Emscripten on node)
//
// plus DIR/expected.stdout (the checksum, computed in Go). The Emscripten
// variant is built when emcc is on PATH (see -em). Usage:
//
//	go run ./bench/gen -n 100 [-out bench/build/100] [-j 2] [-em auto|yes|no] [-force]
//
// A folder already built with the same settings is left alone.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// version changes whenever the generated program or the recipes change, so
// that stale build folders are rebuilt.
const version = "wasmdl bench/gen 1"

var (
	clang  = envOr("CLANG", "clang-19")
	wasmLd = envOr("WASM_LD", "wasm-ld-19")
	emcc   = envOr("EMCC", "emcc")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	n := flag.Int("n", 10, "number of libraries")
	out := flag.String("out", "", "build folder (default bench/build/N in the repository)")
	jobs := flag.Int("j", 2, "parallel compiler jobs (at most 2 on these machines)")
	em := flag.String("em", "auto", "build the Emscripten variant: auto (when emcc is present), yes, no")
	force := flag.Bool("force", false, "rebuild even if the folder is up to date")
	flag.Parse()
	if *n < 1 || *n > 9999 {
		fatalf("-n must be between 1 and 9999")
	}
	if *jobs < 1 {
		*jobs = 1
	}
	if *out == "" {
		root, err := repoRoot()
		if err != nil {
			fatalf("%v (use -out)", err)
		}
		*out = filepath.Join(root, "bench", "build", fmt.Sprint(*n))
	}
	withEm := false
	switch *em {
	case "yes":
		withEm = true
	case "no":
	case "auto":
		_, err := exec.LookPath(emcc)
		withEm = err == nil
	default:
		fatalf("-em: want auto, yes or no")
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		fatalf("%v", err)
	}
	stamp := fmt.Sprintf("%s\nn=%d\nem=%v\n", version, *n, withEm)
	if old, err := os.ReadFile(filepath.Join(dir, "stamp")); err == nil && string(old) == stamp && !*force {
		fmt.Printf("gen: %s is up to date (N=%d, emscripten %v)\n", dir, *n, withEm)
		return
	}
	start := time.Now()
	b := &builder{dir: dir, n: *n, jobs: *jobs, em: withEm}
	if err := b.build(); err != nil {
		fatalf("%v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stamp"), []byte(stamp), 0o644); err != nil {
		fatalf("%v", err)
	}
	fmt.Printf("gen: built N=%d in %s (emscripten %v) in %.1fs\n", *n, dir, withEm, time.Since(start).Seconds())
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}

// repoRoot is the folder holding wasmdl's go.mod, found from the current one.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			bytes.Contains(data, []byte("module github.com/wasmdl/wasmdl\n")) {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside the wasmdl repository")
		}
		d = parent
	}
}

type builder struct {
	dir  string
	n    int
	jobs int
	em   bool
}

func (b *builder) path(parts ...string) string {
	return filepath.Join(append([]string{b.dir}, parts...)...)
}

// task is one command, run in dir ("" for the build folder).
type task struct {
	dir  string
	args []string
	env  []string
}

// run runs tasks with at most b.jobs at once; the first failure is returned
// with the command and its output.
func (b *builder) run(phase string, tasks []task) error {
	t0 := time.Now()
	ch := make(chan task)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for w := 0; w < min(b.jobs, len(tasks)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range ch {
				mu.Lock()
				failed := first != nil
				mu.Unlock()
				if failed {
					continue
				}
				cmd := exec.Command(t.args[0], t.args[1:]...)
				cmd.Dir = t.dir
				if cmd.Dir == "" {
					cmd.Dir = b.dir
				}
				cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC", "SOURCE_DATE_EPOCH=0")
				cmd.Env = append(cmd.Env, t.env...)
				if outp, err := cmd.CombinedOutput(); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s (in %s): %v\n%s", strings.Join(t.args, " "), cmd.Dir, err, outp)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, t := range tasks {
		ch <- t
	}
	close(ch)
	wg.Wait()
	if first == nil {
		fmt.Printf("gen:   %-28s %5d commands %6.1fs\n", phase, len(tasks), time.Since(t0).Seconds())
	}
	return first
}

func (b *builder) build() error {
	// Only what this program makes is removed.
	for _, d := range []string{"src", "obj", "stubs", "dyn", "static", "em", "stamp", "expected.stdout"} {
		if err := os.RemoveAll(b.path(d)); err != nil {
			return err
		}
	}
	for _, d := range []string{"src", "obj/pic", "obj/static", "obj/em", "stubs", "dyn", "static", "em"} {
		if err := os.MkdirAll(b.path(d), 0o755); err != nil {
			return err
		}
	}
	fmt.Printf("gen: N=%d into %s (%d jobs, GOMAXPROCS %d)\n", b.n, b.dir, b.jobs, runtime.GOMAXPROCS(0))

	// Sources and the expected output.
	write := func(name, text string) error { return os.WriteFile(b.path(name), []byte(text), 0o644) }
	for k := 0; k <= b.n; k++ {
		if err := write(b.src(k), libSource(k, b.n)); err != nil {
			return err
		}
	}
	if err := write("src/main.c", mainSource(b.n)); err != nil {
		return err
	}
	if err := write("expected.stdout", fmt.Sprintf("checksum %d\n", model{b.n}.checksum())); err != nil {
		return err
	}

	// One empty shared library, linked once: every stub is a hard link to it
	// under a real library's name (see stubs below).
	pic := []string{"--target=wasm32-wasi", "-fPIC", "-fvisibility=default"}
	if err := b.run("stub object", []task{
		{args: append(append([]string{clang}, pic...), "-c", "-x", "c", "/dev/null", "-o", "obj/empty.o")},
	}); err != nil {
		return err
	}
	if err := b.run("stub library", []task{{args: []string{clang, "--target=wasm32-wasi", "-nostdlib", "-shared",
		"-Wl,--experimental-pic", "-Wl,--no-entry", "-o", "obj/empty.so", "obj/empty.o"}}}); err != nil {
		return err
	}
	for k := 0; k <= b.n; k++ {
		name := libName(k)
		if k == b.n {
			name = extraName
		}
		if err := os.Link(b.path("obj/empty.so"), b.path("stubs", name)); err != nil {
			return err
		}
	}

	// Compile everything: PIC objects (dyn), plain objects (static), and
	// Emscripten side-module objects. Several sources per compiler run (each
	// object is named after its source, in the command's folder): starting
	// a compiler costs more than compiling one of these files.
	var compile []task
	var srcs []string
	for k := 0; k <= b.n; k++ {
		srcs = append(srcs, b.path(b.src(k)))
	}
	srcs = append(srcs, b.path("src/main.c"))
	libSrcs := srcs[:b.n] // without libextra and main
	for _, c := range b.chunks(srcs) {
		compile = append(compile, task{dir: b.path("obj/pic"), args: append(append(append([]string{clang}, pic...), "-O2", "-c"), c...)})
	}
	for _, c := range b.chunks(append(append([]string{}, libSrcs...), b.path("src/main.c"))) {
		compile = append(compile, task{dir: b.path("obj/static"), args: append([]string{clang, "--target=wasm32-wasi", "-O2", "-c"}, c...)})
	}
	if b.em {
		for _, c := range b.chunks(libSrcs) {
			compile = append(compile, b.emTask(b.path("obj/em"), append([]string{"-O2", "-sSIDE_MODULE=1", "-c"}, c...)...))
		}
	}
	if err := b.run("compile", compile); err != nil {
		return err
	}

	// Link. Each library is linked against an empty stub carrying the name of
	// the library below it: that records NEEDED and leaves every symbol of
	// that library undefined, so --unresolved-symbols=import-dynamic imports
	// it (env.f_*, GOT.mem.d_*), exactly as linking against the real library
	// would, but every link can run in parallel. The main must be linked this
	// way anyway: wasm-ld 19 resolves a libc main's pointers to data of a real
	// .so on its link line to 0 (testdata/recipes.sh, libc_main). The stub's
	// bare name on the link line (the command runs in stubs/) is what NEEDED
	// records.
	var link []task
	for k := 0; k <= b.n; k++ {
		out, o := libName(k), b.obj(k)
		if k == b.n {
			out = extraName
		}
		// What clang-19 --target=wasm32-wasi -nostdlib -shared runs for
		// recipe (ii) (clang -###), without the driver's own start-up.
		args := []string{wasmLd, "-m", "wasm32", "-L/usr/lib/wasm32-wasi", "-shared", "--experimental-pic",
			"--no-entry", "--export=__wasm_call_ctors", "--unresolved-symbols=import-dynamic",
			"-o", b.path("dyn", out), b.path("obj/pic", o)}
		if k > 0 {
			args = append(args, libName(k-1))
		}
		link = append(link, task{dir: b.path("stubs"), args: args})
		if b.em && k > 0 && k < b.n {
			link = append(link, b.emTask(b.path("stubs"), "-O2", "-sSIDE_MODULE=1", b.path("obj/em", o), libName(k-1),
				"-o", b.path("em", libName(k))))
		}
	}
	if b.em {
		link = append(link, b.emTask("", "-O2", "-sSIDE_MODULE=1", "obj/em/"+b.obj(0), "-o", "em/"+libName(0)))
	}
	link = append(link, task{dir: b.path("stubs"), args: []string{clang, "--target=wasm32-wasi", "-mexec-model=reactor",
		"-o", b.path("dyn/main.wasm"), b.path("obj/pic/main.o"), libName(b.n - 1),
		"-Wl,--export-dynamic", "-Wl,--import-memory", "-Wl,--import-table", "-Wl,--growable-table",
		"-Wl,--experimental-pic", "-Wl,--unresolved-symbols=import-dynamic",
		"-Wl,--export=__stack_pointer", "-Wl,--export=__main_void", "-Wl,--export=exit", "-Wl,--export=bench_loop",
		"-Wl,--export=malloc", "-Wl,--export=free", "-Wl,--strip-debug"}})
	static := []string{clang, "--target=wasm32-wasi", "-mexec-model=reactor", "-o", "static/static.wasm", "obj/static/main.o"}
	for k := 0; k < b.n; k++ {
		static = append(static, "obj/static/"+b.obj(k))
	}
	static = append(static, "-Wl,--export=__main_void", "-Wl,--export=exit", "-Wl,--export=bench_loop", "-Wl,--strip-debug")
	link = append(link, task{args: static})
	if err := b.run("link", link); err != nil {
		return err
	}
	if b.em {
		// The main is linked against the real last library: emcc follows its
		// NEEDED chain to check every library is there.
		if err := b.run("emscripten main", []task{b.emTask(b.path("em"), "-O2", "-sMAIN_MODULE=2",
			b.path("src/main.c"), "-L.", libName(b.n-1), "-o", "main.js")}); err != nil {
			return err
		}
	}
	return nil
}

// chunks splits files into groups for one compiler run each: enough groups
// to keep every job busy, at most 64 files each.
func (b *builder) chunks(files []string) [][]string {
	size := (len(files) + 4*b.jobs - 1) / (4 * b.jobs)
	size = max(1, min(size, 64))
	var out [][]string
	for len(files) > 0 {
		m := min(size, len(files))
		out = append(out, files[:m:m])
		files = files[m:]
	}
	return out
}

func (b *builder) src(k int) string {
	if k == b.n {
		return "src/libextra.c"
	}
	return fmt.Sprintf("src/libb%04d.c", k)
}

func (b *builder) obj(k int) string {
	if k == b.n {
		return "libextra.o"
	}
	return fmt.Sprintf("libb%04d.o", k)
}

// emTask runs emcc as testdata/build.sh does: NODE_PATH set (by default to
// /usr/share/nodejs, where Debian keeps node modules), EM_CACHE left unset.
func (b *builder) emTask(dir string, args ...string) task {
	np := os.Getenv("NODE_PATH")
	if np == "" {
		np = "/usr/share/nodejs"
	}
	return task{dir: dir, args: append([]string{emcc}, args...), env: []string{"NODE_PATH=" + np}}
}

package realworld

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wasmdl/wasmdl/internal/suitetest"
)

// program is one case of the suite (cases_test.go).
type program struct {
	name    string                   // test name, COMP/NAME
	comp    string                   // component: zlib, lua, sqlite or tinyxml2 (out/COMP)
	scripts []string                 // files of this folder copied into the work folder
	inputs  map[string]func() []byte // generated files put into the work folder
	data    []string                 // folders of the build (out/COMP) copied into the work folder
	plugins []string                 // files of the build (wasm/ or native/) copied in: dlopen'ed by path
	steps   []step                   // commands run one after the other in the work folder
	fixups  []fixup                  // explained differences between the wasm and native output
	masks   []mask                   // output that differs between any two runs (timings)
	needs   string                   // Lua build variant required ("" for any)
}

// step is one command: a program of the component's build and its arguments.
type step struct {
	prog string
	args []string
}

func (s step) String() string { return strings.Join(append([]string{s.prog}, s.args...), " ") }

// fixup is a difference in standard output that comes from the platform
// (type sizes) or from the static build, not from dynamic linking: wasm is
// replaced by native in a wasm run's output before comparing, and a fixup
// that no longer applies fails.
type fixup struct {
	wasm, native, why string
	modes             []mode // the wasm modes it applies to; all of them when empty
}

// mask is output that differs between any two runs, native ones too: a
// timing. What re matches is replaced by "<masked>" in every run's output
// before comparing, and a mask that matches nothing fails.
type mask struct {
	re  *regexp.Regexp
	why string
}

// normalize applies p's masks, and for a wasm run in mode m its fixups,
// to out, one step's standard output. It returns the result and a message
// for each fixup or mask that found nothing to replace.
func (p program) normalize(m mode, out string) (string, []string) {
	var unused []string
	for _, f := range p.fixups {
		if m == native || (len(f.modes) > 0 && !slices.Contains(f.modes, m)) {
			continue
		}
		if !strings.Contains(out, f.wasm) {
			unused = append(unused, fmt.Sprintf("expected the difference %q (%s)", f.wasm, f.why))
		}
		out = strings.ReplaceAll(out, f.wasm, f.native)
	}
	for _, k := range p.masks {
		if !k.re.MatchString(out) {
			unused = append(unused, fmt.Sprintf("%s run: expected output matching %q (%s)", m, k.re, k.why))
		}
		out = k.re.ReplaceAllLiteralString(out, "<masked>")
	}
	return out, unused
}

// mode is how a program is run: natively, or under wasmdl as the dynamically
// linked program merged into one module (the default), with every module
// instantiated on its own, or as the static build (one plain module).
type mode string

const (
	native   mode = "native"
	merged   mode = "merged"
	separate mode = "separate"
	static   mode = "static"
)

// result is what one run of a program left: each step's output and status,
// and the work folder.
type result struct {
	mode   mode
	stdout []string
	stderr []string
	status []int
	cpu    time.Duration // user+system time of all steps
	dir    string
}

var (
	outRoot    = filepath.Join(suitetest.CacheRoot("WASMDL_REALWORLD_CACHE", "wasmdl-realworld"), "out")
	wasmdlPath string // built by TestMain when anything was built
	wazeroDir  string // compilation cache shared by the runs of one test binary
)

// built reports whether build.sh finished building comp, and the suite
// was asked for (make realworld sets WASMDL_REALWORLD=1): a default
// go test ./... never runs it, even where a build was left behind.
func built(comp string) bool {
	if os.Getenv("WASMDL_REALWORLD") == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(outRoot, comp, "stamp"))
	return err == nil
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain builds ./cmd/wasmdl once, only if there is something to run, so
// that the default go test ./... stays fast.
func runMain(m *testing.M) int {
	if slices.ContainsFunc(programs, func(p program) bool { return built(p.comp) }) {
		path, cache, cleanup, err := suitetest.BuildWasmdl("realworld", "../cmd/wasmdl")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer cleanup()
		wasmdlPath, wazeroDir = path, cache
	}
	return m.Run()
}

// need skips t unless p's component is built and its Lua variant fits.
func need(t testing.TB, p program) {
	t.Helper()
	if !built(p.comp) {
		t.Skipf("%s is not built in %s: run `make realworld` (realworld/build.sh)", p.comp, outRoot)
	}
	if p.needs != "" {
		v, _ := os.ReadFile(filepath.Join(outRoot, p.comp, "variant"))
		if got := strings.TrimSpace(string(v)); got != p.needs {
			t.Skipf("needs a Lua built with a real %s; this build is the %q variant (see build.sh, LUA_VARIANT)", p.needs, got)
		}
	}
}

// TestPrograms runs every program natively, then under wasmdl merged,
// separate and as the static build, and compares each wasm run with the
// native one.
func TestPrograms(t *testing.T) {
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			need(t, p)
			t.Parallel()
			want := runNative(t, p)
			for _, m := range []mode{merged, separate, static} {
				t.Run(string(m), func(t *testing.T) {
					got := run(t, p, m)
					compare(t, p, want, got)
				})
			}
		})
	}
}

// runNative runs p natively. Every step must succeed: a case whose native
// run fails compares nothing useful, however closely wasmdl matches it.
func runNative(t testing.TB, p program) *result {
	t.Helper()
	r := run(t, p, native)
	for i, s := range p.steps {
		if r.status[i] != 0 {
			t.Fatalf("the native run fails: step %d (%s) exits with status %d\nstdout ends:\n%s\nstderr:\n%s",
				i+1, s, r.status[i], tail(r.stdout[i]), clip(r.stderr[i]))
		}
	}
	return r
}

// command is the command of one step of p in mode m, run in work. Its
// environment is fixed: wasmdl's debug and search-path variables, and
// Lua's LUA_INIT and LUA_PATH, must not leak in from the test's.
func command(p program, m mode, s step, work string) *exec.Cmd {
	dir := filepath.Join(outRoot, p.comp)
	var cmd *exec.Cmd
	switch m {
	case native:
		cmd = exec.Command(filepath.Join(dir, "native", s.prog), s.args...)
	case static:
		args := []string{"run", "--cache-dir", wazeroDir, "--dir", work + ":/", filepath.Join(dir, "static", s.prog+".wasm")}
		cmd = exec.Command(wasmdlPath, append(args, s.args...)...)
	default:
		args := []string{"run", "--cache-dir", wazeroDir}
		if m == separate {
			args = append(args, "--separate")
		}
		lib := filepath.Join(dir, "wasm")
		args = append(args, "--dir", work+":/", "-L", lib, filepath.Join(lib, s.prog+".wasm"))
		cmd = exec.Command(wasmdlPath, append(args, s.args...)...)
	}
	cmd.Dir = work
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	return cmd
}

// pluginDir is where mode m takes the plugins from: the static build links
// its plugin in, but Lua still looks for the file before loading it.
func pluginDir(p program, m mode) string {
	if m == native {
		return filepath.Join(outRoot, p.comp, "native")
	}
	return filepath.Join(outRoot, p.comp, "wasm")
}

// run prepares a work folder for p and runs its steps in mode m.
func run(t testing.TB, p program, m mode) *result {
	t.Helper()
	work := t.TempDir()
	for _, s := range p.scripts {
		copyFile(t, s, filepath.Join(work, filepath.Base(s)))
	}
	for name, gen := range p.inputs {
		if err := os.WriteFile(filepath.Join(work, name), gen(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range p.data {
		copyTree(t, filepath.Join(outRoot, p.comp, d), filepath.Join(work, d))
	}
	for _, f := range p.plugins {
		copyFile(t, filepath.Join(pluginDir(p, m), f), filepath.Join(work, f))
	}
	r := &result{mode: m, dir: work}
	for _, s := range p.steps {
		cmd := command(p, m, s, work)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			status = exit.ExitCode()
		case err != nil:
			t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
		}
		if cmd.ProcessState != nil {
			r.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		r.stdout = append(r.stdout, stdout.String())
		r.stderr = append(r.stderr, stderr.String())
		r.status = append(r.status, status)
	}
	return r
}

// copyTree copies the folder from, with everything in it, to to.
func copyTree(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		copyFile(t, path, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// compare checks a wasm run against the native one: each step's exit
// status and standard output (after p's fixups and masks), then every file
// in the work folder except the plugins, which differ by nature.
func compare(t *testing.T, p program, want, got *result) {
	t.Helper()
	for i, s := range p.steps {
		out, unused := p.normalize(got.mode, got.stdout[i])
		wantOut, wantUnused := p.normalize(native, want.stdout[i])
		for _, u := range append(unused, wantUnused...) {
			t.Errorf("step %d (%s): %s", i+1, s, u)
		}
		var diffs []string
		if got.status[i] != want.status[i] {
			diffs = append(diffs, fmt.Sprintf("exit status %d, native %d", got.status[i], want.status[i]))
		}
		if out != wantOut {
			diffs = append(diffs, "standard output differs from the native run: "+firstDiff(out, wantOut))
		}
		if diffs != nil {
			t.Errorf("step %d (%s): %s\nstderr:\n%s", i+1, s, strings.Join(diffs, "; "), clip(got.stderr[i]))
			return // later steps and files follow from this one
		}
	}
	skip := map[string]bool{}
	for _, f := range p.plugins {
		skip[f] = true
	}
	wantFiles, gotFiles := listFiles(t, want.dir, skip), listFiles(t, got.dir, skip)
	if strings.Join(wantFiles, " ") != strings.Join(gotFiles, " ") {
		t.Errorf("files written: %q, native %q", gotFiles, wantFiles)
		return
	}
	for _, f := range wantFiles {
		a, errA := os.ReadFile(filepath.Join(got.dir, f))
		b, errB := os.ReadFile(filepath.Join(want.dir, f))
		if errA != nil || errB != nil {
			t.Fatal(errors.Join(errA, errB))
		}
		if !bytes.Equal(a, b) {
			t.Errorf("file %s differs from the native run's: %s", f, firstDiff(string(a), string(b)))
		}
	}
}

// listFiles lists the regular files under dir (relative, sorted), less skip.
func listFiles(t *testing.T, dir string, skip map[string]bool) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if !skip[rel] {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// firstDiff describes where got and want part: the first differing line
// (or byte offset for binary data) and both lengths.
func firstDiff(got, want string) string {
	n := 0
	for n < len(got) && n < len(want) && got[n] == want[n] {
		n++
	}
	line := strings.Count(want[:n], "\n") + 1
	return fmt.Sprintf("%d bytes, native %d; first difference at byte %d (line %d): got %q, native %q",
		len(got), len(want), n, line, around(got, n), around(want, n))
}

// around is up to 60 bytes of s from the start of the line holding offset n.
func around(s string, n int) string {
	start := strings.LastIndexByte(s[:n], '\n') + 1
	end := min(len(s), start+60)
	return s[start:end]
}

// tail is the end of a long output, for a failure message.
func tail(s string) string {
	const max = 500
	if len(s) > max {
		return "[...]" + s[len(s)-max:]
	}
	return s
}

// clip shortens a long stderr for a failure message.
func clip(s string) string {
	const max = 2000
	if len(s) > max {
		return s[:max] + "\n[...]"
	}
	return s
}

// TestTypeMismatch loads zbig compiled without HAVE_UNISTD_H (a 32-bit
// z_off_t) against libz.so compiled with it (64-bit): the load must fail
// before anything runs, with ld.so's status and one line per function
// whose signature differs, naming both types.
func TestTypeMismatch(t *testing.T) {
	need(t, program{comp: "zlib"})
	lib := filepath.Join(outRoot, "zlib", "wasm")
	want := []string{
		"wasmdl: signature mismatch: crc32_combine: zbig-offt32.wasm imports it as (i32, i32, i32) -> i32 but libz.so defines (i32, i32, i64) -> i32",
		"wasmdl: signature mismatch: adler32_combine: zbig-offt32.wasm imports it as (i32, i32, i32) -> i32 but libz.so defines (i32, i32, i64) -> i32",
		"wasmdl: signature mismatch: gztell: zbig-offt32.wasm imports it as (i32) -> i32 but libz.so defines (i32) -> i64",
		"wasmdl: signature mismatch: gzseek: zbig-offt32.wasm imports it as (i32, i32, i32) -> i32 but libz.so defines (i32, i64, i32) -> i64",
	}
	for _, flags := range [][]string{nil, {"--separate"}} {
		work := t.TempDir()
		args := append([]string{"run"}, flags...)
		args = append(args, "--dir", work+":/", "-L", lib, filepath.Join(lib, "zbig-offt32.wasm"))
		cmd := exec.Command(wasmdlPath, args...)
		cmd.Dir = work
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 127 {
			t.Errorf("%v: %v, want exit status 127\nstderr:\n%s", flags, err, stderr.String())
		}
		got := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		sort.Strings(got)
		sorted := append([]string(nil), want...)
		sort.Strings(sorted)
		if strings.Join(got, "\n") != strings.Join(sorted, "\n") {
			t.Errorf("%v: stderr:\n%s\nwant these lines:\n%s", flags, stderr.String(), strings.Join(want, "\n"))
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: the program ran: %q", flags, stdout.String())
		}
	}
}

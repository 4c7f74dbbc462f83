package cpython

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
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

// mode is how the interpreter runs: natively, or python3.11.wasm under
// wasmdl with the main merged into one module (the default) or with every
// module instantiated on its own.
type mode string

const (
	native   mode = "native"
	merged   mode = "merged"
	separate mode = "separate"
)

var wasmModes = []mode{merged, separate}

const pyver = "3.11"

var (
	cacheDir   = suitetest.CacheRoot("WASMDL_CPYTHON_CACHE", "wasmdl-cpython")
	outRoot    = filepath.Join(cacheDir, "out")
	wasmdlPath string // built by TestMain when the suite runs
	wazeroDir  string // compilation cache shared by the runs of one test binary
)

// prefix is where build.sh installed the interpreter of kind "native" or
// "wasm": the host folder that holds /usr/local.
func prefix(kind string) string { return filepath.Join(outRoot, kind, "usr", "local") }

// built reports whether build.sh finished and the suite was asked for (make
// cpython sets WASMDL_CPYTHON=1): a default go test ./... never runs it.
func built() bool {
	if os.Getenv("WASMDL_CPYTHON") == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(outRoot, "stamp"))
	return err == nil
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

// runMain builds ./cmd/wasmdl once, only if there is something to run, so
// that the default go test ./... stays fast.
func runMain(m *testing.M) int {
	if built() {
		path, cache, cleanup, err := suitetest.BuildWasmdl("cpython", "../cmd/wasmdl")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer cleanup()
		wasmdlPath, wazeroDir = path, cache
	}
	return m.Run()
}

// need skips t unless the suite is built and asked for.
func need(t testing.TB) {
	t.Helper()
	if !built() {
		t.Skipf("CPython is not built in %s, or WASMDL_CPYTHON is not set: run `make cpython` (cpython/build.sh)", outRoot)
	}
}

// modules lists the extension modules of the wasm build (build.sh writes
// modules.txt from its lib-dynload folder).
func modules(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(outRoot, "modules.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// run is one process of the interpreter.
type run struct {
	stdout, stderr string
	status         int
	elapsed        time.Duration
}

// workDir is a fresh folder for one process: its working directory, which
// a wasm process sees as /, with a tmp/ for tempfile.
func workDir(t testing.TB) string {
	t.Helper()
	work := t.TempDir()
	if err := os.Mkdir(filepath.Join(work, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	return work
}

// python runs the interpreter in mode m with args in work, with a fixed
// environment (the same variables natively and in the guest) and a
// deadline. Guests see the installed prefix at /usr/local, work at / and
// the host's time zone database, which test_zoneinfo reads, at its usual
// place. hostEnv is added to wasmdl's own environment (WASMDL_DEBUG).
func python(t testing.TB, m mode, work string, timeout time.Duration, hostEnv []string, args ...string) run {
	t.Helper()
	env := []string{"PYTHONHASHSEED=0", "LC_ALL=C.UTF-8", "HOME=/tmp", "TZ=UTC"}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var cmd *exec.Cmd
	if m == native {
		cmd = exec.CommandContext(ctx, filepath.Join(prefix("native"), "bin", "python"+pyver), args...)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin", "TMPDIR=" + filepath.Join(work, "tmp")}, env...)
	} else {
		p := prefix("wasm")
		flags := []string{"run", "--cache-dir", wazeroDir}
		if m == separate {
			flags = append(flags, "--separate")
		}
		flags = append(flags, "-L", filepath.Join(p, "lib"),
			"--dir", filepath.Join(p, "lib")+":/usr/local/lib",
			"--dir", work+":/")
		if _, err := os.Stat("/usr/share/zoneinfo"); err == nil {
			flags = append(flags, "--dir", "/usr/share/zoneinfo:/usr/share/zoneinfo")
		}
		for _, e := range append(env, "TMPDIR=/tmp") {
			flags = append(flags, "--env", e)
		}
		flags = append(flags, filepath.Join(p, "bin", "python"+pyver+".wasm"))
		cmd = exec.CommandContext(ctx, wasmdlPath, append(flags, args...)...)
		cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, hostEnv...)
	}
	cmd.Dir = work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s: %s: no result after %v\nstdout ends:\n%s\nstderr ends:\n%s", m, strings.Join(args, " "), timeout, tail(r.stdout), tail(r.stderr))
	case errors.As(err, &exit):
		r.status = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return r
}

// ------------------------------------------------------------- regrtest ----

// outcome is what regrtest recorded for one test case.
type outcome struct {
	status string // pass, skip, fail or error
	detail string // the skip reason, or the first line of the failure
}

// regrResult is one regrtest run of one test module.
type regrResult struct {
	run
	cases map[string]outcome // by test id (test.test_math.MathTests.testAcos)
}

// junitCase is one <testcase> of regrtest's --junit-xml output.
type junitCase struct {
	Name    string     `xml:"name,attr"`
	Result  string     `xml:"result,attr"`
	Skipped *junitNote `xml:"skipped"`
	Failure *junitNote `xml:"failure"`
	Error   *junitNote `xml:"error"`
}

type junitNote struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (n *junitNote) String() string {
	s := strings.TrimSpace(n.Text)
	if s == "" {
		s = n.Message
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 && (n.Text != "") {
		// a traceback: its last line names the exception
		s = s[i+1:]
	}
	return s
}

// regrtest runs `python -m test --junit-xml ... NAME` in mode m.
func regrtest(t *testing.T, m mode, tc regrTest) regrResult {
	t.Helper()
	work := workDir(t)
	xmlArg := "/junit.xml"
	if m == native {
		xmlArg = filepath.Join(work, "junit.xml")
	}
	args := []string{"-m", "test", "--junit-xml", xmlArg}
	for _, pattern := range slices.Sorted(maps.Keys(tc.ignore)) {
		args = append(args, "--ignore", pattern)
	}
	r := regrResult{run: python(t, m, work, tc.timeout(m), nil, append(args, tc.name)...)}
	r.cases = map[string]outcome{}
	b, err := os.ReadFile(filepath.Join(work, "junit.xml"))
	if err != nil {
		// regrtest writes no XML when the test module is skipped or fails
		// before running anything; the summary says which.
		return r
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Cases []junitCase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %s: reading junit.xml: %v", m, tc.name, err)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			o := outcome{status: "pass"}
			switch {
			case c.Error != nil:
				o = outcome{"error", c.Error.String()}
			case c.Failure != nil:
				o = outcome{"fail", c.Failure.String()}
			case c.Skipped != nil:
				o = outcome{"skip", c.Skipped.String()}
			case c.Result != "completed":
				o = outcome{"error", "result " + c.Result}
			}
			r.cases[c.Name] = o
		}
	}
	return r
}

// summary is regrtest's verdict line ("Tests result: SUCCESS").
var summaryRE = regexp.MustCompile(`(?m)^Tests result: (.*)$`)

func (r regrResult) verdict() string {
	m := summaryRE.FindAllStringSubmatch(r.stdout, -1)
	if m == nil {
		return fmt.Sprintf("no verdict (exit status %d)", r.status)
	}
	return m[len(m)-1][1]
}

// counts is "N pass, N skip, ..." for a log line.
func (r regrResult) counts() string {
	n := map[string]int{}
	for _, o := range r.cases {
		n[o.status]++
	}
	var parts []string
	for _, s := range []string{"pass", "skip", "fail", "error"} {
		if n[s] > 0 || s == "pass" {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

// explainSkip returns why wasm may skip a test natively run, or "".
func explainSkip(reason string) string {
	for _, e := range skipReasons {
		if e.re.MatchString(reason) {
			return e.why
		}
	}
	return ""
}

// moduleSkipped starts the id of the one case unittest reports for a test
// module that raised SkipTest when imported.
const moduleSkipped = "unittest.loader.ModuleSkipped."

// compareRegr checks a wasm run of a test module against the native one:
// the same verdict and exit status, the same test cases, each with the
// same outcome, except tests that wasm skips for a reason of skipReasons
// where native runs them, and the test's own nativeOnly cases.
func compareRegr(t *testing.T, tc regrTest, m mode, want, got regrResult) (explained map[string]int) {
	t.Helper()
	name := tc.name
	explained = map[string]int{}
	if got.status != want.status || got.verdict() != want.verdict() {
		t.Errorf("%s %s: exit status %d, %q; native %d, %q\nstdout ends:\n%s\nstderr ends:\n%s",
			m, name, got.status, got.verdict(), want.status, want.verdict(), tail(got.stdout), tail(got.stderr))
	}
	var diffs []string
	ids := map[string]bool{}
	for id := range want.cases {
		ids[id] = true
	}
	for id := range got.cases {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	// A test module that wasm skips whole (threading_helper's
	// requires_working_threading(module=True)) is one ModuleSkipped case
	// in its place of all the module's cases.
	skippedModules := map[string]string{} // module prefix "test.x.y." -> why
	for id, g := range got.cases {
		if mod, ok := strings.CutPrefix(id, moduleSkipped); ok && g.status == "skip" {
			if why := explainSkip(g.detail); why != "" {
				skippedModules[mod+"."] = why
			}
		}
	}
	moduleWhy := func(id string) string {
		for prefix, why := range skippedModules {
			if strings.HasPrefix(id, prefix) {
				return why
			}
		}
		return ""
	}
	for _, id := range sorted {
		w, inWant := want.cases[id]
		g, inGot := got.cases[id]
		switch {
		case !inWant && strings.HasPrefix(id, moduleSkipped) && skippedModules[strings.TrimPrefix(id, moduleSkipped)+"."] != "":
			// counted with the module's cases below
		case !inGot && w.status != "fail" && w.status != "error" && moduleWhy(id) != "":
			explained[moduleWhy(id)]++
		case !inGot && tc.nativeOnly[id] != "":
			explained["native only: "+tc.nativeOnly[id]]++
		case !inGot:
			diffs = append(diffs, fmt.Sprintf("%s: not run (native: %s)", id, w.status))
		case !inWant:
			diffs = append(diffs, fmt.Sprintf("%s: %s, and native does not have it", id, g.status))
		case g.status == w.status:
			// The same outcome; skip reasons may word a platform fact
			// differently (a path, a size), which is not a difference.
		case g.status == "skip" && w.status == "pass":
			if why := explainSkip(g.detail); why != "" {
				explained[why]++
				continue
			}
			diffs = append(diffs, fmt.Sprintf("%s: skipped (%s), native passes; the reason is not one of skipReasons", id, g.detail))
		case g.status == "pass" && w.status == "skip" && nativeOnlySkip.MatchString(w.detail):
			explained["native skips, wasm32 runs: "+w.detail]++
		default:
			d := g.detail
			if d == "" {
				d = "-"
			}
			diffs = append(diffs, fmt.Sprintf("%s: %s (%s), native %s", id, g.status, d, w.status))
		}
	}
	if len(diffs) > 0 {
		if len(diffs) > 40 {
			diffs = append(diffs[:40], fmt.Sprintf("... and %d more", len(diffs)-40))
		}
		t.Errorf("%s %s: %d test cases differ from the native run:\n  %s", m, name, len(diffs), strings.Join(diffs, "\n  "))
	}
	return explained
}

// TestRegrtest runs CPython's own tests of every dynamically loaded module
// (regrTests, in cases_test.go) natively and under wasmdl, merged and
// --separate, and compares them test case by test case. The slow ones run
// only with WASMDL_CPYTHON=full.
func TestRegrtest(t *testing.T) {
	need(t)
	checkCoverage(t, modules(t))
	full := os.Getenv("WASMDL_CPYTHON") == "full"
	for _, tc := range regrTests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && !full {
				t.Skip("a slow test module: run with WASMDL_CPYTHON=full (make cpython-full)")
			}
			t.Parallel()
			want := regrtest(t, native, tc)
			if want.verdict() != "SUCCESS" {
				t.Fatalf("the native run fails: %s\nstdout ends:\n%s\nstderr ends:\n%s", want.verdict(), tail(want.stdout), tail(want.stderr))
			}
			if len(want.cases) == 0 {
				t.Fatalf("the native run recorded no test case: %s\nstdout ends:\n%s", want.verdict(), tail(want.stdout))
			}
			for _, m := range wasmModes {
				got := regrtest(t, m, tc)
				explained := compareRegr(t, tc, m, want, got)
				var notes []string
				for why, n := range explained {
					notes = append(notes, fmt.Sprintf("%d skipped: %s", n, why))
				}
				sort.Strings(notes)
				t.Logf("%-9s %-28s native %s (%s, %.1fs); %s %s (%s, %.1fs)%s", m, tc.name,
					want.verdict(), want.counts(), want.elapsed.Seconds(),
					m, got.verdict(), got.counts(), got.elapsed.Seconds(), semicolonList(notes))
			}
		})
	}
}

func semicolonList(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "; " + strings.Join(notes, "; ")
}

// checkCoverage fails if an extension module of the build has no entry in
// regrTests: every module is either tested or says why not.
func checkCoverage(t *testing.T, mods []string) {
	t.Helper()
	known := map[string]bool{}
	for _, tc := range regrTests {
		for _, m := range tc.modules {
			known[m] = true
		}
	}
	for m := range untested {
		known[m] = true
	}
	for _, m := range mods {
		if !known[m] {
			t.Errorf("extension module %s has no regression test in cases_test.go (regrTests) and no reason in untested", m)
		}
	}
}

// ------------------------------------------------------------ import all ----

// TestImportAll imports every extension module of the build and wasmdemo
// in one process, checks that each came from its shared library (not built
// in), uses each a little, then lets the interpreter finalize: the process
// must exit 0 with nothing on stderr. Natively, the same script must print
// the same.
func TestImportAll(t *testing.T) {
	need(t)
	mods := modules(t)
	script, err := os.ReadFile("import_all.py")
	if err != nil {
		t.Fatal(err)
	}
	var want run
	for _, m := range append([]mode{native}, wasmModes...) {
		t.Run(string(m), func(t *testing.T) {
			work := workDir(t)
			if err := os.WriteFile(filepath.Join(work, "import_all.py"), script, 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"import_all.py"}, mods...)
			r := python(t, m, work, 5*time.Minute, nil, args...)
			if r.status != 0 {
				t.Fatalf("exit status %d\nstdout:\n%s\nstderr:\n%s", r.status, tail(r.stdout), tail(r.stderr))
			}
			if r.stderr != "" {
				t.Errorf("stderr is not empty:\n%s", tail(r.stderr))
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("imported %d extension modules and wasmdemo\n", len(mods))) {
				t.Errorf("stdout:\n%s", tail(r.stdout))
			}
			if m == native {
				want = r
				return
			}
			if r.stdout != want.stdout {
				t.Errorf("stdout differs from the native run: %s", firstDiff(r.stdout, want.stdout))
			}
			t.Logf("%s: %d modules imported and used in %.2fs (native %.2fs)", m, len(mods), r.elapsed.Seconds(), want.elapsed.Seconds())
		})
	}
}

// TestNeeded checks the NEEDED chains under extension modules: wasmdl ldd
// resolves zlib's and _sqlite3's libraries, and WASMDL_DEBUG=libs shows
// them loaded for those modules when Python imports them.
func TestNeeded(t *testing.T) {
	need(t)
	p := prefix("wasm")
	dyn := filepath.Join(p, "lib", "python"+pyver, "lib-dynload")
	lib := filepath.Join(p, "lib")
	tests := []struct {
		module, library string
	}{
		{"zlib", "libz.so"},
		{"binascii", "libz.so"},
		{"_sqlite3", "libsqlite3.so"},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			so := filepath.Join(dyn, tt.module+".cpython-311-wasm32-wasi.so")
			out, err := exec.Command(wasmdlPath, "ldd", "-L", lib, so).CombinedOutput()
			if err != nil {
				t.Fatalf("wasmdl ldd %s: %v\n%s", so, err, out)
			}
			want := tt.library + " => " + filepath.Join(lib, tt.library)
			if !strings.Contains(string(out), want) {
				t.Errorf("wasmdl ldd %s:\n%s\nwant a line %q", so, out, want)
			}
		})
	}
	t.Run("loaded", func(t *testing.T) {
		const script = "import zlib, sqlite3; print(zlib.ZLIB_RUNTIME_VERSION, sqlite3.sqlite_version)"
		r := python(t, merged, workDir(t), 2*time.Minute, []string{"WASMDL_DEBUG=libs"}, "-c", script)
		if r.status != 0 {
			t.Fatalf("exit status %d\n%s", r.status, r.stderr)
		}
		for _, tt := range []struct{ lib, by string }{
			{"libz.so", "zlib"},
			{"libsqlite3.so", "_sqlite3"},
		} {
			want := fmt.Sprintf("libs: dlopen: %s => %s (via -L, needed by /usr/local/lib/python%s/lib-dynload/%s.cpython-311-wasm32-wasi.so)",
				tt.lib, filepath.Join(lib, tt.lib), pyver, tt.by)
			if !strings.Contains(r.stderr, want) {
				t.Errorf("WASMDL_DEBUG=libs does not show %s loaded for %s; want a line with %q in:\n%s", tt.lib, tt.by, want, tail(r.stderr))
			}
		}
		nat := python(t, native, workDir(t), time.Minute, nil, "-c", script)
		if r.stdout != nat.stdout {
			t.Errorf("versions %q, native %q", r.stdout, nat.stdout)
		}
	})
}

// TestWheel runs demo/test_wasmdemo.py, the tests of our third-party
// extension built against the installed headers, natively and under
// wasmdl; every test must pass and the reports must match.
func TestWheel(t *testing.T) {
	need(t)
	script, err := os.ReadFile(filepath.Join("demo", "test_wasmdemo.py"))
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, m := range append([]mode{native}, wasmModes...) {
		t.Run(string(m), func(t *testing.T) {
			work := workDir(t)
			if err := os.WriteFile(filepath.Join(work, "test_wasmdemo.py"), script, 0o644); err != nil {
				t.Fatal(err)
			}
			r := python(t, m, work, 2*time.Minute, nil, "test_wasmdemo.py")
			// unittest reports on stderr; the timing line differs.
			report := timingRE.ReplaceAllString(r.stderr, "Ran N tests in T")
			if r.status != 0 || !strings.HasSuffix(strings.TrimSpace(report), "OK") {
				t.Fatalf("exit status %d\n%s", r.status, r.stderr)
			}
			if m == native {
				want = report
				return
			}
			if report != want {
				t.Errorf("report differs from the native one: %s", firstDiff(report, want))
			}
		})
	}
}

var timingRE = regexp.MustCompile(`Ran (\d+) tests? in [0-9.]+s`)

// ---------------------------------------------------------------- helpers ----

// firstDiff describes where got and want part.
func firstDiff(got, want string) string {
	n := 0
	for n < len(got) && n < len(want) && got[n] == want[n] {
		n++
	}
	line := strings.Count(want[:n], "\n") + 1
	return fmt.Sprintf("%d bytes, native %d; first difference at line %d: got %q, native %q",
		len(got), len(want), line, around(got, n), around(want, n))
}

// around is up to 80 bytes of s from the start of the line holding offset n.
func around(s string, n int) string {
	start := strings.LastIndexByte(s[:n], '\n') + 1
	end := min(len(s), start+80)
	return s[start:end]
}

// tail is the end of a long output, for a failure message.
func tail(s string) string {
	const max = 3000
	if len(s) > max {
		return "[...]" + s[len(s)-max:]
	}
	return s
}

package main

import (
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// TestHelp: help asked for in any of its forms goes to stdout with status
// 0 and nothing on stderr; the texts are pinned in testdata/help.
func TestHelp(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"help", []string{"help"}, "wasmdl"},
		{"--help", []string{"--help"}, "wasmdl"},
		{"-h", []string{"-h"}, "wasmdl"},
		{"help help", []string{"help", "help"}, "help"},
		{"help check", []string{"help", "check"}, "check"},
		{"check --help", []string{"check", "--help"}, "check"},
		{"help inspect", []string{"help", "inspect"}, "inspect"},
		{"inspect -h", []string{"inspect", "-h"}, "inspect"},
		{"help ldd", []string{"help", "ldd"}, "ldd"},
		{"ldd --help", []string{"ldd", "--help"}, "ldd"},
		{"help run", []string{"help", "run"}, "run"},
		{"run --help", []string{"run", "--help"}, "run"},
		{"run -h with other flags", []string{"run", "-L", "lib", "-h", "main.wasm"}, "run"},
		{"help version", []string{"help", "version"}, "version"},
		{"help exports", []string{"help", "exports"}, "exports"},
		{"version --help", []string{"version", "--help"}, "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runCLI(tt.args...)
			if status != 0 || errOut != "" {
				t.Errorf("status %d, stderr %q; want 0 and nothing", status, errOut)
			}
			compareGolden(t, "help", tt.golden+".golden", []byte(out))
		})
	}
	// Every command has a help text.
	for name := range commands {
		if _, err := os.Stat("testdata/help/" + name + ".golden"); err != nil && !updating() {
			t.Errorf("no help golden for %q: %v", name, err)
		}
	}
	// run's help documents the exit statuses and the environment.
	out, _, _ := runCLI("help", "run")
	for _, want := range []string{"127  MAIN or a library cannot be loaded", "134  the program trapped", "2    usage error",
		"the program's own", "WASMDL_DEBUG", "WASMDL_DEBUG=help", "WASMDL_LIBRARY_PATH"} {
		if !strings.Contains(out, want) {
			t.Errorf("wasmdl help run lacks %q", want)
		}
	}
}

// TestUsageErrors: a usage error is reported on stderr, with status 2 and
// nothing on stdout.
func TestUsageErrors(t *testing.T) {
	runSynopsis := "usage: wasmdl run [flags] MAIN [ARGS...]\nRun 'wasmdl help run' for details.\n"
	tests := []struct {
		name   string
		args   []string
		stderr string // exact, or a prefix when it ends in "..."
	}{
		{"no command", nil, "usage: wasmdl COMMAND [ARGS...]\n..."},
		{"unknown command", []string{"frob"}, "wasmdl: unknown command \"frob\"\nusage: wasmdl COMMAND [ARGS...]\n..."},
		{"help for an unknown command", []string{"help", "frob"}, "wasmdl: help: unknown command \"frob\"\nusage: wasmdl COMMAND..."},
		{"help with two commands", []string{"help", "run", "ldd"},
			"wasmdl: help: too many arguments\nusage: wasmdl help [COMMAND]\nRun 'wasmdl help help' for details.\n"},
		{"run without MAIN", []string{"run"}, runSynopsis},
		{"run with an unknown flag", []string{"run", "--frob", "main.wasm"},
			"flag provided but not defined: -frob\n" + runSynopsis},
		{"version with an argument", []string{"version", "x"},
			"wasmdl: version: no arguments expected\nusage: wasmdl version\n       wasmdl --version\nRun 'wasmdl help version' for details.\n"},
		{"unknown command with a newline", []string{"fr\nob"}, "wasmdl: unknown command \"fr\\nob\"\n..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, status := runCLI(tt.args...)
			if status != 2 {
				t.Errorf("status %d, want 2", status)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
			if prefix, ok := strings.CutSuffix(tt.stderr, "..."); ok {
				if !strings.HasPrefix(errOut, prefix) {
					t.Errorf("stderr\n%s\nwant a prefix\n%s", errOut, prefix)
				}
			} else if errOut != tt.stderr {
				t.Errorf("stderr\n%s\nwant\n%s", errOut, tt.stderr)
			}
		})
	}
}

// TestMissingFile: every command words a missing file the same way,
// naming it once.
func TestMissingFile(t *testing.T) {
	const want = "wasmdl: nope/main.wasm: cannot open: no such file or directory\n"
	tests := []struct {
		args   []string
		status int
	}{
		{[]string{"run", "nope/main.wasm"}, exitLinkFailure},
		{[]string{"run", "-L", ".", "--separate", "nope/main.wasm", "arg"}, exitLinkFailure},
		{[]string{"inspect", "nope/main.wasm"}, 2},
		{[]string{"inspect", "--json", "nope/main.wasm"}, 2},
		{[]string{"ldd", "nope/main.wasm"}, 2},
		{[]string{"ldd", "--json", "nope/main.wasm"}, 2},
		{[]string{"check", "nope/main.wasm"}, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, errOut, status := runCLI(tt.args...)
			if status != tt.status || errOut != want {
				t.Errorf("status %d, stderr %q; want %d, %q", status, errOut, tt.status, want)
			}
		})
	}
	// A folder is no module either.
	_, errOut, status := runCLI("run", "testdata")
	if want := "wasmdl: testdata: cannot open: is a directory\n"; status != exitLinkFailure || errOut != want {
		t.Errorf("run on a folder: status %d, stderr %q; want %q", status, errOut, want)
	}
	_, errOut, _ = runCLI("ldd", "testdata")
	if want := "wasmdl: testdata: cannot open: is a directory\n"; errOut != want {
		t.Errorf("ldd on a folder: stderr %q; want %q", errOut, want)
	}
}

// TestVersion: both spellings print the version with status 0, and the
// version is the one CHANGELOG.md's latest entry announces.
func TestVersion(t *testing.T) {
	bi, _ := debug.ReadBuildInfo()
	want := versionString(version, bi) + "\n"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		out, errOut, status := runCLI(args...)
		if status != 0 || errOut != "" || out != want {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want %q", args, status, out, errOut, want)
		}
		if !strings.HasPrefix(out, "wasmdl v0.1.0") {
			t.Errorf("%v: %q does not start with wasmdl v0.1.0", args, out)
		}
	}
	b, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## (v[0-9][^ ]*)`).FindSubmatch(b)
	if m == nil || string(m[1]) != version {
		t.Errorf("CHANGELOG.md's latest entry is %q, wasmdl version says %q", m, version)
	}
}

func TestVersionString(t *testing.T) {
	vcs := func(mainVersion string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/wasmdl/wasmdl", Version: mainVersion}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "4644b79c1e2f0123456789abcdef0123456789ab"
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "wasmdl v0.1.0"},
		{"go build without VCS stamping", vcs("(devel)"), "wasmdl v0.1.0 (go1.26.8)"},
		{"a clean clone", vcs("(devel)", "vcs.revision", rev, "vcs.modified", "false"),
			"wasmdl v0.1.0 (commit 4644b79c1e2f, go1.26.8)"},
		{"local changes", vcs("v0.0.0-20261204233200-4644b79c1e2f+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			"wasmdl v0.1.0 (commit 4644b79c1e2f, modified, go1.26.8)"},
		{"a pseudo-version after a tag", vcs("v0.1.1-0.20261204233200-4644b79c1e2f", "vcs.revision", rev),
			"wasmdl v0.1.0 (commit 4644b79c1e2f, go1.26.8)"},
		{"a pre-release pseudo-version", vcs("v0.2.0-rc.1.0.20261204233200-4644b79c1e2f"), "wasmdl v0.1.0 (go1.26.8)"},
		{"go install @v0.2.0", vcs("v0.2.0"), "wasmdl v0.2.0 (go1.26.8)"},
		{"a release candidate tag", vcs("v0.2.0-rc.1"), "wasmdl v0.2.0-rc.1 (go1.26.8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString("v0.1.0", tt.bi); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Package suitetest holds what the test suites share: the long suites
// (realworld, cpython) run whole wasmdl processes, so their tests build
// the CLI once, and the fixture sweeps read each case's flags, args and
// env files.
package suitetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Lines returns the non-empty lines of the file at path, or nil if it
// cannot be read (a fixture's optional flags, args or env file).
func Lines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// CacheRoot is where a suite's build.sh keeps sources and builds: the
// folder the environment variable env names, else ~/.cache/suite (or
// suite in the temporary folder when there is no home).
func CacheRoot(env, suite string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), suite)
	}
	return filepath.Join(home, ".cache", suite)
}

// BuildWasmdl compiles the CLI from cmdDir (the suite's relative path to
// ./cmd/wasmdl) into a new temporary folder named after suite, and returns
// the binary, an empty folder for wazero's compilation cache beside it,
// and a function that removes both. The compiler's output goes to stderr.
func BuildWasmdl(suite, cmdDir string) (wasmdl, cacheDir string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "wasmdl-"+suite+"-test")
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	wasmdl = filepath.Join(tmp, "wasmdl")
	cmd := exec.Command("go", "build", "-o", wasmdl, cmdDir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("%s: building wasmdl: %w", suite, err)
	}
	return wasmdl, filepath.Join(tmp, "cache"), cleanup, nil
}

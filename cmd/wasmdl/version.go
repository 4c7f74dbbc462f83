package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is the release this source tree is: the tag it gets, or got,
// when it is released (CHANGELOG.md). A build may set it with
// -ldflags "-X main.version=v0.1.1"; "wasmdl version" adds the commit the
// binary was built from when Go recorded it.
var version = "v0.1.0"

func init() {
	register("version", "print wasmdl's version", versionMain)
}

const versionUsage = `usage: wasmdl version
       wasmdl --version

Prints the version of wasmdl, then, when the binary records them, the
commit it was built from (with "modified" if the working tree had
changes) and the Go version that built it.
`

// versionMain runs "wasmdl version".
func versionMain(args []string, stdout, stderr io.Writer) int {
	fset := newFlags("version", versionUsage, stdout, stderr)
	if status := fset.parse(args, 0); status >= 0 {
		return status
	}
	if fset.NArg() > 0 {
		return fset.usageError("no arguments expected")
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionString(version, bi))
	return 0
}

// versionString describes the binary: "wasmdl v0.1.0", then in brackets
// the commit ("commit 4644b79c1e2f", "modified" when the tree had
// changes) and the Go version, as far as bi records them. A module version
// Go recorded from a release tag (go install ...@v0.1.0) wins over v.
func versionString(v string, bi *debug.BuildInfo) string {
	if bi == nil {
		return "wasmdl " + v
	}
	if mv := bi.Main.Version; isRelease(mv) {
		v = mv
	}
	var details []string
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		details = append(details, "commit "+rev)
		if modified == "true" {
			details = append(details, "modified")
		}
	}
	if bi.GoVersion != "" {
		details = append(details, bi.GoVersion)
	}
	if len(details) == 0 {
		return "wasmdl " + v
	}
	return "wasmdl " + v + " (" + strings.Join(details, ", ") + ")"
}

// isRelease reports whether a module version Go recorded is a release tag:
// not "(devel)", not a pseudo-version made from a commit
// (v0.0.0-20260101120000-4644b79c1e2f), and not a build with local changes
// (+dirty).
func isRelease(v string) bool {
	if !strings.HasPrefix(v, "v") || strings.Contains(v, "+") {
		return false
	}
	// A pseudo-version ends in -TIMESTAMP-REVISION (after a "-" or a
	// "-pre.0." base).
	parts := strings.Split(v, "-")
	if len(parts) >= 3 {
		ts := parts[len(parts)-2]
		ts = ts[strings.LastIndex(ts, ".")+1:]
		if len(ts) == 14 && strings.Trim(ts, "0123456789") == "" {
			return false
		}
	}
	return true
}

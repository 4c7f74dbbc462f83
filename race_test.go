//go:build race

package wasmdl_test

import "testing"

const raceEnabled = true

// longUnderRace skips a test that runs whole programs many times over:
// under the race detector it would take minutes of the default test
// command. make stress runs it without the detector.
func longUnderRace(t *testing.T) {
	t.Helper()
	t.Skip("runs whole programs many times: make stress runs it without -race")
}

//go:build !race

package wasmdl_test

import "testing"

const raceEnabled = false

// longUnderRace skips a long test under the race detector only (see
// race_test.go).
func longUnderRace(t *testing.T) { t.Helper() }

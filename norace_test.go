//go:build !race

package wasmdl_test

const raceEnabled = false

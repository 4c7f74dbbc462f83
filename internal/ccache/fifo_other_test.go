//go:build !unix

package ccache

import "testing"

func mkfifo(t *testing.T, p string) { t.Skip("no FIFOs on this system") }

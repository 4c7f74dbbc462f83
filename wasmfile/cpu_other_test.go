//go:build !linux

package wasmfile

import "time"

// processCPU is not measured on this system: CPU-time metrics read 0.
func processCPU() time.Duration { return 0 }

//go:build !linux

package bench

import "time"

// processCPU is not measured on this system: CPU-time metrics read 0.
func processCPU() time.Duration { return 0 }

// residentBytes is not measured on this system: RSS metrics read 0.
func residentBytes() uint64 { return 0 }

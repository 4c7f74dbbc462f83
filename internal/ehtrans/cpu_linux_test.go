package ehtrans

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU is the CPU time the process has used (all threads):
// CLOCK_PROCESS_CPUTIME_ID. On a machine shared with other work it
// measures the translation itself, where wall time also counts waiting
// for a CPU.
func processCPU() time.Duration {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

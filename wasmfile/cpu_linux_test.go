package wasmfile

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU is the CPU time of the whole process (every thread, GC
// included): CLOCK_PROCESS_CPUTIME_ID. Unlike wall time it does not count
// time spent waiting for a CPU other processes hold.
func processCPU() time.Duration {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

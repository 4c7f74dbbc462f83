package mmapmem

import "syscall"

// mapNoReserve keeps a reservation out of the commit charge.
const mapNoReserve = syscall.MAP_NORESERVE

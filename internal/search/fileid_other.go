//go:build !linux

package search

import "io/fs"

// sysID is the part of a file's identity only the system knows; outside
// Linux only size and modification time are compared.
type sysID struct{}

func sysIDOf(fs.FileInfo) sysID { return sysID{} }

// SysStamp is the part of a Stamp only the system knows; outside Linux
// nothing, and Stamps reports false.
type SysStamp struct {
	Dev, Ino uint64
	Ctime    int64
	Valid    bool
}

// ChangeTime is the change time in nanoseconds since the epoch (0 here).
func (s SysStamp) ChangeTime() int64 { return s.Ctime }

const sysStamps = false

func sysStampOf(fs.FileInfo) SysStamp { return SysStamp{} }

package search

import (
	"io/fs"
	"syscall"
)

// sysID is the part of a file's identity only the system knows.
type sysID struct {
	dev, ino               uint64
	ctimeSec, ctimeNanosec int64
}

func sysIDOf(st fs.FileInfo) sysID {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return sysID{}
	}
	return sysID{dev: uint64(s.Dev), ino: uint64(s.Ino), ctimeSec: int64(s.Ctim.Sec), ctimeNanosec: int64(s.Ctim.Nsec)}
}

// SysStamp is the part of a Stamp only the system knows: device, inode
// and change time.
type SysStamp struct {
	Dev, Ino uint64
	Ctime    int64 // nanoseconds since the epoch
	Valid    bool
}

// ChangeTime is the change time in nanoseconds since the epoch.
func (s SysStamp) ChangeTime() int64 { return s.Ctime }

const sysStamps = true

func sysStampOf(st fs.FileInfo) SysStamp {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return SysStamp{}
	}
	return SysStamp{Dev: uint64(s.Dev), Ino: uint64(s.Ino), Ctime: s.Ctim.Sec*1e9 + s.Ctim.Nsec, Valid: true}
}

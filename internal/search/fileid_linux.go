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

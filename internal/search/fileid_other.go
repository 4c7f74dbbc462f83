//go:build !linux

package search

import "io/fs"

// sysID is the part of a file's identity only the system knows; outside
// Linux only size and modification time are compared.
type sysID struct{}

func sysIDOf(fs.FileInfo) sysID { return sysID{} }

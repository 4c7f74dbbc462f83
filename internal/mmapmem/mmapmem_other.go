//go:build !(linux || darwin || freebsd)

package mmapmem

import "errors"

var hostPageSize uint64 = 65536

func reserve(uint64) (*Memory, error) { return nil, errors.New("not supported") }

func commit([]byte) error { return errors.New("not supported") }

func (m *Memory) release() {}

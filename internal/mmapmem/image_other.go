//go:build !linux

package mmapmem

import "errors"

var errTooSmall = errors.New("mmapmem: memory smaller than the image")

func newImage(b []byte) (image, error) { return sliceImage(append([]byte(nil), b...)), nil }

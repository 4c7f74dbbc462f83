//go:build darwin || freebsd

package mmapmem

const mapNoReserve = 0

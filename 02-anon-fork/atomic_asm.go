//go:build linux && (amd64 || arm64)

package main

import "unsafe"

// atomicAdd64 adds delta to the 8 bytes at p with one locked
// read-modify-write instruction (LOCK XADDQ on amd64, LDAXR/STLXR on arm64),
// written in assembly: sync/atomic cannot be used in a forked child under the
// race detector, where its functions call into the race runtime.
//
//go:noescape
func atomicAdd64(p unsafe.Pointer, delta uint64)

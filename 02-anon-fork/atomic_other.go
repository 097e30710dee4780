//go:build linux && !amd64 && !arm64

package main

import (
	"sync/atomic"
	"unsafe"
)

// atomicAdd64 is sync/atomic here: on these architectures the chapter does
// not fork (see forkable), so it never runs in a forked child.
func atomicAdd64(p unsafe.Pointer, delta uint64) { atomic.AddUint64((*uint64)(p), delta) }

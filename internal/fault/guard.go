//go:build linux && (amd64 || arm64)

package fault

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"unsafe"
)

// Gone is the error Guard returns when memory went away under an access: the
// file or object behind the mapping was truncated by another process, or a
// page could not be backed (a full tmpfs). The kernel sends SIGBUS.
type Gone struct {
	Offset int // of the access, from the start of the guarded memory
}

func (e *Gone) Error() string {
	return fmt.Sprintf("SIGBUS at offset %d: the object shrank under the mapping (or its filesystem is full)", e.Offset)
}

// Guard runs f, which reads or writes mem, and turns a fault inside mem into
// a *Gone error instead of a crash of the whole program. Use it for every
// access to a mapping that another process can shrink: a file, a POSIX
// object, a memfd. A fault outside mem is a bug of the program and still
// crashes it.
//
// This is the Go runtime's debug.SetPanicOnFault: the fault becomes a panic
// of this goroutine with the faulting address, which is recovered here. It
// cannot tell SIGBUS from SIGSEGV; experiments that are about the signal
// take it in a child (Run) instead.
func Guard(mem []byte, f func()) (err error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		af, ok := r.(interface{ Addr() uintptr })
		base := uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
		if !ok || af.Addr() < base || af.Addr() >= base+uintptr(len(mem)) {
			panic(r)
		}
		err = &Gone{Offset: int(af.Addr() - base)}
	}()
	f()
	return nil
}

// Copy is copy(dst, src) under Guard, for one of the two being a mapping
// that can shrink (mem). It returns the bytes copied.
func Copy(mem, dst, src []byte) (n int, err error) {
	err = Guard(mem, func() { n = copy(dst, src) })
	return n, err
}

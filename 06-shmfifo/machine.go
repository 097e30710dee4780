//go:build linux && (amd64 || arm64)

// What `shmfifo bench` says about the machine it measured (a number means
// little without it), and the pinning of its two sides to two CPUs, so that
// the producer and the consumer never share one core and never trade
// places between measurements.

package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// machine is the header of every table: the CPU, how many, the kernel, the
// Go version.
type machine struct {
	model          string // /proc/cpuinfo "model name" (or what arm64 says)
	cpus, allowed  int    // online CPUs; those this process may run on
	cores, threads int    // cores, and hardware threads per core (0: unknown)
	virtual        bool   // the "hypervisor" CPU flag: a virtual machine
	kernel         string
}

// describeMachine reads /proc/cpuinfo and uname(2).
func describeMachine() machine {
	m := machine{model: "unknown CPU", allowed: runtime.NumCPU()}
	siblings := 0
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
		case k == "processor":
			m.cpus++
		case (k == "model name" || k == "Model" || k == "CPU part") && m.model == "unknown CPU":
			m.model = v
		case k == "cpu cores":
			fmt.Sscan(v, &m.cores)
		case k == "siblings":
			fmt.Sscan(v, &siblings)
		case k == "flags" && strings.Contains(" "+v+" ", " hypervisor "):
			m.virtual = true
		}
	}
	if m.cores > 0 {
		m.threads = max(1, siblings/m.cores)
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	return m
}

// String is the machine in one line: `AMD EPYC, 2 CPUs (2 cores, 1 thread
// per core), virtual machine, Linux 6.18, go1.26 linux/amd64`.
func (m machine) String() string {
	s := fmt.Sprintf("%s, %d CPUs", m.model, max(m.cpus, m.allowed))
	if m.cores > 0 {
		s += fmt.Sprintf(" (%d cores, %d thread per core)", m.cores, m.threads)
	}
	if m.allowed < m.cpus {
		s += fmt.Sprintf(", %d allowed to this process", m.allowed)
	}
	if m.virtual {
		s += ", virtual machine"
	}
	return s + ", " + m.kernel + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// loadAverage is the first three fields of /proc/loadavg: how many processes
// wanted a CPU, on average over the last 1, 5 and 15 minutes. Above the
// number of CPUs, the two sides of a benchmark wait for a core.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// benchCPUs is the CPU of the producer (this process) and the one of the
// consumer (the peer): the first two this process may run on, read once
// before any pinning (sched_getaffinity). ok is false with fewer than two:
// then nothing is pinned.
var benchCPUs = sync.OnceValues(func() ([2]int, bool) {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return [2]int{}, false
	}
	var cpus []int
	for c := 0; c < len(set)*64 && len(cpus) < 2; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return [2]int{}, false
	}
	return [2]int{cpus[0], cpus[1]}, true
})

// pinnedLine says where the two sides run, for the header.
func pinnedLine() string {
	cpus, ok := benchCPUs()
	if !ok {
		return "not pinned: fewer than two CPUs, the producer and the consumer share one"
	}
	return fmt.Sprintf("producer on CPU %d, consumer on CPU %d (sched_setaffinity)", cpus[0], cpus[1])
}

// pinThread locks the calling goroutine to its thread and that thread to
// cpu (sched_setaffinity on the thread: pid 0), and returns what undoes
// both. cpu < 0 pins nothing.
func pinThread(cpu int) (unpin func(), err error) {
	if cpu < 0 {
		return func() {}, nil
	}
	runtime.LockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return nil, os.NewSyscallError("sched_getaffinity", err)
	}
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return nil, os.NewSyscallError("sched_setaffinity", err)
	}
	return func() {
		unix.SchedSetaffinity(0, &old)
		runtime.UnlockOSThread()
	}, nil
}

// sideCPU is the CPU of one side (0: producer, 1: consumer), -1 when
// nothing is pinned.
func sideCPU(side int) int {
	if cpus, ok := benchCPUs(); ok {
		return cpus[side]
	}
	return -1
}

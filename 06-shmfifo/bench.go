//go:build linux && (amd64 || arm64)

// `shmfifo bench`: the comparison of course ep. 28 (pipe, message queue,
// shared memory), measured. The same bytes go from this process to a child
// process through each mechanism; the clock runs from the child's "ready" to
// its "done" on a status pipe, so process start-up is not counted.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

const benchEnv = "SHMLAB_SHMFIFO_BENCH"

// mechanisms, in the order the table prints them. shmfifo is the course's
// (System V semaphores), shmfifo-psem the same ring with the three
// semaphores in the segment (-sync posix), shmfifo-posix the fast path
// (-sync posix -ring spsc). memcpy is no IPC: one core copying the same
// messages out of a ring of the same size, the ceiling for a copy.
var mechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "pipe", "unix-stream", "sysv-msg", "posix-mq", "memcpy"}

// pingMechanisms are those `bench -pingpong` compares.
var pingMechanisms = []string{"shmfifo", "shmfifo-psem", "shmfifo-posix", "pipe"}

// benchBlocks is the fewest blocks a benchmark FIFO has, and
// benchRingBytes the least it holds: 16 blocks of 64 bytes are one kilobyte,
// and a ring that small is full or empty after every few messages, so that
// each side waits on the other's counter at almost every message (measured:
// 64-byte messages went from 3 × to 5-9 × a pipe's rate between 1 KiB and
// 64 KiB of ring, and 4 KiB ones from 2.7 × to 4 × between 128 and 256 KiB).
// The pipe of the same row gets the same capacity (F_SETPIPE_SZ), so that
// neither has more room to run ahead in.
const (
	benchBlocks    = 16
	benchRingBytes = 256 << 10
)

// benchRing is the number of blocks of the benchmark's FIFOs for messages of
// size bytes.
func benchRing(size int) int { return max(benchBlocks, benchRingBytes/size) }

// benchResult is one row of the table.
type benchResult struct {
	mech        string
	size, msgs  int
	chunk       int // bytes per system message (message queues split larger ones)
	elapsed     time.Duration
	msgsPerSec  float64
	mbPerSecond float64
	switches    float64 // context switches of the receiver per message
	futex       float64 // futex calls (both sides) per message, -1 if not counted
	pipeCap     int     // the pipe's capacity in bytes (pipe rows)
}

func runBench(args []string) error {
	fs := cli.NewFlags("bench")
	sizes := fs.String("sizes", "64,4096,65536", "message sizes in bytes, comma-separated")
	total := fs.String("total", "4M", "bytes to move per mechanism and size")
	csv := fs.Bool("csv", false, "print CSV: mechanism,size,msgs_per_s,mb_per_s")
	ping := fs.Bool("pingpong", false, "time round trips (a message there and back) instead of one-way throughput")
	rounds := fs.String("rounds", "5000", "round trips per mechanism and size, with -pingpong")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return err
	}
	if err := cli.Want("bench", pos, 0, 0); err != nil {
		return err
	}
	tot, err := cli.ParseCount("total", *total, 1, 1<<34)
	if err != nil {
		return err
	}
	nrounds, err := cli.ParseCount("rounds", *rounds, 1, 1<<30)
	if err != nil {
		return err
	}
	var sz []int
	for _, s := range strings.Split(*sizes, ",") {
		v, err := cli.ParseCount("size", strings.TrimSpace(s), genMinBlksize, 16<<20)
		if err != nil {
			return err
		}
		sz = append(sz, int(v))
	}
	if *ping {
		return runPingPong(sz, int(nrounds), *csv)
	}
	if *csv {
		fmt.Println("mechanism,size,msgs_per_s,mb_per_s")
	} else {
		fmt.Printf("%-14s %8s %10s %12s %10s %8s %10s %16s\n", "mechanism", "size", "messages", "msgs/s", "MB/s", "x pipe", "futex/msg", "receiver cs/msg")
	}
	var notes []string
	for _, size := range sz {
		var rows []benchResult
		pipe := 0.0
		for _, mech := range mechanisms {
			msgs := max(1, int(tot)/size)
			r, err := benchOne(mech, size, msgs, nil, nil)
			if err != nil {
				return err
			}
			if mech == "pipe" {
				pipe = r.msgsPerSec
				notes = append(notes, fmt.Sprintf("%d-byte messages: the FIFOs have %d blocks (%d KiB), the pipe holds %d KiB",
					size, benchRing(size), size*benchRing(size)>>10, r.pipeCap>>10))
			}
			rows = append(rows, r)
			if r.chunk < size {
				notes = append(notes, fmt.Sprintf("%s sent each %d-byte message as %d messages of %d bytes (the queue's message size limit)",
					mech, size, (size+r.chunk-1)/r.chunk, r.chunk))
			}
		}
		for _, r := range rows {
			if *csv {
				fmt.Printf("%s,%d,%.0f,%.1f\n", r.mech, r.size, r.msgsPerSec, r.mbPerSecond)
				continue
			}
			fx := "-"
			if r.futex >= 0 {
				fx = fmt.Sprintf("%.3f", r.futex)
			}
			fmt.Printf("%-14s %8d %10d %12.0f %10.1f %8.2f %10s %16.2f\n", r.mech, r.size, r.msgs, r.msgsPerSec, r.mbPerSecond,
				r.msgsPerSec/pipe, fx, r.switches)
		}
	}
	if !*csv {
		fmt.Println("x pipe: messages per second against the pipe's, same size, same run")
		fmt.Println("futex/msg: FUTEX_WAIT + FUTEX_WAKE calls per message, both sides, counted in the segment (shmfifo: 4 semop per side, always)")
		fmt.Println("receiver cs/msg: context switches of the receiving process per message (getrusage)")
		for _, n := range notes {
			fmt.Println("note:", n)
		}
	}
	return nil
}

// pipeCapacity asks for a pipe of at least want bytes (F_SETPIPE_SZ, at
// most /proc/sys/fs/pipe-max-size for a process without CAP_SYS_RESOURCE)
// and returns what the pipe has (F_GETPIPE_SZ): the default 64 KiB when
// the kernel refuses.
func pipeCapacity(w *os.File, want int) int {
	fd := int(w.Fd())
	if want > 0 {
		unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, min(want, limit("/proc/sys/fs/pipe-max-size", 1<<20)))
	}
	n, err := unix.FcntlInt(uintptr(fd), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		return 0
	}
	return n
}

// startPeer starts cmd, the other side of a benchmark, which writes one
// byte to statusW (its copy of the status pipe) once it is ready, and waits
// for that byte on status. reap kills and reaps the peer if it still runs.
func startPeer(cmd *exec.Cmd, status, statusW *os.File, who string) (reap func(), err error) {
	if err := cmd.Start(); err != nil {
		statusW.Close()
		return nil, err
	}
	statusW.Close()
	reap = func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	var one [1]byte
	if _, err := io.ReadFull(status, one[:]); err != nil {
		cmd.Wait()
		return nil, fmt.Errorf("%s failed before it was ready", who)
	}
	return reap, nil
}

// limit reads a number from /proc/sys, or returns def.
func limit(path string, def int) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return def
	}
	return v
}

// benchOne moves msgs messages of size bytes through mech to a child
// process. start and stop, if set, are called around the timed part (for
// testing.B).
func benchOne(mech string, size, msgs int, start, stop func()) (r benchResult, err error) {
	r = benchResult{mech: mech, size: size, msgs: msgs, chunk: size, futex: -1}
	if mech == "memcpy" {
		return benchMemcpy(r, start, stop), nil
	}
	status, statusW, err := os.Pipe()
	if err != nil {
		return r, err
	}
	defer status.Close()
	cmd := self()
	cmd.Stdout = os.Stderr
	cmd.Env = append(os.Environ(), benchEnv+"="+mech, "BENCH_SIZE="+strconv.Itoa(size), "BENCH_MSGS="+strconv.Itoa(msgs))
	cmd.ExtraFiles = []*os.File{statusW}
	var send func(buf []byte) error
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	switch mech {
	case "shmfifo":
		f, err := privateFifo(size, benchRing(size))
		if err != nil {
			return r, err
		}
		cleanup = append(cleanup, func() { f.Close(); Destroy(f.Key) })
		cmd.Env = append(cmd.Env, "BENCH_KEY="+strconv.Itoa(f.Key))
		send = func(buf []byte) error { return f.Put(buf, 0) }
	case "shmfifo-psem", "shmfifo-posix":
		f, err := privatePosixFifo(size, benchRing(size), mech == "shmfifo-posix")
		if err != nil {
			return r, err
		}
		cleanup = append(cleanup, func() { f.Close(); Destroy(f.Key) })
		cmd.Env = append(cmd.Env, "BENCH_KEY="+strconv.Itoa(f.Key))
		send = func(buf []byte) error { return f.Put(buf, 0) }
		defer func() {
			c := f.futexCalls()
			r.futex = float64(c.PutWaits+c.PutWakes+c.GetWaits+c.GetWakes) / float64(msgs)
		}()
	case "pipe":
		pr, pw, err := os.Pipe()
		if err != nil {
			return r, err
		}
		cleanup = append(cleanup, func() { pr.Close(); pw.Close() })
		r.pipeCap = pipeCapacity(pw, size*benchRing(size))
		cmd.ExtraFiles = append(cmd.ExtraFiles, pr)
		send = func(buf []byte) error { _, err := pw.Write(buf); return err }
	case "unix-stream":
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return r, cli.Sys("bench: make a UNIX socket pair", "socketpair", err)
		}
		a, b := os.NewFile(uintptr(fds[0]), "sock0"), os.NewFile(uintptr(fds[1]), "sock1")
		cleanup = append(cleanup, func() { a.Close(); b.Close() })
		cmd.ExtraFiles = append(cmd.ExtraFiles, b)
		send = func(buf []byte) error { _, err := a.Write(buf); return err }
	case "sysv-msg":
		r.chunk = min(size, limit("/proc/sys/kernel/msgmax", 8192))
		id, err := msgget()
		if err != nil {
			return r, err
		}
		cleanup = append(cleanup, func() { msgrm(id) })
		cmd.Env = append(cmd.Env, "BENCH_MSQID="+strconv.Itoa(id), "BENCH_CHUNK="+strconv.Itoa(r.chunk))
		mbuf := make([]byte, 8+r.chunk)
		*(*int64)(unsafe.Pointer(&mbuf[0])) = 1 // mtype
		send = func(buf []byte) error {
			for off := 0; off < len(buf); off += r.chunk {
				n := copy(mbuf[8:], buf[off:])
				if err := msgsnd(id, mbuf[:8+n]); err != nil {
					return err
				}
			}
			return nil
		}
	case "posix-mq":
		r.chunk = min(size, limit("/proc/sys/fs/mqueue/msgsize_max", 8192))
		fd, err := mqOpen(r.chunk)
		if err != nil {
			return r, err
		}
		mq := os.NewFile(uintptr(fd), "mq")
		cleanup = append(cleanup, func() { mq.Close() })
		cmd.ExtraFiles = append(cmd.ExtraFiles, mq)
		cmd.Env = append(cmd.Env, "BENCH_CHUNK="+strconv.Itoa(r.chunk))
		send = func(buf []byte) error {
			for off := 0; off < len(buf); off += r.chunk {
				if err := mqSend(fd, buf[off:min(off+r.chunk, len(buf))]); err != nil {
					return err
				}
			}
			return nil
		}
	default:
		return r, fmt.Errorf("bench: unknown mechanism %q", mech)
	}
	reap, err := startPeer(cmd, status, statusW, fmt.Sprintf("bench %s: the receiver", mech))
	if err != nil {
		return r, err
	}
	defer reap()
	var one [1]byte
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte('A' + i%26)
	}
	if start != nil {
		start()
	}
	t0 := time.Now()
	for range msgs {
		if err := send(buf); err != nil {
			return r, fmt.Errorf("bench %s: send: %w", mech, err)
		}
	}
	if _, err := io.ReadFull(status, one[:]); err != nil {
		return r, fmt.Errorf("bench %s: the receiver did not finish", mech)
	}
	r.elapsed = time.Since(t0)
	if stop != nil {
		stop()
	}
	if err := cmd.Wait(); err != nil {
		return r, fmt.Errorf("bench %s: receiver: %w", mech, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.switches = float64(ru.Nvcsw+ru.Nivcsw) / float64(msgs)
	}
	sec := r.elapsed.Seconds()
	r.msgsPerSec = float64(msgs) / sec
	r.mbPerSecond = float64(msgs) * float64(size) / sec / 1e6
	return r, nil
}

// benchChild is the receiving side: it runs in the child when benchEnv is
// set, and returns its exit status.
func benchChild() int {
	mech := os.Getenv(benchEnv)
	size, msgs, chunk := envInt("BENCH_SIZE"), envInt("BENCH_MSGS"), envInt("BENCH_CHUNK")
	status := os.NewFile(3, "status")
	if os.Getenv("BENCH_PING") != "" {
		return pingChild(mech, msgs, size, status)
	}
	data := os.NewFile(4, "data")
	var recv func(buf []byte) error
	switch mech {
	case "shmfifo", "shmfifo-psem", "shmfifo-posix":
		f, err := Open(envInt("BENCH_KEY"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			return 1
		}
		defer f.Close()
		recv = func(buf []byte) error { return f.GetInto(buf, 0) }
	case "pipe", "unix-stream":
		recv = func(buf []byte) error { _, err := io.ReadFull(data, buf); return err }
	case "sysv-msg":
		id := envInt("BENCH_MSQID")
		mbuf := make([]byte, 8+chunk)
		recv = func(buf []byte) error {
			for off := 0; off < len(buf); {
				n, err := msgrcv(id, mbuf)
				if err != nil {
					return err
				}
				off += copy(buf[off:], mbuf[8:8+n])
			}
			return nil
		}
	case "posix-mq":
		fd := int(data.Fd())
		mbuf := make([]byte, chunk)
		recv = func(buf []byte) error {
			for off := 0; off < len(buf); {
				n, err := mqReceive(fd, mbuf)
				if err != nil {
					return err
				}
				off += copy(buf[off:], mbuf[:n])
			}
			return nil
		}
	}
	status.Write([]byte{'r'})
	buf := make([]byte, size)
	for range msgs {
		if err := recv(buf); err != nil {
			fmt.Fprintf(os.Stderr, "bench child %s: %v\n", mech, err)
			return 1
		}
	}
	status.Write([]byte{'d'})
	return 0
}

// envInt is a number the benchmark passed to its child in the environment.
func envInt(k string) int { v, _ := strconv.Atoi(os.Getenv(k)); return v }

// The message queues, with raw system calls (x/sys/unix has neither).

func retry(f func() (uintptr, unix.Errno)) (uintptr, error) {
	for {
		r, e := f()
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return r, e
		}
		return r, nil
	}
}

func msgget() (int, error) {
	id, _, e := unix.Syscall(unix.SYS_MSGGET, unix.IPC_PRIVATE, unix.IPC_CREAT|0o600, 0)
	if e != 0 {
		return 0, cli.Sys("bench: make a System V message queue", "msgget", e)
	}
	track.Msg(int(id), unix.IPC_PRIVATE)
	return int(id), nil
}

func msgrm(id int) {
	unix.Syscall(unix.SYS_MSGCTL, uintptr(id), unix.IPC_RMID, 0)
}

// msgsnd sends m (8 bytes of mtype, then the text).
func msgsnd(id int, m []byte) error {
	_, err := retry(func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(unix.SYS_MSGSND, uintptr(id), uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)-8), 0, 0, 0)
		return r, e
	})
	return cli.Sys("bench: send", "msgsnd", err)
}

// msgrcv receives into m and returns the length of the text.
func msgrcv(id int, m []byte) (int, error) {
	n, err := retry(func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(unix.SYS_MSGRCV, uintptr(id), uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)-8), 0, 0, 0)
		return r, e
	})
	return int(n), cli.Sys("bench: receive", "msgrcv", err)
}

// mqAttr is struct mq_attr.
type mqAttr struct {
	Flags, Maxmsg, Msgsize, Curmsgs int64
	_                               [4]int64
}

// mqOpen makes a POSIX message queue of 10 messages of msgsize bytes and
// unlinks its name at once: the descriptor is all the two sides need.
func mqOpen(msgsize int) (int, error) {
	var rnd [6]byte
	rand.Read(rnd[:])
	// The system call takes the name without glibc's leading slash.
	name, _ := unix.BytePtrFromString("shmlab-bench-" + hex.EncodeToString(rnd[:]))
	attr := mqAttr{Maxmsg: 10, Msgsize: int64(msgsize)}
	fd, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)),
		unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600, uintptr(unsafe.Pointer(&attr)), 0, 0)
	if e != 0 {
		return -1, cli.Sys("bench: make a POSIX message queue", "mq_open", e)
	}
	unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0)
	return int(fd), nil
}

func mqSend(fd int, m []byte) error {
	_, err := retry(func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(unix.SYS_MQ_TIMEDSEND, uintptr(fd), uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), 0, 0, 0)
		return r, e
	})
	return cli.Sys("bench: send", "mq_timedsend", err)
}

func mqReceive(fd int, m []byte) (int, error) {
	n, err := retry(func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(unix.SYS_MQ_TIMEDRECEIVE, uintptr(fd), uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), 0, 0, 0)
		return r, e
	})
	return int(n), cli.Sys("bench: receive", "mq_timedreceive", err)
}

//go:build linux && (amd64 || arm64)

// The message queues `shmfifo bench` compares with (course ep. 28): a
// System V queue (msgget, msgsnd, msgrcv) and a POSIX one (mq_open,
// mq_timedsend, mq_timedreceive), with raw system calls: x/sys/unix has
// neither.

package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

// sysvMsgLink makes a private System V queue; a message larger than
// msgmax goes as several.
func sysvMsgLink(size int) (*link, error) {
	chunk := min(size, limit("/proc/sys/kernel/msgmax", 8192))
	id, err := msgget()
	if err != nil {
		return nil, err
	}
	// Four copies: into the message buffer (after its mtype), into the
	// kernel, out of it, and out of the message buffer on the other side.
	remove := cli.Made(func() { msgrm(id) })
	l := &link{chunk: chunk, copies: 4, cleanup: []func(){remove}, aborts: []func(){remove}}
	l.env = []string{"BENCH_MSQID=" + strconv.Itoa(id), "BENCH_CHUNK=" + strconv.Itoa(chunk)}
	mbuf := make([]byte, 8+chunk)
	*(*int64)(unsafe.Pointer(&mbuf[0])) = 1 // mtype
	l.send = func(buf []byte) error {
		for off := 0; off < len(buf); off += chunk {
			n := copy(mbuf[8:], buf[off:])
			if err := msgsnd(id, mbuf[:8+n]); err != nil {
				return err
			}
		}
		return nil
	}
	return l, nil
}

// sysvMsgReceiver receives a message of len(buf) bytes in chunks.
func sysvMsgReceiver(id, chunk int) func([]byte) error {
	mbuf := make([]byte, 8+chunk)
	return func(buf []byte) error {
		for off := 0; off < len(buf); {
			n, err := msgrcv(id, mbuf)
			if err != nil {
				return err
			}
			off += copy(buf[off:], mbuf[8:8+n])
		}
		return nil
	}
}

// posixMqLink makes a POSIX queue whose name is gone at once; the peer
// gets its descriptor.
func posixMqLink(size int) (*link, error) {
	chunk := min(size, limit("/proc/sys/fs/mqueue/msgsize_max", 8192))
	fd, err := mqOpen(chunk)
	if err != nil {
		return nil, err
	}
	mq := os.NewFile(uintptr(fd), "mq")
	// The peer gets a descriptor of its own for the same queue.
	peer, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		mq.Close()
		return nil, cli.Sys("bench: duplicate the queue's descriptor", "fcntl F_DUPFD_CLOEXEC", err)
	}
	l := &link{chunk: chunk, copies: 2, files: []*os.File{os.NewFile(uintptr(peer), "mq")}, cleanup: []func(){func() { mq.Close() }}}
	l.env = []string{"BENCH_CHUNK=" + strconv.Itoa(chunk)}
	l.send = func(buf []byte) error {
		for off := 0; off < len(buf); off += chunk {
			if err := mqSend(fd, buf[off:min(off+chunk, len(buf))]); err != nil {
				return err
			}
		}
		return nil
	}
	return l, nil
}

// posixMqReceiver receives a message of len(buf) bytes in chunks, each
// straight into buf (mq_receive wants room for a whole message of the
// queue's size: a last, shorter chunk goes through a buffer of that size).
func posixMqReceiver(fd, chunk int) func([]byte) error {
	mbuf := make([]byte, chunk)
	return func(buf []byte) error {
		for off := 0; off < len(buf); {
			if len(buf)-off >= chunk {
				n, err := mqReceive(fd, buf[off:off+chunk])
				if err != nil {
					return err
				}
				off += n
				continue
			}
			n, err := mqReceive(fd, mbuf)
			if err != nil {
				return err
			}
			off += copy(buf[off:], mbuf[:n])
		}
		return nil
	}
}

// retry makes a system call again while it says EINTR.
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
	// Registered (cli.Made) and unlinked at once: an interrupt between the
	// two still removes the name.
	cli.Made(func() { unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0) })()
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

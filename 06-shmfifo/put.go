//go:build linux && (amd64 || arm64)

// `shmfifo put`: the course's shmfifo_put (ep. 33), one block per message:
// each MSG argument, each line of stdin, or -count generated messages.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"time"

	"shmlab/internal/cli"
)

func putCmd(f *cli.Flags) cli.Action {
	k := f.Key(cli.KeyOpts{})
	timeout := f.Timeout(cli.Forever, "a free block or the mutex does not come")
	gen := f.Int("gen", 0, 1, 1<<31-1, "put -count generated, checkable messages as producer N (verify checks them)")
	count := f.Int("count", 0, 1, 1<<31-1, "how many messages -gen puts")
	ready := f.Ready("the first message is in")
	f.Args(0, -1) // [KEY] [MSG...]
	return func(args []string) error {
		key, msgs, err := fifoKey(k, "put", args, 0, -1)
		if err != nil {
			return err
		}
		if (*gen != 0 || *count != 0) && (*gen == 0 || *count == 0 || len(msgs) > 0) {
			return cli.Usagef("put: -gen N and -count N go together, without messages")
		}
		fifo, err := openFifo(key)
		if err != nil {
			return err
		}
		defer fifo.Close()
		p := &producer{f: fifo, timeout: *timeout, ready: *ready}
		switch {
		case *gen != 0:
			err = p.generate(int(*gen), int(*count))
		case len(msgs) > 0:
			for _, m := range msgs {
				if err = p.put([]byte(m)); err != nil {
					break
				}
			}
		default:
			err = p.stdin()
		}
		// How many went in, also when one did not.
		cli.Fact("put", p.n)
		return err
	}
}

// producer puts messages and counts them; after the first it writes the
// ready file.
type producer struct {
	f       *Fifo
	timeout time.Duration
	ready   string
	n       int
}

// put puts one message; one longer than a block is an error, not a
// truncation.
func (p *producer) put(m []byte) error {
	if len(m) > p.f.Blksize {
		return fmt.Errorf("put into FIFO key %s: message %d is %d bytes, a block holds %d", KeyString(p.f.Key), p.n+1, len(m), p.f.Blksize)
	}
	if err := p.f.Send(m, p.timeout); err != nil {
		return fifoErr(p.f, "put", err, p.timeout)
	}
	p.n++
	if p.n == 1 {
		return cli.Ready(p.ready)
	}
	return nil
}

// generate puts n checkable messages as producer id (gen.go).
func (p *producer) generate(id, n int) error {
	if p.f.Blksize < genMinBlksize {
		return fmt.Errorf("put -gen: blksize %d is too small for generated messages (at least %d)", p.f.Blksize, genMinBlksize)
	}
	for seq := 1; seq <= n; seq++ {
		if err := p.put(genMessage(id, seq, p.f.Blksize)); err != nil {
			return err
		}
	}
	return nil
}

// stdin puts one message per line of standard input. A line may be a
// block long: the scanner holds at most blksize+1 bytes (the line and its
// newline), so endless input without a newline (/dev/zero) is refused
// after one block, never read whole.
func (p *producer) stdin() error {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, min(p.f.Blksize+1, 64<<10)), p.f.Blksize+1)
	for sc.Scan() {
		if err := p.put(sc.Bytes()); err != nil {
			return err
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("put into FIFO key %s: line %d of stdin is longer than a block of %d bytes", KeyString(p.f.Key), p.n+1, p.f.Blksize)
	}
	return cli.Sys("put into FIFO key "+KeyString(p.f.Key), "read", sc.Err())
}

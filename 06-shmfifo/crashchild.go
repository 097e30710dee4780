//go:build linux && (amd64 || arm64)

// The children of `shmfifo crash`: producer and consumer processes, each
// watched by a goroutine that collects what it printed and how it ended.

package main

import (
	"bufio"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// child is one producer or consumer process of the crash run.
type child struct {
	cmd      *exec.Cmd
	consumer bool
	id       int      // producer id
	lines    []string // what a consumer printed, complete once done is closed
	done     chan struct{}
	err      error
}

// startChild starts cmd; a consumer's stdout is collected line by line.
func startChild(cmd *exec.Cmd, consumer bool, id int) (*child, error) {
	c := &child{cmd: cmd, consumer: consumer, id: id, done: make(chan struct{})}
	var out io.Reader
	if consumer {
		var err error
		if out, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
	} else {
		cmd.Stdout = io.Discard
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		if out != nil {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				c.lines = append(c.lines, sc.Text())
			}
		}
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) finished() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// wait waits for the child to end, at most d; it reports whether it did.
func (c *child) wait(d time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(d):
		return false
	}
}

// kill sends SIGKILL and reports whether the signal is what ended the child
// (it may have finished just before).
func (c *child) kill() bool {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	return false
}

//go:build linux && (amd64 || arm64)

// What an experiment makes for itself and removes when done (a segment, a
// temporary directory) is registered with cli.Made, so that SIGINT, SIGTERM
// or SIGHUP removes it too, and no IPC_PRIVATE segment (which nothing could
// find again) is left.

package main

import (
	"sync"

	"shmlab/internal/cli"
	"shmlab/internal/track"
)

// own runs mk, which makes something and returns the function that undoes
// it, and registers that undo with cli.Made. The registration comes first
// and the undo waits for mk: a signal that arrives while mk runs removes
// what mk made, so there is no moment when a new object is unregistered.
// It returns the remover, for the experiment to call or defer. The undo
// runs once, whoever calls it first, and the remover returns only once it
// has run: if the interrupt handler took it (the handler runs its undos on
// its own goroutine, while this one goes on), the remover runs it itself or
// waits for the handler to finish it, so the program never ends between
// the two with the object still there.
func own(mk func() (undo func(), err error)) (func(), error) {
	var mu sync.Mutex
	var undo func()
	var once sync.Once
	run := func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			if undo != nil {
				undo()
			}
		})
	}
	mu.Lock()
	unregister := cli.Made(run)
	u, err := mk()
	undo = u
	mu.Unlock()
	remove := func() {
		unregister()
		run()
	}
	if err != nil {
		remove()
		return nil, err
	}
	return remove, nil
}

// ownSegment is shmget(key, size, flag) for a segment the experiment
// removes itself: it returns the id and the remover.
func ownSegment(key, size, flag int) (int, func(), error) {
	id := -1
	remove, err := own(func() (func(), error) {
		got, err := Get(key, size, flag)
		if err != nil {
			return nil, getErr(err, key, flag)
		}
		id = got
		track.Shm(id, key) // a scenario's cleanup removes it, even on failure
		return func() { Remove(got) }, nil
	})
	return id, remove, err
}

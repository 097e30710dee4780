//go:build linux && (amd64 || arm64)

// msync-async: the notes say MS_ASYNC returns at once and writes in the
// background (001 §1.1.1.4). On Linux it starts no write at all: right after
// it the page is as dirty as before; MS_SYNC cleans it. The steps are
// msync's (msync.go), with MS_ASYNC before MS_SYNC.

package main

import "shmlab/internal/cli"

func msyncAsyncCmd(f *cli.Flags) cli.Action {
	return syncFileCmd(f, "msync-async", true)
}

func tourMsyncAsync() error {
	cli.Say("The notes say MS_ASYNC returns at once and the write happens asynchronously. On")
	cli.Say("Linux it starts no write at all: the kernel already tracks dirty pages and its")
	cli.Say("flusher threads write them back later (after about 30 s, vm.dirty_expire_centisecs).")
	cli.Say("So right after MS_ASYNC the page is as dirty as before; MS_SYNC cleans it.")
	path, done, err := tempFile("", initialContent)
	if err != nil {
		return err
	}
	defer done()
	return syncFile(path, "HELLO", true)
}

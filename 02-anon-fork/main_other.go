//go:build !linux

package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "anonfork: shmlab needs Linux (this is %s); see the README for a VM, WSL2 or a container\n", runtime.GOOS)
	os.Exit(1)
}

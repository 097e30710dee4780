//go:build !linux || !(amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Fprintf(os.Stderr, "sysv: shmlab needs Linux on amd64 or arm64 (this is %s/%s); see the README for a VM, WSL2 or a container\n", runtime.GOOS, runtime.GOARCH)
	os.Exit(1)
}

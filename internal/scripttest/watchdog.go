//go:build linux && (amd64 || arm64)

package scripttest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scenarioEnv marks every process a scenario starts (it inherits the
// scenario's environment), so that the watchdog can find them all.
const scenarioEnv = "SHMLAB_SCENARIO"

// scenarioTimeout bounds one scenario: a learner's deadlock (P(mutex) before
// P(filled), a private futex) must end in a grade line, not in go test's
// ten-minute panic. SHMLAB_SCENARIO_TIMEOUT (a duration) changes it.
func scenarioTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SHMLAB_SCENARIO_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 2 * time.Minute
}

var (
	timedOutMu sync.Mutex
	timedOutT  = map[string]bool{} // test names whose watchdog fired
)

func timedOut(name string) bool {
	timedOutMu.Lock()
	defer timedOutMu.Unlock()
	return timedOutT[name]
}

// watch starts the watchdog of a scenario marked id: after scenarioTimeout
// it kills every process that carries the mark, which ends the command the
// scenario is blocked in; the scenario fails, and its cleanup runs as usual.
// It returns the function that stops the watchdog.
func watch(env *testscript.Env, id string) func() {
	name := ""
	if n, ok := env.T().(interface{ Name() string }); ok {
		name = n.Name()
	}
	limit := scenarioTimeout()
	timer := time.AfterFunc(limit, func() {
		timedOutMu.Lock()
		timedOutT[name] = true
		timedOutMu.Unlock()
		env.T().Log("timed out after ", limit, ": killing the scenario's processes (a deadlock?)")
		killMarked(scenarioEnv + "=" + id)
	})
	return func() { timer.Stop() }
}

// killMarked sends SIGKILL to every process whose environment holds mark.
func killMarked(mark string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range procs {
		env, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, append([]byte(mark), 0)...)) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

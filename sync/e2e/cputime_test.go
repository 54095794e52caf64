//go:build unix

package e2e_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process — the server and
// the clients of a test, which run in it — has used so far. On a shared
// machine it measures the work a benchmark does better than its wall time,
// which other programs' load stretches.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:build !unix

package e2e_test

import "time"

// cpuTime is 0 where the process's CPU time is not read: the benchmarks
// leave their CPU figures out.
func cpuTime() time.Duration { return 0 }

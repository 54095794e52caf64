package sqlite

import (
	"sync"
	"testing"
	"time"
)

// TestLoginAttemptsAreCountedBeforeTheCheck: attempts are counted as they
// are reserved, so of many reserved at once no more than the limit pass;
// a released attempt is no failure; a failure leaves the window after it.
func TestLoginAttemptsAreCountedBeforeTheCheck(t *testing.T) {
	db, _ := openTest(t)
	const window = 15 * time.Minute
	limits := map[string]int{"login:lina": 3, "ip:127.0.0.1": 10}
	reserve := func(now time.Time) LoginAttempt {
		t.Helper()
		a, err := db.ReserveLoginAttempt(t.Context(), limits, now, now.Add(-window))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	// A released attempt (a right password) does not count.
	for range 5 {
		if a := reserve(t0); a.Refused {
			t.Fatal("refused while every attempt was released")
		} else if err := db.ReleaseLoginAttempt(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}

	// Twenty at once: three pass, the rest are refused uncounted.
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			a, err := db.ReserveLoginAttempt(t.Context(), limits, t0, t0.Add(-window))
			if err != nil {
				t.Error(err)
				return
			}
			if !a.Refused {
				mu.Lock()
				passed++
				mu.Unlock()
			} else if !a.Oldest.Equal(t0) {
				t.Errorf("oldest failure %v, want %v", a.Oldest, t0)
			}
		})
	}
	wg.Wait()
	if passed != 3 {
		t.Fatalf("%d of 20 simultaneous attempts passed, the limit is 3", passed)
	}
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM login_failures WHERE key = 'ip:127.0.0.1'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d failures counted for the address, want 3 (refused attempts are not counted)", n)
	}

	// Still refused just before the window has passed, counted again after.
	if a := reserve(t0.Add(window - time.Nanosecond)); !a.Refused {
		t.Fatal("an attempt within the window passed")
	}
	if a := reserve(t0.Add(window)); a.Refused {
		t.Fatal("an attempt once the window has passed was refused")
	}
}

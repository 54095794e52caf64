package client

import (
	"context"
	"time"

	"lixiang/domain"
)

// State is what the UI shows of sync: whether the server answered the
// last pass, whether a pass is running, what waits, what needs a person.
// It is small and comparable; the desktop's ui.SyncState has the same
// fields in the same order, so one converts to the other.
type State struct {
	Online         bool
	Syncing        bool
	Pending        int // changes waiting to be sent
	NeedsAttention int // changes the server refused, waiting for a person
	Conflicts      int // open conflicts on the projects
	LastSuccess    time.Time
	// LastError is why the last pass failed, in Chinese and in English
	// (see StateError); nil after a successful pass.
	LastError *domain.Error
	SignedIn  bool
}

// State returns the current state.
func (e *Engine) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state
}

// LastReport is the report of the last pass.
func (e *Engine) LastReport() Report {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// Subscribe calls f with every new state until cancel is called. f runs on
// the engine's goroutine (the one running Run or SyncOnce), never on the
// UI's: Fyne code must wrap widget updates in fyne.Do. f must not block.
func (e *Engine) Subscribe(f func(State)) (cancel func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := e.nextID
	e.nextID++
	e.listeners[id] = f
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.listeners, id)
	}
}

// update changes the state and tells the listeners.
func (e *Engine) update(f func(*State)) {
	e.mu.Lock()
	f(&e.state)
	s := e.state
	ls := make([]func(State), 0, len(e.listeners))
	for _, l := range e.listeners {
		ls = append(ls, l)
	}
	e.mu.Unlock()
	for _, l := range ls {
		l(s)
	}
}

// counts reads what waits in the store.
func (e *Engine) counts(ctx context.Context) (pending, attention, conflicts int, err error) {
	if pending, err = e.store.PendingCount(ctx); err != nil {
		return
	}
	if attention, err = e.store.NeedsAttentionCount(ctx); err != nil {
		return
	}
	conflicts, err = e.store.ConflictCount(ctx)
	return
}

// Refresh rereads the counts and the sign-in from the store (after a save,
// a resolved conflict, a retried change) and tells the listeners.
func (e *Engine) Refresh(ctx context.Context) error {
	p, a, c, err := e.counts(ctx)
	if err != nil {
		return err
	}
	tok, err := e.token(ctx)
	if err != nil {
		return err
	}
	e.update(func(s *State) {
		s.Pending, s.NeedsAttention, s.Conflicts, s.SignedIn = p, a, c, tok != ""
	})
	return nil
}

// finish records the end of a pass in the state.
func (e *Engine) finish(ctx context.Context, rep Report) {
	p, a, c, cerr := e.counts(context.WithoutCancel(ctx))
	e.update(func(s *State) {
		s.Syncing = false
		s.Online = rep.Online && !IsOffline(rep.Err)
		s.SignedIn = !rep.SignedOut
		e.last = rep
		if cerr == nil {
			s.Pending, s.NeedsAttention, s.Conflicts = p, a, c
		}
		if rep.Err == nil {
			s.LastSuccess = e.now()
			s.LastError = nil
		} else if e.baseURL == "" {
			s.LastError = errNoServer
		} else {
			s.LastError = StateError(rep.Err)
		}
	})
}

// Kick asks the loop for a pass soon (the UI calls it after every save).
// It never blocks; kicks during a pass make one more pass after it.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run syncs until ctx ends: at once, after each Kick, every period, and
// after a failure again after a wait that doubles with each failure in a
// row (first … longest, with jitter); a kick does not wait for it. While
// signed out it waits for a kick (Login kicks). It returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.Refresh(ctx); err != nil {
		e.log.WarnContext(ctx, "read sync state", "err", err)
	}
	failures := 0
	for {
		rep, err := e.SyncOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait <-chan time.Time
		switch {
		case rep.SignedOut:
			failures = 0 // nothing to retry until someone signs in
		case err != nil:
			failures++
			wait = e.after(e.backoff(failures))
		default:
			failures = 0
			wait = e.after(e.period)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-e.kick:
		case <-wait:
		}
	}
}

// backoff is the wait after n failures in a row: first·2ⁿ⁻¹ up to
// longest, of which a random half is taken off so that many devices coming
// back together do not arrive together.
func (e *Engine) backoff(n int) time.Duration {
	d := e.minWait
	for i := 1; i < n && d < e.maxWait; i++ {
		d *= 2
	}
	d = min(d, e.maxWait)
	half := d / 2
	return half + time.Duration(e.jitter()*float64(d-half))
}

package main

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/memguard"
)

type pipeline int

const (
	pContacts pipeline = iota
	pCalendar
	pSuggest
	numPipelines
)

var pipelineNames = [numPipelines]string{"contacts", "calendar", "suggest"}

func (p pipeline) String() string { return pipelineNames[p] }

// finish reports one user's end in a pipeline: its duration, the items it
// handled (people, events, contacts scored), the Google calls or runs it
// retried inside the library, and its error.
type finish struct {
	user    uuid.UUID
	dur     time.Duration
	items   int
	retries int
	err     error
}

// allFunc runs a batch of users through one pipeline at most conc at a time
// (the libraries' SyncAll or GenerateAll), calling done once per finished
// user, possibly concurrently. It stops early with an error matching
// memguard.ErrMemoryPressure when the breaker refuses a new user.
type allFunc func(ctx context.Context, users iter.Seq2[uuid.UUID, error], conc int, done func(finish)) error

// stats gathers what the pipelines did.
type stats struct {
	mu        sync.Mutex
	durations [numPipelines][]time.Duration
	done      [numPipelines]int // finished, successfully or not
	failed    [numPipelines]int
	items     [numPipelines]int64
	retries   [numPipelines]int // inside the libraries (Google calls, generation attempts)
	requeued  [numPipelines]int // users refused for memory and run again
	stops     [numPipelines]int // batches the breaker stopped
	first     [numPipelines]time.Time
	last      [numPipelines]time.Time
	errs      []string // first errors, for the report
	conc      [numPipelines]int
}

func (s *stats) doneCounts() [numPipelines]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

func (s *stats) record(p pipeline, f finish) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.first[p].IsZero() {
		s.first[p] = now.Add(-f.dur)
	}
	s.first[p] = minTime(s.first[p], now.Add(-f.dur))
	s.last[p] = now
	s.done[p]++
	s.retries[p] += f.retries
	if f.err != nil {
		s.failed[p]++
		if len(s.errs) < 20 {
			s.errs = append(s.errs, p.String()+" "+f.user.String()+": "+f.err.Error())
		}
		return
	}
	s.durations[p] = append(s.durations[p], f.dur)
	s.items[p] += int64(f.items)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// stage drives one pipeline: it takes users from in, runs them through all
// in batches of up to batch users with the concurrency sizer gives, puts a
// user refused for memory back in front of the queue, and hands each user
// that succeeded to next.
type stage struct {
	p       pipeline
	in      <-chan uuid.UUID
	next    func(uuid.UUID)
	all     allFunc
	batch   int
	sizer   *memguard.Adaptive
	breaker memguard.Breaker
	stats   *stats
	// onDone, if set, runs for each successful user before next (the
	// contacts stage's stand-in for the user's edits).
	onDone func(ctx context.Context, u uuid.UUID) error
}

func (s *stage) run(ctx context.Context) error {
	var queue []uuid.UUID // refused users, run first
	closed := false
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if closed && len(queue) == 0 {
			return nil
		}
		conc := s.sizer.Next()
		s.stats.mu.Lock()
		s.stats.conc[s.p] = conc
		s.stats.mu.Unlock()

		var mu sync.Mutex
		pending := map[uuid.UUID]bool{} // yielded, not finished
		var order []uuid.UUID
		yielded := 0
		users := func(yield func(uuid.UUID, error) bool) {
			for yielded < s.batch {
				var u uuid.UUID
				if len(queue) > 0 {
					u, queue = queue[0], queue[1:]
				} else if closed {
					return
				} else {
					var ok bool
					select {
					case u, ok = <-s.in:
						if !ok {
							closed = true
							return
						}
					case <-ctx.Done():
						return
					}
				}
				yielded++
				mu.Lock()
				pending[u] = true
				order = append(order, u)
				mu.Unlock()
				if !yield(u, nil) {
					return
				}
			}
		}
		refusedUsers := 0
		err := s.all(ctx, users, conc, func(f finish) {
			if errors.Is(f.err, memguard.ErrMemoryPressure) {
				mu.Lock()
				refusedUsers++
				mu.Unlock()
				return // stays pending: run again
			}
			if f.err == nil && s.onDone != nil {
				f.err = s.onDone(ctx, f.user)
			}
			mu.Lock()
			delete(pending, f.user)
			mu.Unlock()
			s.stats.record(s.p, f)
			if f.err == nil {
				s.next(f.user)
			}
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var again []uuid.UUID
		for _, u := range order {
			if pending[u] {
				again = append(again, u)
			}
		}
		queue = append(again, queue...)
		pressure := errors.Is(err, memguard.ErrMemoryPressure) || refusedUsers > 0
		s.stats.mu.Lock()
		s.stats.requeued[s.p] += len(again)
		if errors.Is(err, memguard.ErrMemoryPressure) {
			s.stats.stops[s.p]++
		}
		s.stats.mu.Unlock()
		if pressure {
			s.sizer.Done(conc, conc, memguard.ErrMemoryPressure)
			if err := waitBelowHard(ctx, s.breaker); err != nil {
				return err
			}
		} else if yielded > 0 {
			got := 0 // a partial batch leaves the size (unless under soft pressure)
			if yielded == s.batch {
				got = conc
			}
			s.sizer.Done(conc, got, nil)
		}
	}
}

// waitBelowHard waits until the breaker admits work again.
func waitBelowHard(ctx context.Context, b memguard.Breaker) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for b.Level() >= memguard.LevelHard {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// percentile returns the p-th percentile (0..100) of ds by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

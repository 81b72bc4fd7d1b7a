// Package memguardtest provides test doubles for code that uses memguard:
// a scripted [Reader], a manual [Clock], a controllable [Breaker] and a
// [Recorder] that keeps what it is given. All are safe for concurrent use.
package memguardtest

import (
	"context"
	"sync"
	"time"

	"github.com/kithhq/kith/memguard"
)

// Reader is a scripted memguard.Reader. Each Read returns the next sample of
// the script; the last one repeats. Set replaces the script. The zero value
// reads the zero Sample (no limit).
type Reader struct {
	mu     sync.Mutex
	script []memguard.Sample
	err    error
	reads  int
}

var _ memguard.Reader = (*Reader)(nil)

// NewReader returns a Reader that plays samples in order.
func NewReader(samples ...memguard.Sample) *Reader {
	return &Reader{script: append([]memguard.Sample(nil), samples...)}
}

// Mem returns a Sample with Total inUse and the given limit: what a
// breaker sees as inUse of limit bytes.
func Mem(inUse, limit uint64) memguard.Sample {
	return memguard.Sample{Total: inUse, Limit: limit}
}

// Read implements memguard.Reader.
func (r *Reader) Read() (memguard.Sample, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if r.err != nil {
		return memguard.Sample{}, r.err
	}
	if len(r.script) == 0 {
		return memguard.Sample{}, nil
	}
	s := r.script[0]
	if len(r.script) > 1 {
		r.script = r.script[1:]
	}
	return s, nil
}

// Set replaces the script with samples (at least one for a defined result).
func (r *Reader) Set(samples ...memguard.Sample) {
	r.mu.Lock()
	r.script = append([]memguard.Sample(nil), samples...)
	r.mu.Unlock()
}

// SetMem is Set(Mem(inUse, limit)).
func (r *Reader) SetMem(inUse, limit uint64) { r.Set(Mem(inUse, limit)) }

// SetErr makes every Read fail with err until SetErr(nil).
func (r *Reader) SetErr(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// Reads returns how many times Read was called.
func (r *Reader) Reads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// Clock is a manual clock for Config.Now. The zero value starts at the zero
// time; NewClock starts at a fixed, readable instant.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at 2024-01-01T00:00:00Z.
func NewClock() *Clock { return &Clock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Breaker is a memguard.Breaker whose level the test sets. At LevelHard
// Check refuses with a *memguard.PressureError (InUse 1, Limit 1), unless
// SetErr installed another error. The zero value is at LevelNormal.
type Breaker struct {
	mu     sync.Mutex
	level  memguard.Level
	err    error
	checks int
	refuse int
}

var _ memguard.Breaker = (*Breaker)(nil)

// SetLevel sets the level Check and Level report.
func (b *Breaker) SetLevel(l memguard.Level) {
	b.mu.Lock()
	b.level = l
	b.mu.Unlock()
}

// SetErr makes Check return err (whatever the level) until SetErr(nil).
func (b *Breaker) SetErr(err error) {
	b.mu.Lock()
	b.err = err
	b.mu.Unlock()
}

// Check implements memguard.Breaker.
func (b *Breaker) Check(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.checks++
	err := b.err
	if err == nil && b.level >= memguard.LevelHard {
		err = &memguard.PressureError{InUse: 1, Limit: 1, Level: b.level}
	}
	if err != nil {
		b.refuse++
	}
	return err
}

// Level implements memguard.Breaker.
func (b *Breaker) Level() memguard.Level {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.level
}

// Counts returns how many Checks were made and how many refused.
func (b *Breaker) Counts() (checks, refused int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.checks, b.refuse
}

// Recorder is a memguard.Recorder that keeps every record.
type Recorder struct {
	mu  sync.Mutex
	ops []memguard.OpRecord
}

var _ memguard.Recorder = (*Recorder)(nil)

// RecordOp implements memguard.Recorder.
func (r *Recorder) RecordOp(_ context.Context, rec memguard.OpRecord) {
	r.mu.Lock()
	r.ops = append(r.ops, rec)
	r.mu.Unlock()
}

// Ops returns a copy of the operation records so far.
func (r *Recorder) Ops() []memguard.OpRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]memguard.OpRecord(nil), r.ops...)
}

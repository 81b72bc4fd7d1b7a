package memguard_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

const (
	hold = 10 * time.Second
	cool = 5 * time.Second
)

type fixture struct {
	b     *memguard.MemoryBreaker
	r     *memguardtest.Reader
	clk   *memguardtest.Clock
	mu    sync.Mutex
	trans []memguard.Transition
}

// newFixture: limit 1000 → soft 800 / release 750, hard 900 / release 850,
// read on every Check.
func newFixture(t *testing.T, mod func(*memguard.Config)) *fixture {
	t.Helper()
	f := &fixture{r: memguardtest.NewReader(memguardtest.Mem(0, 1000)), clk: memguardtest.NewClock()}
	cfg := memguard.Config{
		Name: "test", Reader: f.r, Now: f.clk.Now, MinHold: hold, CoolDown: cool, SampleInterval: -1,
		OnStateChange: func(tr memguard.Transition) {
			f.mu.Lock()
			f.trans = append(f.trans, tr)
			f.mu.Unlock()
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	b, err := memguard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.b = b
	return f
}

// at sets memory to inUse and checks, returning Check's error.
func (f *fixture) at(inUse uint64) error {
	f.r.SetMem(inUse, 1000)
	return f.b.Check(context.Background())
}

func (f *fixture) expect(t *testing.T, inUse uint64, want memguard.State, wantErr bool) {
	t.Helper()
	err := f.at(inUse)
	if got := f.b.Status().State; got != want {
		t.Fatalf("at %d: state %v, want %v", inUse, got, want)
	}
	if (err != nil) != wantErr {
		t.Fatalf("at %d: err %v, want error %v", inUse, err, wantErr)
	}
	if err != nil && !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatalf("at %d: %v does not match ErrMemoryPressure", inUse, err)
	}
}

func TestBreakerTransitions(t *testing.T) {
	f := newFixture(t, nil)
	f.expect(t, 799, memguard.StateNormal, false) // one byte under soft
	f.expect(t, 800, memguard.StateSoft, false)   // exactly at soft
	if l := f.b.Level(); l != memguard.LevelSoft {
		t.Fatalf("Level = %v", l)
	}
	f.expect(t, 749, memguard.StateSoft, false) // under release but hold not passed
	f.clk.Advance(hold - time.Nanosecond)
	f.expect(t, 749, memguard.StateSoft, false) // one ns short of the hold
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 750, memguard.StateSoft, false)   // exactly at release: stays
	f.expect(t, 749, memguard.StateNormal, false) // one byte under release
	f.expect(t, 899, memguard.StateSoft, false)   // one under hard
	f.expect(t, 900, memguard.StateOpen, true)    // exactly at hard

	err := f.at(900)
	var pe *memguard.PressureError
	if !errors.As(err, &pe) || pe.InUse != 900 || pe.Limit != 1000 || pe.Level != memguard.LevelHard || pe.Name != "test" {
		t.Fatalf("error = %#v", err)
	}
	if !strings.Contains(err.Error(), "900 of 1000 bytes") {
		t.Fatalf("message %q", err)
	}

	f.clk.Advance(cool - time.Nanosecond)
	f.expect(t, 880, memguard.StateOpen, true) // cool-down not over
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 880, memguard.StateHalfOpen, false) // the probe
	f.expect(t, 880, memguard.StateHalfOpen, true)  // only one
	f.clk.Advance(cool)
	f.expect(t, 880, memguard.StateHalfOpen, false) // next probe after another cool-down
	f.expect(t, 880, memguard.StateHalfOpen, true)
	f.expect(t, 900, memguard.StateOpen, true) // re-trip restarts the hold
	f.clk.Advance(hold - time.Nanosecond)
	f.expect(t, 849, memguard.StateHalfOpen, false) // hold not over; cool-down is: probe
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 849, memguard.StateSoft, false) // released to soft (>= soft release)
	f.clk.Advance(hold)
	f.expect(t, 100, memguard.StateNormal, false)

	want := []memguard.State{memguard.StateSoft, memguard.StateNormal, memguard.StateSoft, memguard.StateOpen,
		memguard.StateHalfOpen, memguard.StateOpen, memguard.StateHalfOpen, memguard.StateSoft, memguard.StateNormal}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.trans) != len(want) {
		t.Fatalf("transitions %v, want %v", f.trans, want)
	}
	for i, tr := range f.trans {
		if tr.To != want[i] || tr.Seq != uint64(i+1) || (i > 0 && tr.From != want[i-1]) {
			t.Fatalf("transition %d = %+v, want to %v", i, tr, want[i])
		}
	}
}

func TestBreakerSampleInterval(t *testing.T) {
	f := newFixture(t, func(c *memguard.Config) { c.SampleInterval = 0 }) // default 1ms
	base := f.r.Reads()
	for range 100 {
		_ = f.b.Check(context.Background())
	}
	if n := f.r.Reads() - base; n != 0 {
		t.Fatalf("%d reads within one interval, want 0 (New read already)", n)
	}
	f.r.SetMem(950, 1000)
	if err := f.b.Check(context.Background()); err != nil {
		t.Fatalf("stale verdict should admit: %v", err)
	}
	f.clk.Advance(time.Millisecond)
	if err := f.b.Check(context.Background()); !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatalf("after interval: %v", err)
	}
	if n := f.r.Reads() - base; n != 1 {
		t.Fatalf("%d reads, want 1", n)
	}
}

func TestBreakerCallbackMayCallBreaker(t *testing.T) {
	var f *fixture
	calls := 0
	f = newFixture(t, func(c *memguard.Config) {
		c.OnStateChange = func(memguard.Transition) {
			calls++
			_ = f.b.Level() // would deadlock if called under the lock
			_ = f.b.Check(context.Background())
			_ = f.b.Status()
		}
	})
	f.expect(t, 900, memguard.StateOpen, true)
	if calls != 1 {
		t.Fatalf("calls = %d", calls)
	}
}

func TestBreakerNoLimit(t *testing.T) {
	var buf bytes.Buffer
	r := memguardtest.NewReader(memguardtest.Mem(1<<40, 0))
	b, err := memguard.New(memguard.Config{Reader: r, Logger: slog.New(slog.NewTextHandler(&buf, nil)), SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "no memory limit") {
		t.Fatalf("log %q", buf.String())
	}
	for range 3 {
		if err := b.Check(context.Background()); err != nil || b.Level() != memguard.LevelNormal {
			t.Fatal(err, b.Level())
		}
	}
	// An explicit limit wins over the reader's.
	b, _ = memguard.New(memguard.Config{Reader: r, Limit: 1 << 40, SampleInterval: -1})
	if err := b.Check(context.Background()); err == nil {
		t.Fatal("explicit limit ignored")
	}
}

func TestBreakerReadErrorKeepsState(t *testing.T) {
	f := newFixture(t, nil)
	f.expect(t, 900, memguard.StateOpen, true)
	f.r.SetErr(errors.New("boom"))
	if err := f.b.Check(context.Background()); err == nil {
		t.Fatal("read error changed verdict")
	}
	if _, err := memguard.New(memguard.Config{Reader: f.r}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("New with failing reader: %v", err)
	}
}

func TestConfigValidation(t *testing.T) {
	r := memguardtest.NewReader()
	for field, cfg := range map[string]memguard.Config{
		"Config.Soft":           {Reader: r, Soft: 1.5},
		"Config.Hard":           {Reader: r, Soft: 0.9, Hard: 0.8},
		"Config.SoftRelease":    {Reader: r, SoftRelease: 0.85},
		"Config.HardRelease":    {Reader: r, HardRelease: 0.95},
		"Config.MinHold":        {Reader: r, MinHold: -1},
		"Config.CoolDown":       {Reader: r, CoolDown: -1},
		"Config.Wait":           {Reader: r, Wait: -1},
		"Config.GCBeforeRefuse": {Reader: r, GCBeforeRefuse: -1},
	} {
		if _, err := memguard.New(cfg); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: err = %v", field, err)
		}
	}
}

func TestBreakerWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := memguardtest.NewReader(memguardtest.Mem(950, 1000))
		b, err := memguard.New(memguard.Config{Reader: r, Wait: 5 * time.Second, MinHold: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		// Pressure passes after 2s: Check waits and admits.
		time.AfterFunc(2*time.Second, func() { r.SetMem(100, 1000) })
		start := time.Now()
		if err := b.Check(t.Context()); err != nil {
			t.Fatalf("Check = %v", err)
		}
		if d := time.Since(start); d < 2*time.Second || d > 2*time.Second+10*time.Millisecond {
			t.Fatalf("waited %v", d)
		}

		// Pressure stays: refused after Wait.
		r.SetMem(950, 1000)
		<-time.After(2 * time.Millisecond) // virtual time inside the bubble: let the sample expire
		start = time.Now()
		if err := b.Check(t.Context()); !errors.Is(err, memguard.ErrMemoryPressure) {
			t.Fatalf("Check = %v", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Fatalf("refused after %v, want 5s", d)
		}

		// ctx ends first.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := b.Check(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Check = %v", err)
		}
	})
}

func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestNoForcedGCByDefault(t *testing.T) {
	// The real runtime reader with a 1-byte limit: every Check refuses.
	b, err := memguard.New(memguard.Config{Limit: 1, SampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	before := forcedGCs()
	for range 1000 {
		if err := b.Check(context.Background()); err == nil {
			t.Fatal("admitted at 1-byte limit")
		}
	}
	if after := forcedGCs(); after != before {
		t.Fatalf("default breaker forced %d GCs", after-before)
	}
}

func TestGCBeforeRefuseIsRateLimited(t *testing.T) {
	clk := memguardtest.NewClock()
	b, err := memguard.New(memguard.Config{Limit: 1, SampleInterval: -1, GCBeforeRefuse: time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	before := forcedGCs()
	for range 10 {
		_ = b.Check(context.Background())
	}
	if n := forcedGCs() - before; n != 1 {
		t.Fatalf("forced %d GCs in one interval, want 1", n)
	}
	clk.Advance(time.Hour)
	_ = b.Check(context.Background())
	if n := forcedGCs() - before; n != 2 {
		t.Fatalf("forced %d GCs after the interval, want 2", n)
	}
}

// TestBreakerRandomInvariants drives the breaker through random memory
// readings and clock steps and checks the state machine's invariants.
func TestBreakerRandomInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	f := newFixture(t, nil)
	var openedAt time.Time
	for i := range 5000 {
		f.clk.Advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
		inUse := uint64(rng.IntN(1100))
		prev := f.b.Status().State
		err := f.at(inUse)
		st := f.b.Status().State
		if (prev == memguard.StateNormal || prev == memguard.StateSoft) && st == memguard.StateOpen {
			openedAt = f.clk.Now()
		}
		if prev == memguard.StateHalfOpen && st == memguard.StateOpen {
			openedAt = f.clk.Now()
		}
		switch {
		case inUse >= 900 && st != memguard.StateOpen:
			t.Fatalf("step %d: %d >= hard but %v", i, inUse, st)
		case st == memguard.StateNormal && inUse >= 800:
			t.Fatalf("step %d: normal at %d", i, inUse)
		case st == memguard.StateOpen && err == nil:
			t.Fatalf("step %d: open admitted", i)
		case (st == memguard.StateNormal || st == memguard.StateSoft) && err != nil:
			t.Fatalf("step %d: %v refused: %v", i, st, err)
		case (prev == memguard.StateOpen || prev == memguard.StateHalfOpen) && st.Level() < memguard.LevelHard &&
			(inUse >= 850 || f.clk.Now().Sub(openedAt) < hold):
			t.Fatalf("step %d: left hard at %d after %v", i, inUse, f.clk.Now().Sub(openedAt))
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, tr := range f.trans {
		if tr.Seq != uint64(i+1) || tr.From == tr.To || (i > 0 && f.trans[i-1].To != tr.From) {
			t.Fatalf("transition %d inconsistent: %+v", i, tr)
		}
	}
}

func TestBreakerConcurrent(t *testing.T) {
	r := memguardtest.NewReader(memguardtest.Mem(0, 1000))
	b, err := memguard.New(memguard.Config{Reader: r, SampleInterval: -1, MinHold: time.Nanosecond, CoolDown: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				if g == 0 {
					r.SetMem(uint64((i*37)%1100), 1000)
				}
				_ = b.Check(context.Background())
				_ = b.Level()
			}
		})
	}
	wg.Wait()
}

func TestNopAndAll(t *testing.T) {
	ctx := context.Background()
	if memguard.Nop().Check(ctx) != nil || memguard.Nop().Level() != memguard.LevelNormal {
		t.Fatal("Nop")
	}
	var a, b memguardtest.Breaker
	all := memguard.All(&a, nil, &b)
	if all.Check(ctx) != nil || all.Level() != memguard.LevelNormal {
		t.Fatal("All normal")
	}
	b.SetLevel(memguard.LevelSoft)
	if all.Check(ctx) != nil || all.Level() != memguard.LevelSoft {
		t.Fatal("All soft")
	}
	a.SetLevel(memguard.LevelHard)
	if err := all.Check(ctx); !errors.Is(err, memguard.ErrMemoryPressure) || all.Level() != memguard.LevelHard {
		t.Fatal("All hard", err)
	}
	if c, _ := b.Counts(); c != 2 {
		t.Fatalf("second breaker checked %d times, want 2 (stops at first refusal)", c)
	}
	if memguard.All().Check(ctx) != nil || memguard.All(nil).Level() != memguard.LevelNormal {
		t.Fatal("empty All")
	}
}

func TestLevelString(t *testing.T) {
	for l, s := range map[memguard.Level]string{memguard.LevelNormal: "normal", memguard.LevelSoft: "soft", memguard.LevelHard: "hard", 7: "Level(7)"} {
		if l.String() != s {
			t.Errorf("%d: %q", l, l.String())
		}
	}
	for st, s := range map[memguard.State]string{memguard.StateOpen: "open", memguard.StateHalfOpen: "half-open", 9: "State(9)"} {
		if st.String() != s {
			t.Errorf("%d: %q", st, st.String())
		}
	}
}

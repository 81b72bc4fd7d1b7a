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
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

const hold = 10 * time.Second

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
		Name: "test", Reader: f.r, Now: f.clk.Now, MinHold: hold, SampleInterval: -1,
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

// expect sets memory to inUse, checks, and compares the level and the
// verdict (Level may sample again: the reader repeats, so it decides the
// same).
func (f *fixture) expect(t *testing.T, inUse uint64, want memguard.Level, wantErr bool) {
	t.Helper()
	err := f.at(inUse)
	if got := f.b.Level(); got != want {
		t.Fatalf("at %d: level %v, want %v", inUse, got, want)
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
	f.expect(t, 799, memguard.LevelNormal, false) // one byte under soft
	f.expect(t, 800, memguard.LevelSoft, false)   // exactly at soft
	f.expect(t, 749, memguard.LevelSoft, false)   // under release but hold not passed
	f.clk.Advance(hold - time.Nanosecond)
	f.expect(t, 749, memguard.LevelSoft, false) // one ns short of the hold
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 750, memguard.LevelSoft, false)   // exactly at release: stays
	f.expect(t, 749, memguard.LevelNormal, false) // one byte under release
	f.expect(t, 899, memguard.LevelSoft, false)   // one under hard
	f.expect(t, 900, memguard.LevelHard, true)    // exactly at hard

	err := f.at(900)
	var pe *memguard.PressureError
	if !errors.As(err, &pe) || pe.InUse != 900 || pe.Limit != 1000 || pe.Level != memguard.LevelHard || pe.Name != "test" {
		t.Fatalf("error = %#v", err)
	}
	if !strings.Contains(err.Error(), "900 of 1000 bytes") {
		t.Fatalf("message %q", err)
	}

	f.expect(t, 849, memguard.LevelHard, true) // under hard release, hold not over: still refuses
	f.clk.Advance(hold - time.Nanosecond)
	f.expect(t, 849, memguard.LevelHard, true) // one ns short of the hold
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 850, memguard.LevelHard, true)  // exactly at hard release: stays
	f.expect(t, 849, memguard.LevelSoft, false) // released to soft (>= soft release)
	f.expect(t, 900, memguard.LevelHard, true)  // re-trip restarts the hold
	f.clk.Advance(hold - time.Nanosecond)
	f.expect(t, 100, memguard.LevelHard, true) // hold not over
	f.clk.Advance(time.Nanosecond)
	f.expect(t, 749, memguard.LevelNormal, false) // released straight to normal

	want := []memguard.Level{memguard.LevelSoft, memguard.LevelNormal, memguard.LevelSoft, memguard.LevelHard,
		memguard.LevelSoft, memguard.LevelHard, memguard.LevelNormal}
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
		}
	})
	f.expect(t, 900, memguard.LevelHard, true)
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
	f.expect(t, 900, memguard.LevelHard, true)
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
	for want, cfg := range map[string]memguard.Config{
		"memguard: invalid: Config.Soft 1.5: must be in (0, 1]":                               {Reader: r, Soft: 1.5},
		"memguard: invalid: Config.Hard 0.9: must be in [Soft 0.95, 1]":                       {Reader: r, Soft: 0.95},
		"memguard: invalid: Config.Hard 0.8: must be in [Soft 0.9, 1]":                        {Reader: r, Soft: 0.9, Hard: 0.8},
		"memguard: invalid: Config.SoftRelease 0.85: must be in (0, Soft 0.8)":                {Reader: r, SoftRelease: 0.85},
		"memguard: invalid: Config.HardRelease 0.95: must be in [SoftRelease 0.75, Hard 0.9)": {Reader: r, HardRelease: 0.95},
		"memguard: invalid: Config.MinHold -1ns: must be >= 0":                                {Reader: r, MinHold: -1},
	} {
		_, err := memguard.New(cfg)
		if err == nil || err.Error() != want || !errors.Is(err, memguard.ErrInvalid) {
			t.Errorf("err = %v, want %q matching ErrInvalid", err, want)
		}
	}
}

func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestNoForcedGC(t *testing.T) {
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
		t.Fatalf("breaker forced %d GCs", after-before)
	}
}

// TestBreakerRandomInvariants drives the breaker through random memory
// readings and clock steps and checks the level rules' invariants.
func TestBreakerRandomInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	f := newFixture(t, nil)
	var hardAt time.Time
	for i := range 5000 {
		f.clk.Advance(time.Duration(rng.IntN(3000)) * time.Millisecond)
		inUse := uint64(rng.IntN(1100))
		prev := f.b.Level()
		err := f.at(inUse)
		lvl := f.b.Level()
		if prev != memguard.LevelHard && lvl == memguard.LevelHard {
			hardAt = f.clk.Now()
		}
		switch {
		case inUse >= 900 && lvl != memguard.LevelHard:
			t.Fatalf("step %d: %d >= hard but %v", i, inUse, lvl)
		case lvl == memguard.LevelNormal && inUse >= 800:
			t.Fatalf("step %d: normal at %d", i, inUse)
		case lvl == memguard.LevelHard && err == nil:
			t.Fatalf("step %d: hard admitted", i)
		case lvl < memguard.LevelHard && err != nil:
			t.Fatalf("step %d: %v refused: %v", i, lvl, err)
		case prev == memguard.LevelHard && lvl < memguard.LevelHard &&
			(inUse >= 850 || f.clk.Now().Sub(hardAt) < hold):
			t.Fatalf("step %d: left hard at %d after %v", i, inUse, f.clk.Now().Sub(hardAt))
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
	b, err := memguard.New(memguard.Config{Reader: r, SampleInterval: -1, MinHold: time.Nanosecond})
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

func TestNop(t *testing.T) {
	if memguard.Nop().Check(context.Background()) != nil || memguard.Nop().Level() != memguard.LevelNormal {
		t.Fatal("Nop")
	}
}

func TestLevelString(t *testing.T) {
	for l, s := range map[memguard.Level]string{memguard.LevelNormal: "normal", memguard.LevelSoft: "soft", memguard.LevelHard: "hard", 7: "Level(7)"} {
		if l.String() != s {
			t.Errorf("%d: %q", l, l.String())
		}
	}
}

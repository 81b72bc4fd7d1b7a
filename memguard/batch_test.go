package memguard_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

func TestAdaptive(t *testing.T) {
	var br memguardtest.Breaker
	a, err := memguard.NewAdaptive(&br, memguard.AdaptiveConfig{Min: 10, Max: 100, Initial: 40, Increase: 25})
	if err != nil {
		t.Fatal(err)
	}
	step := func(got int, err error, want int) {
		t.Helper()
		n := a.Next()
		if got < 0 {
			got = n
		}
		a.Done(n, got, err)
		if s := a.Size(); s != want {
			t.Fatalf("size %d, want %d", s, want)
		}
	}
	step(-1, nil, 65)                                                   // full, unrefused: +25
	step(-1, nil, 90)                                                   // +25
	step(-1, nil, 100)                                                  // clamped at Max
	step(3, nil, 100)                                                   // partial batch: unchanged
	step(-1, errors.New("other"), 100)                                  // other error: unchanged
	step(-1, fmt.Errorf("wrapped: %w", memguard.ErrMemoryPressure), 50) // refused: ×0.5
	br.SetLevel(memguard.LevelSoft)
	step(-1, nil, 25) // soft: decrease even when full
	step(-1, nil, 12)
	step(-1, nil, 10) // clamped at Min
	step(-1, nil, 10)
	br.SetLevel(memguard.LevelHard)
	if n := a.Next(); n != 10 {
		t.Fatalf("Next at hard = %d, want Min", n)
	}
	br.SetLevel(memguard.LevelNormal)
	step(-1, nil, 35)

	// Decrease always shrinks by at least one.
	a2, _ := memguard.NewAdaptive(nil, memguard.AdaptiveConfig{Min: 1, Max: 3, Decrease: 0.99})
	a2.Done(3, 3, memguard.ErrMemoryPressure)
	if a2.Size() != 2 {
		t.Fatalf("size %d, want 2", a2.Size())
	}
}

func TestAdaptiveValidation(t *testing.T) {
	for field, cfg := range map[string]memguard.AdaptiveConfig{
		"AdaptiveConfig.Min":      {Min: -1},
		"AdaptiveConfig.Max":      {Min: 10, Max: 5},
		"AdaptiveConfig.Initial":  {Min: 10, Max: 20, Initial: 30},
		"AdaptiveConfig.Decrease": {Decrease: 1},
		"AdaptiveConfig.Increase": {Increase: -1},
	} {
		if _, err := memguard.NewAdaptive(nil, cfg); !errors.Is(err, memguard.ErrInvalid) || !strings.Contains(err.Error(), "memguard: invalid: "+field+" ") {
			t.Errorf("%s: %v", field, err)
		}
	}
}

func TestAdaptiveRandomInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var br memguardtest.Breaker
	a, err := memguard.NewAdaptive(&br, memguard.AdaptiveConfig{Min: 5, Max: 500, Decrease: 0.7, Increase: 7})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		lvl := memguard.Level(rng.IntN(3))
		br.SetLevel(lvl)
		before := a.Size()
		n := a.Next()
		got := n
		if rng.IntN(4) == 0 {
			got = rng.IntN(n + 1)
		}
		var err error
		if rng.IntN(5) == 0 {
			err = memguard.ErrMemoryPressure
		}
		a.Done(n, got, err)
		after := a.Size()
		switch {
		case n < 5 || n > 500 || after < 5 || after > 500:
			t.Fatalf("step %d: out of bounds: next %d size %d", i, n, after)
		case (err != nil || lvl > memguard.LevelNormal) && after >= before && before > 5:
			t.Fatalf("step %d: no decrease under pressure: %d → %d", i, before, after)
		case after > before && (err != nil || got != n || lvl != memguard.LevelNormal):
			t.Fatalf("step %d: grew without a full clean batch", i)
		case after > before+7:
			t.Fatalf("step %d: grew by more than Increase", i)
		}
	}
}

package memguard_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kithhq/kith/memguard"
)

func TestBudgetBoundary(t *testing.T) {
	ctx := context.Background()
	// Prometheus-style: run unlimited, read the peak, rerun at peak−1.
	run := func(limit int64) (int64, error) {
		b, err := memguard.NewBudget("rows", limit)
		if err != nil {
			t.Fatal(err)
		}
		acc := b.NewAccount()
		defer acc.Close()
		for _, n := range []int64{100, 250, -1, 40} {
			if n < 0 {
				acc.Shrink(200)
				continue
			}
			if err := acc.Grow(ctx, n); err != nil {
				return acc.Peak(), err
			}
		}
		return b.Peak(), nil
	}
	peak, err := run(0)
	if err != nil || peak != 350 {
		t.Fatalf("unlimited: peak %d, %v", peak, err)
	}
	if _, err := run(peak); err != nil {
		t.Fatalf("limit = peak: %v", err)
	}
	_, err = run(peak - 1)
	var be *memguard.BudgetError
	if !errors.As(err, &be) || !errors.Is(err, memguard.ErrMemoryPressure) || !errors.Is(err, memguard.ErrBudgetExceeded) {
		t.Fatalf("limit = peak-1: %v", err)
	}
	if be.Requested != 250 || be.Used != 100 || be.Limit != 349 {
		t.Fatalf("%+v", be)
	}
}

func TestAccountEdges(t *testing.T) {
	ctx := context.Background()
	var nilAcc *memguard.Account
	if nilAcc.Grow(ctx, math.MaxInt64) != nil || nilAcc.Used() != 0 || nilAcc.Close() != 0 {
		t.Fatal("nil account")
	}
	nilAcc.Shrink(5)
	if _, err := memguard.NewBudget("x", -1); err == nil {
		t.Fatal("negative limit accepted")
	}
	b, _ := memguard.NewBudget("x", 0)
	a := b.NewAccount()
	if err := a.Grow(ctx, -1); err == nil {
		t.Fatal("negative grow accepted")
	}
	if err := a.Grow(ctx, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if err := a.Grow(ctx, 1); err == nil {
		t.Fatal("overflow accepted")
	}
	a.Shrink(math.MaxInt64 - 10)
	a.Shrink(100) // more than held: clamped
	if a.Used() != 0 || b.Used() != 0 {
		t.Fatalf("used %d/%d", a.Used(), b.Used())
	}
	_ = a.Grow(ctx, 7)
	if left := a.Close(); left != 7 || b.Used() != 0 || a.Close() != 0 {
		t.Fatalf("leftover %d, budget %d", left, b.Used())
	}
	if err := a.Grow(ctx, 1); !errors.Is(err, memguard.ErrAccountClosed) {
		t.Fatal(err)
	}
	var nb *memguard.Budget
	if nb.NewAccount().Grow(ctx, 5) != nil || nb.Used() != 0 {
		t.Fatal("nil budget")
	}
}

// TestBudgetRandomInvariants performs random Grow/Shrink/Close on several
// accounts (CockroachDB TestMemoryAllocations style) and checks that the
// budget equals the sum of its accounts, never exceeds its limit, and returns
// to zero when every account is closed.
func TestBudgetRandomInvariants(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	ctx := context.Background()
	for _, limit := range []int64{0, 1, 100, 10000} {
		b, _ := memguard.NewBudget("r", limit)
		accs := make([]*memguard.Account, 5)
		for i := range accs {
			accs[i] = b.NewAccount()
		}
		var peak int64
		for i := range 300 {
			k := rng.IntN(len(accs))
			a := accs[k]
			switch rng.IntN(5) {
			case 0, 1:
				before := a.Used()
				if err := a.Grow(ctx, int64(rng.IntN(200))); err != nil && a.Used() != before {
					t.Fatalf("step %d: failed grow changed usage", i)
				}
			case 2, 3:
				a.Shrink(int64(rng.IntN(200)))
			case 4:
				a.Close()
				accs[k] = b.NewAccount()
			}
			var sum int64
			for _, a := range accs {
				if a.Used() < 0 || a.Peak() < a.Used() {
					t.Fatalf("step %d: account %d/%d", i, a.Used(), a.Peak())
				}
				sum += a.Used()
			}
			if sum != b.Used() || (limit > 0 && b.Used() > limit) || b.Peak() < peak {
				t.Fatalf("step %d: sum %d budget %d limit %d peak %d", i, sum, b.Used(), limit, b.Peak())
			}
			peak = b.Peak()
		}
		for _, a := range accs {
			a.Close()
		}
		if b.Used() != 0 {
			t.Fatalf("budget %d after closing all", b.Used())
		}
	}
}

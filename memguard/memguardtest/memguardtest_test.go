package memguardtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

func TestReaderScript(t *testing.T) {
	r := memguardtest.NewReader(memguardtest.Mem(1, 10), memguardtest.Mem(2, 10))
	for _, want := range []uint64{1, 2, 2} {
		if s, _ := r.Read(); s.Total != want {
			t.Fatalf("Total %d, want %d", s.Total, want)
		}
	}
	r.SetErr(errors.New("x"))
	if _, err := r.Read(); err == nil || r.Reads() != 4 {
		t.Fatal("SetErr")
	}
	var zero memguardtest.Reader
	if s, err := zero.Read(); err != nil || s != (memguard.Sample{}) {
		t.Fatal("zero Reader")
	}
}

func TestClockAndBreaker(t *testing.T) {
	c := memguardtest.NewClock()
	t0 := c.Now()
	c.Advance(time.Minute)
	if c.Now().Sub(t0) != time.Minute {
		t.Fatal("Advance")
	}
	var b memguardtest.Breaker
	b.SetLevel(memguard.LevelHard)
	if err := b.Check(context.Background()); !errors.Is(err, memguard.ErrMemoryPressure) {
		t.Fatal(err)
	}
	b.SetLevel(memguard.LevelNormal)
	b.SetErr(context.Canceled)
	if err := b.Check(context.Background()); err != context.Canceled {
		t.Fatal(err)
	}
	if c, r := b.Counts(); c != 2 || r != 2 {
		t.Fatal(c, r)
	}
}

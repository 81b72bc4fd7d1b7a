package memguard_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

func TestLeakDetector(t *testing.T) {
	r := memguardtest.NewReader()
	rec := &memguardtest.Recorder{}
	var got []memguard.LeakReport
	d, err := memguard.NewLeakDetector(memguard.LeakConfig{
		Reader: r, Window: 3, MinGrowth: 100, MinGrowthFraction: 0.1, Recorder: rec,
		OnSuspect: func(rep memguard.LeakReport) { got = append(got, rep) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cycle := uint64(0)
	feed := func(live uint64) bool {
		cycle++
		r.Set(memguard.Sample{HeapLive: live, GCCycles: cycle})
		_, ok, err := d.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, again, _ := d.Poll(ctx) // same cycle: ignored
		if again {
			t.Fatal("same cycle counted twice")
		}
		return ok
	}
	// Flat with noise and one big spike: no report.
	for _, v := range []uint64{1000, 1050, 990, 5000, 1020, 1000, 1010, 1040} {
		if feed(v) {
			t.Fatalf("reported on noise at %d", v)
		}
	}
	// Sustained growth: the window floor must rise by >= 100 and 10%.
	var reports int
	for _, v := range []uint64{1100, 1150, 1200, 1250, 1300} {
		if feed(v) {
			reports++
		}
	}
	if reports != 1 || len(got) != 1 || len(rec.Leaks()) != 1 {
		t.Fatalf("reports %d/%d/%d", reports, len(got), len(rec.Leaks()))
	}
	if rep := got[0]; rep.Baseline != 990 || rep.Floor < 1100 || rep.Growth != rep.Floor-rep.Baseline {
		t.Fatalf("%+v", rep)
	}
	if _, err := memguard.NewLeakDetector(memguard.LeakConfig{Window: -1}); err == nil {
		t.Fatal("Window -1 accepted")
	}
}

func TestLeakDetectorRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := memguardtest.NewReader(memguard.Sample{HeapLive: 1, GCCycles: 1})
		d, _ := memguard.NewLeakDetector(memguard.LeakConfig{Reader: r})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := d.Run(ctx, time.Second); err != context.DeadlineExceeded {
			t.Fatal(err)
		}
		if n := r.Reads(); n != 10 && n != 9 {
			t.Fatalf("%d polls in 10s", n)
		}
	})
}

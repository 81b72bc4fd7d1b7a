package memguard_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

// A breaker over a scripted reader: 1000-byte limit, soft at 80%, hard at
// 90%.
func ExampleNew() {
	r := memguardtest.NewReader(memguardtest.Mem(100, 1000))
	clk := memguardtest.NewClock()
	b, err := memguard.New(memguard.Config{
		Reader: r, Now: clk.Now, SampleInterval: -1, MinHold: time.Second, CoolDown: time.Second,
		OnStateChange: func(tr memguard.Transition) { fmt.Printf("  %s → %s at %d bytes\n", tr.From, tr.To, tr.InUse) },
	})
	if err != nil {
		panic(err)
	}
	for _, inUse := range []uint64{100, 850, 950} {
		r.SetMem(inUse, 1000)
		err := b.Check(context.Background())
		fmt.Printf("%d bytes: level %s, err %v\n", inUse, b.Level(), err)
	}
	clk.Advance(time.Second)
	r.SetMem(500, 1000)
	fmt.Println("after the hold:", b.Check(context.Background()), b.Level())
	// Output:
	// 100 bytes: level normal, err <nil>
	//   normal → soft at 850 bytes
	// 850 bytes: level soft, err <nil>
	//   soft → open at 950 bytes
	// 950 bytes: level hard, err memguard: memory pressure: 950 of 1000 bytes in use (95.0%), level hard, state open
	//   open → normal at 500 bytes
	// after the hold: <nil> normal
}

// A pipeline asks an Adaptive controller for batch sizes; pressure halves
// them, clean full batches grow them.
func ExampleAdaptive() {
	var br memguardtest.Breaker
	a, _ := memguard.NewAdaptive(&br, memguard.AdaptiveConfig{Min: 10, Max: 200, Initial: 100, Increase: 20})
	batch := func(err error) {
		n := a.Next()
		a.Done(n, n, err)
		fmt.Println(n, "→", a.Size())
	}
	batch(nil)
	br.SetLevel(memguard.LevelSoft)
	batch(nil)
	br.SetLevel(memguard.LevelNormal)
	batch(memguard.ErrMemoryPressure)
	batch(nil)
	// Output:
	// 100 → 120
	// 120 → 60
	// 60 → 30
	// 30 → 50
}

// Checking for pressure in a caller's code.
func ExamplePressureError() {
	var br memguardtest.Breaker
	br.SetLevel(memguard.LevelHard)
	err := br.Check(context.Background())
	var pe *memguard.PressureError
	fmt.Println(errors.Is(err, memguard.ErrMemoryPressure), errors.As(err, &pe), pe.Level)
	// Output: true true hard
}

// Explicit accounting gives exact, attributable numbers.
func ExampleMonitor_Wrap() {
	rec := &memguardtest.Recorder{}
	budget, _ := memguard.NewBudget("sync", 1<<20)
	m := memguard.NewMonitor(memguard.MonitorConfig{Recorder: rec, Budget: budget, Reader: memguardtest.NewReader(), SampleInterval: -1})
	_ = m.Wrap(context.Background(), "sync-contacts", func(ctx context.Context) error {
		acc := memguard.AccountFrom(ctx)
		if err := acc.Grow(ctx, 4096); err != nil { // before buffering a page of rows
			return err
		}
		acc.Shrink(4096) // page flushed
		return acc.Grow(ctx, 2<<20)
	})
	r := rec.Ops()[0]
	fmt.Println(r.Name, r.Outcome, r.AccountPeak, r.Leftover)
	// Output: sync-contacts refused 4096 0
}

// Leak detection over scripted post-GC live heaps.
func ExampleLeakDetector() {
	r := memguardtest.NewReader()
	d, _ := memguard.NewLeakDetector(memguard.LeakConfig{Reader: r, Window: 2, MinGrowth: 1 << 20})
	for cycle, live := range []uint64{10 << 20, 10 << 20, 12 << 20, 13 << 20, 14 << 20} {
		r.Set(memguard.Sample{HeapLive: live, GCCycles: uint64(cycle + 1)})
		if rep, ok, _ := d.Poll(context.Background()); ok {
			fmt.Printf("suspected leak: %d MiB → %d MiB\n", rep.Baseline>>20, rep.Floor>>20)
		}
	}
	// Output: suspected leak: 10 MiB → 12 MiB
}

package memguard_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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
		Reader: r, Now: clk.Now, SampleInterval: -1, MinHold: time.Second,
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
	//   soft → hard at 950 bytes
	// 950 bytes: level hard, err memguard: memory pressure: 950 of 1000 bytes in use (95.0%), level hard
	//   hard → normal at 500 bytes
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

// A monitor that logs each operation's duration and peak memory. Memory
// is read from a scripted reader here; by default it is the running
// process.
func ExampleMonitor_Wrap() {
	r := memguardtest.NewReader(memguardtest.Mem(40<<20, 0))
	clk := memguardtest.NewClock()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // stable output
			}
			return a
		},
	}))
	m := memguard.NewMonitor(memguard.MonitorConfig{Logger: logger, Reader: r, Now: clk.Now, SampleInterval: -1})
	_ = m.Wrap(context.Background(), "import-contacts", func(ctx context.Context) error {
		clk.Advance(1200 * time.Millisecond)
		r.SetMem(64<<20, 0) // read when the operation ends
		return nil
	})
	// Output:
	// level=INFO msg="memguard: operation" op=import-contacts outcome=ok duration=1.2s process_peak_bytes=67108864 allocated_bytes=0
}

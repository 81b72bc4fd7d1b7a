package memguard_test

import (
	"context"
	"testing"
	"time"

	"github.com/kithhq/kith/memguard"
)

// BenchmarkCheck measures Check on the default runtime reader with the
// default 1ms sample interval (the amortized, per-row cost) and, for
// comparison, reading runtime/metrics on every call.
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name     string
		interval int64
	}{{"default", 0}, {"sample-every-call", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			br, err := memguard.New(memguard.Config{Limit: 1 << 50, SampleInterval: durationOf(bc.interval)})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := br.Check(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		br, err := memguard.New(memguard.Config{Limit: 1 << 50})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Check(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func durationOf(n int64) time.Duration { return time.Duration(n) }

// BenchmarkAdaptive measures one Next/Done round.
func BenchmarkAdaptive(b *testing.B) {
	a, _ := memguard.NewAdaptive(memguard.Nop(), memguard.AdaptiveConfig{})
	b.ReportAllocs()
	for b.Loop() {
		n := a.Next()
		a.Done(n, n, nil)
	}
}

// BenchmarkWrapNoRecorder shows that a zero-config Monitor costs nothing.
func BenchmarkWrapNoRecorder(b *testing.B) {
	m := memguard.NewMonitor(memguard.MonitorConfig{})
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Wrap(ctx, "op", fn)
	}
}

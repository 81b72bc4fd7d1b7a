package suggest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/kithhq/kith/internal/benchdb"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/memguard"
)

// BenchmarkGenerate compares Generate (in Europe/Berlin's calendar) with a
// plain stream of the same minimal contacts (same order, same page sizes,
// no scoring), for one seeded user of 10,000 contacts, and of 1,000,000
// with KITH_BENCH_LARGE=1. allocs/row and B/row are the heap objects and
// bytes allocated per contact scanned, by the whole process, while the
// measured run ran.
//
//	go test ./suggest -run '^$' -bench Generate -benchtime 5x
//	KITH_BENCH_LARGE=1 go test ./suggest -run '^$' -bench Generate -benchtime 3x -timeout 30m
func BenchmarkGenerate(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db, user := benchdb.User(b, n)
			g, err := New(db, Config{})
			if err != nil {
				b.Fatal(err)
			}
			// A zone with daylight saving: the calendar's zone cache
			// meets several periods, the worst case for its cost.
			berlin, err := time.LoadLocation("Europe/Berlin")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			plain := func() (int64, error) {
				var count int64
				for _, err := range g.src(ctx, db, g.schema, user, memguard.Nop(), g.pageSize) {
					if err != nil {
						return count, err
					}
					count++
				}
				return count, nil
			}
			// measure runs run b.N times and reports its figures. With
			// paired set, each iteration also runs a plain stream outside
			// the timer, and the ratio of the summed times is reported:
			// pairing keeps a noisy machine's drift out of the ratio.
			measure := func(b *testing.B, run func() (int64, error), paired bool) {
				runtime.GC()
				base := heappeak.Now()
				var peak uint64
				var runTime, plainTime time.Duration
				var objs, bytes uint64
				var scanned int64
				b.ResetTimer()
				for b.Loop() {
					if paired {
						b.StopTimer()
						t0 := time.Now()
						if _, err := plain(); err != nil {
							b.Fatal(err)
						}
						plainTime += time.Since(t0)
						b.StartTimer()
					}
					h := heappeak.Start()
					o0, b0 := heappeak.Allocs()
					t0 := time.Now()
					got, err := run()
					runTime += time.Since(t0)
					o1, b1 := heappeak.Allocs()
					objs, bytes, scanned = objs+o1-o0, bytes+b1-b0, scanned+got
					peak = max(peak, h.Stop())
					if err != nil {
						b.Fatal(err)
					}
					if got < int64(n)*9/10 { // about 5% are archived and skipped
						b.Fatalf("scanned %d of %d", got, n)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/runTime.Seconds(), "contacts/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(objs)/float64(scanned), "allocs/row")
				b.ReportMetric(float64(bytes)/float64(scanned), "B/row")
				b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "heap-growth-MiB")
				if paired {
					b.ReportMetric(float64(runTime)/float64(plainTime), "ratio-vs-stream")
				}
			}
			b.Run("stream", func(b *testing.B) { measure(b, plain, false) })
			b.Run("generate", func(b *testing.B) {
				measure(b, func() (int64, error) {
					res, err := g.Generate(ctx, user, berlin)
					if err == nil && len(res.Suggestions) != DefaultLimit {
						err = fmt.Errorf("%d suggestions", len(res.Suggestions))
					}
					return res.Scanned, err
				}, true)
			})
		})
	}
}

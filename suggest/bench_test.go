package suggest

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/memguard"
)

// benchUser returns a database holding one user with n seeded contacts.
// It stands in for internal/benchdb until that exists.
func benchUser(b *testing.B, n int) (*sqlx.DB, uuid.UUID) {
	b.Helper()
	db := pgtest.NewDB(b)
	user := uuid.New()
	if err := seed.Contacts(context.Background(), db, user, n, seed.Options{}); err != nil {
		b.Fatal(err)
	}
	return db, user
}

// heapPeak samples /memory/classes/heap/objects:bytes (live and not yet
// swept heap objects, = MemStats.HeapAlloc) every millisecond while a run
// goes on.
type heapPeak struct {
	stop, done chan struct{}
	peak       uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			h.peak = max(h.peak, s[0].Value.Uint64())
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) finish() uint64 {
	close(h.stop)
	<-h.done
	return max(h.peak, heapObjects())
}

// BenchmarkGenerate compares Generate with a plain stream of the same
// minimal contacts (same order, same page sizes, no scoring), for one
// seeded user of 10,000 contacts, and of 1,000,000 with KITH_BENCH_LARGE=1.
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
			db, user := benchUser(b, n)
			g, err := New(db, Config{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			plain := func() (int64, error) {
				var count int64
				for _, err := range g.src(ctx, db, g.schema, user, memguard.Nop(), g.sizer) {
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
				base := heapObjects()
				var peak uint64
				var runTime, plainTime time.Duration
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
					h := startHeapPeak()
					t0 := time.Now()
					got, err := run()
					runTime += time.Since(t0)
					peak = max(peak, h.finish())
					if err != nil {
						b.Fatal(err)
					}
					if got < int64(n)*9/10 { // about 5% are archived and skipped
						b.Fatalf("scanned %d of %d", got, n)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/runTime.Seconds(), "contacts/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "heap-growth-MiB")
				if paired {
					b.ReportMetric(float64(runTime)/float64(plainTime), "ratio-vs-stream")
				}
			}
			b.Run("stream", func(b *testing.B) { measure(b, plain, false) })
			b.Run("generate", func(b *testing.B) {
				measure(b, func() (int64, error) {
					res, err := g.Generate(ctx, user)
					if err == nil && len(res.Suggestions) != DefaultMaxSuggestions {
						err = fmt.Errorf("%d suggestions", len(res.Suggestions))
					}
					return res.Scanned, err
				}, true)
			})
		})
	}
}

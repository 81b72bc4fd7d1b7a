package jobs_test

import (
	"context"
	"encoding/binary"
	"iter"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/jobs"
	"github.com/kithhq/kith/kithtest"
)

// counted yields n user IDs made from a counter: the sequence itself holds
// nothing, so the heap the fan-out needs is all that grows. (It ignores
// the resume point: FanOut starts from the first user.)
func counted(n int) func(context.Context, uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(context.Context, uuid.UUID) iter.Seq2[uuid.UUID, error] {
		return func(yield func(uuid.UUID, error) bool) {
			var id uuid.UUID
			id[0] = 0x4b // not uuid.Nil
			for i := range n {
				binary.BigEndian.PutUint64(id[8:], uint64(i))
				if !yield(id, nil) {
					return
				}
			}
		}
	}
}

// BenchmarkFanOutMemory enqueues one suggestion job per user for a small
// and a ten times larger set of users, and reports the peak Go heap of
// each fan-out above what was live before it: the fan-out holds one batch
// (Config.BatchSize users), so the ratio stays near 1 while the users
// grow tenfold.
//
//	cd jobs && go test -run '^$' -bench FanOutMemory -benchtime 1x -count 3 .
func BenchmarkFanOutMemory(b *testing.B) {
	ctx := context.Background()
	db := kithtest.DB(b)
	migrateRiver(b, db)
	const small, large = 2_000, 20_000
	run := func(n int) (peak uint64, d time.Duration) {
		if _, err := db.Exec(`TRUNCATE river_job`); err != nil {
			b.Fatal(err)
		}
		j, err := jobs.New(db, jobs.Config{Suggest: newGenerator(b, db, nil), Users: counted(n)})
		if err != nil {
			b.Fatal(err)
		}
		client := insertClient(b, db, j)
		base := heappeak.Now()
		h := heappeak.Start()
		start := time.Now()
		res, err := j.FanOut(ctx, client)
		d = time.Since(start)
		p := h.Stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.Inserted != n {
			b.Fatalf("inserted %d of %d", res.Inserted, n)
		}
		if p > base {
			peak = p - base
		}
		return peak, d
	}
	var peakSmall, peakLarge uint64
	var dLarge time.Duration
	for b.Loop() {
		peakSmall, _ = run(small)
		peakLarge, dLarge = run(large)
	}
	b.ReportMetric(float64(peakSmall)/(1<<20), "MB-peak-2k-users")
	b.ReportMetric(float64(peakLarge)/(1<<20), "MB-peak-20k-users")
	b.ReportMetric(float64(peakLarge)/float64(max(peakSmall, 1)), "peak-ratio-10x-users")
	b.ReportMetric(float64(large)/dLarge.Seconds(), "users/s")
}

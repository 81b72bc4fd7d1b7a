package stream_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/benchdb"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/stream"
)

// BenchmarkWalk walks all unarchived contacts of one user, by name, in
// several ways, side by side on one seeded database:
//
//   - raw: one hand-written query, same projection and order, plain
//     rows.Scan into Go values (uuid.UUID, string, sql.NullTime, string,
//     pq.StringArray, bool) with no kith code on its path: the driver's
//     limit.
//   - raw_kithscan: the same statement scanned by the stream's own
//     scanner (the baseline before issue 10), so the difference with the
//     stream is paging alone.
//   - stream: stream.MinimalContacts with its defaults.
//   - stream_vs_raw: raw and stream alternated within each iteration,
//     reporting the stream's throughput as a fraction of raw's.
//   - stream_p5000: the same with pages of 5,000 (how
//     DefaultPageSize was chosen).
//   - naive: sqlx.Select of full contacts into a slice, what the system
//     kith replaces did.
//   - copy_minimal, copy_minimal_nogroups: the server's floor, COPY
//     (SELECT the minimal columns ... ORDER BY name, id) TO STDOUT run by
//     psql writing to /dev/null, with and without group_ids; the time
//     includes starting psql and connecting (a few ms).
//
// Each reports rows/s, ns/row, allocs/row and B/row (heap objects and
// bytes allocated per row, by the whole process while it ran) and
// peak-heap-MiB (the highest
// /memory/classes/heap/objects:bytes sampled every millisecond while it
// ran, after a GC). Sizes: 10k contacts, and 1M when KITH_BENCH_LARGE=1.
func BenchmarkWalk(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		db, user := benchUser(b, n)
		ctx := context.Background()
		var rows int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND NOT archived`, user).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		minimalSQL := func(cols string) string {
			return `SELECT ` + cols + ` FROM kith.contacts WHERE user_id = '` + user.String() + `' AND NOT archived ORDER BY name, id`
		}
		variants := []struct {
			name string
			walk func(b *testing.B) int
		}{
			{"raw", func(b *testing.B) int {
				// No kith code on this path: the statement, rows.Scan into
				// plain Go values declared once, the idiomatic lib/pq
				// decoding of an array (pq.StringArray; it reads pgx's
				// text too).
				r, err := db.QueryContext(ctx, `SELECT id, name, last_contact_date, frequency, group_ids, archived
					FROM kith.contacts WHERE user_id = $1 AND NOT archived ORDER BY name, id`, user)
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				var (
					id       uuid.UUID
					name     string
					last     sql.NullTime
					freq     string
					groups   pq.StringArray
					archived bool
				)
				got := 0
				for r.Next() {
					if err := r.Scan(&id, &name, &last, &freq, &groups, &archived); err != nil {
						b.Fatal(err)
					}
					got++
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				return got
			}},
			{"raw_kithscan", func(b *testing.B) int {
				// The old "raw": one statement, but scanned by the stream's
				// own scanner, so it carries the scanner's costs.
				r, err := db.QueryContext(ctx, `SELECT `+contactsql.Minimal.Columns()+` FROM kith.contacts
					WHERE user_id = $1 AND NOT archived ORDER BY name, id`, user)
				if err != nil {
					b.Fatal(err)
				}
				defer r.Close()
				scan := contactsql.ScanFunc[contacts.MinimalContact](contactsql.Minimal)
				got := 0
				for r.Next() {
					var m contacts.MinimalContact
					if err := scan(r, &m); err != nil {
						b.Fatal(err)
					}
					got++
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				return got
			}},
			{"stream", streamWalk(ctx, db, user, stream.Options{})},
			{"stream_p5000", streamWalk(ctx, db, user, stream.Options{PageSize: 5000})},
			{"naive", func(b *testing.B) int {
				var all []naiveContact
				if err := db.SelectContext(ctx, &all, `SELECT `+contactsql.Full.Columns()+` FROM kith.contacts
					WHERE user_id = $1 AND NOT archived ORDER BY name, id`, user); err != nil {
					b.Fatal(err)
				}
				return len(all)
			}},
			{"copy_minimal", copyWalk(minimalSQL(contactsql.Minimal.Columns()), rows)},
			{"copy_minimal_nogroups", copyWalk(minimalSQL(`id, name, last_contact_date, frequency, archived`), rows)},
		}
		// stream_vs_raw walks raw, stream, stream, raw in each iteration
		// and reports the stream's throughput relative to raw's: the
		// symmetric order cancels the drift of a shared machine, which
		// moves separate medians by more than the difference measured.
		// stream_vs_copy does the same against the COPY floor and reports
		// the stream's time as a multiple of the floor's.
		paired := func(name string, base, str func(*testing.B) int, report func(b *testing.B, baseTime, streamTime time.Duration)) {
			b.Run(fmt.Sprintf("contacts=%d/%s", n, name), func(b *testing.B) {
				var baseTime, streamTime time.Duration
				timed := func(walk func(*testing.B) int, into *time.Duration) {
					t0 := time.Now()
					if got := walk(b); got != rows {
						b.Fatalf("walked %d rows, want %d", got, rows)
					}
					*into += time.Since(t0)
				}
				for b.Loop() {
					timed(base, &baseTime)
					timed(str, &streamTime)
					timed(str, &streamTime)
					timed(base, &baseTime)
				}
				report(b, baseTime, streamTime)
			})
		}
		paired("stream_vs_raw", variants[0].walk, variants[2].walk, func(b *testing.B, raw, str time.Duration) {
			b.ReportMetric(float64(raw)/float64(str), "throughput-vs-raw")
		})
		paired("stream_vs_copy", variants[5].walk, variants[2].walk, func(b *testing.B, floor, str time.Duration) {
			b.ReportMetric(float64(str)/float64(floor), "time-vs-copy")
		})
		for _, v := range variants {
			b.Run(fmt.Sprintf("contacts=%d/%s", n, v.name), func(b *testing.B) {
				peak := heappeak.Start()
				b.ResetTimer()
				objs0, bytes0 := heappeak.Allocs()
				start := time.Now()
				total := 0
				for range b.N {
					if got := v.walk(b); got != rows {
						b.Fatalf("walked %d rows, want %d", got, rows)
					}
					total += rows
				}
				elapsed := time.Since(start)
				objs1, bytes1 := heappeak.Allocs()
				b.StopTimer()
				p := peak.Stop()
				b.ReportMetric(float64(objs1-objs0)/float64(total), "allocs/row")
				b.ReportMetric(float64(bytes1-bytes0)/float64(total), "B/row")
				b.ReportMetric(float64(total)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(total), "ns/row")
				b.ReportMetric(float64(p)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}

func streamWalk(ctx context.Context, db *sqlx.DB, user uuid.UUID, opts stream.Options) func(*testing.B) int {
	return func(b *testing.B) int {
		got := 0
		for _, err := range stream.MinimalContacts(ctx, db, user, opts) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		return got
	}
}

func copyWalk(query string, rows int) func(*testing.B) int {
	return func(b *testing.B) int {
		if benchDSN == "" {
			b.Skip("no DSN for psql")
		}
		psql, err := exec.LookPath("psql")
		if err != nil {
			b.Skip("psql not found")
		}
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer devnull.Close()
		cmd := exec.Command(psql, benchDSN, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "COPY ("+query+") TO STDOUT")
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = devnull, &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("psql: %v %s", err, stderr.String())
		}
		return rows // COPY's row count is not read back; the query is the same
	}
}

// naiveContact is how the system kith replaces mapped a contact: sqlx
// struct scanning by name.
type naiveContact struct {
	ID                 uuid.UUID       `db:"id"`
	UserID             uuid.UUID       `db:"user_id"`
	Name               string          `db:"name"`
	Email              string          `db:"email"`
	Phone              string          `db:"phone"`
	LinkedIn           string          `db:"linkedin"`
	Instagram          string          `db:"instagram"`
	XHandle            string          `db:"x_handle"`
	OtherSocial        []byte          `db:"other_social"`
	Location           string          `db:"location"`
	TimeZone           string          `db:"time_zone"`
	Notes              string          `db:"notes"`
	LastContactDate    sql.NullTime    `db:"last_contact_date"`
	Frequency          string          `db:"frequency"`
	Tags               pq.StringArray  `db:"tags"`
	Archived           bool            `db:"archived"`
	Source             string          `db:"source"`
	GoogleResourceName string          `db:"google_resource_name"`
	GoogleETag         string          `db:"google_etag"`
	LastSyncedAt       sql.NullTime    `db:"last_synced_at"`
	Circle             string          `db:"circle"`
	CircleAssignedAt   sql.NullTime    `db:"circle_assigned_at"`
	CircleConfidence   sql.NullFloat64 `db:"circle_confidence"`
	AISuggestedCircle  string          `db:"ai_suggested_circle"`
	GroupIDs           pq.StringArray  `db:"group_ids"`
	CreatedAt          time.Time       `db:"created_at"`
	UpdatedAt          time.Time       `db:"updated_at"`
}

// benchUser returns the shared benchmark database (internal/benchdb)
// with a user holding exactly n seeded contacts, made all-visible (see
// settle) so that index-only scans are measured as production would see
// them, and the DSN psql needs for the COPY floor.
func benchUser(b *testing.B, n int) (*sqlx.DB, uuid.UUID) {
	b.Helper()
	db, user := benchdb.User(b, n)
	settle(b, db)
	benchDSN = pgtest.Shared(b).DSN(benchdb.Name)
	return db, user
}

var benchDSN string

// BenchmarkBytesPerContact collects the same 10,000 seeded contacts as
// MinimalContact and as Contact and reports the heap each retains per
// contact (live heap after a GC, with the slice, minus before).
//
//	go test -run '^$' -bench BytesPerContact -benchtime 3x ./stream/
func BenchmarkBytesPerContact(b *testing.B) {
	db, user := benchdb.User(b, 10_000)
	ctx := context.Background()
	measure := func(b *testing.B, collect func() (int, any)) {
		for b.Loop() {
			runtime.GC()
			before := heappeak.Now()
			n, kept := collect()
			runtime.GC()
			after := heappeak.Now()
			runtime.KeepAlive(kept)
			b.ReportMetric(float64(after-min(after, before))/float64(n), "bytes/contact")
		}
	}
	b.Run("minimal", func(b *testing.B) {
		measure(b, func() (int, any) {
			all, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.Options{}))
			if err != nil {
				b.Fatal(err)
			}
			return len(all), all
		})
	})
	b.Run("full", func(b *testing.B) {
		measure(b, func() (int, any) {
			all, err := stream.Collect(stream.Contacts(ctx, db, user, stream.Options{}))
			if err != nil {
				b.Fatal(err)
			}
			return len(all), all
		})
	})
}

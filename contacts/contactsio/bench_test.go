package contactsio_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/internal/benchdb"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/stream"
)

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExport exports every contact of a seeded user (archived ones
// included) to a writer that discards it, as vCard and as CSV, beside
// "stream": the same stream.Contacts walk with nothing written, the floor.
// Each reports contacts/s, output MB/s, peak-heap-MiB (the highest
// /memory/classes/heap/objects:bytes sampled every millisecond, after a
// GC) and heap-growth-MiB (that peak minus the heap before the run).
// Sizes: 10k contacts, and 1M with KITH_BENCH_LARGE=1; flat memory means
// the same peak at both sizes.
//
//	go test ./contacts/contactsio -run '^$' -bench Export -benchtime 3x
//	KITH_BENCH_LARGE=1 go test -p 1 ./contacts/contactsio -run '^$' -bench Export -benchtime 1x -timeout 60m
func BenchmarkExport(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("KITH_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	for _, n := range sizes {
		db, user := benchdb.User(b, n)
		ctx := context.Background()
		variants := []struct {
			name string
			run  func(w io.Writer) (int, error)
		}{
			{"stream", func(io.Writer) (int, error) {
				got := 0
				for _, err := range stream.Contacts(ctx, db, user, stream.Options{Order: contacts.ByCreatedAt, IncludeArchived: true}) {
					if err != nil {
						return got, err
					}
					got++
				}
				return got, nil
			}},
			{"vcard", func(w io.Writer) (int, error) {
				return contactsio.ExportVCard(ctx, w, db, user, contactsio.ExportOptions{})
			}},
			{"csv", func(w io.Writer) (int, error) {
				return contactsio.ExportCSV(ctx, w, db, user, contactsio.ExportOptions{})
			}},
		}
		for _, v := range variants {
			b.Run(fmt.Sprintf("contacts=%d/%s", n, v.name), func(b *testing.B) {
				runtime.GC()
				base := heappeak.Now()
				var peak uint64
				var elapsed time.Duration
				var w countingWriter
				for b.Loop() {
					h := heappeak.Start()
					t0 := time.Now()
					got, err := v.run(&w)
					elapsed += time.Since(t0)
					peak = max(peak, h.Stop())
					if err != nil || got != n {
						b.Fatalf("exported %d of %d: %v", got, n, err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "contacts/s")
				b.ReportMetric(float64(w.n)/elapsed.Seconds()/1e6, "MB/s")
				b.ReportMetric(heappeak.MiB(peak), "peak-heap-MiB")
				b.ReportMetric(heappeak.MiB(peak-min(peak, base)), "heap-growth-MiB")
			})
		}
	}
}

// BenchmarkImport imports a CSV and a vCard export of 10,000 seeded
// contacts into a new user per iteration, in pages of DefaultPageSize.
//
//	go test ./contacts/contactsio -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	db, user := benchdb.User(b, n)
	ctx := context.Background()
	for _, f := range []struct {
		format contactsio.Format
		export func(context.Context, io.Writer, kith.DB, uuid.UUID, contactsio.ExportOptions) (int, error)
	}{
		{contactsio.CSV, contactsio.ExportCSV},
		{contactsio.VCard, contactsio.ExportVCard},
	} {
		var file bytes.Buffer
		if _, err := f.export(ctx, &file, db, user, contactsio.ExportOptions{}); err != nil {
			b.Fatal(err)
		}
		b.Run(f.format.String(), func(b *testing.B) {
			var elapsed time.Duration
			for b.Loop() {
				target := uuid.New()
				t0 := time.Now()
				rep, err := contactsio.Import(ctx, db, target, bytes.NewReader(file.Bytes()), f.format, contactsio.ImportOptions{})
				elapsed += time.Since(t0)
				if err != nil || rep.Imported != n {
					b.Fatalf("imported %d of %d: %v (%+v)", rep.Imported, n, err, rep.Rejected)
				}
				b.StopTimer()
				if _, err := db.ExecContext(ctx, `DELETE FROM kith.contacts WHERE user_id = $1`, target); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/elapsed.Seconds(), "contacts/s")
		})
	}
}

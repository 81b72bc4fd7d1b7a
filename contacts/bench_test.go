package contacts_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// BenchmarkGooglePageVsCreate writes pages of 1,000 synced contacts for a new
// user: one ApplyGooglePage call per page, against one INSERT per
// contact (Store.Create in a loop, inside one transaction so that only the
// statements differ, not the commits). The "refresh" variant upserts a
// page of contacts that all exist with a new etag (every row conflicts).
//
//	go test -run '^$' -bench GooglePageVsCreate -benchtime 20x -count 5 ./contacts/
func BenchmarkGooglePageVsCreate(b *testing.B) {
	const page = 1000
	db := kithtest.DB(b)
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	report := func(b *testing.B) {
		b.ReportMetric(float64(page*b.N)/b.Elapsed().Seconds(), "rows/s")
	}

	b.Run("one_statement", func(b *testing.B) {
		for b.Loop() {
			res, err := writeGooglePage(ctx, store, uuid.New(), googlePage(page, "v1"), contacts.GooglePageOptions{})
			if err != nil || res.Inserted != page {
				b.Fatal(res, err)
			}
		}
		report(b)
	})
	b.Run("row_at_a_time", func(b *testing.B) {
		for b.Loop() {
			tx, err := db.BeginTxx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			txStore, _ := contacts.NewStore(tx, contacts.Config{})
			user := uuid.New()
			for _, c := range googlePage(page, "v1") {
				if _, err := txStore.Create(ctx, user, c); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("refresh", func(b *testing.B) {
		user := uuid.New()
		if _, err := writeGooglePage(ctx, store, user, googlePage(page, "v0"), contacts.GooglePageOptions{}); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			res, err := writeGooglePage(ctx, store, user, googlePage(page, fmt.Sprint("v", i)), contacts.GooglePageOptions{})
			if err != nil || res.Updated != page {
				b.Fatal(res, err)
			}
		}
		report(b)
	})
}

package contacts_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// TestBothDrivers runs the store's round trip and every sentinel through
// lib/pq and pgx/v5/stdlib on one database, whatever KITH_TEST_DRIVER says
// (make test also runs the whole suite under each).
func TestBothDrivers(t *testing.T) {
	t.Parallel()
	dsn := kithtest.DSN(t, kithtest.DB(t))
	for _, driver := range []string{"postgres", "pgx"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			db, err := sqlx.Connect(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s, err := contacts.NewStore(db, contacts.Config{})
			if err != nil {
				t.Fatal(err)
			}
			user := uuid.New()
			want := fullContact()
			want.Tags = []string{"math", `with "quotes"`, `back\slash`, "a,b", "NULL", "Ünïcödé"}
			c, err := s.Create(ctx, user, want)
			if err != nil {
				t.Fatal(err)
			}
			g, err := s.CreateGroup(ctx, user, "family")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.AddToGroup(ctx, user, g.ID, c.ID); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, user, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameContact(t, got, want)
			if !slices.Equal(got.GroupIDs, []uuid.UUID{g.ID}) {
				t.Errorf("GroupIDs = %v, want [%v]", got.GroupIDs, g.ID)
			}
			full, err := stream.Collect(stream.Contacts(ctx, db, user, stream.Options{}))
			if err != nil || len(full) != 1 {
				t.Fatalf("stream.Contacts: %d, %v", len(full), err)
			}
			sameContact(t, full[0], want)
			minimal, err := stream.Collect(stream.MinimalContacts(ctx, db, user, stream.Options{}))
			if err != nil || len(minimal) != 1 || minimal[0].ID != c.ID || !slices.Equal(minimal[0].GroupIDs, []uuid.UUID{g.ID}) ||
				!eqTime(minimal[0].LastContactDate, want.LastContactDate) || minimal[0].Frequency != want.Frequency {
				t.Errorf("stream.MinimalContacts = %+v, %v", minimal, err)
			}

			// Every sentinel, through this driver's errors.
			if _, err := s.Get(ctx, user, uuid.New()); !errors.Is(err, contacts.ErrNotFound) {
				t.Errorf("Get of a missing contact: %v, want ErrNotFound", err)
			}
			stale := c
			stale.Version--
			if _, err := s.Update(ctx, user, stale); !errors.Is(err, contacts.ErrConflict) {
				t.Errorf("update from a stale copy: %v, want ErrConflict", err)
			}
			if _, err := s.CreateGroup(ctx, user, "family"); !errors.Is(err, contacts.ErrDuplicate) {
				t.Errorf("second group of one name: %v, want ErrDuplicate", err)
			}
			if err := s.AddToGroup(ctx, user, uuid.New(), c.ID); !errors.Is(err, contacts.ErrNotFound) {
				t.Errorf("missing group: %v, want ErrNotFound", err)
			}
			empty, err := sqlx.Connect(driver, kithtest.DSN(t, kithtest.EmptyDB(t)))
			if err != nil {
				t.Fatal(err)
			}
			defer empty.Close()
			es, _ := contacts.NewStore(empty, contacts.Config{})
			if _, err := es.Get(ctx, user, c.ID); !errors.Is(err, kith.ErrNotMigrated) {
				t.Errorf("store on an empty database: %v, want kith.ErrNotMigrated", err)
			}
			if _, err := stream.Collect(stream.MinimalContacts(ctx, empty, user, stream.Options{})); !errors.Is(err, kith.ErrNotMigrated) {
				t.Errorf("stream on an empty database: %v, want kith.ErrNotMigrated", err)
			}
		})
	}
}

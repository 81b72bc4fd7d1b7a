package stream_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// A stream over a database never migrated yields one error matching
// kith.ErrNotMigrated, for either projection.
func TestStreamNotMigrated(t *testing.T) {
	t.Parallel()
	db := kithtest.EmptyDB(t)
	ctx := context.Background()
	_, err := stream.Collect(stream.MinimalContacts(ctx, db, uuid.New(), stream.Options{}))
	if !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("MinimalContacts: %v, want kith.ErrNotMigrated", err)
	}
	_, err = stream.Collect(stream.Contacts(ctx, db, uuid.New(), stream.Options{}))
	if !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Contacts: %v, want kith.ErrNotMigrated", err)
	}
	t.Log(err)
}

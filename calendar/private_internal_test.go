package calendar

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/gsync"
)

// A nil user refused by gsync itself (the Syncer checks first, so only a
// new code path could reach it) still reads in this package's words and
// matches ErrInvalid.
func TestPrivateWordsGsyncNilUser(t *testing.T) {
	ledger, err := gsync.NewLedger(gsync.LedgerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, gerr := ledger.Load(context.Background(), nil, uuid.Nil, "calendar:primary")
	if gerr == nil {
		t.Fatal("gsync accepted uuid.Nil")
	}
	got := private(gerr, "load state")
	if !errors.Is(got, ErrInvalid) || got.Error() != "calendar: invalid user_id: user ID is uuid.Nil" {
		t.Errorf("private(%q) = %q", gerr, got)
	}
}

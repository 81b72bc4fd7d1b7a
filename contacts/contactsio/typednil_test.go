package contactsio_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts/contactsio"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
)

func TestTypedNilBreakerAndNilWriter(t *testing.T) {
	db := kithtest.DB(t)
	ctx := context.Background()
	u := uuid.New()
	var nb *memguard.MemoryBreaker
	_, err := contactsio.Import(ctx, db, u, strings.NewReader("name\nAda\n"), contactsio.CSV, contactsio.ImportOptions{Breaker: nb})
	if !errors.Is(err, contactsio.ErrInvalid) || !strings.Contains(err.Error(), "ImportOptions.Breaker") {
		t.Errorf("Import typed-nil breaker: %v", err)
	}
	for _, f := range formats {
		var sb strings.Builder
		_, err := f.export(ctx, &sb, db, u, contactsio.ExportOptions{Breaker: nb})
		if !errors.Is(err, contactsio.ErrInvalid) || !strings.Contains(err.Error(), "ExportOptions.Breaker") {
			t.Errorf("%v export typed-nil breaker: %v", f.format, err)
		}
		if _, err := f.export(ctx, nil, db, u, contactsio.ExportOptions{}); !errors.Is(err, contactsio.ErrInvalid) {
			t.Errorf("%v export nil writer: %v", f.format, err)
		}
	}
}

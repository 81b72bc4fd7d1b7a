package contactsio

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
)

// ExportOptions configures an export. The zero value exports every contact
// of the user, archived ones included, from the "kith" schema.
type ExportOptions struct {
	// Schema is the Postgres schema holding kith's tables; "" means "kith".
	Schema string
	// Breaker is checked before each page of contacts is read; a refusal
	// ends the export with an error matching memguard.ErrMemoryPressure.
	// nil means memguard.Nop().
	Breaker memguard.Breaker
	// Monitor records the export as the operation "contactsio.export_vcard"
	// or "contactsio.export_csv" (duration, peak memory, outcome). nil
	// means none.
	Monitor *memguard.Monitor
	// SkipArchived leaves archived contacts out.
	SkipArchived bool
}

// bufferSize is the export's write buffer: writes to w are this big.
const bufferSize = 64 << 10

// ExportVCard writes every contact of userID to w as vCard 4.0, one card
// per contact (see the package documentation for the mapping), and returns
// how many it wrote. Memory stays flat: contacts are written as the stream
// yields them, through a 64 KiB buffer.
//
// On an error (the context ended, the database or w failed, the breaker
// refused) what was written so far stays written, ending after the last
// whole card, and n counts the cards written.
func ExportVCard(ctx context.Context, w io.Writer, db kith.DB, userID uuid.UUID, opts ExportOptions) (n int, err error) {
	if argcheck.IsNil(w) {
		return 0, invalid("nil writer")
	}
	err = opts.Monitor.Wrap(ctx, "contactsio.export_vcard", func(ctx context.Context) error {
		bw := bufio.NewWriterSize(w, bufferSize)
		enc := newCardEncoder(bw)
		n, err = export(ctx, bw, db, userID, opts, "vcard", enc.encode)
		return err
	})
	return n, err
}

// ExportCSV writes every contact of userID to w as CSV: the header the
// package documentation gives, then one row per contact. It returns how
// many contacts it wrote; errors are as ExportVCard's.
//
// Values are written as data: a value starting with = + - or @ is written
// as it is, not escaped, so guarding a spreadsheet against formula
// injection is the reader's concern (see the package documentation).
func ExportCSV(ctx context.Context, w io.Writer, db kith.DB, userID uuid.UUID, opts ExportOptions) (n int, err error) {
	if argcheck.IsNil(w) {
		return 0, invalid("nil writer")
	}
	err = opts.Monitor.Wrap(ctx, "contactsio.export_csv", func(ctx context.Context) error {
		bw := bufio.NewWriterSize(w, bufferSize)
		enc := newCSVEncoder(bw)
		if err := enc.header(); err != nil {
			return fmt.Errorf("contactsio: export csv: %w", err)
		}
		n, err = export(ctx, bw, db, userID, opts, "csv", enc.encode)
		return err
	})
	return n, err
}

func export(ctx context.Context, bw *bufio.Writer, db kith.DB, userID uuid.UUID, opts ExportOptions, format string, encode func(*contacts.Contact) error) (int, error) {
	if err := checkArgs(db, userID, "ExportOptions.Schema", opts.Schema); err != nil {
		return 0, err
	}
	if opts.Breaker != nil && argcheck.IsNil(opts.Breaker) {
		return 0, invalid("ExportOptions.Breaker: typed nil %T", opts.Breaker)
	}
	so := stream.Options{
		Order:           contacts.ByCreatedAt,
		IncludeArchived: !opts.SkipArchived,
		Breaker:         opts.Breaker,
		Schema:          opts.Schema,
	}
	n := 0
	for c, err := range stream.Contacts(ctx, db, userID, so) {
		if err != nil {
			bw.Flush() // best effort: end after the last whole record
			return n, fmt.Errorf("contactsio: export %s: %w", format, err)
		}
		if err := encode(&c); err != nil {
			return n, fmt.Errorf("contactsio: export %s: write contact %s: %w", format, c.ID, err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("contactsio: export %s: %w", format, err)
	}
	return n, nil
}

// checkArgs refuses what every function of the package refuses alike.
func checkArgs(db kith.DB, userID uuid.UUID, schemaField, schema string) error {
	if err := argcheck.Handle(db); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := argcheck.User(userID); err != nil {
		return fmt.Errorf("%w user_id: %w", ErrInvalid, err)
	}
	if _, err := dbschema.Name(schema); err != nil {
		return invalid("%s %q: %v", schemaField, schema, err)
	}
	return nil
}

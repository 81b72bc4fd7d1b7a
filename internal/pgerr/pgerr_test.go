package pgerr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/kithhq/kith/internal/pgerr"
)

func TestCodeBothDrivers(t *testing.T) {
	for _, err := range []error{
		&pq.Error{Code: "23505", Message: "duplicate key value violates unique constraint \"k\""},
		&pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint \"k\""},
	} {
		wrapped := fmt.Errorf("ctx: %w", err)
		if got := pgerr.Code(wrapped); got != pgerr.UniqueViolation {
			t.Errorf("Code(%T) = %q, want %q", err, got, pgerr.UniqueViolation)
		}
		if !pgerr.Is(wrapped, pgerr.CheckViolation, pgerr.UniqueViolation) || pgerr.Is(wrapped, pgerr.CheckViolation) {
			t.Errorf("Is(%T) wrong", err)
		}
	}
	if got := pgerr.Code(errors.New("plain")); got != "" {
		t.Errorf("Code(plain) = %q", got)
	}
}

func TestWrap(t *testing.T) {
	sentinel := errors.New("contacts: duplicate")
	cause := &pgconn.PgError{Code: "23505", ConstraintName: "contacts_user_google_key"}
	err := fmt.Errorf("contacts: create: %w", pgerr.Wrap(sentinel, "", cause))
	if err.Error() != "contacts: create: contacts: duplicate" {
		t.Errorf("text %q leaks the driver error", err)
	}
	var pg *pgconn.PgError
	if !errors.Is(err, sentinel) || !errors.As(err, &pg) || pg.ConstraintName != "contacts_user_google_key" || pgerr.Code(err) != "23505" {
		t.Errorf("chain lost the sentinel or the cause: %v", err)
	}
	if got := pgerr.Wrap(sentinel, "group name", cause).Error(); got != "contacts: duplicate: group name" {
		t.Errorf("with detail: %q", got)
	}
}

package googlesync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/gsync"
)

type sqlStateErr struct{}

func (sqlStateErr) Error() string    { return `duplicate key value (email)=(ada@example.com)` }
func (sqlStateErr) SQLState() string { return "23505" }

func TestPrivateErrorTexts(t *testing.T) {
	fe := &contacts.FieldError{Field: "email", Row: 3, Reason: `"ada@example.com" is not a bare email address`}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("contacts: apply: %w", fe), "googlesync: write page 2: contacts: invalid email in row 3"},
		{fmt.Errorf("wrapped: %w", sqlStateErr{}), "googlesync: write page 2: database error (SQLSTATE 23505)"},
		{context.Canceled, "googlesync: write page 2: context canceled"},
		{fmt.Errorf("sync: lock: %w", context.DeadlineExceeded), "googlesync: write page 2: context deadline exceeded"},
		{ErrBusy, ErrBusy.Error()},
		{errors.New("Ada Lovelace +44 20 7946 0018"), "googlesync: write page 2: failed (*errors.errorString)"},
		{&TokenSourceError{Err: errors.New("no grant stored")}, "googlesync: token source: no grant stored"},
	} {
		got := private(tc.err, "write page 2")
		if got.Error() != tc.want {
			t.Errorf("private(%q) = %q, want %q", tc.err, got, tc.want)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("private(%q) lost the error from its chain", tc.err)
		}
		if again := private(got, "sync"); again.Error() != got.Error() {
			t.Errorf("private twice: %q", again)
		}
		if strings.Contains(got.Error(), "ada@") {
			t.Errorf("%q leaks", got)
		}
	}
	// A nil user refused by gsync itself (Sync checks first, so only a
	// new code path could reach it) reads in this package's words.
	ledger, err := gsync.NewLedger(gsync.LedgerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, gerr := ledger.Load(context.Background(), nil, uuid.Nil, "people"); gerr == nil {
		t.Error("gsync accepted uuid.Nil")
	} else if got := private(gerr, "load state"); !errors.Is(got, ErrInvalid) || got.Error() != "googlesync: invalid user_id: user ID is uuid.Nil" {
		t.Errorf("private(%q) = %q", gerr, got)
	}
	ue := &UserError{UserID: uuid.Nil, Err: fmt.Errorf("%w: x", ErrInvalid)}
	if !strings.HasPrefix(ue.Error(), "googlesync: invalid: user 00000000-") {
		t.Errorf("UserError %q", ue)
	}
}

func TestStoredTokenCarriesParameters(t *testing.T) {
	s := &Syncer{paramsKey: paramsKey(1000)}
	if tok, changed := s.loadedToken(s.storedToken("abc:def")); tok != "abc:def" || changed {
		t.Errorf("round trip: %q %v", tok, changed)
	}
	other := &Syncer{paramsKey: paramsKey(500)}
	if tok, changed := other.loadedToken(s.storedToken("abc")); tok != "" || !changed {
		t.Errorf("other page size: %q %v", tok, changed)
	}
	if tok, changed := s.loadedToken("a-token-without-key"); tok != "" || !changed {
		t.Errorf("legacy token: %q %v", tok, changed)
	}
	if tok, changed := s.loadedToken(""); tok != "" || changed {
		t.Errorf("none: %q %v", tok, changed)
	}
}

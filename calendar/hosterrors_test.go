package calendar_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/kithtest"
)

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// A token source giving neither a token nor an error fails the sync with a
// non-retryable error, recorded as a failed run (never as a success).
func TestSyncUserTokenSourceWithoutToken(t *testing.T) {
	for _, nilSource := range []bool{false, true} {
		testSyncUserTokenSourceWithoutToken(t, nilSource)
	}
}

func testSyncUserTokenSourceWithoutToken(t *testing.T, nilSource bool) {
	db := kithtest.DB(t)
	s, err := calendar.New(db, calendar.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
			if nilSource {
				return nil, nil
			}
			return tokenFunc(func() (*oauth2.Token, error) { return nil, nil }), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	_, err = s.SyncUser(context.Background(), user)
	if !errors.Is(err, calendar.ErrNoToken) || calendar.IsRetryable(err) {
		t.Fatalf("SyncUser (nil source %v) = %v (retryable %v), want a non-retryable ErrNoToken", nilSource, err, calendar.IsRetryable(err))
	}
	st, err := s.ListStatus(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastSuccessAt != nil || st.FailingSince == nil {
		t.Errorf("ListStatus = success %v, failing since %v; want a failure recorded", st.LastSuccessAt, st.FailingSince)
	}
}

func TestSyncUnmigrated(t *testing.T) {
	db := kithtest.EmptyDB(t)
	s, err := calendar.New(db, calendar.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return nil, errors.New("unused") },
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncUser(context.Background(), uuid.New()); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("SyncUser = %v, want kith.ErrNotMigrated", err)
	}
	if _, err := s.ListStatus(context.Background(), uuid.New()); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("ListStatus = %v, want kith.ErrNotMigrated", err)
	}
}

// A token source that fails for a while (its vault down) is retryable; one
// saying the grant is gone is not.
func TestTokenSourceFailureIsRetryable(t *testing.T) {
	db := kithtest.DB(t)
	vault := errors.New("vault down")
	for _, tc := range []struct {
		err       error
		text      string
		retryable bool
	}{
		{vault, "calendar: token source: vault down", true},
		{fmt.Errorf("no grant stored: %w", calendar.ErrAccessRevoked), "", false},
	} {
		s, err := calendar.New(db, calendar.Config{
			TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return nil, tc.err },
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.SyncUser(context.Background(), uuid.New())
		if !errors.Is(err, tc.err) || calendar.IsRetryable(err) != tc.retryable {
			t.Errorf("SyncUser with token source error %q = %v, retryable %v; want retryable %v", tc.err, err, calendar.IsRetryable(err), tc.retryable)
		}
		var tse *calendar.TokenSourceError
		if tc.text != "" && (!errors.As(err, &tse) || tse.Error() != tc.text) {
			t.Errorf("SyncUser = %v; want a *TokenSourceError %q", err, tc.text)
		}
	}
}

package googlesync_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/kithtest"
)

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// A token source returning neither a token nor an error is the host's bug:
// the sync fails with a clear error (not a panic inside oauth2, not an
// endless transport retry), and the run is recorded as failed.
func TestTokenSourceWithoutToken(t *testing.T) {
	for name, tok := range map[string]*oauth2.Token{"nil": nil, "empty": {}, "nil source": nil} {
		t.Run(name, func(t *testing.T) {
			db := kithtest.DB(t)
			s, err := googlesync.New(db, googlesync.Config{
				TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
					if name == "nil source" {
						return nil, nil
					}
					return tokenFunc(func() (*oauth2.Token, error) { return tok, nil }), nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			user := uuid.New()
			rep, err := s.Sync(context.Background(), user)
			if !errors.Is(err, googlesync.ErrNoToken) || googlesync.IsRetryable(err) {
				t.Fatalf("Sync = %v (retryable %v), want a non-retryable ErrNoToken", err, googlesync.IsRetryable(err))
			}
			if rep.Retries != 0 {
				t.Errorf("Retries = %d, want 0", rep.Retries)
			}
			st, err2 := s.Status(context.Background(), user)
			if err2 != nil {
				t.Fatal(err2)
			}
			if st.LastSuccessAt != nil || st.FailingSince == nil || st.LastError == "" {
				t.Errorf("Status = success %v, failing since %v, last error %q; want a failure recorded", st.LastSuccessAt, st.FailingSince, st.LastError)
			}
			t.Logf("error: %v; stored: %q", err, st.LastError)
		})
	}
}

// The host's own token-source error is what Status shows, and a job queue
// retries it (the vault may be back); a revoked grant it does not.
func TestTokenSourceErrorIsStored(t *testing.T) {
	db := kithtest.DB(t)
	s, err := googlesync.New(db, googlesync.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
			return nil, errors.New("vault down")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	_, err = s.Sync(context.Background(), user)
	var tse *googlesync.TokenSourceError
	if !errors.As(err, &tse) || err.Error() != "googlesync: token source: vault down" || !googlesync.IsRetryable(err) {
		t.Fatalf("Sync with the vault down = %v (retryable %v); want a retryable *TokenSourceError", err, googlesync.IsRetryable(err))
	}
	st, err := s.Status(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	if want := "googlesync: token source: vault down"; st.LastError != want {
		t.Errorf("LastError = %q, want %q", st.LastError, want)
	}
	revoked, err := googlesync.New(db, googlesync.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
			return nil, fmt.Errorf("no grant stored: %w", googlesync.ErrAccessRevoked)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := revoked.Sync(context.Background(), user); !errors.Is(err, googlesync.ErrAccessRevoked) || googlesync.IsRetryable(err) {
		t.Errorf("Sync with a revoked grant = %v (retryable %v); want a non-retryable ErrAccessRevoked", err, googlesync.IsRetryable(err))
	}
}

// A database kith never migrated says so (kith.ErrNotMigrated), not SQL.
func TestSyncUnmigrated(t *testing.T) {
	db := kithtest.EmptyDB(t)
	s, err := googlesync.New(db, googlesync.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return nil, errors.New("unused") },
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(context.Background(), uuid.New()); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Sync = %v, want kith.ErrNotMigrated", err)
	}
	if _, err := s.Status(context.Background(), uuid.New()); !errors.Is(err, kith.ErrNotMigrated) {
		t.Errorf("Status = %v, want kith.ErrNotMigrated", err)
	}
}

package googlesync_test

import (
	"context"
	"errors"
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

// The host's own token-source error is what Status shows.
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
	if _, err := s.Sync(context.Background(), user); err == nil {
		t.Fatal("Sync succeeded with a failing token source")
	}
	st, err := s.Status(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	if want := "googlesync: token source: vault down"; st.LastError != want {
		t.Errorf("LastError = %q, want %q", st.LastError, want)
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

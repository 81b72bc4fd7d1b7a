package googlesync_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/kithtest"
)

// uuid.Nil as the user is refused by every per-user entry point, before
// any statement or Google call, with the words every kith package uses
// ("<pkg>: invalid user_id: user ID is uuid.Nil"), never gsync's own; in
// SyncAll the *UserError puts the user after "invalid:".
func TestNilUserIsRefusedInThePackagesWords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noGoogle := func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
		t.Error("TokenSource called for uuid.Nil")
		return nil, errors.New("unreachable")
	}
	s, err := googlesync.New(kithtest.DB(t), googlesync.Config{TokenSource: noGoogle})
	if err != nil {
		t.Fatal(err)
	}
	const want = "googlesync: invalid user_id: user ID is uuid.Nil"
	if _, err := s.Sync(ctx, uuid.Nil); !errors.Is(err, googlesync.ErrInvalid) || err.Error() != want {
		t.Errorf("Sync(uuid.Nil) = %v; want %q", err, want)
	}
	if _, err := s.Status(ctx, uuid.Nil); !errors.Is(err, googlesync.ErrInvalid) || err.Error() != want {
		t.Errorf("Status(uuid.Nil) = %v; want %q", err, want)
	}
	rep, err := s.SyncAll(ctx, func(yield func(uuid.UUID, error) bool) { yield(uuid.Nil, nil) }, googlesync.AllOptions{})
	var ue *googlesync.UserError
	const wantAll = "googlesync: invalid: user 00000000-0000-0000-0000-000000000000: user_id: user ID is uuid.Nil"
	if !errors.As(err, &ue) || !errors.Is(err, googlesync.ErrInvalid) || err.Error() != wantAll || rep.Failed != 1 {
		t.Errorf("SyncAll(uuid.Nil) = %+v, %v; want %q", rep, err, wantAll)
	}
}

// A user never synced has a Status with only Resource set, and no error:
// a host shows "never synced" without special cases.
func TestStatusOfNeverSynced(t *testing.T) {
	t.Parallel()
	s, err := googlesync.New(kithtest.DB(t), googlesync.Config{TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) {
		return nil, errors.New("unreachable")
	}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(context.Background(), uuid.New())
	if err != nil || st.Resource != "people" || st.LastRun != nil || st.LastSuccessAt != nil || st.FailingSince != nil || st.LastError != "" {
		t.Errorf("Status: %+v, %v", st, err)
	}
}

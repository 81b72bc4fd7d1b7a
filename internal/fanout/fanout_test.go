package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/fanout"
)

func seqOf(ids []uuid.UUID) iter.Seq2[uuid.UUID, error] {
	return func(yield func(uuid.UUID, error) bool) {
		for _, id := range ids {
			if !yield(id, nil) {
				return
			}
		}
	}
}

// A cancelled ctx stops Run before the next user; the error says why.
func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	var ran []uuid.UUID
	counts, err := fanout.Run(ctx, seqOf(ids), fanout.Config[int]{
		Name: "test: all", Concurrency: 1,
		Run: func(ctx context.Context, id uuid.UUID) (int, error) {
			ran = append(ran, id)
			cancel()
			return 0, ctx.Err()
		},
	})
	if len(ran) != 1 || counts.Started != 1 || counts.Failed != 1 || !errors.Is(err, context.Canceled) || err.Error() != "test: all: context canceled\ncontext canceled" {
		t.Errorf("ran %d, %+v, %q", len(ran), counts, err)
	}
}

func TestCheck(t *testing.T) {
	if n, err := fanout.Check("SyncAll", seqOf(nil), 0, 4); n != 4 || err != nil {
		t.Errorf("default: %d %v", n, err)
	}
	if _, err := fanout.Check("SyncAll", seqOf(nil), -1, 4); err == nil || err.Error() != "AllOptions.Concurrency -1: must be >= 0" {
		t.Errorf("negative: %v", err)
	}
	if _, err := fanout.Check("SyncAll", nil, 2, 4); err == nil || err.Error() != "SyncAll: nil users sequence" {
		t.Errorf("nil: %v", err)
	}
}

func TestUserErrorText(t *testing.T) {
	id := uuid.MustParse("0193a5b0-0000-7000-8000-000000000001")
	errInvalid := errors.New("pkg: invalid")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: Config.X 3", errInvalid), "pkg: invalid: user " + id.String() + ": Config.X 3"},
		{fmt.Errorf("%w user_id: user ID is uuid.Nil", errInvalid), "pkg: invalid: user " + id.String() + ": user_id: user ID is uuid.Nil"},
		{errors.New("pkg: invalid: look-alike"), "pkg: user " + id.String() + ": invalid: look-alike"},
		{errors.New("pkg: write page 2: boom"), "pkg: user " + id.String() + ": write page 2: boom"},
		{context.Canceled, "pkg: user " + id.String() + ": context canceled"},
	} {
		if got := fanout.UserErrorText("pkg", id, tc.err, errInvalid); got != tc.want {
			t.Errorf("UserErrorText(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

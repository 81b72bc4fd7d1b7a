package googlesync_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
)

// TestLockWaitDeadline: with LockWait, a sync whose ctx deadline passes
// while another sync of the user holds the lock says so, and still
// matches context.DeadlineExceeded (and ErrBusy: a job queue snoozes).
// The holder is parked on a gate, not a sleep.
func TestLockWaitDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 5, cfg: func(c *googlesync.Config) { c.Lock = googlesync.LockWait }})
	gate := googlefake.NewGate()
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.ContactGroups, Fault: googlefake.Slow(gate)})
	first := make(chan error, 1)
	go func() {
		_, err := e.syncer.Sync(ctx, e.user)
		first <- err
	}()
	<-gate.Arrived() // the first sync holds the lock and waits on Google

	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	rep, err := e.syncer.Sync(dctx, e.user)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, googlesync.ErrBusy) {
		t.Errorf("waiting sync: %v, want context.DeadlineExceeded and ErrBusy", err)
	}
	if err == nil || !strings.Contains(err.Error(), "waiting for another sync of this user") {
		t.Errorf("waiting sync: %q does not say what it waited for", err)
	}
	if rep.Pages != 0 {
		t.Errorf("waiting sync wrote %d pages", rep.Pages)
	}
	gate.Release()
	if err := <-first; err != nil {
		t.Fatalf("first sync: %v", err)
	}
	st, err := e.syncer.Status(ctx, e.user)
	if err != nil || st.LastRun == nil || st.LastRun.Outcome != googlesync.RunSucceeded || st.FailingSince != nil {
		t.Errorf("status %+v, %v: the waiter must record no run", st, err)
	}
}

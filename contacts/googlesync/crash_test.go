package googlesync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
)

// changeAccount makes the same changes to an account of the crash tests:
// enough for an incremental pass of 3 pages of 20.
func changeAccount(a *googlefake.Account) {
	for i := 0; i < 45; i++ {
		a.Change(i, func(p *people.Person) {
			p.Names = []*people.Name{{DisplayName: fmt.Sprintf("Changed %d", i)}}
		})
	}
	a.Delete(50)
	a.Delete(51)
	a.Merge(60, 61)
	a.Add(&people.Person{Names: []*people.Name{{DisplayName: "Added"}}})
}

// crashAt runs a sync of e whose ctx is cancelled when the request for
// page `page` of a chain of the given kind arrives, and checks it fails
// with the context's error.
func crashAt(t *testing.T, e *env, chain googlefake.Chain, page int) {
	t.Helper()
	gate := googlefake.NewGate()
	sc := e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Chain: chain, Page: page, Fault: googlefake.Slow(gate)})
	defer sc.Remove()
	defer gate.Release()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-gate.Arrived()
		cancel()
	}()
	rep, err := e.syncer.Sync(ctx, e.user)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("crash at page %d: err %v, report %+v", page, err, rep)
	}
	// Page `page` is fetched while page-1 is written: the cancel may cut
	// that write too.
	if rep.Pages != page-1 && rep.Pages != max(page-2, 0) {
		t.Errorf("crash at page %d: %d pages written", page, rep.Pages)
	}
	if sc.Fired() != 1 {
		t.Errorf("crash at page %d: the gate fired %d times", page, sc.Fired())
	}
}

// A sync cancelled at any page, then run again, ends in the state of a
// sync never interrupted, for a full and for an incremental pass.
func TestCrashAtEveryPageThenRerun(t *testing.T) {
	ctx := context.Background()
	const seed, n, size = 42, 75, 20 // 4 pages
	ref := newEnv(t, envOptions{people: n, pageSize: size, seed: seed})
	if rep := ref.sync(ctx); rep.Pages != 4 {
		t.Fatalf("reference full pass: %d pages", rep.Pages)
	}
	afterFull := ref.state()
	changeAccount(ref.acct)
	if rep := ref.sync(ctx); rep.Kind != googlesync.Incremental || rep.Pages != 3 || rep.Merged != 1 {
		t.Fatalf("reference incremental pass: %+v", rep)
	}
	afterIncremental := ref.state()

	for page := 1; page <= 4; page++ {
		t.Run(fmt.Sprintf("full/page%d", page), func(t *testing.T) {
			e := newEnv(t, envOptions{people: n, pageSize: size, seed: seed, db: ref.db, srv: ref.srv})
			crashAt(t, e, googlefake.FullChain, page)
			st, err := e.syncer.Status(ctx, e.user)
			if err != nil || st.LastRun == nil || st.LastRun.Outcome != "cancelled" {
				t.Errorf("status after the crash: %+v %+v, %v", st, st.LastRun, err)
			}
			if rep := e.sync(ctx); rep.Kind != googlesync.Full || rep.Pages != 4 {
				t.Errorf("rerun: %+v", rep)
			}
			if got := e.state(); got != afterFull {
				t.Errorf("state after crash and rerun differs:\n%s\nwant\n%s", got, afterFull)
			}
			if e.badRequests() != 0 {
				t.Error("a request got 400")
			}
		})
	}
	for page := 1; page <= 3; page++ {
		t.Run(fmt.Sprintf("incremental/page%d", page), func(t *testing.T) {
			e := newEnv(t, envOptions{people: n, pageSize: size, seed: seed, db: ref.db, srv: ref.srv})
			e.sync(ctx)
			changeAccount(e.acct)
			crashAt(t, e, googlefake.IncrementalChain, page)
			if rep := e.sync(ctx); rep.Kind != googlesync.Incremental || rep.Pages != 3 {
				t.Errorf("rerun: %+v", rep)
			}
			if got := e.state(); got != afterIncremental {
				t.Errorf("state after crash and rerun differs:\n%s\nwant\n%s", got, afterIncremental)
			}
		})
	}
}

// An expired token on page 2 of an incremental pass: the pages before
// stay, the token is dropped, a full pass runs at once and reconciles
// (a person deleted while the token was expiring is archived).
func TestExpiryMidIncremental(t *testing.T) {
	for _, status := range []int{400, 410} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			ctx := context.Background()
			const seed, n, size = 43, 75, 20
			e := newEnv(t, envOptions{people: n, pageSize: size, seed: seed})
			e.acct.SetExpiredStatus(status)
			e.sync(ctx)
			changeAccount(e.acct)
			gate := googlefake.NewGate()
			e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Chain: googlefake.IncrementalChain, Page: 2, Fault: googlefake.Slow(gate)})
			go func() {
				<-gate.Arrived()
				e.acct.ExpireTokens()
				gate.Release()
			}()
			rep := e.sync(ctx)
			// One incremental page, then the full pass: it archives the two
			// deleted people, the merged-away one and the merged one's
			// contact under its old name (a full pass carries no
			// previousResourceNames: the merged person is new to it).
			if !rep.TokenExpired || rep.Kind != googlesync.Full || rep.Pages != 1+4 || rep.Reconciled != 4 || rep.Archived != 4 {
				t.Errorf("report %+v", rep)
			}
			// The incremental page applied before the expiry does no harm:
			// same end state as a full pass alone after the changes.
			ref := newEnv(t, envOptions{people: n, pageSize: size, seed: seed, db: e.db, srv: e.srv})
			ref.acct.SetExpiredStatus(status)
			ref.sync(ctx)
			changeAccount(ref.acct)
			ref.acct.ExpireTokens()
			if rep := ref.sync(ctx); !rep.TokenExpired || rep.Pages != 4 {
				t.Errorf("reference: %+v", rep)
			}
			if got, want := e.state(), ref.state(); got != want {
				t.Errorf("state after expiry differs:\n%s\nwant\n%s", got, want)
			}
			// The next sync is incremental again.
			if rep := e.sync(ctx); rep.Kind != googlesync.Incremental || rep.TokenExpired {
				t.Errorf("next sync: %+v", rep)
			}
			want := 0
			if status == 400 {
				want = 1
			}
			if n := e.badRequests(); n != want {
				t.Errorf("%d requests answered 400, want %d (the expiry)", n, want)
			}
		})
	}
}

// Expiry seen by a full reconcile: a person deleted while the user's
// token is expired never reaches an incremental pass; the full pass
// after the expiry archives its contact.
func TestExpiryReconcilesDeleted(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 30, pageSize: 10})
	e.sync(ctx)
	e.acct.ExpireTokens()
	gone := e.acct.ResourceName(3)
	e.acct.Delete(3)
	e.srv.ResetRequests()
	rep := e.sync(ctx)
	if !rep.TokenExpired || rep.Reconciled != 1 || rep.Archived != 1 {
		t.Errorf("report %+v", rep)
	}
	if c := e.contact(gone); !c.Archived {
		t.Error("contact of the deleted person not archived")
	}
}

// A 503 on the last page is retried in place (the chain does not start
// again); one that lasts fails the run without saving the token, and the
// next run makes the full pass again.
func TestServerErrorOnLastPage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 30, pageSize: 10})
	sc := e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 3, Fault: googlefake.Unavailable()})
	rep := e.sync(ctx)
	if rep.Retries != 1 || rep.Pages != 3 || sc.Fired() != 1 {
		t.Errorf("report %+v, fired %d", rep, sc.Fired())
	}
	if hits := e.srv.Hits(e.user.String(), googlefake.Connections); hits != 4 {
		t.Errorf("%d connections.list calls, want 4 (3 pages, 1 retry)", hits)
	}

	e2 := newEnv(t, envOptions{people: 30, pageSize: 10, db: e.db, srv: e.srv})
	e.srv.Script(googlefake.Rule{Account: e2.user.String(), Endpoint: googlefake.Connections, Page: 3, Times: googlefake.Always, Fault: googlefake.Unavailable()})
	rep, err := e2.syncer.Sync(ctx, e2.user)
	var ae *googlesync.APIError
	if !errors.As(err, &ae) || ae.Code != 503 || !errors.Is(err, googlesync.ErrGoogle) || !googlesync.IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if rep.Pages != 2 || rep.Retries != 4 || rep.Reconciled != 0 {
		t.Errorf("report %+v", rep)
	}
	st, err := e2.syncer.Status(ctx, e2.user)
	if err != nil || st.FailingSince == nil || !strings.HasPrefix(st.LastError, "sync: Google API error: HTTP 503") {
		t.Errorf("status %+v %v", st, err)
	}
	e.srv.ClearScripts()
	if rep := e2.sync(ctx); rep.Kind != googlesync.Full || rep.Pages != 3 || rep.Inserted != 10 || rep.Unchanged != 20 {
		t.Errorf("rerun: %+v", rep)
	}
}

// A truncated JSON page is an error after the retries, never a partial
// page written as complete: the pages before it stay, no token is saved.
func TestTruncatedPage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 30, pageSize: 10})
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 2, Times: googlefake.Always, Fault: googlefake.Truncated()})
	rep, err := e.syncer.Sync(ctx, e.user)
	var ae *googlesync.APIError
	if !errors.As(err, &ae) || ae.Reason != "invalidResponse" || rep.Pages != 1 || rep.Inserted != 10 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	if n := strings.Count(e.state(), "|google|"); n != 10 {
		t.Errorf("%d contacts written, want page 1's 10", n)
	}
	e.srv.ClearScripts()
	if rep := e.sync(ctx); rep.Kind != googlesync.Full || rep.Inserted != 20 {
		t.Errorf("rerun %+v", rep)
	}
}

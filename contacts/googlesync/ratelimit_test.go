package googlesync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/api/option"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
)

// outsideTransport makes the fake's HTTP calls from a goroutine started
// outside the synctest bubble, so that only the sync's own pauses (gax
// timers) run on the bubble's fake clock: a request in flight is not
// durably blocked, and the clock does not move while it runs.
type outsideTransport struct {
	token string
	reqs  chan *http.Request
	resps chan rtResult
	done  chan struct{}
}

type rtResult struct {
	resp *http.Response
	err  error
}

func newOutsideTransport(t *testing.T, token string) *outsideTransport {
	o := &outsideTransport{token: token, reqs: make(chan *http.Request), resps: make(chan rtResult), done: make(chan struct{})}
	base := http.DefaultTransport.(*http.Transport).Clone()
	go func() {
		for {
			select {
			case <-o.done:
				return
			case r := <-o.reqs:
				r = r.Clone(context.Background())
				r.Header.Set("Authorization", "Bearer "+o.token)
				resp, err := base.RoundTrip(r)
				if err == nil {
					var body []byte
					body, err = io.ReadAll(resp.Body)
					resp.Body.Close()
					resp.Body = io.NopCloser(bytes.NewReader(body))
				}
				o.resps <- rtResult{resp, err}
			}
		}
	}()
	t.Cleanup(func() { close(o.done); base.CloseIdleConnections() })
	return o
}

func (o *outsideTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	o.reqs <- r
	res := <-o.resps
	return res.resp, res.err
}

// rateLimitEnv is an env whose Syncer reaches the fake through an
// outsideTransport, with the default retry policy (1s doubling).
func rateLimitEnv(t *testing.T) *env {
	var tr *outsideTransport
	e := newEnv(t, envOptions{people: 30, pageSize: 10, cfg: func(c *googlesync.Config) {
		c.Retry = googlesync.RetryPolicy{}
		c.ClientOptions = append(c.ClientOptions, option.WithHTTPClient(&http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
			return tr.RoundTrip(r)
		})}))
	}})
	tr = newOutsideTransport(t, e.acct.Token())
	// Idle connections for the bubble: a new one would be opened by a
	// goroutine outside it.
	ctx := context.Background()
	c1, _ := e.db.Conn(ctx)
	c2, _ := e.db.Conn(ctx)
	c1.Close()
	c2.Close()
	return e
}

type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A 429 with Retry-After on page 2 waits that long, on the fake clock, and
// asks for page 2 again with the same page token: the chain goes on.
func TestRateLimitWithRetryAfter(t *testing.T) {
	e := rateLimitEnv(t)
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 2, Fault: googlefake.RateLimited(20 * time.Second)})
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		rep, err := e.syncer.Sync(context.Background(), e.user)
		elapsed := time.Since(start)
		if err != nil || rep.Retries != 1 || rep.Pages != 3 || rep.Inserted != 30 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		if elapsed < 20*time.Second || elapsed > 21*time.Second {
			t.Errorf("waited %v, want Retry-After's 20s", elapsed)
		}
	})
	reqs := e.srv.Requests(e.user.String(), googlefake.Connections)
	if len(reqs) != 4 || reqs[1].Page != 2 || reqs[2].Page != 2 || reqs[1].Query.Get("pageToken") != reqs[2].Query.Get("pageToken") {
		t.Errorf("requests %+v", reqs)
	}
}

// A 429 without Retry-After on a later page backs off (jittered, under a
// second for the first retry) and goes on.
func TestRateLimitWithoutRetryAfter(t *testing.T) {
	e := rateLimitEnv(t)
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 3, Fault: googlefake.RateLimited(0)})
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		rep, err := e.syncer.Sync(context.Background(), e.user)
		elapsed := time.Since(start)
		if err != nil || rep.Retries != 1 || rep.Pages != 3 {
			t.Fatalf("report %+v, err %v", rep, err)
		}
		if elapsed > time.Second {
			t.Errorf("waited %v, want at most gax's first pause (1s)", elapsed)
		}
	})
}

// A 429 that lasts on the first page of a full pass ends the sync with a
// *RateLimitError asking for minutes (that page has a fixed extra quota):
// a job queue reschedules instead of holding a worker.
func TestRateLimitOnFirstPageOfFullPass(t *testing.T) {
	e := rateLimitEnv(t)
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 1, Times: googlefake.Always, Fault: googlefake.RateLimited(0)})
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		rep, err := e.syncer.Sync(context.Background(), e.user)
		elapsed := time.Since(start)
		var rl *googlesync.RateLimitError
		if !errors.As(err, &rl) || !errors.Is(err, googlesync.ErrRateLimited) || rl.RetryAfter < googlesync.FirstPageRateLimitDelay {
			t.Fatalf("err %v", err)
		}
		if rep.Retries != 4 || rep.Pages != 0 {
			t.Errorf("report %+v", rep)
		}
		// Four pauses of gax's jittered backoff: at most 1+2+4+8 s.
		if elapsed > 15*time.Second {
			t.Errorf("waited %v", elapsed)
		}
	})
	if hits := e.srv.Hits(e.user.String(), googlefake.Connections); hits != 5 {
		t.Errorf("%d calls, want 5 attempts", hits)
	}
}

// A cancelled context stops a pause at once.
func TestCancelStopsARateLimitPause(t *testing.T) {
	e := rateLimitEnv(t)
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 2, Fault: googlefake.RateLimited(30 * time.Second)})
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := e.syncer.Sync(ctx, e.user)
		var rl *googlesync.RateLimitError
		// The 30s pause would outlast the deadline: the rate limit is
		// returned at once, for the queue to reschedule.
		if !errors.As(err, &rl) || rl.RetryAfter < 30*time.Second {
			t.Fatalf("err %v", err)
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("took %v", elapsed)
		}
	})
}

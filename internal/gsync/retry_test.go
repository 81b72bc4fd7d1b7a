package gsync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"
)

// inProcessPeople is a People service whose requests the fake serves
// in-process, so a synctest bubble's clock advances while Do pauses.
func inProcessPeople(t *testing.T, f *fake) *people.Service {
	return peopleService(t, option.WithHTTPClient(&http.Client{Transport: f}))
}

func callPeople(s *people.Service) func(context.Context) (*people.ListConnectionsResponse, error) {
	return func(ctx context.Context) (*people.ListConnectionsResponse, error) { return listPeople(ctx, s) }
}

// TestDoRetries: what is retried and how often, with the time each run
// waited on synctest's fake clock.
func TestDoRetries(t *testing.T) {
	ok := reply{code: 200, body: okPeople}
	r503 := reply{code: 503, body: `{"error":{"code":503,"message":"unavailable"}}`}
	r429 := reply{code: 429, body: peopleRate429}
	after := func(rep reply, v string) reply {
		rep.header = map[string]string{"Retry-After": v}
		return rep
	}
	cases := []struct {
		name        string
		policy      RetryPolicy
		replies     []reply
		transport   int // requests failing in transit first
		wantRetries int
		wantKind    string // kindOf(err)
		wantWait    time.Duration
		exactWait   bool // else wantWait is an upper bound
	}{
		{"success", RetryPolicy{}, []reply{ok}, 0, 0, "nil", 0, true},
		{"503 twice", RetryPolicy{}, []reply{r503, r503, ok}, 0, 2, "nil", 3 * time.Second, false},
		{"HTML 502", RetryPolicy{}, []reply{{code: 502, body: html502}, ok}, 0, 1, "nil", time.Second, false},
		{"403 rateLimitExceeded", RetryPolicy{}, []reply{{code: 403, body: calRate403}, ok}, 0, 1, "nil", time.Second, false},
		{"truncated JSON", RetryPolicy{}, []reply{{code: 200, body: truncated}, ok}, 0, 1, "nil", time.Second, false},
		{"transport", RetryPolicy{}, []reply{ok}, 2, 2, "nil", 3 * time.Second, false},
		{"Retry-After seconds", RetryPolicy{}, []reply{after(r429, "7"), ok}, 0, 1, "nil", 7 * time.Second, true},
		{"Retry-After date", RetryPolicy{}, []reply{after(r429, "Sat, 01 Jan 2000 00:00:20 GMT"), ok}, 0, 1, "nil", 20 * time.Second, true},
		{"Retry-After capped for 503", RetryPolicy{MaxWait: 10 * time.Second}, []reply{after(r503, "3600"), ok}, 0, 1, "nil", 10 * time.Second, true},
		{"Retry-After over the cap", RetryPolicy{}, []reply{after(r429, "3600"), ok}, 0, 0, "ratelimit 1h0m0s", 0, true},
		{"429 until attempts run out", RetryPolicy{Attempts: 3}, []reply{r429}, 0, 2, "ratelimit 1m0s", 3 * time.Second, false},
		{"429 floor raised", RetryPolicy{Attempts: 2, RateLimitDelay: 5 * time.Minute}, []reply{r429}, 0, 1, "ratelimit 5m0s", time.Second, false},
		{"503 until attempts run out", RetryPolicy{}, []reply{r503}, 0, 4, "api 503 ", 15 * time.Second, false},
		{"no retry policy", RetryPolicy{Attempts: 1}, []reply{r503, ok}, 0, 0, "api 503 ", 0, true},
		{"400 expired", RetryPolicy{}, []reply{{code: 400, body: peopleExpired}, ok}, 0, 0, "api 400 EXPIRED_SYNC_TOKEN", 0, true},
		{"401", RetryPolicy{}, []reply{{code: 401, body: calAuth}, ok}, 0, 0, "revoked", 0, true},
		{"403 quotaExceeded", RetryPolicy{}, []reply{{code: 403, body: calQuota}, ok}, 0, 0, "api 403 quotaExceeded", 0, true},
		{"404", RetryPolicy{}, []reply{{code: 404, body: calNotFound}, ok}, 0, 0, "api 404 notFound", 0, true},
		{"410", RetryPolicy{}, []reply{{code: 410, body: calFullSync}, ok}, 0, 0, "api 410 fullSyncRequired", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFake(tc.replies...)
				f.failTransport = tc.transport
				start := time.Now()
				resp, retries, err := Do(t.Context(), tc.policy, callPeople(inProcessPeople(t, f)))
				waited := time.Since(start)
				kind := kindOf(err)
				var rl *RateLimitError
				if errors.As(err, &rl) {
					kind += " " + rl.RetryAfter.String()
				}
				if kind != tc.wantKind {
					t.Errorf("err = %v (%s), want %s", err, kind, tc.wantKind)
				}
				if retries != tc.wantRetries || f.Hits() != tc.wantRetries+1 {
					t.Errorf("retries = %d, requests = %d; want %d retries", retries, f.Hits(), tc.wantRetries)
				}
				if (err == nil) != (resp != nil) {
					t.Errorf("resp = %v with err = %v", resp, err)
				}
				if tc.exactWait && waited != tc.wantWait || !tc.exactWait && (waited > tc.wantWait || waited == 0) {
					t.Errorf("waited %v, want %v (exact: %v)", waited, tc.wantWait, tc.exactWait)
				}
			})
		})
	}
}

// TestDoBackoffGrows: without Retry-After, the pauses are gax-go's:
// jittered, each at most Initial×Multiplier^n, capped at Max.
func TestDoBackoffGrows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(reply{code: 500, body: calBackend})
		var at []time.Duration
		start := time.Now()
		p := RetryPolicy{Attempts: 8, Initial: time.Second, Max: 4 * time.Second, Multiplier: 2}
		_, retries, err := Do(t.Context(), p, func(ctx context.Context) (*people.ListConnectionsResponse, error) {
			at = append(at, time.Since(start))
			return listPeople(ctx, inProcessPeople(t, f))
		})
		if retries != 7 || !IsRetryable(err) {
			t.Fatalf("retries = %d, err = %v", retries, err)
		}
		bounds := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
		for i := 1; i < len(at); i++ {
			pause := at[i] - at[i-1]
			if pause <= 0 || pause > bounds[i-1] {
				t.Errorf("pause %d = %v, want in (0, %v]", i, pause, bounds[i-1])
			}
		}
	})
}

// TestDoStopsOnCancel: a cancel during a pause returns at once, with the
// context's error, and no further request is made.
func TestDoStopsOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(reply{code: 503, header: map[string]string{"Retry-After": "30"}, body: `{}`})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		start := time.Now()
		go func() {
			_, _, err := Do(ctx, RetryPolicy{}, callPeople(inProcessPeople(t, f)))
			done <- err
		}()
		time.Sleep(10 * time.Second) // fake time: Do is 10s into its 30s pause
		cancel()
		err := <-done
		const want = "sync: waiting 30s to make attempt 2 of 5, after HTTP 503: context canceled"
		if !errors.Is(err, context.Canceled) || err.Error() != want {
			t.Errorf("err = %v, want %q matching context.Canceled", err, want)
		}
		if waited := time.Since(start); waited != 10*time.Second {
			t.Errorf("returned after %v, want 10s", waited)
		}
		if f.Hits() != 1 {
			t.Errorf("%d requests, want 1", f.Hits())
		}
	})
}

// TestDoDeadlineDuringARetry: a deadline that cuts a retried call says
// which attempt; one that cuts the first call is ctx's bare error (the
// caller names the call: see TestInterruptedNamesTheStep). Both match
// context.DeadlineExceeded and are not retryable.
func TestDoDeadlineDuringARetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		calls := 0
		_, retries, err := Do(ctx, RetryPolicy{Initial: time.Second, Max: time.Second}, func(ctx context.Context) (int, error) {
			calls++
			if calls == 1 {
				return 0, &googleapi.Error{Code: 503}
			}
			<-ctx.Done() // the call hangs until the deadline
			return 0, ctx.Err()
		})
		const want = "sync: attempt 2 of 5: context deadline exceeded"
		if !errors.Is(err, context.DeadlineExceeded) || err.Error() != want || retries != 1 || IsRetryable(err) {
			t.Errorf("err = %v, retries %d; want %q", err, retries, want)
		}
		if got := ErrorText(err); got != want {
			t.Errorf("ErrorText = %q", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, _, err := Do(ctx, RetryPolicy{}, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		})
		if err != context.DeadlineExceeded {
			t.Errorf("first call cut: %v", err)
		}
	})
}

// TestDoDeadline: a pause that would outlast ctx's deadline is not taken;
// a rate limit then comes back as a *RateLimitError for the queue.
func TestDoDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		f := newFake(reply{code: 429, header: map[string]string{"Retry-After": "30"}, body: peopleRate429})
		start := time.Now()
		_, retries, err := Do(ctx, RetryPolicy{}, callPeople(inProcessPeople(t, f)))
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != time.Minute || retries != 0 || time.Since(start) != 0 {
			t.Errorf("err = %v, retries = %d, after %v", err, retries, time.Since(start))
		}
		if strings.Contains(err.Error(), "Quota exceeded") {
			t.Errorf("text carries Google's message: %q", err)
		}
	})
}

// TestRetryPolicyValidate names the field and the bound.
func TestRetryPolicyValidate(t *testing.T) {
	if err := (RetryPolicy{}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    RetryPolicy
		want string
	}{
		{RetryPolicy{Attempts: -1}, "RetryPolicy.Attempts -1"},
		{RetryPolicy{Initial: -time.Second}, "RetryPolicy.Initial -1s"},
		{RetryPolicy{Initial: time.Minute, Max: time.Second}, "RetryPolicy.Max 1s: must be >= Initial"},
		{RetryPolicy{Multiplier: 0.5}, "RetryPolicy.Multiplier 0.5"},
		{RetryPolicy{MaxWait: -1}, "RetryPolicy.MaxWait"},
		{RetryPolicy{RateLimitDelay: -1}, "RetryPolicy.RateLimitDelay"},
	} {
		if err := tc.p.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want %q...", tc.p, err, tc.want)
		}
	}
}

// TestInterruptedNamesTheStep: a context error gets the step's words,
// once each package prefix, keeps matching its sentinel (and ErrBusy for
// a lock wait), and Classify and ErrorText keep the words; anything else
// passes unchanged.
func TestInterruptedNamesTheStep(t *testing.T) {
	inner := Interrupted(context.DeadlineExceeded, "sync: attempt 2 of 5")
	for _, tc := range []struct {
		err, want  error
		step, text string
	}{
		{context.DeadlineExceeded, context.DeadlineExceeded, "calendar: events.list page 3", "calendar: events.list page 3: context deadline exceeded"},
		{fmt.Errorf("Get \"https://x/?syncToken=SECRET\": %w", context.Canceled), context.Canceled, "googlesync: connections.list page 1",
			"googlesync: connections.list page 1: context canceled"},
		{inner, context.DeadlineExceeded, "calendar: events.list page 2", "calendar: events.list page 2: attempt 2 of 5: context deadline exceeded"},
		{Interrupted(inner, "calendar: events.list page 2"), context.DeadlineExceeded, "calendar: calendar 1 of the user's selection",
			"calendar: calendar 1 of the user's selection: events.list page 2: attempt 2 of 5: context deadline exceeded"},
		{&waitError{ctx: context.DeadlineExceeded}, ErrBusy, "calendar: lock",
			"calendar: lock: gave up waiting for another sync of this user and resource to end: context deadline exceeded"},
	} {
		got := Interrupted(tc.err, tc.step)
		if got.Error() != tc.text || !errors.Is(got, tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("Interrupted(%q, %q) = %q", tc.err, tc.step, got)
		}
		if Classify(got) != got || ErrorText(got) != tc.text || ErrorText(fmt.Errorf("run: %w", got)) != tc.text || IsRetryable(got) {
			t.Errorf("%q: Classify %q, ErrorText %q", got, Classify(got), ErrorText(got))
		}
	}
	other := &APIError{Code: 503}
	if Interrupted(other, "calendar: x") != other || Interrupted(nil, "calendar: x") != nil {
		t.Error("Interrupted changed an error that is not ctx's")
	}
}

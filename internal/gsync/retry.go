package gsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"
)

// Defaults of a zero RetryPolicy.
const (
	DefaultAttempts       = 5
	DefaultInitial        = time.Second
	DefaultMax            = 32 * time.Second
	DefaultMultiplier     = 2.0
	DefaultMaxWait        = time.Minute
	DefaultRateLimitDelay = time.Minute
)

// RetryPolicy bounds the retries of one Google call (one page). The zero
// value means the defaults; Validate checks a policy. The pause between
// attempts is gax-go's jittered exponential backoff (a random pause up to
// Initial, then up to Initial×Multiplier, ... capped at Max), or the
// response's Retry-After when it sent one.
type RetryPolicy struct {
	// Attempts is the most calls made, the first included (0 means
	// DefaultAttempts, 5; 1 means no retry).
	Attempts int
	// Initial, Max and Multiplier shape the backoff (gax.Backoff): 0 means
	// DefaultInitial (1s), DefaultMax (32s), DefaultMultiplier (2).
	Initial    time.Duration
	Max        time.Duration
	Multiplier float64
	// MaxWait caps one pause, whatever Retry-After asks: a rate limit that
	// asks for longer is not waited out in place but returned at once as a
	// *RateLimitError carrying the whole delay, for a job queue to snooze.
	// 0 means DefaultMaxWait (1 minute).
	MaxWait time.Duration
	// RateLimitDelay is the least RetryAfter of a *RateLimitError Do
	// returns (0 means DefaultRateLimitDelay, 1 minute). A sync raises it
	// where Google asks for minutes, as on the first page of a full People
	// sync, which has a fixed extra quota.
	RateLimitDelay time.Duration
}

// Validate reports the first invalid field of p, naming it, its value and
// the bound (the caller wraps it in its package's ErrInvalid).
func (p RetryPolicy) Validate() error {
	switch {
	case p.Attempts < 0 || p.Attempts > 100:
		return fmt.Errorf("RetryPolicy.Attempts %d: must be between 0 and 100", p.Attempts)
	case p.Initial < 0:
		return fmt.Errorf("RetryPolicy.Initial %v: must be >= 0", p.Initial)
	case p.Max < 0:
		return fmt.Errorf("RetryPolicy.Max %v: must be >= 0", p.Max)
	case p.Max != 0 && p.Max < p.withDefaults().Initial:
		return fmt.Errorf("RetryPolicy.Max %v: must be >= Initial (%v)", p.Max, p.withDefaults().Initial)
	case p.Multiplier != 0 && (p.Multiplier < 1 || p.Multiplier > 10):
		return fmt.Errorf("RetryPolicy.Multiplier %v: must be 0 or between 1 and 10", p.Multiplier)
	case p.MaxWait < 0:
		return fmt.Errorf("RetryPolicy.MaxWait %v: must be >= 0", p.MaxWait)
	case p.RateLimitDelay < 0:
		return fmt.Errorf("RetryPolicy.RateLimitDelay %v: must be >= 0", p.RateLimitDelay)
	}
	return nil
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts == 0 {
		p.Attempts = DefaultAttempts
	}
	if p.Initial == 0 {
		p.Initial = DefaultInitial
	}
	if p.Max == 0 {
		p.Max = max(DefaultMax, p.Initial)
	}
	if p.Multiplier == 0 {
		p.Multiplier = DefaultMultiplier
	}
	if p.MaxWait == 0 {
		p.MaxWait = DefaultMaxWait
	}
	if p.RateLimitDelay == 0 {
		p.RateLimitDelay = DefaultRateLimitDelay
	}
	return p
}

// Do calls fn until it succeeds, fails for good, or p's attempts run out,
// and returns its value, the number of retries made (calls after the
// first) and the error, classified (see Classify).
//
// Retried (IsRetryable): HTTP 429 and 5xx, 403 with a rate-limit reason,
// network failures (a *url.Error not caused by ctx), and a 2xx whose body
// is truncated or not JSON. Never retried: context errors, 400 (an
// expired sync token included), 401, 403 quotaExceeded and other 403s,
// 404, 410, and errors that are not Google's.
//
// Pauses follow p (gax-go backoff with jitter). A Retry-After header
// (seconds or an HTTP date) sets the pause instead, capped at p.MaxWait.
// A rate limit whose Retry-After exceeds p.MaxWait, or that is still there
// when the attempts run out, or whose pause would outlast ctx's deadline,
// returns a *RateLimitError at once, with RetryAfter at least
// p.RateLimitDelay. Other failures whose pause would outlast the deadline
// return their classified error at once.
//
// A cancelled ctx stops a pause at once. When ctx ends, Do returns an
// error matching ctx's (errors.Is(err, context.DeadlineExceeded) or
// context.Canceled): the bare context error when the first call was cut,
// else one whose text says which attempt was cut or what pause, after
// which failure ("sync: waiting 2s to make attempt 2 of 5, after HTTP 503
// backendError: context deadline exceeded"); wrap it with Interrupted to
// name the call.
// The pause is a timer (gax.Sleep), which testing/synctest fakes. fn
// should make one call with ctx (call.Context(ctx).Do()) and return the
// client's error unchanged. Do does not validate p: validate it once, in
// the constructor that takes it.
func Do[T any](ctx context.Context, p RetryPolicy, fn func(context.Context) (T, error)) (T, int, error) {
	p = p.withDefaults()
	bo := gax.Backoff{Initial: p.Initial, Max: p.Max, Multiplier: p.Multiplier}
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := fn(ctx)
		if err == nil {
			return v, attempt - 1, nil
		}
		retries := attempt - 1
		if ctx.Err() != nil {
			if attempt > 1 {
				return zero, retries, Interrupted(ctx.Err(), fmt.Sprintf("sync: attempt %d of %d", attempt, p.Attempts))
			}
			return zero, retries, ctx.Err() // the caller names the call
		}
		if !IsRetryable(err) {
			return zero, retries, Classify(err)
		}
		pause := bo.Pause()
		asked := askedWait(err)
		if asked > 0 {
			pause = asked
		}
		limited := IsRateLimited(err)
		rateLimit := func() error {
			return &RateLimitError{RetryAfter: max(asked, p.RateLimitDelay), err: err}
		}
		if limited && asked > p.MaxWait {
			return zero, retries, rateLimit()
		}
		pause = min(pause, p.MaxWait)
		if attempt >= p.Attempts || !beforeDeadline(ctx, pause) {
			if limited {
				return zero, retries, rateLimit()
			}
			return zero, retries, Classify(err)
		}
		if gax.Sleep(ctx, pause) != nil {
			return zero, retries, Interrupted(ctx.Err(), fmt.Sprintf("sync: waiting %v to make attempt %d of %d, after %s",
				pause.Round(time.Millisecond), attempt+1, p.Attempts, failureText(err)))
		}
	}
}

// askedWait is the Retry-After of err's response, 0 when it has none.
func askedWait(err error) time.Duration {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return 0
	}
	return retryAfter(ge.Header.Get("Retry-After"), time.Now())
}

// beforeDeadline reports whether a pause of d ends before ctx's deadline.
func beforeDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(dl)
}

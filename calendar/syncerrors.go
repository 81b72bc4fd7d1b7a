package calendar

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/internal/pgerr"
)

// The kinds of failure a sync returns, shared with the contacts sync
// (contacts/googlesync): errors.Is and errors.As work with either
// package's names. Their texts start with "sync: " and carry HTTP status
// codes and Google's reason identifiers only, never a token, a URL, a
// response body, an address or an event's title.
//
// How a job queue should treat each: ErrBusy → snooze (another worker is
// syncing the calendar); ErrRateLimited (*RateLimitError) → snooze for
// RetryAfter; ErrAccessRevoked → drop the job and ask the user to connect
// again; ErrGoogle (*APIError) → retry later with the queue's backoff when
// IsRetryable says so, else drop; memguard.ErrMemoryPressure → snooze;
// context errors → as the queue treats a cancelled or timed-out job.
var (
	// ErrBusy: another sync of the same user and calendar (or calendar
	// list) holds the lock and Config.Lock is LockFailFast, or LockWait
	// waited until ctx ended (the error then also matches ctx's error).
	// Nothing ran.
	ErrBusy = gsync.ErrBusy
	// ErrAccessRevoked: Google refused the user's credentials (HTTP 401,
	// an "invalid_grant" refresh, a 403 for a missing scope). Never
	// retried; the user's cached client is dropped.
	ErrAccessRevoked = gsync.ErrAccessRevoked
	// ErrNoToken: the host's Config.TokenSource returned a nil
	// oauth2.TokenSource, or a token source whose Token returned neither
	// a token with an access token nor an error: a bug in the host, not a
	// Google failure. Never retried (jobs cancels it).
	ErrNoToken = gsync.ErrNoToken
	// ErrRateLimited: Google kept answering 429 (or 403 rate-limit
	// reasons) after the retries, or asked for a longer pause than the
	// sync waits in place. Every *RateLimitError matches it.
	ErrRateLimited = gsync.ErrRateLimited
	// ErrGoogle: any other failure of a Google call. Every *APIError
	// matches it.
	ErrGoogle = gsync.ErrGoogle
)

// RateLimitError is a rate limit with the delay a job queue should wait
// (RetryAfter) before trying again. It matches ErrRateLimited.
//
//	type RateLimitError struct {
//		RetryAfter time.Duration // how long to wait: Google's Retry-After, at least Config.Retry.RateLimitDelay once retries ran out
//	}
//
// It unwraps to ErrRateLimited and to the Google client's error. The same
// type is behind both syncs' RateLimitError: errors.As with either
// package's name matches an error from either.
type RateLimitError = gsync.RateLimitError

// APIError is any other failed Google call: its HTTP status (0 for a
// network failure or an invalid body) and Google's reason identifier
// ("fullSyncRequired", "notFound", "backendError"...). It matches
// ErrGoogle.
//
//	type APIError struct {
//		Code   int    // the HTTP status; 0 when there was none (Reason is then "transport" or "invalidResponse")
//		Reason string // Google's reason identifier ("fullSyncRequired", "notFound", "backendError"...); "" when the response gave none
//	}
//
// Its Error text is "sync: Google API error: HTTP <Code> <Reason>"; it unwraps
// to ErrGoogle and to the Google client's own error (errors.As finds a
// *googleapi.Error), whose text, which can quote the request, it never shows.
// The same type is behind both syncs' APIError: errors.As with either
// package's name matches an error from either.
type APIError = gsync.APIError

// IsRetryable reports whether a sync that failed with err may succeed if
// run again later with the job queue's backoff: a 5xx or a network failure
// that outlasted the sync's own retries, or a *TokenSourceError (the
// host's token source failing, its vault down). It is false for a
// *RateLimitError (snooze it for RetryAfter instead), ErrBusy,
// ErrAccessRevoked (a token source's invalid_grant included), ErrNoToken,
// ErrInvalid, context and memguard errors, and Google's other 4xx answers
// (a 400 or 404 will not fix itself).
func IsRetryable(err error) bool { return gsync.IsRetryableOr[*TokenSourceError](err) }

// privateError keeps an error in the chain while showing only text that
// cannot carry personal data.
type privateError struct {
	text string
	err  error
}

func (e *privateError) Error() string { return e.text }
func (e *privateError) Unwrap() error { return e.err }

// private wraps err, the failure of what step describes ("write page
// 3"), in text built from kinds and SQLSTATEs only. A bare context error
// gets the step ("calendar: write page 3: context canceled", still
// matching it). Errors already safe (gsync's kinds, memguard errors, this
// package's ErrInvalid, which never quotes a value) are returned as they
// are.
func private(err error, step string) error {
	if err == nil {
		return nil
	}
	if _, done := err.(*privateError); done {
		return err
	}
	var tse *TokenSourceError
	switch {
	case errors.As(err, &tse):
		return err // the host's own text
	case errors.Is(err, argcheck.ErrNilUser):
		return checkUser(uuid.Nil) // gsync's own check: worded as every kith package words it
	case errors.Is(err, ErrInvalid) && pgerr.Code(err) == "":
		return err
	case pgerr.Code(err) != "":
		return &privateError{text: fmt.Sprintf("calendar: %s: database error (SQLSTATE %s)", step, pgerr.Code(err)), err: err}
	}
	if c := gsync.Classify(err); c == context.Canceled || c == context.DeadlineExceeded {
		return gsync.Interrupted(err, "calendar: "+step) // ctx's error, naming the step it cut
	}
	text := gsync.ErrorText(err)
	if text == err.Error() {
		return err
	}
	return &privateError{text: "calendar: " + step + ": " + strings.TrimPrefix(text, "sync: "), err: err}
}

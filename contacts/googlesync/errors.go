package googlesync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/fanout"
	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/internal/pgerr"
)

// ErrInvalid is wrapped by every refusal of bad input: a Config field
// (named with its value and bound: "googlesync: invalid: Config.PageSize
// 2000: must be in [1, 1000], or 0 for the default"), a handle that is
// not a pool, and uuid.Nil as a user, refused by every method before any
// statement or Google call with the words every kith package uses:
// "googlesync: invalid user_id: user ID is uuid.Nil". Nothing ran.
var ErrInvalid = errors.New("googlesync: invalid")

// The kinds of failure a sync returns, shared with the calendar sync
// (package calendar): errors.Is and errors.As work with either package's
// names. Their texts start with "sync: " and carry HTTP status codes and
// Google's reason identifiers only, never a token, a URL, a response body
// or a person's data.
//
// How a job queue should treat each: ErrBusy → snooze (another worker is
// syncing the user); ErrRateLimited (*RateLimitError) → snooze for
// RetryAfter; ErrAccessRevoked → drop the job and ask the user to connect
// again; ErrGoogle (*APIError) → retry later with the queue's backoff when
// IsRetryable says so, else drop; memguard.ErrMemoryPressure → snooze;
// context errors → as the queue treats a cancelled or timed-out job.
var (
	// ErrBusy: another sync of the same user holds the lock and
	// Config.Lock is LockFailFast, or LockWait waited until ctx ended (the
	// error then also matches ctx's error). Nothing ran.
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
	// ErrGoogle: any other failure of a Google call (an HTTP error, a
	// network failure, a truncated or invalid JSON body). Every *APIError
	// matches it.
	ErrGoogle = gsync.ErrGoogle
)

// RateLimitError is a rate limit with the delay a job queue should wait
// (RetryAfter) before trying the user again. It matches ErrRateLimited.
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
// ("EXPIRED_SYNC_TOKEN", "backendError"...). It matches ErrGoogle.
//
//	type APIError struct {
//		Code   int    // the HTTP status; 0 when there was none (Reason is then "transport" or "invalidResponse")
//		Reason string // Google's reason identifier ("EXPIRED_SYNC_TOKEN", "backendError", "quotaExceeded"...); "" when the response gave none
//	}
//
// Its Error text is "sync: Google API error: HTTP <Code> <Reason>"; it unwraps
// to ErrGoogle and to the Google client's own error (errors.As finds a
// *googleapi.Error), whose text, which can quote the request, it never shows.
// The same type is behind both syncs' APIError: errors.As with either
// package's name matches an error from either.
type APIError = gsync.APIError

// IsRetryable reports whether a sync that failed with err may succeed if
// run again later (a 5xx or network failure that outlasted the sync's own
// retries, or a *TokenSourceError: the host's token source failing, its
// vault down): a job queue's retry-with-backoff case. It is false for a
// token source's error matching ErrAccessRevoked (an invalid_grant answer
// included: drop the user's connection) and for ErrNoToken (a bug in the
// host's token source), as for a *RateLimitError, ErrBusy, ErrInvalid,
// context and memguard errors and Google's other 4xx answers.
func IsRetryable(err error) bool { return gsync.IsRetryableOr[*TokenSourceError](err) }

// A UserError is the failure of one user in [Syncer.SyncAll], which
// returns errors.Join of one UserError per failed user: get them with
// errors.As, or all of them through Unwrap() []error.
type UserError struct {
	UserID uuid.UUID
	Err    error // what Sync returned for the user
}

// Error names the package and the user once: "googlesync: user <id>: " and
// the user's error, or, for an error matching ErrInvalid, "googlesync:
// invalid: user <id>: " and what was invalid ("googlesync: invalid: user
// 00000000-0000-0000-0000-000000000000: user_id: user ID is uuid.Nil").
func (e *UserError) Error() string {
	return fanout.UserErrorText("googlesync", e.UserID, e.Err, ErrInvalid)
}

// Unwrap returns the user's error.
func (e *UserError) Unwrap() error { return e.Err }

// A TokenSourceError is the failure of Config.TokenSource for a user: the
// host's own error, shown with its text (so never put a token in it).
// IsRetryable is true for it: a token source that fails is taken to fail
// for a while (its vault down). Return an error matching ErrAccessRevoked
// from TokenSource for a user without a valid grant: it is then reported
// as such, and not retryable.
type TokenSourceError struct {
	Err error
}

func (e *TokenSourceError) Error() string { return "googlesync: token source: " + e.Err.Error() }

// Unwrap returns the token source's error.
func (e *TokenSourceError) Unwrap() error { return e.Err }

// SafeText is the text a run record and Status.LastError keep: the
// host's own, as Error gives it.
func (e *TokenSourceError) SafeText() string { return e.Error() }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func checkUser(userID uuid.UUID) error {
	if err := argcheck.User(userID); err != nil {
		return fmt.Errorf("%w user_id: %w", ErrInvalid, err)
	}
	return nil
}

// privateError keeps an error in the chain (errors.Is, errors.As) while
// showing only text that cannot carry a person's data: a store's
// *contacts.FieldError quotes the value it refused (an email address), a
// driver error can quote a row.
type privateError struct {
	text string
	err  error
}

func (e *privateError) Error() string { return e.text }
func (e *privateError) Unwrap() error { return e.err }

// private wraps err, the failure of what step describes ("apply page
// 3"), in text built from kinds, field names and SQLSTATEs only. A bare
// context error gets the step ("googlesync: apply page 3: context
// canceled", still matching it). Errors already safe (gsync's kinds,
// memguard errors) are returned as they are.
func private(err error, step string) error {
	if err == nil {
		return nil
	}
	if _, done := err.(*privateError); done {
		return err
	}
	var (
		fe  *contacts.FieldError
		tse *TokenSourceError
	)
	switch {
	case errors.Is(err, argcheck.ErrNilUser) && !errors.Is(err, ErrInvalid):
		return checkUser(uuid.Nil) // gsync's own check: worded as every kith package words it
	case errors.As(err, &tse), errors.Is(err, ErrInvalid):
		return err // the host's text; our own
	case errors.As(err, &fe):
		text := "googlesync: " + step + ": " + contacts.ErrInvalid.Error() + " " + fe.Field
		if fe.Row > 0 {
			text += fmt.Sprintf(" in row %d", fe.Row)
		}
		return &privateError{text: text, err: err}
	case pgerr.Code(err) != "":
		return &privateError{text: fmt.Sprintf("googlesync: %s: database error (SQLSTATE %s)", step, pgerr.Code(err)), err: err}
	}
	if c := gsync.Classify(err); c == context.Canceled || c == context.DeadlineExceeded {
		return gsync.Interrupted(err, "googlesync: "+step) // ctx's error, naming the step it cut
	}
	text := gsync.ErrorText(err)
	if text == err.Error() {
		return err // one of the safe kinds: keep it as it is
	}
	return &privateError{text: "googlesync: " + step + ": " + strings.TrimPrefix(text, "sync: "), err: err}
}

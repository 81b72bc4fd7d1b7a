package gsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/kithhq/kith/internal/pgerr"
	"github.com/kithhq/kith/memguard"
)

// The kinds of failure both Google syncs return, one sentinel each. Their
// texts start with "sync: " and never carry a token, a URL or anything of
// a Google response but its HTTP status code and reason identifier.
//
// How a job queue (River) should treat each, after the sync's own retries:
//
//   - ErrBusy: snooze (another worker is doing the same sync).
//   - ErrRateLimited (*RateLimitError): snooze for RetryAfter.
//   - ErrAccessRevoked: drop (cancel) the job; ask the user to reconnect.
//   - ErrGoogle (*APIError): retry later with the queue's backoff when
//     IsRetryable reports true (a 5xx or a network failure that outlasted
//     the sync's own retries); drop otherwise (a 400 or 404 will not fix
//     itself).
//   - context.Canceled, context.DeadlineExceeded: as the queue treats a
//     cancelled or timed-out job. memguard.ErrMemoryPressure: snooze.
var (
	// ErrBusy reports that another sync of the same user and resource
	// holds its lock and the caller asked not to wait (FailFast), or
	// waited (Wait) until its ctx ended: that error also matches ctx's
	// error. Nothing ran. A job queue should snooze the job: the running
	// sync is doing the work.
	ErrBusy = errors.New("sync: another sync of this user and resource is running")

	// ErrAccessRevoked reports that Google refused the user's credentials:
	// HTTP 401, a token refresh answered "invalid_grant" (the user revoked
	// access, or the grant expired), or a 403 for missing scopes. Retrying
	// cannot help until the user grants access again: it is never retried,
	// and a job queue should drop the job, not retry or snooze it.
	ErrAccessRevoked = errors.New("sync: Google access revoked")

	// ErrRateLimited reports that Google kept refusing calls for rate or
	// quota reasons (HTTP 429, or 403 rateLimitExceeded,
	// userRateLimitExceeded or RATE_LIMIT_EXCEEDED) after the sync's own
	// retries, or asked for a longer pause than the sync waits in place.
	// It is matched by every *RateLimitError, whose RetryAfter says how
	// long to wait: a job queue should snooze the job that long rather
	// than hold a worker.
	ErrRateLimited = errors.New("sync: rate limited by Google")

	// ErrGoogle is matched by every *APIError: any other failure of a
	// Google call (an HTTP error status, a network failure, a response
	// that is not valid JSON). IsRetryable says whether trying the job
	// again later may help.
	ErrGoogle = errors.New("sync: Google API error")
)

// Reasons of an *APIError with no HTTP status (Code 0).
const (
	// ReasonTransport: the request or its response failed in transit
	// (connection refused or reset, DNS, TLS, a timeout of the transport,
	// a token source that could not produce a token).
	ReasonTransport = "transport"
	// ReasonInvalidResponse: a successful response whose body was
	// truncated or not valid JSON. Nothing of it was used.
	ReasonInvalidResponse = "invalidResponse"
)

// APIError is a failed Google call other than revoked access or a rate
// limit. It unwraps to ErrGoogle and to the client's original error (a
// *googleapi.Error, *url.Error, *json.SyntaxError...) for errors.As; its
// text is built from Code and Reason only, never from Google's message or
// body, which can carry personal data.
type APIError struct {
	// Code is the HTTP status, or 0 when there was none (Reason is then
	// ReasonTransport or ReasonInvalidResponse).
	Code int
	// Reason is Google's reason identifier, the first of error.details[]
	// (google.rpc.ErrorInfo) then error.errors[] (the legacy shape), for
	// example "EXPIRED_SYNC_TOKEN", "fullSyncRequired", "quotaExceeded",
	// "notFound"; "" when the response gave none.
	Reason string

	err error
}

func (e *APIError) Error() string {
	switch {
	case e.Code == 0:
		return ErrGoogle.Error() + ": " + e.Reason
	case e.Reason == "":
		return fmt.Sprintf("%s: HTTP %d", ErrGoogle, e.Code)
	default:
		return fmt.Sprintf("%s: HTTP %d %s", ErrGoogle, e.Code, e.Reason)
	}
}

// Unwrap returns ErrGoogle and the original error.
func (e *APIError) Unwrap() []error { return unwrapTo(ErrGoogle, e.err) }

// RateLimitError reports that Google kept refusing calls for rate or quota
// reasons. It unwraps to ErrRateLimited and to the client's last error.
type RateLimitError struct {
	// RetryAfter is how long to wait before trying again: Google's
	// Retry-After when it sent one, and at least the retry policy's
	// RateLimitDelay when retries ran out (a *RateLimitError made by
	// Classify alone carries Retry-After as sent, 0 when absent).
	RetryAfter time.Duration

	err error
}

func (e *RateLimitError) Error() string {
	s := ErrRateLimited.Error()
	var ge *googleapi.Error
	if errors.As(e.err, &ge) {
		s += fmt.Sprintf(" (HTTP %d)", ge.Code)
	}
	if e.RetryAfter > 0 {
		s += ": retry after " + e.RetryAfter.String()
	}
	return s
}

// Unwrap returns ErrRateLimited and the original error.
func (e *RateLimitError) Unwrap() []error { return unwrapTo(ErrRateLimited, e.err) }

// revokedError is ErrAccessRevoked with what said so (an HTTP status and
// reason, or the OAuth error code).
type revokedError struct {
	detail string
	err    error
}

func (e *revokedError) Error() string   { return ErrAccessRevoked.Error() + ": " + e.detail }
func (e *revokedError) Unwrap() []error { return unwrapTo(ErrAccessRevoked, e.err) }

func unwrapTo(sentinel, cause error) []error {
	if cause == nil {
		return []error{sentinel}
	}
	return []error{sentinel, cause}
}

// Classify turns an error from a Google call (the client's Do, a token
// source, the transport) into this package's kinds:
//
//   - revoked credentials (IsAccessRevoked) → ErrAccessRevoked;
//   - HTTP 429, or 403 with a rate-limit reason → *RateLimitError whose
//     RetryAfter is the response's Retry-After (0 when absent);
//   - any other HTTP error → *APIError{Code, Reason};
//   - truncated or invalid JSON in a response → *APIError{0,
//     ReasonInvalidResponse};
//   - a network failure (*url.Error, net.Error) → *APIError{0,
//     ReasonTransport}.
//
// The original error stays in the chain (errors.As still finds the
// *googleapi.Error) but not in the text. Context errors are returned as
// the bare context.Canceled or context.DeadlineExceeded (the client may
// wrap them in a *url.Error whose text holds the request URL, sync token
// included), unless Interrupted named their step: that error is
// returned; memguard errors, errors already classified and errors that
// did not come from Google are returned unchanged. nil stays nil.
func Classify(err error) error {
	var (
		we *waitError
		ie *interruptedError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie):
		return ie // ctx's error with the step it ended (Interrupted): keep saying which
	case errors.As(err, &we):
		return we // a Lock wait that ctx ended: keep saying what was waited for
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, memguard.ErrMemoryPressure),
		errors.Is(err, ErrBusy), errors.Is(err, ErrAccessRevoked),
		errors.Is(err, ErrRateLimited), errors.Is(err, ErrGoogle):
		return err
	case errors.Is(err, ErrNoToken):
		return ErrNoToken // the client wraps it in a *url.Error whose text holds the URL
	}
	if detail, ok := revoked(err); ok {
		return &revokedError{detail: detail, err: err}
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		if isRateLimit(ge) {
			return &RateLimitError{RetryAfter: retryAfter(ge.Header.Get("Retry-After"), time.Now()), err: err}
		}
		return &APIError{Code: ge.Code, Reason: firstReason(ge), err: err}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &APIError{Reason: safeReason(re.ErrorCode), err: err}
		if re.Response != nil {
			e.Code = re.Response.StatusCode
		}
		if e.Code == 0 && e.Reason == "" {
			e.Reason = ReasonTransport
		}
		return e
	}
	if invalidJSON(err) {
		return &APIError{Reason: ReasonInvalidResponse, err: err}
	}
	if transport(err) {
		return &APIError{Reason: ReasonTransport, err: err}
	}
	return err
}

// invalidJSON reports a response body that could not be decoded: the
// client returns the decoder's error as is for a 2xx response.
func invalidJSON(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func transport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// IsRetryable reports whether err is a transient failure that trying the
// same call again after a pause may cure: HTTP 5xx, a network failure, a
// truncated or invalid JSON body, or a rate limit (HTTP 429, 403 with a
// rate-limit reason) that has not yet become a *RateLimitError. Do retries
// exactly these. On an error Do returned (retries ran out), true tells a
// job queue it may retry the job later with its own backoff.
//
// It is false for nil, context errors, memguard errors, ErrBusy,
// ErrAccessRevoked, ErrRateLimited (snooze those instead: see the kinds
// above), 400 (an expired sync token included), 401, 403 quotaExceeded and
// other 403s, 404 and 410.
func IsRetryable(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, memguard.ErrMemoryPressure),
		errors.Is(err, ErrBusy), errors.Is(err, ErrRateLimited), errors.Is(err, ErrNoToken),
		IsAccessRevoked(err):
		return false
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code >= 500 || isRateLimit(ge)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code == 0 || ae.Code >= 500 || ae.Code == 429 || (ae.Code == 403 && rateLimitReasons[ae.Reason])
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.Response == nil || re.Response.StatusCode >= 500 || re.Response.StatusCode == 429
	}
	return invalidJSON(err) || transport(err)
}

// IsRetryableOr is IsRetryable, and also true for an error holding a
// failure of the host's token source, E (the sync's *TokenSourceError):
// the host's own error, a vault or secret store that did not answer, is
// assumed to pass, unless IsRetryable's exceptions say otherwise (an
// error matching ErrAccessRevoked, which an invalid_grant answer is
// classified as, ErrNoToken, a context or memguard error).
func IsRetryableOr[E error](err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, memguard.ErrMemoryPressure),
		errors.Is(err, ErrBusy), errors.Is(err, ErrRateLimited), errors.Is(err, ErrNoToken),
		IsAccessRevoked(err):
		return false
	}
	var e E
	return errors.As(err, &e) || IsRetryable(err)
}

// rateLimitReasons are the 403 reasons that mean "slow down" (the 429 of
// older APIs); a 403 quotaExceeded (Workspace usage limits) is not one of
// them: it lasts hours.
var rateLimitReasons = map[string]bool{
	"rateLimitExceeded":     true,
	"userRateLimitExceeded": true,
	"RATE_LIMIT_EXCEEDED":   true,
}

func isRateLimit(ge *googleapi.Error) bool {
	if ge.Code == 429 {
		return true
	}
	if ge.Code != 403 {
		return false
	}
	for _, r := range reasons(ge) {
		if rateLimitReasons[r] {
			return true
		}
	}
	return false
}

// IsRateLimited reports whether err is a rate limit: ErrRateLimited, or a
// raw HTTP 429 or 403 with a rate-limit reason.
func IsRateLimited(err error) bool {
	if errors.Is(err, ErrRateLimited) {
		return true
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return isRateLimit(ge)
	}
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 429 || (ae.Code == 403 && rateLimitReasons[ae.Reason]))
}

// IsPeopleTokenExpired reports whether a People API call failed because
// its sync token expired: the reason EXPIRED_SYNC_TOKEN in error.details or
// error.errors (observed with HTTP 400), or HTTP 410 (what Google's own
// sample checks). The status text (FAILED_PRECONDITION, INVALID_ARGUMENT)
// and the message are never looked at. The caller should drop the token
// and run a full pass. It works on raw and on classified errors.
func IsPeopleTokenExpired(err error) bool {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code == 410 || hasReason(ge, "EXPIRED_SYNC_TOKEN")
	}
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 410 || ae.Reason == "EXPIRED_SYNC_TOKEN")
}

// IsCalendarFullSyncRequired reports whether a Calendar API call failed
// with HTTP 410 (fullSyncRequired, updatedMinTooLongAgo or any other
// reason): the caller should drop the calendar's token and run a full
// pass. It works on raw and on classified errors.
func IsCalendarFullSyncRequired(err error) bool {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code == 410
	}
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == 410
}

// IsAccessRevoked reports whether err means the user's Google credentials
// no longer work: ErrAccessRevoked, HTTP 401, HTTP 403 with reason
// ACCESS_TOKEN_SCOPE_INSUFFICIENT or insufficientPermissions (the grant
// lacks the API's scope), or an *oauth2.RetrieveError with error code
// "invalid_grant" anywhere in the chain (a refresh token revoked or
// expired). Drop the user's cached client (Cache.Remove) when it is true.
func IsAccessRevoked(err error) bool {
	if errors.Is(err, ErrAccessRevoked) {
		return true
	}
	_, ok := revoked(err)
	return ok
}

// scopeReasons are the 403 reasons that mean the grant lacks a scope.
var scopeReasons = map[string]bool{
	"ACCESS_TOKEN_SCOPE_INSUFFICIENT": true,
	"insufficientPermissions":         true,
}

// revoked reports whether err means revoked credentials, and a safe
// description of what said so.
func revoked(err error) (string, bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		return "invalid_grant", true
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		if ge.Code == 401 {
			return "HTTP 401", true
		}
		if ge.Code == 403 {
			for _, r := range reasons(ge) {
				if scopeReasons[r] {
					return "HTTP 403 " + r, true
				}
			}
		}
		return "", false
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == 401 {
		return "HTTP 401", true
	}
	return "", false
}

// reasons collects error.details[].reason (google.rpc.ErrorInfo) and the
// legacy error.errors[].reason, keeping only those that look like
// identifiers. gax's apierror.Reason() is not used: it is empty whenever
// the body also has a legacy "errors" array or a detail lacks "@type".
func reasons(ge *googleapi.Error) []string {
	var out []string
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok && safeReason(r) != "" {
				out = append(out, r)
			}
		}
	}
	for _, it := range ge.Errors {
		if safeReason(it.Reason) != "" {
			out = append(out, it.Reason)
		}
	}
	return out
}

func hasReason(ge *googleapi.Error, want string) bool {
	for _, r := range reasons(ge) {
		if r == want {
			return true
		}
	}
	return false
}

func firstReason(ge *googleapi.Error) string {
	if rs := reasons(ge); len(rs) > 0 {
		return rs[0]
	}
	return ""
}

// safeReason returns r when it is an identifier (letters, digits, '_',
// '.', '-'; at most 64 bytes), as Google's reasons are, else "": nothing
// that could be free text reaches an error message.
func safeReason(r string) string {
	if r == "" || len(r) > 64 {
		return ""
	}
	for _, c := range r {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return ""
		}
	}
	return r
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3), as a duration from now; 0 when absent, invalid or
// in the past.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(s) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// maxRetryAfter bounds what a Retry-After can ask for, so a broken header
// cannot overflow a duration.
const maxRetryAfter = 7 * 24 * time.Hour

// ErrorText is the text of err that may be stored and logged: the text of
// this package's kinds (status codes and reasons only), of context and
// memguard errors, "sync: database error (SQLSTATE …)" for a driver error,
// the text of a kith sentinel at the end of err's chain ("contacts:
// conflicting concurrent changes", not what was wrapped around it), and
// for anything else only its Go type ("sync: failed (*contacts.FieldError)"),
// since its text may carry what a person typed. An error in err's chain
// with a SafeText() string method (a sync package's wrapper of the host's
// own error) gives that text instead. "" for nil.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	err2 := Classify(err)
	var (
		rl *RateLimitError
		ae *APIError
		rv *revokedError
		pe *memguard.PressureError
	)
	var host interface{ SafeText() string }
	switch {
	case errors.As(err2, &host):
		return host.SafeText() // an error the sync package vouches for, such as the host's own
	case errors.As(err2, &rl):
		return rl.Error()
	case errors.As(err2, &rv):
		return rv.Error()
	case errors.As(err2, &ae):
		return ae.Error()
	case errors.Is(err2, ErrNoToken):
		return ErrNoToken.Error()
	case errors.Is(err2, ErrBusy):
		return ErrBusy.Error()
	case errors.Is(err2, ErrAccessRevoked):
		return ErrAccessRevoked.Error()
	case errors.Is(err2, ErrRateLimited):
		return ErrRateLimited.Error()
	case errors.Is(err2, ErrGoogle):
		return ErrGoogle.Error()
	case errors.Is(err2, context.Canceled):
		return context.Canceled.Error()
	case errors.Is(err2, context.DeadlineExceeded):
		return context.DeadlineExceeded.Error()
	case errors.As(err2, &pe):
		return pe.Error()
	case errors.Is(err2, memguard.ErrMemoryPressure):
		return memguard.ErrMemoryPressure.Error()
	}
	if code := pgerr.Code(err); code != "" {
		return "sync: database error (SQLSTATE " + code + ")"
	}
	leaf := innermost(err)
	if reflect.TypeOf(leaf) == errorString {
		for _, p := range kithPrefixes {
			if strings.HasPrefix(leaf.Error(), p) {
				return leaf.Error()
			}
		}
	}
	return fmt.Sprintf("sync: failed (%T)", leaf)
}

// kithPrefixes are the packages whose sentinels (errors.New with a fixed
// text) ErrorText may quote.
var kithPrefixes = []string{"sync: ", "googlesync: ", "calendar: ", "contacts: ", "kith: ", "memguard: "}

var errorString = reflect.TypeOf(errors.New(""))

// innermost returns the deepest error of err's first chain: a sentinel
// behind fmt's wrappers, or the error that started it all.
func innermost(err error) error {
	for {
		var next error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			next = u.Unwrap()
		case interface{ Unwrap() []error }:
			if es := u.Unwrap(); len(es) > 0 {
				next = es[0]
			}
		}
		if next == nil {
			return err
		}
		err = next
	}
}

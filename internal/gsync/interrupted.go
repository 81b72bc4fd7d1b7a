package gsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/api/googleapi"
)

// interruptedError is ctx's error with what was being done when it
// came: it matches context.Canceled or context.DeadlineExceeded, and its
// text names the step ("calendar: events.list page 3: context deadline
// exceeded").
type interruptedError struct {
	text string
	err  error
}

func (e *interruptedError) Error() string    { return e.text }
func (e *interruptedError) Unwrap() error    { return e.err }
func (e *interruptedError) SafeText() string { return e.text }

// IsContextErr reports whether err matches context.Canceled or
// context.DeadlineExceeded.
func IsContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Interrupted returns err, when it is a context error (IsContextErr),
// with a text saying what was being done: step, ": ", then err's safe
// text (ErrorText) without a leading "sync: ", nor step's own "<pkg>: "
// when err's text repeats it. errors.Is(err, context.DeadlineExceeded)
// (or Canceled) still holds, and Classify and ErrorText keep the text.
// Any other error, nil included, is returned unchanged. step must be
// privacy-safe: an API method, a page number, an index, never an ID that
// can be an address, nor a token.
func Interrupted(err error, step string) error {
	if err == nil || !IsContextErr(err) {
		return err
	}
	inner := ErrorText(err)
	if pkg, _, ok := strings.Cut(step, ": "); ok {
		inner = strings.TrimPrefix(inner, pkg+": ")
	}
	return &interruptedError{text: step + ": " + strings.TrimPrefix(inner, "sync: "), err: err}
}

// failureText describes a failure Do retries, for the text of a wait
// that ctx ended: "HTTP 503 backendError", "transport", "rate limit
// (HTTP 429)".
func failureText(err error) string {
	c := Classify(err)
	var (
		rl *RateLimitError
		ae *APIError
		ge *googleapi.Error
	)
	switch {
	case errors.As(c, &rl) && errors.As(err, &ge):
		return fmt.Sprintf("rate limit (HTTP %d)", ge.Code)
	case errors.As(c, &rl):
		return "rate limit"
	case errors.As(c, &ae):
		return strings.TrimPrefix(ae.Error(), ErrGoogle.Error()+": ")
	}
	return "a transient failure"
}

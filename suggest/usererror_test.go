package suggest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// A UserError names the package once and the user once, whatever its
// inner error already says.
func TestUserErrorText(t *testing.T) {
	t.Parallel()
	u := uuid.MustParse("00000000-0000-0000-0000-0000000000aa")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("boom"), "suggest: user " + u.String() + ": boom"},
		{fmt.Errorf("suggest: generate: %w", errors.New("boom")), "suggest: user " + u.String() + ": generate: boom"},
		{fmt.Errorf("%w: Config.Limit 0", ErrInvalid), "suggest: invalid: user " + u.String() + ": Config.Limit 0"},
		{fmt.Errorf("suggest: generate for user %s: boom", u), "suggest: generate for user " + u.String() + ": boom"},
	} {
		got := (&UserError{UserID: u, Err: tc.err}).Error()
		if got != tc.want || strings.Count(got, "suggest:") != 1 || strings.Count(got, u.String()) != 1 {
			t.Errorf("%q: got %q, want %q", tc.err, got, tc.want)
		}
	}
}

package gsync

import (
	"errors"

	"golang.org/x/oauth2"
)

// ErrNoToken is the error of a host token source that returned neither a
// token with an access token nor an error: a bug in the host's
// TokenSource, not a Google failure, so it is not retried. The oauth2
// package would panic on a nil token, and an empty access token would be
// sent as "Bearer " and retried as a transport failure forever.
var ErrNoToken = errors.New("sync: token source returned no access token and no error")

// CheckedTokenSource wraps a host's token source so that a Token call
// returning a nil token, or one without an access token, and no error
// returns ErrNoToken instead. Wrap it before oauth2.ReuseTokenSource.
func CheckedTokenSource(ts oauth2.TokenSource) oauth2.TokenSource { return checkedTokenSource{ts} }

type checkedTokenSource struct{ ts oauth2.TokenSource }

func (c checkedTokenSource) Token() (*oauth2.Token, error) {
	tok, err := c.ts.Token()
	if err == nil && (tok == nil || tok.AccessToken == "") {
		return nil, ErrNoToken
	}
	return tok, err
}

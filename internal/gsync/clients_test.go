package gsync

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"
)

type testTSError struct{ err error }

func (e *testTSError) Error() string { return "test: token source: " + e.err.Error() }
func (e *testTSError) Unwrap() error { return e.err }

// TestNewClients checks what NewClients adds around the cache: the token
// source's failures (classified, wrapped, a nil source), the options
// handed to the constructor, a built client outliving its caller's ctx,
// and the cache settings named as Config fields.
func TestNewClients(t *testing.T) {
	type svc struct {
		ctx  context.Context
		opts int
	}
	var source func() (oauth2.TokenSource, error)
	cfg := ClientConfig[*svc]{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return source() },
		Options:     []option.ClientOption{option.WithUserAgent("a"), option.WithUserAgent("b")},
		NewService: func(ctx context.Context, opts ...option.ClientOption) (*svc, error) {
			if len(opts) == 0 {
				return nil, errors.New("no options")
			}
			return &svc{ctx: ctx, opts: len(opts)}, nil
		},
		Name:             "test client",
		TokenSourceError: func(err error) error { return &testTSError{err} },
	}
	c, err := NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}

	source = func() (oauth2.TokenSource, error) { return nil, errors.New("no grant stored") }
	_, err = c.Get(context.Background(), uuid.New())
	var tse *testTSError
	if !errors.As(err, &tse) || err.Error() != "test: token source: no grant stored" {
		t.Errorf("failing source: %v, want the sync's token source error", err)
	}
	source = func() (oauth2.TokenSource, error) { return nil, &oauth2.RetrieveError{ErrorCode: "invalid_grant"} }
	if _, err = c.Get(context.Background(), uuid.New()); !errors.Is(err, ErrAccessRevoked) || errors.As(err, &tse) {
		t.Errorf("invalid_grant: %v, want ErrAccessRevoked, not wrapped", err)
	}
	source = func() (oauth2.TokenSource, error) { return nil, nil }
	if _, err = c.Get(context.Background(), uuid.New()); !errors.Is(err, ErrNoToken) || !errors.As(err, &tse) {
		t.Errorf("nil source: %v, want the sync's token source error matching ErrNoToken", err)
	}
	if s := c.Stats(); s.Misses != 3 || s.Len != 0 {
		t.Errorf("failed builds: stats %+v, want 3 misses and nothing cached", s)
	}

	source = func() (oauth2.TokenSource, error) {
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	got, err := c.Get(ctx, uuid.New())
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if got.opts != 3 || got.ctx.Err() != nil {
		t.Errorf("service built with %d options (want 3: the token source and Options), ctx error %v after the caller's ended", got.opts, got.ctx.Err())
	}

	bad := cfg
	bad.NewService = func(context.Context, ...option.ClientOption) (*svc, error) { return nil, errors.New("boom") }
	c, err = NewClients(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), uuid.New()); err == nil || err.Error() != "test client: boom" {
		t.Errorf("constructor failure: %v, want %q", err, "test client: boom")
	}

	for _, tc := range []struct {
		mod  func(*ClientConfig[*svc])
		want string
	}{
		{func(c *ClientConfig[*svc]) { c.Size = -1 }, "Config.CacheSize -1"},
		{func(c *ClientConfig[*svc]) { c.TTL = -1 }, "Config.CacheTTL -1ns"},
		{func(c *ClientConfig[*svc]) { c.NewService = nil }, "ClientConfig"},
	} {
		bad := cfg
		tc.mod(&bad)
		if _, err := NewClients(bad); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewClients = %v, want %q...", err, tc.want)
		}
	}
}

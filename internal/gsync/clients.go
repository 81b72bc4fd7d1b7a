package gsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/internal/argcheck"
)

// ClientConfig is what [NewClients] builds each user's Google service
// from: the sync's Config fields, and what differs between the APIs (the
// service constructor and the sync's own error for a token source
// failure). T is the service: *people.Service, *calendar.Service.
type ClientConfig[T any] struct {
	// Size, TTL and Now are Config.CacheSize, Config.CacheTTL and
	// Config.Now (see CacheConfig).
	Size int
	TTL  time.Duration
	Now  func() time.Time
	// TokenSource is the host's Config.TokenSource. Required.
	TokenSource func(ctx context.Context, userID uuid.UUID) (oauth2.TokenSource, error)
	// Options are Config.ClientOptions, added after option.WithTokenSource
	// (copied: the host's slice may change after New).
	Options []option.ClientOption
	// NewService builds the service: people.NewService,
	// calendar.NewService. Required.
	NewService func(ctx context.Context, opts ...option.ClientOption) (T, error)
	// Name starts the text of NewService's error: "people client".
	Name string
	// TokenSourceError wraps a failure of TokenSource that Classify does
	// not recognize, and the ErrNoToken of a nil token source: the sync's
	// own *TokenSourceError. Required.
	TokenSourceError func(err error) error
}

// cacheFields names the cache settings as a sync's Config calls them.
var cacheFields = strings.NewReplacer("CacheConfig.Size", "Config.CacheSize", "CacheConfig.TTL", "Config.CacheTTL")

// NewClients returns the per-user cache of the Google services cfg
// builds. A user's service is built on a miss, as the Cache doc says:
//
//   - TokenSource's error is returned as Classify makes it (an OAuth
//     error, whose text may quote a response, made safe), else wrapped by
//     cfg.TokenSourceError; a nil oauth2.TokenSource is
//     cfg.TokenSourceError of an error matching ErrNoToken;
//   - the token source is wrapped in CheckedTokenSource, then in
//     oauth2.ReuseTokenSource, and given first, before cfg.Options;
//   - the service is built with context.WithoutCancel: it outlives the
//     call that built it.
//
// An invalid Size or TTL is an error naming Config.CacheSize or
// Config.CacheTTL, for the caller to wrap in its ErrInvalid.
func NewClients[T any](cfg ClientConfig[T]) (*Cache[T], error) {
	if cfg.TokenSource == nil || cfg.NewService == nil || cfg.TokenSourceError == nil {
		return nil, errors.New("ClientConfig: TokenSource, NewService and TokenSourceError are required")
	}
	opts := append([]option.ClientOption(nil), cfg.Options...)
	build := func(ctx context.Context, userID uuid.UUID) (T, error) {
		var zero T
		ts, err := cfg.TokenSource(ctx, userID)
		if err != nil {
			if c := Classify(err); c != err {
				return zero, c // an OAuth error (whose text may quote a response) made safe
			}
			return zero, cfg.TokenSourceError(err)
		}
		if argcheck.IsNil(ts) {
			return zero, cfg.TokenSourceError(fmt.Errorf("Config.TokenSource returned a nil oauth2.TokenSource: %w", ErrNoToken))
		}
		all := append([]option.ClientOption{option.WithTokenSource(oauth2.ReuseTokenSource(nil, CheckedTokenSource(ts)))}, opts...)
		svc, err := cfg.NewService(context.WithoutCancel(ctx), all...)
		if err != nil {
			return zero, fmt.Errorf("%s: %w", cfg.Name, err)
		}
		return svc, nil
	}
	c, err := NewCache(CacheConfig{Size: cfg.Size, TTL: cfg.TTL, Now: cfg.Now}, build)
	if err != nil {
		return nil, errors.New(cacheFields.Replace(err.Error()))
	}
	return c, nil
}

package gsync

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/kithhq/kith/internal/argcheck"
)

// Defaults of a zero CacheConfig.
const (
	DefaultCacheSize = 1000
	DefaultCacheTTL  = 50 * time.Minute
	// MaxCacheSize bounds CacheConfig.Size.
	MaxCacheSize = 1_000_000
)

// CacheConfig configures a Cache. The zero value means the defaults.
type CacheConfig struct {
	// Size is the most users whose client is kept (0 means
	// DefaultCacheSize, 1,000; at most MaxCacheSize). The least recently
	// used is dropped first: the cache never grows with the number of
	// users a process has seen.
	Size int
	// TTL is how long a built client is kept (0 means DefaultCacheTTL, 50
	// minutes: under the hour an OAuth access token lives, so a client is
	// rebuilt before its token source could hold a stale token; the token
	// source refreshes anyway). At most 24 hours.
	TTL time.Duration
	// Now is the clock (nil means time.Now).
	Now func() time.Time
}

// Validate reports the first invalid field of c (the caller wraps it in
// its package's ErrInvalid).
func (c CacheConfig) Validate() error {
	switch {
	case c.Size < 0 || c.Size > MaxCacheSize:
		return fmt.Errorf("CacheConfig.Size %d: must be between 0 and %d", c.Size, MaxCacheSize)
	case c.TTL < 0 || c.TTL > 24*time.Hour:
		return fmt.Errorf("CacheConfig.TTL %v: must be between 0 and 24h", c.TTL)
	}
	return nil
}

// CacheStats are a Cache's counters since it was made.
type CacheStats struct {
	Hits      int64 // Get served from the cache
	Misses    int64 // Get that built (or failed to build) a value
	Evictions int64 // entries dropped for size or age (not by Remove)
	Len       int   // entries held now
}

// Cache keeps one value per user (a Google service with its token
// source), built on a miss and kept for CacheConfig.TTL in a bounded LRU
// (github.com/hashicorp/golang-lru/v2/expirable). It is safe for
// concurrent use.
//
// Two concurrent misses for one user may both build; the last one stored
// wins and both callers get a working value. Failed builds are not
// cached. Each Cache runs one background goroutine for the lifetime of
// the process (expirable's cleaner): make one per Syncer, not per call.
//
// A builder for the Google clients should:
//
//   - wrap the host's token source in oauth2.ReuseTokenSource(nil, ts), so
//     a valid access token is reused rather than refreshed per request;
//   - build the service with context.WithoutCancel(ctx): the client is
//     cached and shared by later calls, so it must not die with the
//     context of the call that happened to build it;
//   - never log the token or the token source.
type Cache[T any] struct {
	lru   *expirable.LRU[uuid.UUID, *entry[T]]
	build func(context.Context, uuid.UUID) (T, error)
	ttl   time.Duration
	now   func() time.Time

	hits, misses, evictions atomic.Int64
}

type entry[T any] struct {
	v       T
	built   time.Time
	removed atomic.Bool // dropped by Remove or as stale: not an eviction
}

// NewCache returns a cache of the values build makes, after validating
// cfg (the error names the field; the caller wraps it in its ErrInvalid).
func NewCache[T any](cfg CacheConfig, build func(ctx context.Context, userID uuid.UUID) (T, error)) (*Cache[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if build == nil {
		return nil, fmt.Errorf("cache builder is nil")
	}
	if cfg.Size == 0 {
		cfg.Size = DefaultCacheSize
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultCacheTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache[T]{build: build, ttl: cfg.TTL, now: cfg.Now}
	c.lru = expirable.NewLRU(cfg.Size, func(_ uuid.UUID, e *entry[T]) {
		if !e.removed.Load() {
			c.evictions.Add(1)
		}
	}, cfg.TTL)
	return c, nil
}

// Get returns userID's value, building it on a miss or when it is older
// than the TTL. A failed build returns its error as is and caches nothing.
func (c *Cache[T]) Get(ctx context.Context, userID uuid.UUID) (T, error) {
	var zero T
	if err := argcheck.User(userID); err != nil {
		return zero, err
	}
	if e, ok := c.lru.Get(userID); ok {
		if c.now().Sub(e.built) < c.ttl {
			c.hits.Add(1)
			return e.v, nil
		}
		c.evictions.Add(1) // expired by the clock, before the cleaner got to it
		e.removed.Store(true)
		c.lru.Remove(userID)
	}
	c.misses.Add(1)
	v, err := c.build(ctx, userID)
	if err != nil {
		return zero, err
	}
	c.lru.Add(userID, &entry[T]{v: v, built: c.now()})
	return v, nil
}

// Remove drops userID's value, if any: call it when the user's grant was
// revoked (IsAccessRevoked) or replaced, so the next Get builds afresh.
func (c *Cache[T]) Remove(userID uuid.UUID) {
	if e, ok := c.lru.Peek(userID); ok {
		e.removed.Store(true)
	}
	c.lru.Remove(userID)
}

// Stats returns the counters.
func (c *Cache[T]) Stats() CacheStats {
	return CacheStats{
		Hits:      c.hits.Load(),
		Misses:    c.misses.Load(),
		Evictions: c.evictions.Load(),
		Len:       c.lru.Len(),
	}
}

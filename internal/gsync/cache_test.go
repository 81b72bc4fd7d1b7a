package gsync

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// clock is a settable clock for the cache's TTL.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type built struct {
	user uuid.UUID
	n    int64
}

func newTestCache(t *testing.T, cfg CacheConfig) (*Cache[*built], *atomic.Int64) {
	t.Helper()
	var builds atomic.Int64
	c, err := NewCache(cfg, func(_ context.Context, u uuid.UUID) (*built, error) {
		return &built{user: u, n: builds.Add(1)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, &builds
}

func TestCacheHitsMissesAndTTL(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	c, builds := newTestCache(t, CacheConfig{Now: clk.Now})
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	first, _ := c.Get(ctx, a)
	again, _ := c.Get(ctx, a)
	if first != again || first.user != a {
		t.Fatal("a second Get built a new value")
	}
	if _, err := c.Get(ctx, b); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s != (CacheStats{Hits: 1, Misses: 2, Len: 2}) {
		t.Errorf("stats %+v", s)
	}
	clk.Add(DefaultCacheTTL - time.Second)
	if v, _ := c.Get(ctx, a); v != first {
		t.Error("rebuilt before the TTL")
	}
	clk.Add(time.Second)
	if v, _ := c.Get(ctx, a); v == first {
		t.Error("not rebuilt at the TTL")
	}
	if s := c.Stats(); s.Evictions != 1 || s.Misses != 3 || builds.Load() != 3 {
		t.Errorf("stats %+v after expiry, %d builds", s, builds.Load())
	}
}

func TestCacheSizeBoundAndRemove(t *testing.T) {
	c, _ := newTestCache(t, CacheConfig{Size: 3})
	ctx := context.Background()
	users := make([]uuid.UUID, 10)
	for i := range users {
		users[i] = uuid.New()
		if _, err := c.Get(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	if s := c.Stats(); s.Len != 3 || s.Evictions != 7 {
		t.Errorf("stats %+v: want 3 held, 7 evicted", s)
	}
	c.Remove(users[9])
	c.Remove(uuid.New()) // absent: nothing happens
	if s := c.Stats(); s.Len != 2 || s.Evictions != 7 {
		t.Errorf("stats %+v after Remove: want 2 held, Remove not counted as eviction", s)
	}
	if _, err := c.Get(ctx, users[9]); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Misses != 11 {
		t.Errorf("stats %+v: Get after Remove did not build", s)
	}
}

func TestCacheErrorsNotCached(t *testing.T) {
	boom := errors.New("token source: no grant")
	fail := true
	c, err := NewCache(CacheConfig{}, func(_ context.Context, u uuid.UUID) (string, error) {
		if fail {
			return "", boom
		}
		return u.String(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u := uuid.New()
	if _, err := c.Get(context.Background(), u); err != boom {
		t.Fatalf("err = %v, want the builder's error as is", err)
	}
	fail = false
	if v, err := c.Get(context.Background(), u); err != nil || v != u.String() {
		t.Fatalf("after a failed build: %q, %v", v, err)
	}
	if _, err := c.Get(context.Background(), uuid.Nil); err == nil {
		t.Error("uuid.Nil accepted")
	}
}

// TestCacheConcurrentMisses: many goroutines asking for few users at once
// all get a value built for their user (run with -race).
func TestCacheConcurrentMisses(t *testing.T) {
	c, builds := newTestCache(t, CacheConfig{Size: 4})
	users := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			u := users[i%len(users)]
			v, err := c.Get(context.Background(), u)
			if err != nil || v.user != u {
				t.Errorf("Get(%v) = %+v, %v", u, v, err)
			}
			if i%7 == 0 {
				c.Remove(u)
			}
		})
	}
	wg.Wait()
	s := c.Stats()
	if s.Hits+s.Misses != 200 || s.Misses != builds.Load() || s.Len > 4 {
		t.Errorf("stats %+v, %d builds", s, builds.Load())
	}
}

func TestCacheConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  CacheConfig
		want string
	}{
		{CacheConfig{Size: -1}, "CacheConfig.Size -1: must be between 0 and 1000000"},
		{CacheConfig{TTL: -time.Second}, "CacheConfig.TTL -1s"},
		{CacheConfig{TTL: 25 * time.Hour}, "CacheConfig.TTL 25h0m0s"},
	} {
		if _, err := NewCache(tc.cfg, func(context.Context, uuid.UUID) (int, error) { return 0, nil }); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewCache(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := NewCache[int](CacheConfig{}, nil); err == nil {
		t.Error("nil builder accepted")
	}
}

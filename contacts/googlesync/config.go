package googlesync

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/memguard"
)

// Defaults and bounds of [Config].
const (
	// DefaultPageSize is Config.PageSize's default: the People API's
	// maximum, so a pass of 100,000 people is 100 calls.
	DefaultPageSize = 1000
	// MaxPageSize is the People API's largest page.
	MaxPageSize = 1000
	// FirstPageRateLimitDelay is the least RetryAfter of a
	// *RateLimitError from the first page of a full pass. Google gives
	// that page a fixed extra quota that cannot be raised: hammering it
	// again within seconds only burns the quota, so the job should come
	// back in minutes.
	FirstPageRateLimitDelay = 5 * time.Minute
	// DefaultCacheSize and DefaultCacheTTL are Config.CacheSize's and
	// Config.CacheTTL's defaults.
	DefaultCacheSize = gsync.DefaultCacheSize
	DefaultCacheTTL  = gsync.DefaultCacheTTL
)

// RetryPolicy bounds the retries of one Google call (one page): attempts,
// the jittered exponential backoff (github.com/googleapis/gax-go/v2), the
// longest pause waited in place and the least delay of a
// *RateLimitError. The zero value means 5 attempts, pauses from 1s
// doubling to 32s, at most 1 minute waited in place (a longer
// Retry-After is returned at once as a *RateLimitError), and a
// RetryAfter of at least 1 minute when retries run out on a rate limit.
//
// The fields (the type is declared in an internal package, so go doc does
// not show them; this is the contract):
//
//	type RetryPolicy struct {
//		Attempts       int           // most calls made, the first included: 0 means 5, 1 no retry; at most 100
//		Initial        time.Duration // first pause: 0 means 1s
//		Max            time.Duration // longest backoff pause: 0 means 32s; >= Initial
//		Multiplier     float64       // backoff growth: 0 means 2, else 1 to 10
//		MaxWait        time.Duration // longest pause waited in place, Retry-After included: 0 means 1 minute
//		RateLimitDelay time.Duration // least RetryAfter of a *RateLimitError: 0 means 1 minute
//	}
//	func (p RetryPolicy) Validate() error // the first invalid field, its value and bound
//
// A rate limit asking for longer than MaxWait is not waited out in place:
// it is returned at once as a *RateLimitError carrying the whole delay.
type RetryPolicy = gsync.RetryPolicy

// LockMode says what Sync does when another sync of the same user (in
// this process or any other sharing the database) is running.
//
//	type LockMode int // LockFailFast (0) or LockWait (1)
type LockMode = gsync.LockMode

const (
	// LockFailFast returns ErrBusy at once: the zero value, right for a
	// job queue (snooze the job: the running sync does the work).
	LockFailFast = gsync.FailFast
	// LockWait waits until the other sync ends, or ctx does (the error
	// then matches both ErrBusy and ctx's error: see Config.Lock).
	LockWait = gsync.Wait
)

// CacheStats are the counters of the per-user client cache: Hits, Misses
// (a client built), Evictions (dropped for size or age) and Len (held
// now).
//
//	type CacheStats struct {
//		Hits      int64 // Get served from the cache
//		Misses    int64 // Get that built (or failed to build) a client
//		Evictions int64 // clients dropped for size or age (not by revoked access)
//		Len       int   // clients held now
//	}
type CacheStats = gsync.CacheStats

// Config configures a [Syncer]. The zero value of every field but
// TokenSource means the documented default.
type Config struct {
	// TokenSource returns the OAuth token source of a user's Google
	// account (scope people.ContactsReadonlyScope suffices). Required. It
	// is called when the user's client is built (once per CacheTTL while
	// the user stays in the cache), not per sync; the token source is
	// wrapped in oauth2.ReuseTokenSource so a valid access token is reused.
	// An error it returns fails that user's sync, wrapped; return one
	// matching ErrAccessRevoked (or an *oauth2.RetrieveError
	// "invalid_grant") when the user has no valid grant, so a job queue
	// drops the job.
	// It may be called concurrently, for different users (SyncAll, or
	// several syncs at once): make it safe for that.
	TokenSource func(ctx context.Context, userID uuid.UUID) (oauth2.TokenSource, error)

	// ClientOptions are added to every people.NewService call, after
	// option.WithTokenSource: tests and custom transports point the
	// client at another server (option.WithEndpoint) or give it an HTTP
	// client (option.WithHTTPClient, which then also carries the auth).
	ClientOptions []option.ClientOption

	// Schema is the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string

	// Breaker is checked before each page and, in SyncAll, before each
	// user. A refusal ends the sync with its error (matching
	// memguard.ErrMemoryPressure): the pages written stay written, the
	// sync token is not saved, and the next run starts again from page 1
	// of the same kind of pass. Pages are never shrunk under pressure:
	// every call of a chain must send the same page size. A MemoryBreaker
	// configured to wait waits before refusing. nil means memguard.Nop().
	Breaker memguard.Breaker

	// Monitor records every Sync as the operation "googlesync.sync" and
	// every SyncAll as "googlesync.sync_all". nil means none.
	Monitor *memguard.Monitor

	// Logger receives one Info record per finished sync (Warn when it
	// failed) and a Debug record per page, with the user ID, counts and
	// durations only: never a name, an address, a phone number or a
	// token. nil discards.
	Logger *slog.Logger

	// Now is the clock of the contacts' LastSyncedAt, the run records
	// and the client cache's TTL. nil means time.Now. It is called from
	// every running sync at once: make it safe for that.
	Now func() time.Time

	// PageSize is the pageSize of every connections.list call: 0 means
	// DefaultPageSize (1,000), else 1 to MaxPageSize. Changing it makes
	// each user's next sync a full pass (a sync token is only valid with
	// the parameters of the pass that produced it).
	PageSize int

	// OnDeleted is what happens to the contact of a person deleted in
	// Google, or missing from a complete full pass: archive it (the zero
	// value: notes, frequency and history survive, and it comes back if
	// Google lists the person again), detach it (keep it as a manual
	// contact) or delete it.
	OnDeleted contacts.DeletePolicy

	// Lock says what a sync does when another sync of the same user is
	// running: LockFailFast (the zero value) returns ErrBusy, LockWait
	// waits until the other sync ends or ctx does; a wait that ctx ends
	// returns an error
	// saying it was waiting for another sync of this user, matching both
	// ErrBusy and ctx's error (context.DeadlineExceeded or Canceled).
	Lock LockMode

	// Retry bounds the retries of each page (see RetryPolicy). The first
	// page of a full pass uses it with RateLimitDelay at least
	// FirstPageRateLimitDelay.
	Retry RetryPolicy

	// CacheSize is the most users whose Google client is kept between
	// syncs (0 means DefaultCacheSize, 1,000), least recently used dropped
	// first. CacheTTL is how long one is kept (0 means DefaultCacheTTL, 50
	// minutes; at most 24 hours). The cache never grows with the number of
	// users a process has seen.
	CacheSize int
	CacheTTL  time.Duration
}

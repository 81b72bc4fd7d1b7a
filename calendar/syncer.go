package calendar

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	gcal "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/memguard"
)

// Defaults and bounds of [Config].
const (
	// DefaultPageSize is Config.PageSize's default: events.list's
	// largest page.
	DefaultPageSize = 2500
	// MaxPageSize is events.list's largest page.
	MaxPageSize = 2500
	// DefaultLookback is Config.Lookback's default: a full pass reads the
	// events that ended in the last year, and all later ones.
	DefaultLookback = 365 * 24 * time.Hour
	// MaxLookback bounds Config.Lookback: 20 years of 365 days (7,300
	// days).
	MaxLookback = 20 * 365 * 24 * time.Hour
	// DefaultCacheSize and DefaultCacheTTL are Config.CacheSize's and
	// Config.CacheTTL's defaults.
	DefaultCacheSize = gsync.DefaultCacheSize
	DefaultCacheTTL  = gsync.DefaultCacheTTL
	// listPageSize is calendarList.list's maxResults (its maximum).
	listPageSize = 250
)

// RetryPolicy bounds the retries of one Google call (one page): attempts,
// the jittered exponential backoff, the longest pause waited in place and
// the least delay of a *RateLimitError. The zero value means 5 attempts,
// pauses from 1s doubling to 32s, at most 1 minute waited in place, and a
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

// LockMode says what a sync does when another sync of the same user and
// calendar (in this process or another sharing the database) is running.
//
//	type LockMode int // LockFailFast (0) or LockWait (1)
type LockMode = gsync.LockMode

const (
	// LockFailFast returns ErrBusy at once: the zero value.
	LockFailFast = gsync.FailFast
	// LockWait waits until the other sync ends, or ctx does (the error
	// then matches both ErrBusy and ctx's error: see Config.Lock).
	LockWait = gsync.Wait
)

// CacheStats are the counters of the per-user client cache.
//
//	type CacheStats struct {
//		Hits      int64 // Get served from the cache
//		Misses    int64 // Get that built (or failed to build) a client
//		Evictions int64 // clients dropped for size or age (not by revoked access)
//		Len       int   // clients held now
//	}
type CacheStats = gsync.CacheStats

// Status is what a host shows about one sync of a user (a calendar's
// events, or the calendar list): last success, failing since, the last
// error's text (status codes and reasons only), the last run.
//
// The fields (the type is declared in an internal package, so go doc does
// not show them; this is the contract):
//
//	type Status struct {
//		Resource       string     // "calendarList", or "calendar:" and the calendar ID
//		LastSuccessAt  *time.Time // when a run last succeeded; nil if none ever did
//		LastFullSyncAt *time.Time // when a full pass last completed (its last page saved the token); nil if none
//		FailingSince   *time.Time // when the first failed run since the last success finished; nil when not failing
//		LastError      string     // the last failed run's privacy-safe error text; "" when not failing
//		LastRun        *Run       // the most recently started run, finished or not; nil if none is recorded
//	}
//
// A cancelled run changes neither FailingSince nor LastError.
type Status = gsync.Status

// Run is one recorded sync run (Status.LastRun); its Counts use the keys
// of Report.Counts.
//
// The fields (the type is declared in an internal package, so go doc does
// not show them; this is the contract):
//
//	type Run struct {
//		ID         uuid.UUID        // a version 7 UUID: grows with StartedAt
//		UserID     uuid.UUID
//		Resource   string           // as in Status.Resource
//		Kind       Kind             // Full when an expired token turned the run into a full pass
//		StartedAt  time.Time        // when the run began, once it held its lock
//		FinishedAt *time.Time       // nil while running, or if its process died first
//		Outcome    Outcome          // RunSucceeded, RunFailed or RunCancelled; "" while running (or its process died)
//		Counts     map[string]int64 // the run's figures, under Report.Counts' keys; non-nil
//		Error      string           // privacy-safe error text (status codes, reasons, kith's words); "" on success
//	}
//
// The history keeps the newest 50 runs of a user's resource.
type Run = gsync.Run

// Kind is the kind of a pass: Full or Incremental.
//
//	type Kind string // "full" or "incremental"
type Kind = gsync.Kind

const (
	// Full: no sync token; every event from now minus Config.Lookback on
	// is read, and the calendar's stored events the pass did not return
	// are deleted at its end.
	Full = gsync.Full
	// Incremental: from the stored sync token; only changes are read.
	Incremental = gsync.Incremental
)

// Outcome is how a recorded run ended (Run.Outcome).
//
//	type Outcome string // "success", "failure" or "cancelled"
type Outcome = gsync.Outcome

const (
	// RunSucceeded: the run finished and saved its new sync token.
	RunSucceeded = gsync.Succeeded
	// RunFailed: the run stopped on an error (Run.Error says which kind).
	RunFailed = gsync.Failed
	// RunCancelled: the run's context was cancelled (a shutdown, the job
	// queue's cancel). It does not count as failing.
	RunCancelled = gsync.Cancelled
)

// Config configures a [Syncer]. The zero value of every field but
// TokenSource means the documented default.
type Config struct {
	// TokenSource returns the OAuth token source of a user's Google
	// account (scope calendar.CalendarReadonlyScope, or
	// CalendarEventsReadonlyScope plus CalendarCalendarlistReadonlyScope).
	// Required. It is called when the user's client is built (once per
	// CacheTTL while the user stays in the cache), and wrapped in
	// oauth2.ReuseTokenSource. An error it returns fails that user's sync
	// as a *TokenSourceError (its text is the host's: never put a token in
	// it); return one matching ErrAccessRevoked when the user has no valid
	// grant, so a job queue drops the job.
	// It may be called concurrently, for different users (SyncAll, or
	// several syncs at once): make it safe for that.
	TokenSource func(ctx context.Context, userID uuid.UUID) (oauth2.TokenSource, error)

	// ClientOptions are added to every calendar.NewService call, after
	// option.WithTokenSource (tests point the client at a fake server).
	ClientOptions []option.ClientOption

	// Schema is the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string

	// Rules decide which events count as contact (ApplyInteractions and
	// UnmatchedAttendees).
	Rules Rules

	// Calendars chooses which of a user's listed calendars SyncUser
	// syncs, by ID. nil means the primary calendar only. Calendars the
	// user can only see free/busy for are never synced, whatever it
	// returns, and IDs not in the list are ignored. listed is the
	// hook's own copy. An error it returns ends that user's SyncUser
	// after the list was synced, wrapped ("calendar: Config.Calendars of
	// user <id>: " and its text).
	// It may be called concurrently, for different users (SyncAll, or
	// several syncs at once): make it safe for that.
	Calendars func(ctx context.Context, userID uuid.UUID, listed []Calendar) ([]string, error)

	// Breaker is checked before each page and, in SyncAll, before each
	// user. A refusal ends the sync with its error (matching
	// memguard.ErrMemoryPressure): the pages written stay written, the
	// token is not saved, and the next run starts again from page 1 of
	// the same kind of pass. nil means memguard.Nop().
	Breaker memguard.Breaker

	// Monitor records every Sync as "calendar.sync", every SyncUser as
	// "calendar.sync_user" (the calendars it syncs are part of that
	// record) and every SyncAll as "calendar.sync_all". nil means none.
	Monitor *memguard.Monitor

	// Logger receives one Info record per finished sync (Warn when it
	// failed) and a Debug record per page, with the user ID, counts and
	// durations only: never a token, an address, a name or a title. nil
	// discards.
	Logger *slog.Logger

	// Now is the clock of the lookback, ApplyInteractions after a sync,
	// the run records and the client cache. nil means time.Now. It is
	// called from every running sync at once: make it safe for that.
	Now func() time.Time

	// PageSize is the maxResults of every events.list call: 0 means
	// DefaultPageSize (2,500), else 1 to MaxPageSize. Changing it makes
	// each calendar's next sync a full pass.
	PageSize int

	// Lookback is how far back a full pass reads (timeMin = now -
	// Lookback, on the events' ends). 0 means DefaultLookback (365 days);
	// at most MaxLookback.
	Lookback time.Duration

	// Lock says what a sync does when another sync of the same user and
	// calendar is running: LockFailFast (the zero value) returns ErrBusy,
	// LockWait waits until the other sync ends or ctx does; a wait that
	// ctx ends returns an error
	// saying it was waiting for another sync of this user, matching both
	// ErrBusy and ctx's error (context.DeadlineExceeded or Canceled).
	Lock LockMode

	// Retry bounds the retries of each page (see RetryPolicy).
	Retry RetryPolicy

	// CacheSize is the most users whose Google client is kept between
	// syncs (0 means DefaultCacheSize), CacheTTL how long one is kept (0
	// means DefaultCacheTTL; at most 24 hours).
	CacheSize int
	CacheTTL  time.Duration
}

// A Syncer syncs users' Google Calendar events into kith and applies
// their meetings to contacts' last-contact dates. It embeds the [Store]
// it writes through (ApplyInteractions, UnmatchedAttendees, ...). It is
// safe for concurrent use; build one per process with New and keep it:
// it holds the per-user client cache. The zero Syncer is not usable.
type Syncer struct {
	*Store
	pool      gsync.Pool
	schema    string
	cfg       StoreConfig
	selectFn  func(context.Context, uuid.UUID, []Calendar) ([]string, error)
	breaker   memguard.Breaker
	monitor   *memguard.Monitor
	log       *slog.Logger
	now       func() time.Time
	pageSize  int
	lookback  time.Duration
	lock      LockMode
	retry     RetryPolicy
	ledger    *gsync.Ledger
	clients   *gsync.Cache[*gcal.Service]
	paramsKey string
}

// New returns a Syncer over db, a pool (*sql.DB, *sqlx.DB): each running
// sync takes one connection from it, holds the (user, calendar) advisory
// lock on it and runs each page as a short transaction on it. A
// transaction, a *sql.Conn or a nil handle is refused with ErrInvalid. It
// validates cfg (errors wrap ErrInvalid and name the field, its value and
// the bound) and touches neither the database nor Google.
func New(db kith.Beginner, cfg Config) (*Syncer, error) {
	pool, err := gsync.AsPool(db)
	if err != nil {
		return nil, invalid("%v", err)
	}
	schema, err := dbschema.Name(cfg.Schema)
	if err != nil {
		return nil, invalid("Config.Schema: %v", err)
	}
	if cfg.TokenSource == nil {
		return nil, invalid("Config.TokenSource: nil: required (each user's Google token source)")
	}
	if cfg.Breaker != nil && argcheck.IsNil(cfg.Breaker) {
		return nil, invalid("Config.Breaker: typed nil %T", cfg.Breaker)
	}
	for i, o := range cfg.ClientOptions {
		if argcheck.IsNil(o) {
			return nil, invalid("Config.ClientOptions[%d]: nil", i)
		}
	}
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize = DefaultPageSize
	case cfg.PageSize < 0 || cfg.PageSize > MaxPageSize:
		return nil, invalid("Config.PageSize %d: must be in [1, %d], or 0 for the default", cfg.PageSize, MaxPageSize)
	}
	switch {
	case cfg.Lookback == 0:
		cfg.Lookback = DefaultLookback
	case cfg.Lookback < 0 || cfg.Lookback > MaxLookback:
		return nil, invalid("Config.Lookback %s: must be more than 0 and at most %s, or 0 for the default (%s)",
			readableDuration(cfg.Lookback), readableDuration(MaxLookback), readableDuration(DefaultLookback))
	}
	if cfg.Lock != LockFailFast && cfg.Lock != LockWait {
		return nil, invalid("Config.Lock %d: must be LockFailFast (0) or LockWait (1)", cfg.Lock)
	}
	if err := cfg.Retry.Validate(); err != nil {
		return nil, invalid("%s", strings.Replace(err.Error(), "RetryPolicy.", "Config.Retry.", 1))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	scfg := StoreConfig{Schema: schema, Rules: cfg.Rules, Now: cfg.Now}
	store, err := NewStore(db, scfg)
	if err != nil {
		return nil, err
	}
	ledger, err := gsync.NewLedger(gsync.LedgerConfig{Schema: schema, Now: cfg.Now})
	if err != nil {
		return nil, invalid("Config.%v", err)
	}
	s := &Syncer{
		Store: store, pool: pool, schema: schema, cfg: scfg,
		selectFn: cfg.Calendars, breaker: cfg.Breaker, monitor: cfg.Monitor, log: cfg.Logger, now: cfg.Now,
		pageSize: cfg.PageSize, lookback: cfg.Lookback, lock: cfg.Lock, retry: cfg.Retry, ledger: ledger,
	}
	if s.breaker == nil {
		s.breaker = memguard.Nop()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.clients, err = gsync.NewClients(gsync.ClientConfig[*gcal.Service]{
		Size: cfg.CacheSize, TTL: cfg.CacheTTL, Now: cfg.Now,
		TokenSource: cfg.TokenSource, Options: cfg.ClientOptions,
		NewService: gcal.NewService, Name: "calendar client",
		TokenSourceError: func(err error) error { return &TokenSourceError{Err: err} },
	})
	if err != nil {
		return nil, invalid("%v", err)
	}
	s.paramsKey = paramsKey(s.pageSize)
	return s, nil
}

// readableDuration writes d as a person reads a bound or a setting of
// days: "7300 days (20 years)", "1 day", "36h0m0s (1.5 days)"; shorter
// durations as Go writes them ("90m0s", "-1ns").
func readableDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < day:
		return d.String()
	case d%day != 0:
		return fmt.Sprintf("%v (%.1f days)", d, float64(d)/float64(day))
	}
	n := int64(d / day)
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	if n%365 == 0 && n > 365 {
		return plural(n, "day") + " (" + plural(n/365, "year") + ")"
	}
	return plural(n, "day")
}

// TokenSourceError is a failure of Config.TokenSource other than one
// saying access was revoked. Its text is the token source's. IsRetryable
// is true for it: a token source that fails is taken to fail for a while
// (its vault down).
type TokenSourceError struct{ Err error }

func (e *TokenSourceError) Error() string { return "calendar: token source: " + e.Err.Error() }
func (e *TokenSourceError) Unwrap() error { return e.Err }

// SafeText is the text a run record and Status.LastError keep: the
// host's own, as Error gives it.
func (e *TokenSourceError) SafeText() string { return e.Error() }

// panicked is the error a run that panicked is recorded with.
type panicked struct{}

func (panicked) Error() string    { return "calendar: the sync panicked" }
func (panicked) SafeText() string { return "calendar: the sync panicked" }

// CacheStats returns the counters of the per-user client cache.
func (s *Syncer) CacheStats() CacheStats { return s.clients.Stats() }

// Status returns the status of the sync of userID's calendarID (the ID
// SyncUser uses is the one calendarList gives, the primary calendar's
// being the user's address). A calendar never synced has a Status with
// only Resource set, and no error.
func (s *Syncer) Status(ctx context.Context, userID uuid.UUID, calendarID string) (Status, error) {
	if err := checkUser(userID); err != nil {
		return Status{}, err
	}
	if err := checkCalendarID(calendarID); err != nil {
		return Status{}, err
	}
	return s.runner().Status(ctx, userID, eventsResource(calendarID))
}

// ListStatus returns the status of the sync of userID's calendar list.
// A user whose list was never synced has a Status with only Resource
// set, and no error.
func (s *Syncer) ListStatus(ctx context.Context, userID uuid.UUID) (Status, error) {
	if err := checkUser(userID); err != nil {
		return Status{}, err
	}
	return s.runner().Status(ctx, userID, listResource)
}

// listResource and eventsResource are the gsync resources: one sync token,
// one lock and one run history each.
const listResource = "calendarList"

func eventsResource(calendarID string) string { return "calendar:" + calendarID }

// checkCalendarID refuses an ID that is empty or too long for its
// resource name. The ID is never quoted: it is often an address.
func checkCalendarID(id string) error {
	if err := checkID("calendar ID", id); err != nil {
		return err
	}
	if len(eventsResource(id)) > gsync.MaxResourceLen {
		return invalid("calendar ID: %d bytes, more than %d", len(id), gsync.MaxResourceLen-len(eventsResource("")))
	}
	return nil
}

// paramsKey is a short hash of the chain parameters other than tokens.
func paramsKey(pageSize int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "singleEvents=true\x00showDeleted=true\x00maxResults=%d", pageSize)
	return fmt.Sprintf("%08x", h.Sum32())
}

// storedToken is the form a sync token is stored in: "<key>:<token>".
func storedToken(key, token string) string { return gsync.StoredToken(key, token) }

// runStore returns a Store for one run, over a handle forwarding to the
// run's current transaction.
func (s *Syncer) runStore() (*Store, *gsync.PageTx, error) {
	fwd := &gsync.PageTx{}
	st, err := NewStore(fwd, s.cfg)
	if err != nil {
		return nil, nil, err
	}
	return st, fwd, nil
}

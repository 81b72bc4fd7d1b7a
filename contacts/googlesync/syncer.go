package googlesync

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/gsync"
	"github.com/kithhq/kith/memguard"
)

// resource is the gsync resource of the People sync: one sync token, one
// lock and one run history per user.
const resource = gsync.ResourcePeople

// A Syncer syncs users' Google Contacts (People API connections and
// contact groups) into their kith contacts and groups. It is safe for
// concurrent use; build one per process with New and keep it: it holds
// the per-user client cache. The zero Syncer is not usable.
type Syncer struct {
	pool           gsync.Pool
	schema         string
	breaker        memguard.Breaker
	monitor        *memguard.Monitor
	log            *slog.Logger
	now            func() time.Time
	pageSize       int
	policy         contacts.DeletePolicy
	lock           LockMode
	retry          RetryPolicy
	firstPageRetry RetryPolicy
	ledger         *gsync.Ledger
	clients        *gsync.Cache[*people.Service]
	// paramsKey identifies the chain parameters (personFields, pageSize,
	// sources); it prefixes every stored sync token so that a token made
	// with other parameters is never sent (Google answers 400).
	paramsKey string
}

// New returns a Syncer over db, a pool (*sql.DB, *sqlx.DB): each running
// sync takes one connection from it, holds the user's advisory lock on it
// and runs each page as a short transaction on it. A transaction or a
// *sql.Conn is refused, as is a nil handle. It validates cfg (errors wrap
// ErrInvalid and name the field, its value and the bound) and does not
// touch the database or Google; run kith.Migrate first.
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
	if cfg.OnDeleted > contacts.RemoveDeleted {
		return nil, invalid("Config.OnDeleted %v: must be ArchiveDeleted, DetachDeleted or RemoveDeleted", cfg.OnDeleted)
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
	ledger, err := gsync.NewLedger(gsync.LedgerConfig{Schema: schema, Now: cfg.Now})
	if err != nil {
		return nil, invalid("Config.%v", err)
	}
	s := &Syncer{
		pool: pool, schema: schema,
		breaker: cfg.Breaker, monitor: cfg.Monitor, log: cfg.Logger, now: cfg.Now,
		pageSize: cfg.PageSize, policy: cfg.OnDeleted, lock: cfg.Lock,
		retry: cfg.Retry, firstPageRetry: cfg.Retry, ledger: ledger,
	}
	s.firstPageRetry.RateLimitDelay = max(s.firstPageRetry.RateLimitDelay, FirstPageRateLimitDelay)
	if s.breaker == nil {
		s.breaker = memguard.Nop()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.clients, err = gsync.NewClients(gsync.ClientConfig[*people.Service]{
		Size: cfg.CacheSize, TTL: cfg.CacheTTL, Now: cfg.Now,
		TokenSource: cfg.TokenSource, Options: cfg.ClientOptions,
		NewService: people.NewService, Name: "people client",
		TokenSourceError: func(err error) error { return &TokenSourceError{Err: err} },
	})
	if err != nil {
		return nil, invalid("%v", err)
	}
	s.paramsKey = paramsKey(s.pageSize)
	return s, nil
}

// CacheStats returns the counters of the per-user client cache.
func (s *Syncer) CacheStats() CacheStats { return s.clients.Stats() }

// Status is what a host shows about a user's contact sync: "last synced 5
// minutes ago", "failing since Tuesday: HTTP 401". The zero value means it
// never ran. Its error texts are status codes and reasons only.
//
// The fields (the type is declared in an internal package, so go doc does
// not show them; this is the contract):
//
//	type Status struct {
//		Resource       string     // "people"
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
	// Full: no sync token; every person is read, and the contacts linked
	// to Google that the pass did not see follow Config.OnDeleted at its
	// end.
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

// Status returns userID's sync status, in one statement. A user never
// synced has a Status with only Resource set, and no error.
func (s *Syncer) Status(ctx context.Context, userID uuid.UUID) (Status, error) {
	if err := checkUser(userID); err != nil {
		return Status{}, err
	}
	return s.runner().Status(ctx, userID, resource)
}

// paramsKey is a short hash of the chain parameters other than tokens.
func paramsKey(pageSize int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%d", PersonFields, strings.Join(Sources(), ","), pageSize)
	return fmt.Sprintf("%08x", h.Sum32())
}

// storedToken is the form a sync token is stored in: "<paramsKey>:<token>".
func (s *Syncer) storedToken(token string) string { return gsync.StoredToken(s.paramsKey, token) }

// loadedToken returns the token of a stored one, "" when it was made with
// other parameters (or by another version of this package).
func (s *Syncer) loadedToken(stored string) (token string, changed bool) {
	return gsync.LoadedToken(s.paramsKey, stored)
}

// newPass returns a full-pass marker no earlier pass of the user used (a
// random non-zero 63-bit value: independent of the clock, which tests and
// hosts may freeze).
func newPass() int64 { return 1 + rand.Int64N(math.MaxInt64-1) }

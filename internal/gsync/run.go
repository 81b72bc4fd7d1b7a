package gsync

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
)

// Runner is the skeleton every sync run shares: it takes the advisory
// lock of (user, resource) on a pinned connection, loads the stored
// state (the sync token, if made with the run's parameters), records the run's start, runs the body, records the run's end
// (counts, outcome, privacy-safe error text; a panicking body is recorded
// as a failed run and the panic goes on up) and releases the lock. A
// Runner is a value the sync builds once; it is safe for concurrent use.
type Runner struct {
	Pool   Pool
	Schema string // "" means "kith"
	Ledger *Ledger
	Lock   LockMode
	// Private makes an error of the skeleton safe to return (the
	// package's privacy filter); step names what failed: "lock",
	// "unlock", "load state", "start run", "finish run".
	Private func(err error, step string) error
	// Panicked is the error a run whose body panicked is recorded with
	// (the run record keeps its SafeText, see ErrorText: the package's
	// words only).
	Panicked error
}

// RunSpec is one run of a Runner.
type RunSpec struct {
	UserID   uuid.UUID
	Resource string
	// ParamsKey identifies the parameters of the resource's page chain
	// (StoredToken): a stored token made with another key is not used.
	ParamsKey string
	// Body is the run's work, on the pinned connection holding the lock.
	Body func(ctx context.Context, s Session) error
	// Record returns what the run record keeps: the run's kind as it
	// ended (Full when an expired token turned it into a full pass) and
	// its counts. It is called once the body returned or panicked (not
	// when the run failed before its start was recorded).
	Record func() (Kind, map[string]int64)
}

// Session is what a run's body works with.
type Session struct {
	// Conn is the pinned connection that holds the lock: run every
	// statement of the run on it.
	Conn *sql.Conn
	// Token is the stored sync token (LoadedToken); "" means a full pass.
	// Never log it.
	Token string
	// ParamsChanged: a token was stored but made with other parameters,
	// so it is not used.
	ParamsChanged bool
	// Kind is Incremental with a Token, else Full: the kind the run was
	// recorded as starting with.
	Kind Kind
}

// Run runs spec under the lock of (spec.UserID, spec.Resource) and
// returns the body's error, or the skeleton's own (made safe by
// r.Private): ErrBusy (FailFast) or ctx's error (Wait) when the lock is
// held elsewhere, kith.CheckSchema's error when the database is not
// migrated (or at another version), a failure to record the run. An
// error finishing the run record or releasing the lock is returned only
// when the body succeeded.
func (r *Runner) Run(ctx context.Context, spec RunSpec) (err error) {
	conn, release, err := Lock(ctx, r.Pool, r.Schema, spec.UserID, spec.Resource, r.Lock)
	if err != nil {
		return r.Private(err, "lock")
	}
	defer func() {
		if rerr := release(); rerr != nil && err == nil {
			err = r.Private(rerr, "unlock")
		}
	}()
	state, err := r.Ledger.Load(ctx, conn, spec.UserID, spec.Resource)
	if err != nil {
		if cerr := kith.CheckSchema(ctx, conn, kith.MigrateOptions{Schema: r.Schema}); cerr != nil {
			return cerr // not migrated, or another version: say so, not the SQL error
		}
		return r.Private(err, "load state")
	}
	sess := Session{Conn: conn, Kind: Full}
	sess.Token, sess.ParamsChanged = LoadedToken(spec.ParamsKey, state.Token)
	if sess.Token != "" {
		sess.Kind = Incremental
	}
	run, err := r.Ledger.StartRun(ctx, conn, spec.UserID, spec.Resource, sess.Kind)
	if err != nil {
		return r.Private(err, "start run")
	}
	defer func() {
		// A panic (a host callback's, say) is recorded as a failed run,
		// never as a success, then goes on up.
		p := recover()
		runErr := err
		if p != nil {
			runErr = r.Panicked
		}
		kind, counts := spec.Record()
		run.Kind = kind
		_, ferr := r.Ledger.FinishRun(context.WithoutCancel(ctx), conn, run, counts, runErr)
		if errors.Is(ferr, driver.ErrBadConn) || errors.Is(ferr, sql.ErrConnDone) {
			// A statement cut by the cancelled ctx leaves the pinned
			// connection unusable (both drivers drop it): the record is
			// finished on another one of the pool. The lock goes with the
			// broken connection's session.
			_, ferr = r.Ledger.FinishRun(context.WithoutCancel(ctx), r.Pool, run, counts, runErr)
		}
		if ferr != nil && err == nil {
			err = r.Private(ferr, "finish run")
		}
		if p != nil {
			panic(p)
		}
	}()
	return spec.Body(ctx, sess)
}

// Status returns the status of userID's resource (Ledger.Status, on the
// Pool). When that fails it returns kith.CheckSchema's error if the
// database is not migrated (or at another version), else the error made
// safe by r.Private (step "status").
func (r *Runner) Status(ctx context.Context, userID uuid.UUID, resource string) (Status, error) {
	st, err := r.Ledger.Status(ctx, r.Pool, userID, resource)
	if err != nil {
		if cerr := kith.CheckSchema(ctx, r.Pool, kith.MigrateOptions{Schema: r.Schema}); cerr != nil {
			return Status{}, cerr
		}
		return Status{}, r.Private(err, "status")
	}
	return st, nil
}

// StoredToken is the form a sync token is stored in: "<key>:<token>",
// key identifying the parameters of the chain that made it (a page or
// sync token used with other parameters gets Google's 400).
func StoredToken(key, token string) string { return key + ":" + token }

// LoadedToken returns the token of a stored one (StoredToken), "" when
// none is stored, or when it was made with another key (changed).
func LoadedToken(key, stored string) (token string, changed bool) {
	if stored == "" {
		return "", false
	}
	k, tok, ok := strings.Cut(stored, ":")
	if !ok || k != key || tok == "" {
		return "", true
	}
	return tok, false
}

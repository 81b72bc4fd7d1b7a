package gsync

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
)

// Pool is the handle a sync needs: a kith.Beginner that can also hand out
// one of its connections (*sql.DB and *sqlx.DB are both). A sync holds its
// session advisory lock on that pinned connection for the whole run and
// runs each page as a short transaction on it; a crash closes the
// connection, and PostgreSQL releases the lock.
type Pool interface {
	kith.Beginner
	Conn(ctx context.Context) (*sql.Conn, error)
}

// AsPool returns db as a Pool, or an error saying why it is not one (a
// nil handle, or a handle without Conn such as a *sql.Conn or a *sql.Tx:
// a transaction cannot hold a lock across the run's transactions). The
// caller wraps the error in its package's ErrInvalid.
func AsPool(db kith.Beginner) (Pool, error) {
	if err := argcheck.Handle(db); err != nil {
		return nil, err
	}
	p, ok := db.(Pool)
	if !ok {
		return nil, fmt.Errorf("handle %T has no Conn(ctx) (*sql.Conn, error) method: a sync needs a pool such as *sql.DB or *sqlx.DB", db)
	}
	return p, nil
}

// LockMode says what Lock does when another session holds the lock.
type LockMode int

const (
	// FailFast returns ErrBusy at once (the zero value).
	FailFast LockMode = iota
	// Wait waits for the lock until ctx ends.
	Wait
)

// LockKey returns the bigint key of the advisory lock of (schema, userID,
// resource): the first 8 bytes of a SHA-256 of the three. Two different
// triples may share a key; the only effect is that their syncs take turns
// (false contention), never that two syncs of one triple run at once.
func LockKey(schema string, userID uuid.UUID, resource string) int64 {
	h := sha256.New()
	h.Write([]byte("kith/gsync\x00"))
	h.Write([]byte(schema))
	h.Write([]byte{0})
	h.Write(userID[:])
	h.Write([]byte(resource))
	return int64(binary.BigEndian.Uint64(h.Sum(nil)[:8]))
}

// Release unlocks a lock taken by Lock and hands its connection back to
// the pool. It is safe to call more than once (later calls do nothing and
// return nil). It does not use the run's context: a cancelled run still
// unlocks.
type Release func() error

// releaseTimeout bounds the unlock statement of a Release.
const releaseTimeout = 10 * time.Second

// waitError is a Wait that ctx ended: it matches ErrBusy (another sync
// held the lock all along: a job queue snoozes, as for a FailFast
// ErrBusy) and ctx's error (context.DeadlineExceeded or
// context.Canceled), and its text says what was waited for.
type waitError struct{ ctx error }

func (e *waitError) Error() string {
	return "sync: gave up waiting for another sync of this user and resource to end: " + e.ctx.Error()
}
func (e *waitError) Unwrap() []error  { return []error{ErrBusy, e.ctx} }
func (e *waitError) SafeText() string { return e.Error() }

// Lock takes the session advisory lock of (schema, userID, resource) on a
// connection of its own from pool and returns that connection, on which
// the sync runs every statement of the run, and the Release that unlocks
// it. In FailFast mode a lock held elsewhere returns ErrBusy; in Wait mode
// Lock waits, and a ctx that ends stops the wait (the statement is
// cancelled) and returns an error that says it was waiting for another
// sync of this user and matches both ErrBusy and ctx's error
// (errors.Is(err, context.DeadlineExceeded) still holds).
//
// schema is the configured schema ("" means "kith"); it is part of the
// key so that two kith installations in one database never block each
// other. Only the error of taking a connection or of the lock statement
// itself is returned, wrapped ("sync: lock: …"); on any error no lock is
// held and the connection is back in (or, if its state is unknown,
// dropped from) the pool.
func Lock(ctx context.Context, pool Pool, schema string, userID uuid.UUID, resource string, mode LockMode) (*sql.Conn, Release, error) {
	if err := argcheck.User(userID); err != nil {
		return nil, nil, err
	}
	schema, err := dbschema.Name(schema)
	if err != nil {
		return nil, nil, err
	}
	if err := checkResource(resource); err != nil {
		return nil, nil, err
	}
	key := LockKey(schema, userID, resource)
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("sync: lock: %w", err)
	}
	var pid int64 // the session's backend, which holds the lock
	switch mode {
	case Wait:
		if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) l`, key).Scan(&pid); err != nil {
			// Cancelled or failed: the lock may have been granted just
			// as the cancel arrived. Never return such a connection.
			discard(conn)
			if ctx.Err() != nil {
				return nil, nil, &waitError{ctx: ctx.Err()}
			}
			return nil, nil, fmt.Errorf("sync: lock: %w", err)
		}
	default:
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1), pg_backend_pid()`, key).Scan(&got, &pid); err != nil {
			discard(conn)
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("sync: lock: %w", err)
		}
		if !got {
			conn.Close()
			return nil, nil, ErrBusy
		}
	}
	done := false
	release := func() error {
		if done {
			return nil
		}
		done = true
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		defer cancel()
		var unlocked bool
		err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, key).Scan(&unlocked)
		if err != nil {
			// The session may still hold the lock (an aborted
			// transaction, a timeout, a broken connection): close the
			// connection rather than pool it with the lock held, and
			// end its backend if it still holds the lock, waiting for
			// it to go: the server notices a closed connection only
			// later, and until then a retry of the same sync (a job
			// queue's, a test's) would find the lock taken.
			discard(conn)
			if _, terr := pool.ExecContext(ctx, endHolderSQL, pid, key); terr != nil {
				return fmt.Errorf("sync: unlock: %w (and ending the session that holds the lock: %v)", err, terr)
			}
			return fmt.Errorf("sync: unlock: %w", err)
		}
		// unlocked is false only if something else on this session
		// released the lock already: the session holds nothing.
		_ = unlocked
		return conn.Close()
	}
	return conn, release, nil
}

// endHolderSQL ends the backend $1 if it still holds the session advisory
// lock $2 (a bigint key is held as classid = its high 32 bits, objid = its
// low 32 bits, objsubid = 1), and waits up to 5 s for it to exit. Matching
// the lock, not the PID alone, never ends a backend that reused the PID.
// A role may end the backends of its own sessions.
const endHolderSQL = `SELECT pg_terminate_backend(l.pid, 5000) FROM pg_locks l
	WHERE l.locktype = 'advisory' AND l.granted AND l.pid = $1
	  AND l.classid = (($2::bigint >> 32) & 4294967295)::oid AND l.objid = ($2::bigint & 4294967295)::oid AND l.objsubid = 1`

// discard closes conn's underlying connection instead of returning it to
// the pool: database/sql drops a connection whose Raw callback reports
// driver.ErrBadConn.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// MaxResourceLen bounds a resource name.
const MaxResourceLen = 1024

func checkResource(r string) error {
	if r == "" || len(r) > MaxResourceLen {
		// The name itself is not quoted: a calendar ID is an email.
		return fmt.Errorf("resource name of %d bytes: want 1 to %d", len(r), MaxResourceLen)
	}
	return nil
}

package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/argcheck"
	"github.com/kithhq/kith/internal/dbschema"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/schemaguard"
)

// Config configures a Store. The zero value means the defaults.
type Config struct {
	// Schema is the Postgres schema holding kith's tables, as given to
	// kith.Migrate; "" means "kith".
	Schema string
	// MaxFutureSkew is how far in the future a last-contact date may lie
	// (clocks differ; a meeting logged from another time zone): a later
	// date is refused. 0 means 24 hours; negative is invalid.
	MaxFutureSkew time.Duration
	// Now is the store's clock, read for the future bound; nil means
	// time.Now.
	Now func() time.Time
}

// DefaultMaxFutureSkew is Config.MaxFutureSkew's default.
const DefaultMaxFutureSkew = 24 * time.Hour

// A Store reads and writes one host database's contacts and groups.
//
// Every method takes the ID of the user it acts for, and every statement is
// scoped by it: another user's contact or group is ErrNotFound, never
// visible, never modified; uuid.Nil is refused with ErrInvalid before any
// statement runs. Input is validated before anything is written; a refused
// input returns a *FieldError (errors.Is ErrInvalid) and changes nothing.
// A Store is safe for concurrent use.
//
// Writes are safe against concurrent writers: Update and Patch are
// versioned (a stale copy is a *ConflictError), last-contact dates only
// move forward, the fields the Google sync owns (resource name, etag,
// last sync) are written only by ApplyGooglePage and
// cleared only by Unlink and the Detach policy, and the Google writes
// lock rows in a fixed order.
//
// Every Store method runs a single statement, except Patch (a read, then
// a versioned write), a refused Update (a second statement tells a
// missing contact from a conflict), and ApplyGooglePage, ReconcileGoogle
// and SyncGoogleGroups (a few statements in one transaction: the Store's
// own when it is over a pool). A Store over a transaction (*sql.Tx,
// *sqlx.Tx; or WithTx) joins the host's transaction and a Store over a
// pool (*sql.DB, *sqlx.DB) autocommits each call.
type Store struct {
	db     kith.DB
	q      queries
	schema string
	search *searchState // shared by the Stores WithTx derives
	pool   bool         // db can begin transactions: not inside a host's transaction
	skew   time.Duration
	now    func() time.Time
}

// NewStore returns a Store over db. It validates cfg (errors match
// ErrInvalid) and does not touch the database; run kith.Migrate first. The
// Store's first statement checks the schema once (kith.CheckSchema): on a
// database never migrated every method fails with an error matching
// kith.ErrNotMigrated, on one migrated by a newer kith with a
// *kith.SchemaVersionError.
func NewStore(db kith.DB, cfg Config) (*Store, error) {
	if err := argcheck.Handle(db); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	schema, err := dbschema.Name(cfg.Schema)
	if err != nil {
		return nil, fmt.Errorf("%w: Config.Schema: %w", ErrInvalid, err)
	}
	if cfg.MaxFutureSkew < 0 {
		return nil, fmt.Errorf("%w: Config.MaxFutureSkew %v: must be >= 0", ErrInvalid, cfg.MaxFutureSkew)
	}
	b, pool := db.(kith.Beginner)
	guarded := schemaguard.DB(db, schema)
	if pool {
		guarded = schemaguard.Beginner(b, schema)
	}
	s := &Store{db: guarded, search: &searchState{}, q: newQueries(schema), schema: schema, pool: pool, skew: cfg.MaxFutureSkew, now: cfg.Now}
	if s.skew == 0 {
		s.skew = DefaultMaxFutureSkew
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// WithTx returns a Store like s whose statements run on tx, a host's
// transaction (*sql.Tx, *sqlx.Tx; any kith.DB): every call joins it, and
// ApplyGooglePage, ReconcileGoogle and SyncGoogleGroups write inside it, so
// a sync can save its token with the page's writes. It shares s's
// configuration and its schema check (no check per transaction), and is
// cheap: build one per transaction. A nil or typed-nil tx is ErrInvalid.
//
// An error inside the host's transaction aborts it in PostgreSQL (an
// ErrDuplicate always does: it is the database's unique violation; treat
// any error from a call on tx alike): every later statement on tx fails
// ("current transaction is aborted") until it is rolled back. A host that
// goes on after an error, say to create the contact under another email,
// rolls tx back first, or takes a savepoint before the call (SAVEPOINT s;
// on error ROLLBACK TO SAVEPOINT s) and continues from it.
func (s *Store) WithTx(tx kith.DB) (*Store, error) {
	if err := argcheck.Handle(tx); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c := *s
	c.db = schemaguard.Rebind(s.db, tx)
	_, c.pool = tx.(kith.Beginner)
	if c.pool {
		// A pool given as a "transaction": each call autocommits, as NewStore's.
		c.db = schemaguard.Beginner(tx.(kith.Beginner), s.schema)
	}
	return &c, nil
}

// Create validates c and stores it as a new contact of userID, at version
// 1. c.ID, c.UserID, c.Version, c.GroupIDs, the created/updated times and
// the sync-owned fields (GoogleResourceName, GoogleETag, LastSyncedAt) are
// ignored: the store sets the first ones, and only the Google sync's
// write (ApplyGooglePage) sets the others. The stored contact is returned, normalized as Validate
// describes.
func (s *Store) Create(ctx context.Context, userID uuid.UUID, c Contact) (Contact, error) {
	if err := checkUser(userID); err != nil {
		return Contact{}, err
	}
	c.GoogleResourceName, c.GoogleETag, c.LastSyncedAt = "", "", nil
	args, err := s.prepare(&c)
	if err != nil {
		return Contact{}, err
	}
	var out Contact
	if err := scanContact(s.db.QueryRowContext(ctx, s.q.insert, append([]any{userID}, args...)...), &out); err != nil {
		return Contact{}, fail(err, "create contact")
	}
	return out, nil
}

// Get returns the contact id of userID, or ErrNotFound.
func (s *Store) Get(ctx context.Context, userID, id uuid.UUID) (Contact, error) {
	if err := checkUser(userID); err != nil {
		return Contact{}, err
	}
	var c Contact
	if err := scanContact(s.db.QueryRowContext(ctx, s.q.get, userID, id), &c); err != nil {
		return Contact{}, fail(err, "get contact %s", id)
	}
	return c, nil
}

// Update replaces the user-editable fields of the contact c.ID of userID
// with c's, and returns the stored contact, its Version one higher. It is
// a full replace of a copy read before: read, change, write.
//
// c.Version must be the stored version; a copy read before another write
// (an Update, a Patch, MarkContacted, a sync) is refused with a
// *ConflictError (errors.Is ErrConflict) and nothing changes. GroupIDs,
// CreatedAt, UpdatedAt and the sync-owned fields in c are ignored: the
// stored ones are kept. LastContactDate only moves forward: an earlier
// date than the stored one, or nil, keeps the stored date; a date more
// than Config.MaxFutureSkew ahead is refused, unless it is the stored date
// (the bound checks new input: a stored row whose date lies further ahead,
// written by a store with a larger skew or a clock set ahead, can still be
// edited when the edit leaves its date as read). A missing contact is
// ErrNotFound.
func (s *Store) Update(ctx context.Context, userID uuid.UUID, c Contact) (Contact, error) {
	if err := checkUser(userID); err != nil {
		return Contact{}, err
	}
	var stored *time.Time
	if s.checkFuture("last_contact_date", c.LastContactDate) != nil {
		// Only then read the stored date: a date left as read is not moved.
		// The versioned update still refuses a copy that is stale.
		cur, err := s.Get(ctx, userID, c.ID)
		if err != nil {
			return Contact{}, err
		}
		stored = cur.LastContactDate
	}
	args, err := s.prepareFrom(&c, stored)
	if err != nil {
		return Contact{}, err
	}
	return s.update(ctx, userID, c.ID, c.Version, args)
}

// update runs the versioned update of id with a prepared contact's
// arguments. When no row matched, a second statement tells a missing
// contact (ErrNotFound) from a stale version (*ConflictError).
func (s *Store) update(ctx context.Context, userID, id uuid.UUID, version int64, args []any) (Contact, error) {
	var out Contact
	err := scanContact(s.db.QueryRowContext(ctx, s.q.update, append([]any{userID, id, version}, args...)...), &out)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Contact{}, fail(err, "update contact %s", id)
	}
	var stored int64
	if err := s.db.QueryRowContext(ctx, s.q.version, userID, id).Scan(&stored); err != nil {
		return Contact{}, fail(err, "update contact %s", id)
	}
	return Contact{}, &ConflictError{ID: id, Stored: stored, Given: version}
}

// A ContactPatch lists the fields Patch changes: a nil field is left as
// stored, a non-nil one is set to what it points to (a pointer to "" or
// to an empty slice clears a text or list field). It decodes from a JSON
// body with only the fields a form sent. The sync-owned fields, GroupIDs
// and the store's timestamps cannot be patched; nullable fields other
// than LastContactDate cannot be cleared by a patch (use Update).
type ContactPatch struct {
	Name        *string
	Email       *string
	OtherEmails *[]string
	Phone       *string
	LinkedIn    *string
	Instagram   *string
	XHandle     *string
	OtherSocial *map[string]string
	Location    *string
	TimeZone    *string
	Notes       *string
	// LastContactDate moves the last contact forward; an earlier date than
	// the stored one changes nothing.
	LastContactDate   *time.Time
	Frequency         *Frequency
	Tags              *[]string
	Archived          *bool
	Source            *string
	Circle            *Circle
	CircleAssignedAt  *time.Time
	CircleConfidence  *float64
	AISuggestedCircle *Circle
}

// apply sets c's fields from the non-nil fields of p.
func (p *ContactPatch) apply(c *Contact) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, p.Name)
	set(&c.Email, p.Email)
	set(&c.Phone, p.Phone)
	set(&c.LinkedIn, p.LinkedIn)
	set(&c.Instagram, p.Instagram)
	set(&c.XHandle, p.XHandle)
	set(&c.Location, p.Location)
	set(&c.TimeZone, p.TimeZone)
	set(&c.Notes, p.Notes)
	set(&c.Source, p.Source)
	if p.OtherEmails != nil {
		c.OtherEmails = *p.OtherEmails
	}
	if p.OtherSocial != nil {
		c.OtherSocial = *p.OtherSocial
	}
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	if p.LastContactDate != nil {
		c.LastContactDate = p.LastContactDate
	}
	if p.Frequency != nil {
		c.Frequency = *p.Frequency
	}
	if p.Archived != nil {
		c.Archived = *p.Archived
	}
	if p.Circle != nil {
		c.Circle = *p.Circle
	}
	if p.CircleAssignedAt != nil {
		c.CircleAssignedAt = p.CircleAssignedAt
	}
	if p.CircleConfidence != nil {
		c.CircleConfidence = p.CircleConfidence
	}
	if p.AISuggestedCircle != nil {
		c.AISuggestedCircle = *p.AISuggestedCircle
	}
}

// Patch changes only the fields p sets of the contact id of userID, which
// must be at version (the Version of the copy the change was made from),
// and returns the stored contact, its Version one higher. A form that
// sends a name and notes changes the name and notes and nothing else.
//
// A stored version other than version is a *ConflictError (errors.Is
// ErrConflict) and nothing changes. The patched contact is validated as a
// whole, as Update does, with the same rules: LastContactDate only moves
// forward, sync-owned fields are untouched. Config.MaxFutureSkew bounds
// only a LastContactDate the patch sets: a patch of other fields edits a
// contact whose stored date lies further ahead. A missing contact is
// ErrNotFound. Patch reads the contact, then writes it with a versioned
// statement, so a write between the two is still a conflict.
//
// An empty patch (no field set) writes nothing: it returns the stored
// contact, its Version unchanged, so other clients' copies stay current.
// Its version is still checked: a stale one is a *ConflictError.
func (s *Store) Patch(ctx context.Context, userID, id uuid.UUID, p ContactPatch, version int64) (Contact, error) {
	c, err := s.Get(ctx, userID, id)
	if err != nil {
		return Contact{}, err
	}
	if c.Version != version {
		return Contact{}, &ConflictError{ID: id, Stored: c.Version, Given: version}
	}
	if p == (ContactPatch{}) {
		return c, nil
	}
	stored := c.LastContactDate
	p.apply(&c)
	args, err := s.prepareFrom(&c, stored)
	if err != nil {
		return Contact{}, err
	}
	return s.update(ctx, userID, id, version, args)
}

// Unlink detaches the contact id of userID from Google: it clears the
// sync-owned fields (GoogleResourceName, GoogleETag, LastSyncedAt), so the
// next sync of that person no longer updates this one by its resource
// name: it creates a new contact, unless the person shares an address with
// this one, which ApplyGooglePage then links again. Besides the Google sync's write (ApplyGooglePage),
// it is the only write that touches them. It
// returns the stored contact.
func (s *Store) Unlink(ctx context.Context, userID, id uuid.UUID) (Contact, error) {
	if err := checkUser(userID); err != nil {
		return Contact{}, err
	}
	var c Contact
	if err := scanContact(s.db.QueryRowContext(ctx, s.q.unlink, userID, id), &c); err != nil {
		return Contact{}, fail(err, "unlink contact %s", id)
	}
	return c, nil
}

// FindByEmail returns every contact of userID holding email as its primary
// or one of its other addresses, compared after NormalizeEmail (so
// "Ann@Example.COM" finds "ann@example.com"), ordered by ID; an empty
// slice when none does. It is one look-up of the (user, normalized email)
// index. An address NormalizeEmail refuses is a *FieldError.
func (s *Store) FindByEmail(ctx context.Context, userID uuid.UUID, email string) ([]Contact, error) {
	if err := checkUser(userID); err != nil {
		return nil, err
	}
	key, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q.findByEmail, userID, key)
	if err != nil {
		return nil, fail(err, "find contacts by email")
	}
	defer rows.Close()
	found := []Contact{}
	for rows.Next() {
		var c Contact
		if err := scanContact(rows, &c); err != nil {
			return nil, fail(err, "find contacts by email")
		}
		found = append(found, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "find contacts by email")
	}
	return found, nil
}

// prepare normalizes and validates c in place for an app write (Create,
// Update, Patch), checks its last-contact date against the store's clock,
// and returns the userColumns arguments.
func (s *Store) prepare(c *Contact) ([]any, error) {
	return s.prepareFrom(c, nil)
}

// prepareFrom is prepare for an edit of a stored contact whose last-contact
// date is stored: the future bound applies only when the edit changes it.
func (s *Store) prepareFrom(c *Contact, stored *time.Time) ([]any, error) {
	*c = c.normalized()
	keys, err := c.check()
	if err != nil {
		return nil, err
	}
	if !sameTime(c.LastContactDate, stored) {
		if err := s.checkFuture("last_contact_date", c.LastContactDate); err != nil {
			return nil, err
		}
	}
	return writeArgs(c, keys)
}

// sameTime reports whether a and b are both nil or the same instant.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// checkFuture refuses a date more than MaxFutureSkew after the store's
// clock.
func (s *Store) checkFuture(field string, at *time.Time) error {
	if at == nil {
		return nil
	}
	now := s.now()
	if limit := now.Add(s.skew); at.After(limit) {
		return &FieldError{Field: field, Reason: fmt.Sprintf("%s is %s in the future; at most %s ahead of the clock (Config.MaxFutureSkew %v)",
			at.UTC().Format(time.RFC3339), howFar(now, *at), skewText(s.skew), s.skew)}
	}
	return nil
}

// howFar says how far after now at lies as a person reads it: "25h0m0s"
// under two days, "40 days" under a year, "972 years (355,400 days)"
// beyond. It counts in seconds and calendar years, never in a
// time.Duration, which tops out at about 292 years (at.Sub(now) would
// read "2562047h47m16.854775807s" for a date in 2999).
func howFar(now, at time.Time) string {
	secs := at.Unix() - now.Unix()
	days := secs / 86400
	switch {
	case days < 2:
		return (time.Duration(secs) * time.Second).String()
	case days < 365:
		return fmt.Sprintf("%s days", thousands(days))
	}
	years := at.Year() - now.Year()
	if now.AddDate(years, 0, 0).After(at) {
		years--
	}
	unit := "years"
	if years == 1 {
		unit = "year"
	}
	return fmt.Sprintf("%d %s (%s days)", years, unit, thousands(days))
}

// skewText reads a MaxFutureSkew in whole days when it is one ("1 day",
// "7 days"), else as a time.Duration ("36h0m0s").
func skewText(d time.Duration) string {
	if d <= 0 || d%(24*time.Hour) != 0 {
		return d.String()
	}
	if n := int64(d / (24 * time.Hour)); n != 1 {
		return fmt.Sprintf("%s days", thousands(n))
	}
	return "1 day"
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Archive hides the contact id of userID from streams and suggestions
// without deleting it. Archiving an archived contact is not an error.
func (s *Store) Archive(ctx context.Context, userID, id uuid.UUID) error {
	return s.setArchived(ctx, userID, id, true)
}

// Unarchive undoes Archive.
func (s *Store) Unarchive(ctx context.Context, userID, id uuid.UUID) error {
	return s.setArchived(ctx, userID, id, false)
}

func (s *Store) setArchived(ctx context.Context, userID, id uuid.UUID, archived bool) error {
	if err := checkUser(userID); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.setArchived, userID, id, archived)
	if err := affectedOne(res, err); err != nil {
		if archived {
			return fail(err, "archive contact %s", id)
		}
		return fail(err, "unarchive contact %s", id)
	}
	return nil
}

// Delete removes the contact id of userID and its group memberships.
func (s *Store) Delete(ctx context.Context, userID, id uuid.UUID) error {
	if err := checkUser(userID); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.delete, userID, id)
	if err := affectedOne(res, err); err != nil {
		return fail(err, "delete contact %s", id)
	}
	return nil
}

// CountOptions says which contacts [Store.Count] counts. The zero value
// counts the unarchived ones, those streams and suggestions see.
type CountOptions struct {
	// IncludeArchived counts archived contacts too.
	IncludeArchived bool
}

// Count returns how many contacts userID has, as opts selects.
func (s *Store) Count(ctx context.Context, userID uuid.UUID, opts CountOptions) (int64, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, s.q.count, userID, opts.IncludeArchived).Scan(&n); err != nil {
		return 0, fail(err, "count contacts")
	}
	return n, nil
}

// MarkContacted records that userID was in touch with the given contacts
// at at. A contact's last-contact date only ever moves forward: contacts
// already contacted at or after at are left alone, as are IDs that are not
// userID's. It returns how many contacts moved forward; each of them gets
// a new Version. at must be a real date: not zero, not before MinDate, at
// most Config.MaxFutureSkew after the store's clock.
func (s *Store) MarkContacted(ctx context.Context, userID uuid.UUID, contactIDs []uuid.UUID, at time.Time) (int, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	if err := checkDate("last_contact_date", at); err != nil {
		return 0, err
	}
	if err := s.checkFuture("last_contact_date", &at); err != nil {
		return 0, err
	}
	if len(contactIDs) == 0 {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, s.q.markContacted, userID, pgarray.UUIDs(contactIDs), at)
	if err != nil {
		return 0, fail(err, "mark contacted")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fail(err, "mark contacted")
	}
	return int(n), nil
}

// writeArgs lists a checked contact's userColumns as bind parameters.
func writeArgs(c *Contact, emailKeys []string) ([]any, error) {
	social := []byte("{}")
	if len(c.OtherSocial) > 0 {
		var err error
		if social, err = json.Marshal(c.OtherSocial); err != nil {
			return nil, &FieldError{Field: "other_social", Reason: err.Error()}
		}
	}
	return []any{
		c.Name, c.Email, pgarray.Strings(nonNil(c.OtherEmails)), pgarray.Strings(nonNil(emailKeys)),
		c.Phone, c.LinkedIn, c.Instagram, c.XHandle, string(social),
		c.Location, c.TimeZone, c.Notes, c.LastContactDate, string(c.Frequency), pgarray.Strings(nonNil(c.Tags)), c.Archived, c.Source,
		string(c.Circle), c.CircleAssignedAt, c.CircleConfidence, string(c.AISuggestedCircle),
	}, nil
}

// nonNil returns s, or an empty slice for nil, so that text[] columns get
// '{}' rather than NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// affectedOne turns an Exec result that touched no row into ErrNotFound.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

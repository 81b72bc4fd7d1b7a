package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
}

// A Store reads and writes one host database's contacts and groups.
//
// Every method takes the ID of the user it acts for, and every statement is
// scoped by it: another user's contact or group is ErrNotFound, never
// visible, never modified. Input is validated before anything is written; a
// refused input returns a *FieldError (errors.Is ErrInvalid) and changes
// nothing. A Store is safe for concurrent use.
//
// Every Store method runs a single statement, so a Store over a transaction
// (*sql.Tx, *sqlx.Tx) joins the host's transaction and a Store over a pool
// (*sql.DB, *sqlx.DB) autocommits each call.
type Store struct {
	db     kith.DB
	q      queries
	schema string
	search searchState
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
	return &Store{db: schemaguard.DB(db, schema), q: newQueries(schema), schema: schema}, nil
}

// Create validates c and stores it as a new contact of userID. c.ID,
// c.UserID, c.GroupIDs and the created/updated times are ignored and set by
// the store; the stored contact is returned. A second contact of the same
// user with the same non-empty GoogleResourceName is ErrDuplicate.
func (s *Store) Create(ctx context.Context, userID uuid.UUID, c Contact) (Contact, error) {
	return s.write(ctx, "create contact", s.q.insert, &c, userID)
}

// Get returns the contact id of userID, or ErrNotFound.
func (s *Store) Get(ctx context.Context, userID, id uuid.UUID) (Contact, error) {
	var c Contact
	if err := scanContact(s.db.QueryRowContext(ctx, s.q.get, userID, id), &c); err != nil {
		return Contact{}, fail(err, "get contact %s", id)
	}
	return c, nil
}

// Update replaces every user-editable field of the contact c.ID of userID
// with c's, and returns the stored contact. It is a full replace, not a
// patch: read, change, write. GroupIDs, CreatedAt and UpdatedAt in c are
// ignored. A missing contact is ErrNotFound.
func (s *Store) Update(ctx context.Context, userID uuid.UUID, c Contact) (Contact, error) {
	return s.write(ctx, "update contact "+c.ID.String(), s.q.update, &c, userID, c.ID)
}

// write validates c, then runs query (an insert or an update) with lead
// before c's writable fields, and returns the stored contact. A refused
// input is returned as its *FieldError; database errors are wrapped with
// op.
func (s *Store) write(ctx context.Context, op, query string, c *Contact, lead ...any) (Contact, error) {
	if err := c.Validate(); err != nil {
		return Contact{}, err
	}
	args, err := writeArgs(c)
	if err != nil {
		return Contact{}, err
	}
	var out Contact
	if err := scanContact(s.db.QueryRowContext(ctx, query, append(lead, args...)...), &out); err != nil {
		return Contact{}, fail(err, "%s", op)
	}
	return out, nil
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
	var n int64
	if err := s.db.QueryRowContext(ctx, s.q.count, userID, opts.IncludeArchived).Scan(&n); err != nil {
		return 0, fail(err, "count contacts")
	}
	return n, nil
}

// MarkContacted records that userID was in touch with the given contacts
// at at. A contact's last-contact date only ever moves forward: contacts
// already contacted at or after at are left alone, as are IDs that are not
// userID's. It returns how many contacts moved forward.
func (s *Store) MarkContacted(ctx context.Context, userID uuid.UUID, contactIDs []uuid.UUID, at time.Time) (int, error) {
	if at.IsZero() {
		return 0, &FieldError{Field: "last_contact_date", Reason: "zero time"}
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

// writeArgs lists c's writable fields in writableColumns order, as bind
// parameters.
func writeArgs(c *Contact) ([]any, error) {
	social := []byte("{}")
	if len(c.OtherSocial) > 0 {
		var err error
		if social, err = json.Marshal(c.OtherSocial); err != nil {
			return nil, &FieldError{Field: "other_social", Reason: err.Error()}
		}
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return []any{
		c.Name, c.Email, c.Phone, c.LinkedIn, c.Instagram, c.XHandle, string(social),
		c.Location, c.TimeZone, c.Notes, c.LastContactDate, string(c.Frequency), pgarray.Strings(tags), c.Archived, c.Source,
		c.GoogleResourceName, c.GoogleETag, c.LastSyncedAt, string(c.Circle), c.CircleAssignedAt,
		c.CircleConfidence, string(c.AISuggestedCircle),
	}, nil
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

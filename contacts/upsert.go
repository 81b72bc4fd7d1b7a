package contacts

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/pgerr"
)

// MaxUpsertBatch is the most contacts one UpsertGoogle call takes. A page
// of the Google People API holds at most 1,000.
const MaxUpsertBatch = 10_000

// UpsertOptions configures one UpsertGoogle call. The zero value refuses
// a batch holding any invalid row.
type UpsertOptions struct {
	// SkipInvalid writes the valid rows of a batch and reports each
	// refused row in UpsertResult.Rejected, instead of refusing the whole
	// batch for one bad row.
	SkipInvalid bool
}

// UpsertResult counts what UpsertGoogle did with a batch.
type UpsertResult struct {
	Inserted  int // new contacts
	Updated   int // existing contacts whose Google fields were refreshed
	Unchanged int // existing contacts whose etag matched: nothing written
	// Rejected lists the rows refused under UpsertOptions.SkipInvalid, in
	// batch order; empty (never nil) when none was.
	Rejected []RowError
}

// UpsertGoogle writes a page of contacts synced from Google for userID in
// one statement, keyed by (userID, GoogleResourceName). It is the narrow
// form: no links to manual contacts, merges, deletions, group memberships
// or pass marker, and it does not unarchive what the sync archived. A
// Google sync uses ApplyGooglePage.
//
// A contact the user does not have yet is inserted with all its fields. An
// existing one gets only the fields Google owns refreshed (Name, Email,
// OtherEmails, Phone, Location, GoogleETag, LastSyncedAt) and its Version
// bumped: what the user typed (notes, frequency, circle, tags, archived,
// last contact) is never overwritten. An existing contact whose stored
// etag equals the incoming non-empty etag is left untouched.
//
// Every contact must be valid (as Validate, with the last-contact date at
// most Config.MaxFutureSkew ahead) and have a GoogleResourceName, unique
// within the batch, and the batch holds at most MaxUpsertBatch contacts.
// Otherwise, by default, the error is a *FieldError with Row set and
// nothing is written; with opts.SkipInvalid the other rows are written and
// each refused row is listed in the result's Rejected. The written rows
// are written atomically.
//
// Concurrent calls for one user (two sync workers, a retry overlapping
// the first run) do not deadlock: rows are written in resource-name order,
// so every call locks them in the same order. A serialization failure or
// deadlock reported by the database anyway (a host's own statements
// locking the same rows, a SERIALIZABLE default) is retried once when the
// Store's handle is a pool (it has BeginTx); inside a host's transaction
// it is returned, since the transaction is then aborted.
func (s *Store) UpsertGoogle(ctx context.Context, userID uuid.UUID, batch []Contact, opts UpsertOptions) (UpsertResult, error) {
	if err := checkUser(userID); err != nil {
		return UpsertResult{}, err
	}
	if len(batch) > MaxUpsertBatch {
		return UpsertResult{}, &FieldError{Field: "batch", Reason: fmt.Sprintf("%d contacts, more than %d", len(batch), MaxUpsertBatch), Len: len(batch), Max: MaxUpsertBatch}
	}
	res := UpsertResult{Rejected: []RowError{}}
	rows := make([]upsertRow, 0, len(batch))
	seen := make(map[string]int, len(batch))
	for i := range batch {
		row, err := s.upsertRow(&batch[i], i+1, seen)
		if err != nil {
			if !opts.SkipInvalid {
				return UpsertResult{}, err
			}
			res.Rejected = append(res.Rejected, RowError{Row: i + 1, GoogleResourceName: batch[i].GoogleResourceName, Err: err})
			continue
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return res, nil
	}
	// One lock order for every caller: see the doc comment.
	slices.SortFunc(rows, func(a, b upsertRow) int { return strings.Compare(a.GoogleResourceName, b.GoogleResourceName) })
	payload, err := json.Marshal(rows)
	if err != nil {
		return UpsertResult{}, fail(err, "upsert: encode batch")
	}
	for attempt := 1; ; attempt++ {
		err = s.db.QueryRowContext(ctx, s.q.upsertGoogle, userID, string(payload)).Scan(&res.Inserted, &res.Updated)
		if err == nil || !s.pool || attempt > 1 || !pgerr.Is(err, pgerr.SerializationFailure, pgerr.DeadlockDetected) {
			break
		}
	}
	if err != nil {
		return UpsertResult{}, fail(err, "upsert %d contacts", len(rows))
	}
	res.Unchanged = len(rows) - res.Inserted - res.Updated
	return res, nil
}

// upsertRow checks one contact of a batch (row is its 1-based position;
// seen maps the batch's resource names to their rows) and returns it as
// the statement reads it.
func (s *Store) upsertRow(in *Contact, row int, seen map[string]int) (upsertRow, error) {
	r, err := s.prepareRow(in)
	if err != nil {
		fe := *err.(*FieldError)
		fe.Row = row
		return upsertRow{}, &fe
	}
	if r.GoogleResourceName == "" {
		return upsertRow{}, &FieldError{Field: "google_resource_name", Row: row, Reason: "required"}
	}
	if prev, dup := seen[r.GoogleResourceName]; dup {
		return upsertRow{}, &FieldError{Field: "google_resource_name", Row: row,
			Reason: fmt.Sprintf("%q repeats row %d", r.GoogleResourceName, prev)}
	}
	seen[r.GoogleResourceName] = row
	return r, nil
}

// prepareRow normalizes and validates a row of a batch (last-contact date
// against the store's clock included) and returns it as the bulk
// statements read it. The error is a *FieldError.
func (s *Store) prepareRow(in *Contact) (upsertRow, error) {
	c := in.normalized()
	keys, err := c.check()
	if err == nil {
		err = s.checkFuture("last_contact_date", c.LastContactDate)
	}
	if err != nil {
		return upsertRow{}, err
	}
	return newUpsertRow(&c, keys), nil
}

// upsertRow is a Contact as jsonb_to_recordset reads it: keys are the
// column names.
type upsertRow struct {
	Name               string            `json:"name"`
	Email              string            `json:"email"`
	OtherEmails        []string          `json:"other_emails"`
	EmailKeys          []string          `json:"email_keys"`
	Phone              string            `json:"phone"`
	LinkedIn           string            `json:"linkedin"`
	Instagram          string            `json:"instagram"`
	XHandle            string            `json:"x_handle"`
	OtherSocial        map[string]string `json:"other_social"`
	Location           string            `json:"location"`
	TimeZone           string            `json:"time_zone"`
	Notes              string            `json:"notes"`
	LastContactDate    *time.Time        `json:"last_contact_date"`
	Frequency          Frequency         `json:"frequency"`
	Tags               []string          `json:"tags"`
	Archived           bool              `json:"archived"`
	Source             string            `json:"source"`
	Circle             Circle            `json:"circle"`
	CircleAssignedAt   *time.Time        `json:"circle_assigned_at"`
	CircleConfidence   *float64          `json:"circle_confidence"`
	AISuggestedCircle  Circle            `json:"ai_suggested_circle"`
	GoogleResourceName string            `json:"google_resource_name"`
	GoogleETag         string            `json:"google_etag"`
	LastSyncedAt       *time.Time        `json:"last_synced_at"`
}

func newUpsertRow(c *Contact, emailKeys []string) upsertRow {
	r := upsertRow{
		Name: c.Name, Email: c.Email, OtherEmails: nonNil(c.OtherEmails), EmailKeys: nonNil(emailKeys),
		Phone: c.Phone, LinkedIn: c.LinkedIn, Instagram: c.Instagram,
		XHandle: c.XHandle, OtherSocial: c.OtherSocial, Location: c.Location, TimeZone: c.TimeZone,
		Notes: c.Notes, LastContactDate: c.LastContactDate, Frequency: c.Frequency, Tags: nonNil(c.Tags),
		Archived: c.Archived, Source: c.Source, Circle: c.Circle,
		CircleAssignedAt: c.CircleAssignedAt, CircleConfidence: c.CircleConfidence,
		AISuggestedCircle: c.AISuggestedCircle, GoogleResourceName: c.GoogleResourceName,
		GoogleETag: c.GoogleETag, LastSyncedAt: c.LastSyncedAt,
	}
	if r.OtherSocial == nil {
		r.OtherSocial = map[string]string{}
	}
	return r
}

// The rows are inserted in the order of the JSON array (sorted by
// resource name), which is the order their locks are taken in.
const upsertGoogleSQL = `
WITH incoming AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (
        name text, email text, other_emails text[], email_keys text[], phone text, linkedin text,
        instagram text, x_handle text, other_social jsonb, location text, time_zone text, notes text,
        last_contact_date timestamptz, frequency text, tags text[], archived boolean, source text,
        circle text, circle_assigned_at timestamptz, circle_confidence real, ai_suggested_circle text,
        google_resource_name text, google_etag text, last_synced_at timestamptz)) WITH ORDINALITY AS r(
        name, email, other_emails, email_keys, phone, linkedin, instagram, x_handle, other_social,
        location, time_zone, notes, last_contact_date, frequency, tags, archived, source, circle,
        circle_assigned_at, circle_confidence, ai_suggested_circle, google_resource_name, google_etag,
        last_synced_at, ord)
), written AS (
    INSERT INTO kith.contacts AS c (user_id, ` + userColumns + `, ` + syncColumns + `)
    SELECT $1, ` + userColumns + `, ` + syncColumns + ` FROM incoming ORDER BY ord
    ON CONFLICT (user_id, google_resource_name) WHERE google_resource_name <> ''
    DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, other_emails = EXCLUDED.other_emails,
        email_keys = EXCLUDED.email_keys, phone = EXCLUDED.phone, location = EXCLUDED.location,
        google_etag = EXCLUDED.google_etag, last_synced_at = EXCLUDED.last_synced_at,
        version = c.version + 1, updated_at = now()
    WHERE EXCLUDED.google_etag = '' OR c.google_etag <> EXCLUDED.google_etag
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written`

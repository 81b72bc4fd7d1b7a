package contacts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// MaxUpsertBatch is the most contacts one UpsertGoogle call takes. A page
// of the Google People API holds at most 1,000.
const MaxUpsertBatch = 10_000

// UpsertResult counts what UpsertGoogle did with a batch.
type UpsertResult struct {
	Inserted  int // new contacts
	Updated   int // existing contacts whose Google fields were refreshed
	Unchanged int // existing contacts whose etag matched: nothing written
}

// UpsertGoogle writes a page of contacts synced from Google for userID in
// one statement, keyed by (userID, GoogleResourceName).
//
// A contact the user does not have yet is inserted with all its fields. An
// existing one gets only the fields Google owns refreshed (Name, Email,
// Phone, Location, GoogleETag, LastSyncedAt): what the user typed (notes,
// frequency, circle, tags, archived, last contact) is never overwritten. An
// existing contact whose stored etag equals the incoming non-empty etag is
// left untouched.
//
// Every contact must be valid and have a GoogleResourceName, unique within
// the batch, and the batch holds at most MaxUpsertBatch contacts; otherwise
// the error is a *FieldError with Row set, and nothing is written. The batch
// is written atomically.
func (s *Store) UpsertGoogle(ctx context.Context, userID uuid.UUID, batch []Contact) (UpsertResult, error) {
	if len(batch) > MaxUpsertBatch {
		return UpsertResult{}, &FieldError{Field: "batch", Reason: fmt.Sprintf("%d contacts, more than %d", len(batch), MaxUpsertBatch), Len: len(batch), Max: MaxUpsertBatch}
	}
	if len(batch) == 0 {
		return UpsertResult{}, nil
	}
	rows := make([]upsertRow, len(batch))
	seen := make(map[string]int, len(batch))
	for i := range batch {
		c := &batch[i]
		if err := c.Validate(); err != nil {
			fe := err.(*FieldError)
			fe.Row = i + 1
			return UpsertResult{}, fe
		}
		if c.GoogleResourceName == "" {
			return UpsertResult{}, &FieldError{Field: "google_resource_name", Row: i + 1, Reason: "required"}
		}
		if prev, dup := seen[c.GoogleResourceName]; dup {
			return UpsertResult{}, &FieldError{Field: "google_resource_name", Row: i + 1,
				Reason: fmt.Sprintf("%q repeats row %d", c.GoogleResourceName, prev)}
		}
		seen[c.GoogleResourceName] = i + 1
		rows[i] = newUpsertRow(c)
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return UpsertResult{}, fail(err, "upsert: encode batch")
	}
	var r UpsertResult
	if err := s.db.QueryRowContext(ctx, s.q.upsertGoogle, userID, string(payload)).Scan(&r.Inserted, &r.Updated); err != nil {
		return UpsertResult{}, fail(err, "upsert %d contacts", len(batch))
	}
	r.Unchanged = len(batch) - r.Inserted - r.Updated
	return r, nil
}

// upsertRow is a Contact as jsonb_to_recordset reads it: keys are the
// column names.
type upsertRow struct {
	Name               string            `json:"name"`
	Email              string            `json:"email"`
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
	GoogleResourceName string            `json:"google_resource_name"`
	GoogleETag         string            `json:"google_etag"`
	LastSyncedAt       *time.Time        `json:"last_synced_at"`
	Circle             Circle            `json:"circle"`
	CircleAssignedAt   *time.Time        `json:"circle_assigned_at"`
	CircleConfidence   *float64          `json:"circle_confidence"`
	AISuggestedCircle  Circle            `json:"ai_suggested_circle"`
}

func newUpsertRow(c *Contact) upsertRow {
	r := upsertRow{
		Name: c.Name, Email: c.Email, Phone: c.Phone, LinkedIn: c.LinkedIn, Instagram: c.Instagram,
		XHandle: c.XHandle, OtherSocial: c.OtherSocial, Location: c.Location, TimeZone: c.TimeZone,
		Notes: c.Notes, LastContactDate: c.LastContactDate, Frequency: c.Frequency, Tags: c.Tags,
		Archived: c.Archived, Source: c.Source, GoogleResourceName: c.GoogleResourceName,
		GoogleETag: c.GoogleETag, LastSyncedAt: c.LastSyncedAt, Circle: c.Circle,
		CircleAssignedAt: c.CircleAssignedAt, CircleConfidence: c.CircleConfidence,
		AISuggestedCircle: c.AISuggestedCircle,
	}
	if r.OtherSocial == nil {
		r.OtherSocial = map[string]string{}
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	return r
}

const upsertGoogleSQL = `
WITH incoming AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS r(
        name text, email text, phone text, linkedin text, instagram text, x_handle text,
        other_social jsonb, location text, time_zone text, notes text,
        last_contact_date timestamptz, frequency text, tags text[], archived boolean, source text,
        google_resource_name text, google_etag text, last_synced_at timestamptz, circle text,
        circle_assigned_at timestamptz, circle_confidence real, ai_suggested_circle text)
), written AS (
    INSERT INTO kith.contacts AS c (user_id, ` + writableColumns + `)
    SELECT $1, ` + writableColumns + ` FROM incoming
    ON CONFLICT (user_id, google_resource_name) WHERE google_resource_name <> ''
    DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
        location = EXCLUDED.location, google_etag = EXCLUDED.google_etag,
        last_synced_at = EXCLUDED.last_synced_at, updated_at = now()
    WHERE EXCLUDED.google_etag = '' OR c.google_etag <> EXCLUDED.google_etag
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written`

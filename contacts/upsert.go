package contacts

import (
	"fmt"
	"time"
)

// upsertRow checks one person of a Google page (row is its 1-based
// position; seen maps the page's resource names to their rows) and returns it as
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

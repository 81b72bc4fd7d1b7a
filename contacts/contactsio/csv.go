package contactsio

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// csvHeader is the CSV export's header, in column order. It is documented
// in the package comment and does not change.
var csvHeader = []string{
	"id", "name", "email", "other_emails", "phone", "linkedin", "instagram", "x_handle", "other_social",
	"location", "time_zone", "notes", "tags", "frequency", "circle", "circle_assigned_at",
	"last_contact_date", "archived", "created_at", "updated_at",
}

// listSep joins the values of a list column.
const listSep = "; "

type csvEncoder struct {
	w   *csv.Writer
	rec []string
}

func newCSVEncoder(w io.Writer) *csvEncoder {
	return &csvEncoder{w: csv.NewWriter(w), rec: make([]string, len(csvHeader))}
}

func (e *csvEncoder) header() error {
	if err := e.w.Write(csvHeader); err != nil {
		return err
	}
	e.w.Flush()
	return e.w.Error()
}

func (e *csvEncoder) encode(c *contacts.Contact) error {
	var social []string
	for _, network := range slices.Sorted(maps.Keys(c.OtherSocial)) {
		social = append(social, network+": "+c.OtherSocial[network])
	}
	archived := "false"
	if c.Archived {
		archived = "true"
	}
	r := e.rec
	r[0], r[1], r[2], r[3] = c.ID.String(), c.Name, c.Email, strings.Join(c.OtherEmails, listSep)
	r[4], r[5], r[6], r[7], r[8] = c.Phone, c.LinkedIn, c.Instagram, c.XHandle, strings.Join(social, listSep)
	r[9], r[10], r[11], r[12] = c.Location, c.TimeZone, c.Notes, strings.Join(c.Tags, listSep)
	r[13], r[14], r[15] = string(c.Frequency), string(c.Circle), formatTime(c.CircleAssignedAt)
	r[16], r[17] = formatTime(c.LastContactDate), archived
	r[18], r[19] = formatTime(&c.CreatedAt), formatTime(&c.UpdatedAt)
	if err := e.w.Write(r); err != nil {
		return err
	}
	// csv.Writer buffers on its own; flush into the export's buffer so
	// that an error surfaces at the record that caused it.
	e.w.Flush()
	return e.w.Error()
}

// csvColumns maps an imported file's columns to contact fields.
type csvColumns struct {
	index   map[string]int // header name -> column
	width   int
	ignored []string
}

// readCSVHeader reads the header row of an imported file.
func readCSVHeader(header []string) (csvColumns, error) {
	cols := csvColumns{index: map[string]int{}, width: len(header), ignored: []string{}}
	known := map[string]bool{}
	for _, h := range csvHeader {
		known[h] = true
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a byte order mark
		}
		if !known[name] {
			cols.ignored = append(cols.ignored, h)
			continue
		}
		if _, dup := cols.index[name]; dup {
			return cols, invalid("CSV header: column %q appears twice", name)
		}
		cols.index[name] = i
	}
	if _, ok := cols.index["name"]; !ok {
		return cols, invalid("CSV header: no name column (the header row is required; columns: %s)", strings.Join(csvHeader, ","))
	}
	return cols, nil
}

// fromCSV turns one data row into a contact.
func fromCSV(cols *csvColumns, rec []string, source string) (contacts.Contact, *RowError) {
	if len(rec) != cols.width {
		return contacts.Contact{}, &RowError{Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), cols.width)}
	}
	get := func(name string) string {
		if i, ok := cols.index[name]; ok {
			return rec[i]
		}
		return ""
	}
	c := contacts.Contact{
		Name: strings.TrimSpace(get("name")), Email: strings.TrimSpace(get("email")),
		OtherEmails: splitList(get("other_emails")), Phone: strings.TrimSpace(get("phone")),
		LinkedIn: strings.TrimSpace(get("linkedin")), Instagram: strings.TrimSpace(get("instagram")),
		XHandle: strings.TrimSpace(get("x_handle")), Location: get("location"),
		TimeZone: strings.TrimSpace(get("time_zone")), Notes: get("notes"), Tags: splitList(get("tags")),
		Frequency: contacts.Frequency(strings.ToLower(strings.TrimSpace(get("frequency")))),
		Circle:    contacts.Circle(strings.ToLower(strings.TrimSpace(get("circle")))),
		Source:    source,
	}
	if id := strings.TrimSpace(get("id")); id != "" {
		u, err := uuid.Parse(id)
		if err != nil {
			return c, &RowError{Field: "id", Reason: fmt.Sprintf("%q is not a UUID", id)}
		}
		c.ID = u
	}
	for _, pair := range splitList(get("other_social")) {
		network, handle, ok := strings.Cut(pair, ":")
		network, handle = strings.TrimSpace(network), strings.TrimSpace(handle)
		if !ok || network == "" {
			return c, &RowError{Field: "other_social", Reason: fmt.Sprintf("%q is not network: handle", pair)}
		}
		if c.OtherSocial == nil {
			c.OtherSocial = map[string]string{}
		}
		c.OtherSocial[network] = handle
	}
	var err error
	if c.CircleAssignedAt, err = parseTime(get("circle_assigned_at")); err != nil {
		return c, &RowError{Field: "circle_assigned_at", Reason: err.Error()}
	}
	if c.LastContactDate, err = parseTime(get("last_contact_date")); err != nil {
		return c, &RowError{Field: "last_contact_date", Reason: err.Error()}
	}
	if c.Archived, err = parseBool(get("archived")); err != nil {
		return c, &RowError{Field: "archived", Reason: err.Error()}
	}
	return c, nil
}

// splitList splits a list column on ";", trimming each value and dropping
// empty ones and repeats; "" is nil.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ";") {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

package contactsio

import (
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// kith's own vCard properties.
const (
	propFrequency        = "X-KITH-FREQUENCY"
	propCircle           = "X-KITH-CIRCLE"
	propCircleAssignedAt = "X-KITH-CIRCLE-ASSIGNED-AT"
	propLastContact      = "X-KITH-LAST-CONTACT"
	propArchived         = "X-KITH-ARCHIVED"
	propSocialProfile    = "X-SOCIALPROFILE"
)

// Social networks with a Contact field of their own, as X-SOCIALPROFILE
// types.
const (
	socialLinkedIn  = "linkedin"
	socialInstagram = "instagram"
	socialX         = "x"
)

// timeLayout is how kith writes times: RFC 3339 in UTC, to the
// microsecond Postgres keeps.
const timeLayout = "2006-01-02T15:04:05.999999Z07:00"

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// parseTime reads an RFC 3339 time or a plain date (UTC midnight); "" is
// nil.
func parseTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.Parse(time.DateOnly, s); err2 != nil {
			return nil, err
		}
	}
	return &t, nil
}

// cardEncoder writes contacts as vCards, reusing one card's map.
type cardEncoder struct {
	enc  *vcard.Encoder
	card vcard.Card
}

func newCardEncoder(w io.Writer) *cardEncoder {
	return &cardEncoder{enc: vcard.NewEncoder(w), card: vcard.Card{}}
}

func (e *cardEncoder) encode(c *contacts.Contact) error {
	card := e.card
	clear(card)
	text := func(k, v string) {
		if v != "" {
			card.Add(k, &vcard.Field{Value: v})
		}
	}
	card.SetValue(vcard.FieldVersion, "4.0")
	card.SetValue(vcard.FieldUID, "urn:uuid:"+c.ID.String())
	card.SetValue(vcard.FieldFormattedName, c.Name)
	if c.Email != "" {
		card.Add(vcard.FieldEmail, &vcard.Field{Value: c.Email, Params: vcard.Params{vcard.ParamPreferred: {"1"}}})
	}
	for _, e := range c.OtherEmails {
		card.Add(vcard.FieldEmail, &vcard.Field{Value: e})
	}
	if c.Phone != "" {
		card.Add(vcard.FieldTelephone, &vcard.Field{Value: c.Phone, Params: vcard.Params{vcard.ParamValue: {"text"}}})
	}
	if c.Location != "" {
		// The locality component; the encoder does not escape ";".
		card.AddAddress(&vcard.Address{Field: &vcard.Field{}, Locality: strings.ReplaceAll(c.Location, ";", ",")})
	}
	text(vcard.FieldNote, c.Notes)
	text(vcard.FieldTimezone, c.TimeZone)
	for _, tag := range c.Tags {
		// One property per tag: the encoder escapes commas, so a joined
		// list would read as one category elsewhere.
		text(vcard.FieldCategories, tag)
	}
	social := func(network, handle string) {
		if handle != "" {
			card.Add(propSocialProfile, &vcard.Field{Value: handle, Params: vcard.Params{vcard.ParamType: {network}}})
		}
	}
	social(socialLinkedIn, c.LinkedIn)
	social(socialInstagram, c.Instagram)
	social(socialX, c.XHandle)
	for _, network := range slices.Sorted(maps.Keys(c.OtherSocial)) {
		social(network, c.OtherSocial[network])
	}
	text(propFrequency, string(c.Frequency))
	text(propCircle, string(c.Circle))
	text(propCircleAssignedAt, formatTime(c.CircleAssignedAt))
	text(propLastContact, formatTime(c.LastContactDate))
	if c.Archived {
		text(propArchived, "true")
	}
	if !c.UpdatedAt.IsZero() {
		card.SetRevision(c.UpdatedAt.UTC())
	}
	return e.enc.Encode(card)
}

// fromCard turns a decoded vCard into a contact. A value kith cannot read
// is a *RowError naming the field; everything else is left to contacts'
// validation.
func fromCard(card vcard.Card, source string) (contacts.Contact, *RowError) {
	c := contacts.Contact{Source: source}
	c.Name = strings.TrimSpace(card.Value(vcard.FieldFormattedName))
	if c.Name == "" {
		if n := card.Name(); n != nil {
			c.Name = joinNonEmpty(" ", n.HonorificPrefix, n.GivenName, n.AdditionalName, n.FamilyName, n.HonorificSuffix)
		}
	}
	if uid := card.Value(vcard.FieldUID); uid != "" {
		if id, err := uuid.Parse(strings.TrimPrefix(strings.ToLower(uid), "urn:uuid:")); err == nil {
			c.ID = id
		}
	}
	// The preferred EMAIL (else the first) is Email, every other one an
	// OtherEmails entry, in file order. An address the store refuses
	// rejects the card; none is dropped here but empty values.
	for i, f := range preferredFirst(card[vcard.FieldEmail]) {
		addr := strings.TrimSpace(strings.TrimPrefix(f.Value, "mailto:"))
		switch {
		case addr == "":
		case i == 0:
			c.Email = addr
		default:
			c.OtherEmails = append(c.OtherEmails, addr)
		}
	}
	if tels := preferredFirst(card[vcard.FieldTelephone]); len(tels) > 0 {
		c.Phone = strings.TrimSpace(strings.TrimPrefix(tels[0].Value, "tel:"))
	}
	if adr := card.Address(); adr != nil {
		c.Location = joinNonEmpty(", ", adr.PostOfficeBox, adr.ExtendedAddress, adr.StreetAddress, adr.Locality, adr.Region, adr.PostalCode, adr.Country)
	}
	var notes []string
	for _, f := range card[vcard.FieldNote] {
		notes = append(notes, f.Value)
	}
	c.Notes = strings.Join(notes, "\n\n")
	c.TimeZone = strings.TrimSpace(card.Value(vcard.FieldTimezone))
	for _, f := range card[vcard.FieldCategories] {
		for _, tag := range strings.Split(f.Value, ",") {
			if tag = strings.TrimSpace(tag); tag != "" && !slices.Contains(c.Tags, tag) {
				c.Tags = append(c.Tags, tag)
			}
		}
	}
	for _, f := range card[propSocialProfile] {
		network := strings.TrimSpace(f.Params.Get(vcard.ParamType))
		handle := strings.TrimSpace(f.Value)
		if handle == "" {
			continue
		}
		switch strings.ToLower(network) {
		case socialLinkedIn:
			c.LinkedIn = handle
		case socialInstagram:
			c.Instagram = handle
		case socialX, "twitter":
			c.XHandle = handle
		case "":
		default:
			if c.OtherSocial == nil {
				c.OtherSocial = map[string]string{}
			}
			c.OtherSocial[network] = handle
		}
	}
	for _, f := range card[vcard.FieldURL] {
		u, err := url.Parse(strings.TrimSpace(f.Value))
		if err != nil {
			continue
		}
		host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
		switch {
		case c.LinkedIn == "" && (host == "linkedin.com" || strings.HasSuffix(host, ".linkedin.com")):
			c.LinkedIn = u.String()
		case c.Instagram == "" && host == "instagram.com":
			c.Instagram = firstPathSegment(u)
		case c.XHandle == "" && (host == "x.com" || host == "twitter.com"):
			c.XHandle = firstPathSegment(u)
		}
	}
	c.Frequency = contacts.Frequency(strings.ToLower(strings.TrimSpace(card.Value(propFrequency))))
	c.Circle = contacts.Circle(strings.ToLower(strings.TrimSpace(card.Value(propCircle))))
	var err error
	if c.CircleAssignedAt, err = parseTime(card.Value(propCircleAssignedAt)); err != nil {
		return c, &RowError{Field: "circle_assigned_at", Reason: err.Error()}
	}
	if c.LastContactDate, err = parseTime(card.Value(propLastContact)); err != nil {
		return c, &RowError{Field: "last_contact_date", Reason: err.Error()}
	}
	if v := card.Value(propArchived); v != "" {
		if c.Archived, err = parseBool(v); err != nil {
			return c, &RowError{Field: "archived", Reason: err.Error()}
		}
	}
	return c, nil
}

// preferredFirst returns fs with the field of the lowest PREF first, the
// others in file order.
func preferredFirst(fs []*vcard.Field) []*vcard.Field {
	best, bestPref := -1, 101
	for i, f := range fs {
		if p, err := strconv.Atoi(f.Params.Get(vcard.ParamPreferred)); err == nil && p < bestPref {
			best, bestPref = i, p
		}
	}
	if best <= 0 {
		return fs
	}
	out := append([]*vcard.Field{fs[best]}, fs[:best]...)
	return append(out, fs[best+1:]...)
}

func joinNonEmpty(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func firstPathSegment(u *url.URL) string {
	seg, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	return seg
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

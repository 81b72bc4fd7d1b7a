package googlefake

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"google.golang.org/api/people/v1"
)

// The people types' MarshalJSON methods re-marshal and re-compact every
// nested value, which made the fake, not the sync under test, the cost of
// a 100,000-person pass. appendPerson writes the same bytes as
// json.Marshal(p) for the fields the generator fills (a test compares them);
// people with any other field go through json.Marshal.

// fastPerson reports whether appendPerson can encode p.
func fastPerson(p *people.Person) bool {
	return p.AgeRange == "" && p.AgeRanges == nil && p.Birthdays == nil && p.BraggingRights == nil &&
		p.CalendarUrls == nil && p.ClientData == nil && p.CoverPhotos == nil && p.Events == nil &&
		p.ExternalIds == nil && p.FileAses == nil && p.Genders == nil && p.ImClients == nil &&
		p.Interests == nil && p.Locales == nil && p.Locations == nil && p.MiscKeywords == nil &&
		p.Nicknames == nil && p.Occupations == nil && p.Photos == nil && p.Relations == nil &&
		p.RelationshipInterests == nil && p.RelationshipStatuses == nil && p.Residences == nil &&
		p.SipAddresses == nil && p.Skills == nil && p.Taglines == nil && p.UserDefined == nil &&
		len(p.ForceSendFields) == 0 && len(p.NullFields) == 0
}

type jw struct {
	b     []byte
	first bool
	out   func([]byte) // streaming: takes what b holds so far; nil = keep all
}

// flushChunk is how much a streamed response buffers between writes.
const flushChunk = 32 << 10

// maybeFlush hands the bytes so far to out when there are enough of them.
func (w *jw) maybeFlush() {
	if w.out != nil && len(w.b) >= flushChunk {
		w.out(w.b)
		w.b = w.b[:0]
	}
}

func (w *jw) open()  { w.b = append(w.b, '{'); w.first = true }
func (w *jw) close() { w.b = append(w.b, '}'); w.first = false }

func (w *jw) key(k string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *jw) str(k, v string) {
	if v == "" {
		return
	}
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *jw) boolean(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

func (w *jw) int(k string, v int64) {
	if v != 0 {
		w.key(k)
		w.b = strconv.AppendInt(w.b, v, 10)
	}
}

func (w *jw) strs(k string, v []string) {
	if len(v) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, s := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// list writes a JSON array of n objects, each written by f.
func (w *jw) list(k string, n int, _ bool, f func(i int)) {
	if n == 0 {
		return // omitempty omits empty slices, nil or not
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		f(i)
	}
	w.b = append(w.b, ']')
	w.first = false
}

// appendString appends s quoted as encoding/json does (HTML-escaping).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return appendSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendSlow(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

func (w *jw) source(k string, s *people.Source) {
	if s == nil {
		return
	}
	w.key(k)
	w.open()
	w.str("etag", s.Etag)
	w.str("id", s.Id)
	w.str("type", s.Type)
	w.str("updateTime", s.UpdateTime)
	w.close()
}

func (w *jw) fieldMeta(m *people.FieldMetadata) {
	if m == nil {
		return
	}
	w.key("metadata")
	w.open()
	w.boolean("primary", m.Primary)
	w.source("source", m.Source)
	w.boolean("sourcePrimary", m.SourcePrimary)
	w.boolean("verified", m.Verified)
	w.close()
}

// appendPerson appends p, which fastPerson accepted, and which the
// generator built (no profileMetadata, no domainMembership, no dates).
func appendPerson(b []byte, p *people.Person) []byte {
	w := &jw{b: b}
	w.open()
	w.list("addresses", len(p.Addresses), p.Addresses == nil, func(i int) {
		x := p.Addresses[i]
		w.open()
		w.str("city", x.City)
		w.str("country", x.Country)
		w.str("countryCode", x.CountryCode)
		w.str("extendedAddress", x.ExtendedAddress)
		w.str("formattedType", x.FormattedType)
		w.str("formattedValue", x.FormattedValue)
		w.fieldMeta(x.Metadata)
		w.str("poBox", x.PoBox)
		w.str("postalCode", x.PostalCode)
		w.str("region", x.Region)
		w.str("streetAddress", x.StreetAddress)
		w.str("type", x.Type)
		w.close()
	})
	w.list("biographies", len(p.Biographies), p.Biographies == nil, func(i int) {
		x := p.Biographies[i]
		w.open()
		w.str("contentType", x.ContentType)
		w.fieldMeta(x.Metadata)
		w.str("value", x.Value)
		w.close()
	})
	w.list("emailAddresses", len(p.EmailAddresses), p.EmailAddresses == nil, func(i int) {
		x := p.EmailAddresses[i]
		w.open()
		w.str("displayName", x.DisplayName)
		w.str("formattedType", x.FormattedType)
		w.fieldMeta(x.Metadata)
		w.str("type", x.Type)
		w.str("value", x.Value)
		w.close()
	})
	w.str("etag", p.Etag)
	w.list("memberships", len(p.Memberships), p.Memberships == nil, func(i int) {
		x := p.Memberships[i]
		w.open()
		if m := x.ContactGroupMembership; m != nil {
			w.key("contactGroupMembership")
			w.open()
			w.str("contactGroupId", m.ContactGroupId)
			w.str("contactGroupResourceName", m.ContactGroupResourceName)
			w.close()
		}
		w.fieldMeta(x.Metadata)
		w.close()
	})
	if m := p.Metadata; m != nil {
		w.key("metadata")
		w.open()
		w.boolean("deleted", m.Deleted)
		w.strs("linkedPeopleResourceNames", m.LinkedPeopleResourceNames)
		w.str("objectType", m.ObjectType)
		w.strs("previousResourceNames", m.PreviousResourceNames)
		w.list("sources", len(m.Sources), m.Sources == nil, func(i int) {
			s := m.Sources[i]
			w.open()
			w.str("etag", s.Etag)
			w.str("id", s.Id)
			w.str("type", s.Type)
			w.str("updateTime", s.UpdateTime)
			w.close()
		})
		w.close()
	}
	w.list("names", len(p.Names), p.Names == nil, func(i int) {
		x := p.Names[i]
		w.open()
		w.str("displayName", x.DisplayName)
		w.str("displayNameLastFirst", x.DisplayNameLastFirst)
		w.str("familyName", x.FamilyName)
		w.str("givenName", x.GivenName)
		w.str("honorificPrefix", x.HonorificPrefix)
		w.str("honorificSuffix", x.HonorificSuffix)
		w.fieldMeta(x.Metadata)
		w.str("middleName", x.MiddleName)
		w.str("unstructuredName", x.UnstructuredName)
		w.close()
	})
	w.list("organizations", len(p.Organizations), p.Organizations == nil, func(i int) {
		x := p.Organizations[i]
		w.open()
		w.str("costCenter", x.CostCenter)
		w.boolean("current", x.Current)
		w.str("department", x.Department)
		w.str("domain", x.Domain)
		w.str("formattedType", x.FormattedType)
		w.str("jobDescription", x.JobDescription)
		w.str("location", x.Location)
		w.fieldMeta(x.Metadata)
		w.str("name", x.Name)
		w.str("phoneticName", x.PhoneticName)
		w.str("symbol", x.Symbol)
		w.str("title", x.Title)
		w.str("type", x.Type)
		w.close()
	})
	w.list("phoneNumbers", len(p.PhoneNumbers), p.PhoneNumbers == nil, func(i int) {
		x := p.PhoneNumbers[i]
		w.open()
		w.str("canonicalForm", x.CanonicalForm)
		w.str("formattedType", x.FormattedType)
		w.fieldMeta(x.Metadata)
		w.str("type", x.Type)
		w.str("value", x.Value)
		w.close()
	})
	w.str("resourceName", p.ResourceName)
	w.list("urls", len(p.Urls), p.Urls == nil, func(i int) {
		x := p.Urls[i]
		w.open()
		w.str("formattedType", x.FormattedType)
		w.fieldMeta(x.Metadata)
		w.str("type", x.Type)
		w.str("value", x.Value)
		w.close()
	})
	w.close()
	return w.b
}

// itemList writes the items of a list response one at a time, so that a
// page is encoded as it is generated and never held whole.
type itemList struct {
	w   *jw
	key string
	n   int
}

func (l *itemList) next() {
	l.w.maybeFlush()
	if l.n == 0 {
		l.w.key(l.key)
		l.w.b = append(l.w.b, '[')
	} else {
		l.w.b = append(l.w.b, ',')
	}
	l.n++
}

func (l *itemList) end() {
	if l.n > 0 {
		l.w.b = append(l.w.b, ']')
		l.w.first = false
	}
}

func (l *itemList) person(p *people.Person) {
	l.next()
	if fastPerson(p) && fastParts(p) {
		l.w.b = appendPerson(l.w.b, p)
		return
	}
	j, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	l.w.b = append(l.w.b, j...)
}

// connectionsTail ends a ListConnectionsResponse.
func (w *jw) connectionsTail(next, sync string, total int64) {
	w.str("nextPageToken", next)
	w.str("nextSyncToken", sync)
	w.int("totalItems", total)
	w.int("totalPeople", total)
	w.close()
	w.b = append(w.b, '\n')
}

// appendConnections writes a ListConnectionsResponse as json.Marshal
// would (the handler streams the same encoding).
func appendConnections(b []byte, r *people.ListConnectionsResponse) []byte {
	w := &jw{b: b}
	w.open()
	l := itemList{w: w, key: "connections"}
	for _, p := range r.Connections {
		l.person(p)
	}
	l.end()
	w.str("nextPageToken", r.NextPageToken)
	w.str("nextSyncToken", r.NextSyncToken)
	w.int("totalItems", r.TotalItems)
	w.int("totalPeople", r.TotalPeople)
	w.close()
	return append(w.b, '\n')
}

// fastParts checks the nested values appendPerson does not fully cover.
func fastParts(p *people.Person) bool {
	ok := func(m *people.FieldMetadata) bool {
		return m == nil || (m.Source == nil || (m.Source.ProfileMetadata == nil && len(m.Source.ForceSendFields) == 0)) && len(m.ForceSendFields) == 0
	}
	for _, x := range p.Names {
		if !ok(x.Metadata) || x.PhoneticFamilyName != "" || x.PhoneticFullName != "" || x.PhoneticGivenName != "" ||
			x.PhoneticHonorificPrefix != "" || x.PhoneticHonorificSuffix != "" || x.PhoneticMiddleName != "" || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.EmailAddresses {
		if !ok(x.Metadata) || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.PhoneNumbers {
		if !ok(x.Metadata) || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.Urls {
		if !ok(x.Metadata) || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.Addresses {
		if !ok(x.Metadata) || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.Biographies {
		if !ok(x.Metadata) || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.Organizations {
		if !ok(x.Metadata) || x.StartDate != nil || x.EndDate != nil || x.FullTimeEquivalentMillipercent != 0 || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	for _, x := range p.Memberships {
		if !ok(x.Metadata) || x.DomainMembership != nil || len(x.ForceSendFields) > 0 {
			return false
		}
	}
	if m := p.Metadata; m != nil {
		for _, s := range m.Sources {
			if s.ProfileMetadata != nil || len(s.ForceSendFields) > 0 {
				return false
			}
		}
		if len(m.ForceSendFields) > 0 {
			return false
		}
	}
	return true
}

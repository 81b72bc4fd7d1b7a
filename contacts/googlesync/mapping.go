package googlesync

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
)

// PersonFields is the personFields mask every connections.list call of a
// chain sends, byte for byte. Each field is requested for what the
// contacts model keeps of it:
//
//   - names: the contact's name.
//   - emailAddresses: every address (Contact.Email and OtherEmails), which
//     link a person to a contact the user made and let the calendar sync
//     match attendees.
//   - phoneNumbers: Contact.Phone.
//   - urls: LinkedIn, Instagram and X profiles.
//   - addresses: Contact.Location (city, region, country).
//   - organizations: only the name fallback for a person without a name.
//   - memberships: Google contact groups → kith groups.
//   - metadata: metadata.deleted and metadata.previousResourceNames, which
//     incremental passes need (whether Google sends "deleted" without
//     metadata in the mask is not documented).
//
// Not requested: biographies (kith's Notes are the user's own and a sync
// never writes them; there is no other field for a Google biography),
// photos, birthdays, events, relations, nicknames, imClients and the rest:
// the model has no field for them, and every field asked for is bytes to
// transfer and decode on each of up to 100,000 people per pass.
const PersonFields = "addresses,emailAddresses,memberships,metadata,names,organizations,phoneNumbers,urls"

// Sources returns the read sources every connections.list call sends,
// READ_SOURCE_TYPE_CONTACT and READ_SOURCE_TYPE_PROFILE: the user's
// contacts and the Google profiles linked to them, which is also the
// API's default. They are sent explicitly so that the chain's parameters
// do not depend on a server-side default. Each call returns a new slice:
// what is sent cannot be changed.
func Sources() []string { return []string{sourceContact, sourceProfile} }

const (
	sourceContact = "READ_SOURCE_TYPE_CONTACT"
	sourceProfile = "READ_SOURCE_TYPE_PROFILE"
)

// NoName is the name of a contact whose person has no name, organization,
// email address or phone number Google sent.
const NoName = "(no name)"

// systemGroups are Google's system contact groups. A membership in one is
// not mapped to a kith group: every contact is in myContacts, and the
// others (starred, friends, family, coworkers, chatBuddies, all, blocked)
// are Google's own labels, not groups the user made. contactGroups.list
// marks the system groups it returns with SYSTEM_CONTACT_GROUP; this list
// also covers those it leaves out.
var systemGroups = []string{
	"contactGroups/myContacts", "contactGroups/starred", "contactGroups/friends",
	"contactGroups/family", "contactGroups/coworkers", "contactGroups/chatBuddies",
	"contactGroups/all", "contactGroups/blocked",
}

// A mappedPerson is one person of a page as the store writes it.
type mappedPerson struct {
	Contact               contacts.Contact
	PreviousResourceNames []string
	Groups                []string // Google contact group resource names, system groups left out
}

// mapStats counts what mapping left out of a page; they go to the Report.
type mapStats struct {
	InvalidEmails  int // addresses NormalizeEmail refused
	ExtraEmails    int // valid addresses beyond 1 + contacts.MaxOtherEmails
	DroppedFields  int // values too long or otherwise refused by the model, left empty
	SkippedPersons int // people without a resource name
}

func (s *mapStats) add(o mapStats) {
	s.InvalidEmails += o.InvalidEmails
	s.ExtraEmails += o.ExtraEmails
	s.DroppedFields += o.DroppedFields
	s.SkippedPersons += o.SkippedPersons
}

// mapPage maps the connections of one page: live people to contacts,
// deleted ones (metadata.deleted) to their resource names.
func mapPage(ps []*people.Person) (live []mappedPerson, deleted []string, st mapStats) {
	live = make([]mappedPerson, 0, len(ps))
	deleted = []string{}
	seen := make(map[string]int, len(ps)) // resource name → index in live
	for _, p := range ps {
		if p == nil || strings.TrimSpace(p.ResourceName) == "" {
			st.SkippedPersons++
			continue
		}
		if p.Metadata != nil && p.Metadata.Deleted {
			deleted = append(deleted, p.ResourceName)
			continue
		}
		m, pst := mapPerson(p)
		st.add(pst)
		// A resource name twice in one page (never seen, but cheap to
		// survive): the later copy wins, as it would across pages.
		if i, dup := seen[p.ResourceName]; dup {
			live[i] = m
			continue
		}
		seen[p.ResourceName] = len(live)
		live = append(live, m)
	}
	return live, deleted, st
}

// mapPerson maps one live person to a contact. The result always passes
// contacts.Contact.Validate: a value the model refuses is left out and
// counted, never the whole person.
func mapPerson(p *people.Person) (mappedPerson, mapStats) {
	var st mapStats
	c := contacts.Contact{
		Source:             "google",
		GoogleResourceName: p.ResourceName,
		GoogleETag:         p.Etag,
	}
	var invalid, extra int
	c.Email, c.OtherEmails, invalid, extra = personEmails(p.EmailAddresses)
	st.InvalidEmails, st.ExtraEmails = invalid, extra
	c.Phone = personPhone(p.PhoneNumbers, &st)
	c.Name = personName(p, c.Email, c.Phone)
	c.LinkedIn, c.Instagram, c.XHandle = personSocial(p.Urls)
	c.Location = personLocation(p.Addresses)
	// Belt and braces: whatever slipped through the rules above (a limit
	// changed in contacts, a character it refuses) costs that field, not
	// the person.
	for range 8 {
		err := c.Validate()
		if err == nil {
			break
		}
		fe, ok := err.(*contacts.FieldError)
		if !ok || !dropField(&c, fe.Field) {
			// Nothing left to drop: the store will refuse the row and
			// say which.
			break
		}
		st.DroppedFields++
	}
	m := mappedPerson{Contact: c, Groups: personGroups(p.Memberships, &st)}
	if p.Metadata != nil && len(p.Metadata.PreviousResourceNames) > 0 {
		m.PreviousResourceNames = slices.Clone(p.Metadata.PreviousResourceNames)
	}
	return m, st
}

// dropField empties the field the model refused, reporting whether it
// could.
func dropField(c *contacts.Contact, field string) bool {
	switch field {
	case "name":
		if c.Name == NoName {
			return false
		}
		c.Name = NoName
	case "phone":
		c.Phone = ""
	case "linkedin":
		c.LinkedIn = ""
	case "instagram":
		c.Instagram = ""
	case "x_handle":
		c.XHandle = ""
	case "location":
		c.Location = ""
	case "email", "other_emails":
		// NormalizeEmail accepted every address kept, so this is not
		// expected; drop the others, keep the primary if it alone passes.
		if len(c.OtherEmails) > 0 {
			c.OtherEmails = nil
		} else if c.Email != "" {
			c.Email = ""
		} else {
			return false
		}
	default:
		return false
	}
	return true
}

// primaryFirst returns the indexes of fields with metadata.primary first,
// then the others in Google's order.
func primaryFirst[T any](fs []*T, meta func(*T) *people.FieldMetadata) []int {
	idx := make([]int, 0, len(fs))
	for i, f := range fs {
		if f != nil {
			if m := meta(f); m != nil && m.Primary {
				idx = append(idx, i)
			}
		}
	}
	for i, f := range fs {
		if f != nil {
			if m := meta(f); m == nil || !m.Primary {
				idx = append(idx, i)
			}
		}
	}
	return idx
}

// personEmails returns a person's addresses, primary first, each trimmed
// and kept as Google sent it, without repeats (by contacts.NormalizeEmail)
// and without the addresses it refuses (counted in invalid). At most
// 1 + contacts.MaxOtherEmails are kept; extra counts the valid rest.
func personEmails(es []*people.EmailAddress) (primary string, others []string, invalid, extra int) {
	keys := make(map[string]struct{}, len(es))
	for _, i := range primaryFirst(es, func(e *people.EmailAddress) *people.FieldMetadata { return e.Metadata }) {
		v := strings.TrimSpace(es[i].Value)
		if v == "" {
			continue
		}
		k, err := contacts.NormalizeEmail(v)
		if err != nil {
			invalid++
			continue
		}
		if _, dup := keys[k]; dup {
			continue
		}
		keys[k] = struct{}{}
		switch {
		case primary == "":
			primary = v
		case len(others) < contacts.MaxOtherEmails:
			others = append(others, v)
		default:
			extra++
		}
	}
	return primary, others, invalid, extra
}

// personPhone returns the primary (else first) phone number that fits the
// model, in its E.164 canonicalForm when Google computed one (stable
// across the user's re-formatting and unambiguous across countries), else
// as typed. A number too long for the model is skipped and counted.
func personPhone(ps []*people.PhoneNumber, st *mapStats) string {
	for _, i := range primaryFirst(ps, func(p *people.PhoneNumber) *people.FieldMetadata { return p.Metadata }) {
		v := cleanLine(ps[i].CanonicalForm)
		if v == "" {
			v = cleanLine(ps[i].Value)
		}
		if v == "" {
			continue
		}
		if utf8.RuneCountInString(v) > contacts.MaxPhoneLen {
			st.DroppedFields++
			continue
		}
		return v
	}
	return ""
}

// personName picks the contact's name: the primary name's displayName,
// else its given and family names, else its unstructuredName; else the
// current (else first) organization's name; else the primary email, else
// the phone; else NoName. It is cut to contacts.MaxNameLen characters.
func personName(p *people.Person, email, phone string) string {
	for _, i := range primaryFirst(p.Names, func(n *people.Name) *people.FieldMetadata { return n.Metadata }) {
		n := p.Names[i]
		for _, v := range []string{n.DisplayName, joinNonEmpty(" ", n.GivenName, n.MiddleName, n.FamilyName), n.UnstructuredName} {
			if v = cleanLine(v); v != "" {
				return truncate(v, contacts.MaxNameLen)
			}
		}
	}
	var org string
	for _, o := range p.Organizations {
		if o == nil {
			continue
		}
		if v := cleanLine(o.Name); v != "" && (org == "" || o.Current) {
			org = v
			if o.Current {
				break
			}
		}
	}
	for _, v := range []string{org, email, phone} {
		if v != "" {
			return truncate(v, contacts.MaxNameLen)
		}
	}
	return NoName
}

// personLocation returns the primary (else first) address as "city,
// region, country"; an address without any of the three gives its
// formattedValue's lines joined with ", ". Street addresses are left out:
// a CRM needs to know where someone lives, not their door. The result is
// cut to contacts.MaxLocationLen characters.
func personLocation(as []*people.Address) string {
	for _, i := range primaryFirst(as, func(a *people.Address) *people.FieldMetadata { return a.Metadata }) {
		a := as[i]
		country := a.Country
		if country == "" {
			country = a.CountryCode
		}
		v := joinNonEmpty(", ", cleanLine(a.City), cleanLine(a.Region), cleanLine(country))
		if v == "" {
			v = joinNonEmpty(", ", strings.Split(a.FormattedValue, "\n")...)
			v = cleanLine(v)
		}
		if v != "" {
			return truncate(v, contacts.MaxLocationLen)
		}
	}
	return ""
}

// personSocial reads the LinkedIn profile URL and the Instagram and X
// handles from a person's URLs, the first of each kind winning:
//
//   - linkedin.com/in/NAME (any subdomain) → "https://www.linkedin.com/in/NAME"
//   - instagram.com/NAME → "NAME"
//   - x.com/NAME or twitter.com/NAME → "NAME"
//
// A URL without a scheme ("linkedin.com/in/ada") is read as https. Paths
// that are not profiles (linkedin.com/company/…, instagram.com/p/…,
// x.com/i/…, x.com/intent/…) are ignored.
func personSocial(us []*people.Url) (linkedIn, instagram, x string) {
	for _, i := range primaryFirst(us, func(u *people.Url) *people.FieldMetadata { return u.Metadata }) {
		host, segs, ok := parseProfileURL(us[i].Value)
		if !ok || len(segs) == 0 {
			continue
		}
		switch {
		case linkedIn == "" && (host == "linkedin.com" || strings.HasSuffix(host, ".linkedin.com")):
			if len(segs) >= 2 && segs[0] == "in" && validHandle(segs[1]) {
				if v := "https://www.linkedin.com/in/" + segs[1]; utf8.RuneCountInString(v) <= contacts.MaxLinkedInLen {
					linkedIn = v
				}
			}
		case instagram == "" && host == "instagram.com":
			if h := strings.TrimPrefix(segs[0], "@"); validHandle(h) && !slices.Contains(instagramReserved, strings.ToLower(h)) {
				instagram = h
			}
		case x == "" && (host == "x.com" || host == "twitter.com" || host == "mobile.twitter.com"):
			if h := strings.TrimPrefix(segs[0], "@"); validHandle(h) && !slices.Contains(xReserved, strings.ToLower(h)) {
				x = h
			}
		}
	}
	return linkedIn, instagram, x
}

var (
	instagramReserved = []string{"p", "reel", "reels", "explore", "stories", "accounts", "tv", "direct"}
	xReserved         = []string{"i", "intent", "home", "share", "search", "hashtag", "explore", "settings", "messages", "notifications"}
)

// parseProfileURL returns a URL's host (lower case, without "www.") and
// its non-empty, unescaped path segments.
func parseProfileURL(raw string) (host string, segs []string, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil, false
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", nil, false
	}
	host = strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for s := range strings.SplitSeq(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return host, segs, true
}

// validHandle accepts what a profile handle can be: 1 to
// contacts.MaxHandleLen letters, digits, '.', '_' and '-'.
func validHandle(h string) bool {
	if h == "" || utf8.RuneCountInString(h) > contacts.MaxHandleLen {
		return false
	}
	for _, r := range h {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// personGroups returns the resource names of a person's Google contact
// groups, system groups left out, each once, in Google's order. A name the
// store would refuse (contacts.CheckGoogleResourceName: a NUL byte, say)
// is left out and counted in st.DroppedFields: its group is skipped too
// (Report.SkippedGroups), and the person keeps the rest.
func personGroups(ms []*people.Membership, st *mapStats) []string {
	out := []string{}
	for _, m := range ms {
		if m == nil || m.ContactGroupMembership == nil {
			continue
		}
		rn := m.ContactGroupMembership.ContactGroupResourceName
		if rn == "" && m.ContactGroupMembership.ContactGroupId != "" {
			rn = "contactGroups/" + m.ContactGroupMembership.ContactGroupId
		}
		if rn == "" || isSystemGroup(rn) || slices.Contains(out, rn) {
			continue
		}
		if contacts.CheckGoogleResourceName(rn) != nil {
			st.DroppedFields++
			continue
		}
		out = append(out, rn)
	}
	return out
}

func isSystemGroup(resourceName string) bool { return slices.Contains(systemGroups, resourceName) }

// cleanLine makes a one-line field of Google's text: control characters
// (newlines included) become spaces, the invisible bidi controls the
// model refuses (U+202A–U+202E, U+2066–U+2069) and NUL are removed, runs
// of spaces collapse and the ends are trimmed. Right-to-left text keeps
// its characters; its direction comes from them, not from controls. The
// store puts names in NFC.
func cleanLine(s string) string {
	if s == "" {
		return ""
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == 0, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n characters, then trims trailing space.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return strings.TrimRightFunc(s[:j], unicode.IsSpace)
		}
		i++
	}
	return s
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

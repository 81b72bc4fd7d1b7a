package googlesync

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
)

func primary() *people.FieldMetadata { return &people.FieldMetadata{Primary: true} }

func TestPersonFieldsSortedAndNoBiographies(t *testing.T) {
	fs := strings.Split(PersonFields, ",")
	if !slices.IsSorted(fs) {
		t.Errorf("PersonFields %q is not sorted: one canonical spelling", PersonFields)
	}
	for _, want := range []string{"names", "emailAddresses", "metadata", "memberships"} {
		if !slices.Contains(fs, want) {
			t.Errorf("PersonFields lacks %s", want)
		}
	}
	if slices.Contains(fs, "biographies") {
		t.Error("PersonFields requests biographies: the user's notes are theirs")
	}
}

func TestMapPersonFull(t *testing.T) {
	p := &people.Person{
		ResourceName: "people/c1", Etag: "%E1",
		Names: []*people.Name{
			{DisplayName: "Other Name"},
			{DisplayName: "  Ada   Lovelace ", Metadata: primary()},
		},
		EmailAddresses: []*people.EmailAddress{
			{Value: "countess@lovelace.example"},
			{Value: "ADA@Example.com", Metadata: primary()},
			{Value: "ada@example.com"},        // repeats the primary, other case
			{Value: "not an address"},         // invalid
			{Value: "Ada <ada2@example.com>"}, // not bare: invalid
			{Value: "  "},                     // empty: ignored, not counted
		},
		PhoneNumbers: []*people.PhoneNumber{
			{Value: "020 7946 0000"},
			{Value: "+44 20 7946 0018", CanonicalForm: "+442079460018", Metadata: primary()},
		},
		Urls: []*people.Url{
			{Value: "https://example.com/ada"},
			{Value: "linkedin.com/company/engines"},
			{Value: "https://uk.linkedin.com/in/ada-lovelace/"},
			{Value: "https://www.instagram.com/p/xyz"},
			{Value: "https://instagram.com/ada.l?hl=en"},
			{Value: "https://twitter.com/intent/tweet"},
			{Value: "http://twitter.com/@AdaL"},
			{Value: "https://x.com/other"},
		},
		Addresses: []*people.Address{
			{FormattedValue: "1 Elsewhere"},
			{StreetAddress: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", CountryCode: "GB", Metadata: primary()},
		},
		Memberships: []*people.Membership{
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts", ContactGroupId: "myContacts"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/starred"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/abc"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupId: "def"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/abc"}},
			{DomainMembership: &people.DomainMembership{InViewerDomain: true}},
		},
		Metadata: &people.PersonMetadata{PreviousResourceNames: []string{"people/c0"}},
	}
	m, st := mapPerson(p)
	c := m.Contact
	want := contacts.Contact{
		Name: "Ada Lovelace", Email: "ADA@Example.com", OtherEmails: []string{"countess@lovelace.example"},
		Phone: "+442079460018", LinkedIn: "https://www.linkedin.com/in/ada-lovelace", Instagram: "ada.l", XHandle: "AdaL",
		Location: "London, GB", Source: "google", GoogleResourceName: "people/c1", GoogleETag: "%E1",
	}
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("contact\n got %+v\nwant %+v", c, want)
	}
	if st.InvalidEmails != 2 || st.ExtraEmails != 0 || st.DroppedFields != 0 {
		t.Errorf("stats %+v, want 2 invalid emails", st)
	}
	if !slices.Equal(m.Groups, []string{"contactGroups/abc", "contactGroups/def"}) {
		t.Errorf("groups %q", m.Groups)
	}
	if !slices.Equal(m.PreviousResourceNames, []string{"people/c0"}) {
		t.Errorf("previous %q", m.PreviousResourceNames)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

func TestNameFallbacks(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    people.Person
		want string
	}{
		{"given and family", people.Person{Names: []*people.Name{{GivenName: "Grace", FamilyName: "Hopper"}}}, "Grace Hopper"},
		{"unstructured", people.Person{Names: []*people.Name{{UnstructuredName: "G. Hopper"}}}, "G. Hopper"},
		{"empty name entry then org", people.Person{Names: []*people.Name{{}}, Organizations: []*people.Organization{{Name: "Navy"}}}, "Navy"},
		{"current org wins", people.Person{Organizations: []*people.Organization{{Name: "Old Co"}, {Name: "New Co", Current: true}, {Name: "Later"}}}, "New Co"},
		{"email", people.Person{EmailAddresses: []*people.EmailAddress{{Value: "bad"}, {Value: "g@example.com"}}, PhoneNumbers: []*people.PhoneNumber{{Value: "+1 555"}}}, "g@example.com"},
		{"phone", people.Person{PhoneNumbers: []*people.PhoneNumber{{Value: "+1 555 0100"}}}, "+1 555 0100"},
		{"nothing", people.Person{Names: []*people.Name{nil}}, NoName},
		{"long", people.Person{Names: []*people.Name{{DisplayName: strings.Repeat("é", 400)}}}, strings.Repeat("é", contacts.MaxNameLen)},
		{"controls", people.Person{Names: []*people.Name{{DisplayName: "\u202Eevil\u202C\nname\x00"}}}, "evil name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.ResourceName = "people/x"
			m, _ := mapPerson(&tc.p)
			if m.Contact.Name != tc.want {
				t.Errorf("name %q, want %q", m.Contact.Name, tc.want)
			}
			if err := m.Contact.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

// A person with 50 addresses and no name maps: every address kept, the
// primary first, the name from it.
func TestFiftyEmailsNoName(t *testing.T) {
	p := &people.Person{ResourceName: "people/c50"}
	for i := range 50 {
		e := &people.EmailAddress{Value: fmt.Sprintf("addr%02d@example.com", i)}
		if i == 17 {
			e.Metadata = primary()
		}
		p.EmailAddresses = append(p.EmailAddresses, e)
	}
	m, st := mapPerson(p)
	c := m.Contact
	if c.Email != "addr17@example.com" || c.Name != "addr17@example.com" {
		t.Errorf("email %q name %q", c.Email, c.Name)
	}
	if len(c.OtherEmails) != 49 || c.OtherEmails[0] != "addr00@example.com" || slices.Contains(c.OtherEmails, c.Email) {
		t.Errorf("%d others: %q", len(c.OtherEmails), c.OtherEmails)
	}
	if st != (mapStats{}) {
		t.Errorf("stats %+v", st)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}

	// 100 (the API's cap per person): the model keeps 1 + MaxOtherEmails.
	p.EmailAddresses = nil
	for i := range 100 {
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: fmt.Sprintf("a%03d@example.com", i)})
	}
	m, st = mapPerson(p)
	if got := 1 + len(m.Contact.OtherEmails); got != 1+contacts.MaxOtherEmails || st.ExtraEmails != 100-got {
		t.Errorf("kept %d, extra %d", got, st.ExtraEmails)
	}
}

func TestUnicodeAndRTLNames(t *testing.T) {
	for _, name := range []string{
		"محمد بن موسى الخوارزمي", // Arabic, right to left
		"עדה לאבלייס",            // Hebrew
		"Zoë Ångström",
		"Zoe\u0308 A\u030Angstro\u0308m", // decomposed: the store makes it NFC
		"李白",
		"👩‍💻 Ada",
	} {
		m, _ := mapPerson(&people.Person{ResourceName: "people/u", Names: []*people.Name{{DisplayName: name}}})
		if m.Contact.Name != name {
			t.Errorf("%q mapped to %q", name, m.Contact.Name)
		}
		if err := m.Contact.Validate(); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	// Bidi overrides are removed, not the name refused.
	m, _ := mapPerson(&people.Person{ResourceName: "people/u", Names: []*people.Name{{DisplayName: "\u2067עדה\u2069 Lovelace"}}})
	if m.Contact.Name != "עדה Lovelace" {
		t.Errorf("got %q", m.Contact.Name)
	}
}

func TestMapPageDeletedAndSkipped(t *testing.T) {
	live, deleted, st := mapPage([]*people.Person{
		{ResourceName: "people/a", Names: []*people.Name{{DisplayName: "A"}}},
		nil,
		{ResourceName: "", Names: []*people.Name{{DisplayName: "no resource"}}},
		{ResourceName: "people/d", Metadata: &people.PersonMetadata{Deleted: true}},
		{ResourceName: "people/a", Etag: "2", Names: []*people.Name{{DisplayName: "A2"}}},
	})
	if len(live) != 1 || live[0].Contact.Name != "A2" {
		t.Errorf("live %+v", live)
	}
	if !slices.Equal(deleted, []string{"people/d"}) {
		t.Errorf("deleted %q", deleted)
	}
	if st.SkippedPersons != 2 {
		t.Errorf("stats %+v", st)
	}
	_, deleted, _ = mapPage(nil)
	if deleted == nil {
		t.Error("deleted is nil, want empty")
	}
}

func TestLocationAndPhoneFallbacks(t *testing.T) {
	if got := personLocation([]*people.Address{{FormattedValue: "12 Main St\nSpringfield\n"}}); got != "12 Main St, Springfield" {
		t.Errorf("formatted fallback %q", got)
	}
	if got := personLocation([]*people.Address{{City: "Paris", Region: "Île-de-France", Country: "France", CountryCode: "FR"}}); got != "Paris, Île-de-France, France" {
		t.Errorf("got %q", got)
	}
	if got := personLocation([]*people.Address{{City: strings.Repeat("x", 300)}}); len(got) != contacts.MaxLocationLen {
		t.Errorf("not cut: %d", len(got))
	}
	var st mapStats
	if got := personPhone([]*people.PhoneNumber{{Value: strings.Repeat("1", 80)}, {Value: " 555\t0100 "}}, &st); got != "555 0100" || st.DroppedFields != 1 {
		t.Errorf("phone %q, %+v", got, st)
	}
}

func TestSocialURLs(t *testing.T) {
	for _, tc := range []struct {
		url           string
		li, insta, xh string
	}{
		{"https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/ada", "", ""},
		{"linkedin.com/in/ada?trk=x", "https://www.linkedin.com/in/ada", "", ""},
		{"https://linkedin.com/pub/ada", "", "", ""},
		{"https://www.instagram.com/ada_l/", "", "ada_l", ""},
		{"https://instagram.com/explore", "", "", ""},
		{"https://x.com/ada", "", "", "ada"},
		{"https://mobile.twitter.com/ada", "", "", "ada"},
		{"https://x.com/i/lists/1", "", "", ""},
		{"ftp://x.com/ada", "", "", ""},
		{"https://x.com/ada%20lace", "", "", ""},
		{"https://example.com/x.com/ada", "", "", ""},
	} {
		li, insta, xh := personSocial([]*people.Url{{Value: tc.url}})
		if li != tc.li || insta != tc.insta || xh != tc.xh {
			t.Errorf("%s: got %q %q %q", tc.url, li, insta, xh)
		}
	}
}

func TestCleanLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"  a \t b\r\n c ": "a b c",
		"a\x00b":          "ab",
		"\u202Aa\u202C":   "a",
		"bad\xffutf8":     "bad\uFFFDutf8",
	} {
		if got := cleanLine(in); got != want {
			t.Errorf("cleanLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPersonGroupsDropsRefusedNames(t *testing.T) {
	m := func(rn string) *people.Membership {
		return &people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: rn}}
	}
	var st mapStats
	got := personGroups([]*people.Membership{m("contactGroups/a"), m("contactGroups/b\x00"), m("contactGroups/starred"),
		m("contactGroups/\xff"), m("contactGroups/c")}, &st)
	if want := []string{"contactGroups/a", "contactGroups/c"}; !slices.Equal(got, want) || st.DroppedFields != 2 {
		t.Errorf("personGroups = %q (dropped %d), want %q (dropped 2)", got, st.DroppedFields, want)
	}
}

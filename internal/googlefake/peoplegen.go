package googlefake

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/people/v1"
)

// rng is a tiny deterministic generator (splitmix64) living on the stack.
type rng struct{ s uint64 }

func (r *rng) next() uint64        { r.s = splitmix(r.s); return r.s }
func (r *rng) intn(n int) int      { return int(r.next() % uint64(n)) }
func (r *rng) permille(k int) bool { return r.intn(1000) < k }

type nameCulture struct {
	weight      int
	given       [][2]string // display, ascii
	family      [][2]string
	familyFirst bool
	space       bool // a space between family and given when familyFirst
}

var cultures = []nameCulture{
	{weight: 40, given: [][2]string{{"Ada", "ada"}, {"Grace", "grace"}, {"Alan", "alan"}, {"Margaret", "margaret"},
		{"John", "john"}, {"Mary", "mary"}, {"James", "james"}, {"Linda", "linda"}, {"Robert", "robert"},
		{"Patricia", "patricia"}, {"Oliver", "oliver"}, {"Chloé", "chloe"}},
		family: [][2]string{{"Lovelace", "lovelace"}, {"Hopper", "hopper"}, {"Turing", "turing"}, {"Hamilton", "hamilton"},
			{"Smith", "smith"}, {"Johnson", "johnson"}, {"O'Neil", "oneil"}, {"Walker", "walker"}, {"Nguyen", "nguyen"},
			{"van der Berg", "vanderberg"}}},
	{weight: 12, given: [][2]string{{"José", "jose"}, {"María", "maria"}, {"Sofía", "sofia"}, {"Íñigo", "inigo"},
		{"João", "joao"}, {"Lucía", "lucia"}},
		family: [][2]string{{"García", "garcia"}, {"Muñoz", "munoz"}, {"Peña", "pena"}, {"Gonçalves", "goncalves"}, {"Núñez", "nunez"}}},
	{weight: 10, given: [][2]string{{"Jürgen", "jurgen"}, {"Søren", "soren"}, {"Łukasz", "lukasz"}, {"Zoë", "zoe"},
		{"İsmail", "ismail"}, {"Björk", "bjork"}},
		family: [][2]string{{"Müller", "muller"}, {"Weiß", "weiss"}, {"Øvergaard", "overgaard"}, {"Wójcik", "wojcik"},
			{"Yılmaz", "yilmaz"}, {"Þórsdóttir", "thorsdottir"}}},
	{weight: 4, given: [][2]string{{"Γιώργος", "giorgos"}, {"Ελένη", "eleni"}},
		family: [][2]string{{"Παπαδόπουλος", "papadopoulos"}, {"Νικολάου", "nikolaou"}}},
	{weight: 5, given: [][2]string{{"Дмитрий", "dmitry"}, {"Анна", "anna"}, {"Ольга", "olga"}},
		family: [][2]string{{"Иванов", "ivanov"}, {"Смирнов", "smirnov"}, {"Кузнецов", "kuznetsov"}}},
	{weight: 6, given: [][2]string{{"محمد", "mohammed"}, {"فاطمة", "fatima"}, {"عمر", "omar"}, {"ليلى", "layla"}},
		family: [][2]string{{"العلي", "alali"}, {"حداد", "haddad"}, {"منصور", "mansour"}}},
	{weight: 4, given: [][2]string{{"נועה", "noa"}, {"דוד", "david"}, {"יעל", "yael"}},
		family: [][2]string{{"כהן", "cohen"}, {"לוי", "levi"}, {"מזרחי", "mizrahi"}}},
	{weight: 2, given: [][2]string{{"زهرا", "zahra"}, {"علی", "ali"}}, family: [][2]string{{"رضایی", "rezaei"}, {"احمدی", "ahmadi"}}},
	{weight: 6, given: [][2]string{{"伟", "wei"}, {"芳", "fang"}, {"秀英", "xiuying"}},
		family: [][2]string{{"王", "wang"}, {"李", "li"}, {"张", "zhang"}}, familyFirst: true},
	{weight: 4, given: [][2]string{{"太郎", "taro"}, {"花子", "hanako"}, {"健", "ken"}},
		family: [][2]string{{"山田", "yamada"}, {"佐藤", "sato"}, {"鈴木", "suzuki"}}, familyFirst: true, space: true},
	{weight: 3, given: [][2]string{{"민준", "minjun"}, {"서연", "seoyeon"}}, family: [][2]string{{"김", "kim"}, {"박", "park"}}, familyFirst: true},
	{weight: 4, given: [][2]string{{"प्रिया", "priya"}, {"अर्जुन", "arjun"}}, family: [][2]string{{"शर्मा", "sharma"}, {"पटेल", "patel"}}},
}

var cultureTotal = func() int {
	n := 0
	for _, c := range cultures {
		n += c.weight
	}
	return n
}()

var (
	mailDomains = []string{"example.com", "example.org", "example.net", "mail.example", "post.example"}
	companies   = []struct{ name, domain string }{
		{"Analytical Engines Ltd", "engines.example"}, {"Acme Corporation", "acme.example"},
		{"Zürich Rück AG", "zurich-rueck.example"}, {"Café Société", "cafe-societe.example"},
		{"株式会社サンプル", "sample.example.jp"}, {"شركة المثال", "mithal.example"},
		{"Northwind Traders", "northwind.example"}, {"Globex", "globex.example"},
	}
	titles = []string{"CTO", "Engineer", "Product Manager", "Designer", "Founder", "Account Executive", "Researcher", ""}
	cities = []struct{ street, city, region, postal, country, code string }{
		{"12 St James's Square", "London", "", "SW1Y 4JH", "UK", "GB"},
		{"Leopoldstraße 8", "München", "Bayern", "80802", "Deutschland", "DE"},
		{"Rua Augusta 1500", "São Paulo", "SP", "01304-001", "Brasil", "BR"},
		{"רחוב הרצל 10", "תל אביב-יפו", "", "6100000", "ישראל", "IL"},
		{"شارع التحرير 5", "القاهرة", "", "11511", "مصر", "EG"},
		{"千代田1-1", "東京", "東京都", "100-0001", "日本", "JP"},
		{"350 Fifth Avenue", "New York", "NY", "10118", "USA", "US"},
		{"", "Reykjavík", "", "", "Iceland", "IS"},
	}
	bios = []string{"Met at the engine demo.", "Climbing partner; ask about the Alps trip.", "Neighbour from the old flat.",
		"Intro via a conference talk on compilers.", "שותף לשעבר", "大学の同級生"}
)

// identity is the cheap part of person i that the calendar also needs.
type identity struct {
	cult          *nameCulture
	given, family [2]string
	named         bool
	emails        []string
	company       int // index into companies, -1 none
	handle        string
}

// identityOf computes person i's name and emails from its own hash stream.
func (a *Account) identityOf(i int) identity {
	r := rng{hash64(a.seed, uint64(i), 0x1d)}
	id := identity{company: -1}
	w := r.intn(cultureTotal)
	for k := range cultures {
		if w < cultures[k].weight {
			id.cult = &cultures[k]
			break
		}
		w -= cultures[k].weight
	}
	id.given = id.cult.given[r.intn(len(id.cult.given))]
	id.family = id.cult.family[r.intn(len(id.cult.family))]
	id.named = !r.permille(80)
	if r.permille(450) || !id.named {
		id.company = r.intn(len(companies))
	}
	num := strconv.Itoa(i)
	id.handle = id.given[1] + id.family[1] + num
	// Emails: most people have one, some none, some several; a few carry
	// upper case as typed.
	n := 1
	switch x := r.intn(100); {
	case x < 7:
		n = 0
	case x < 75:
		n = 1
	case x < 93:
		n = 2
	case x < 98:
		n = 3
	default:
		n = 4 + r.intn(4)
	}
	if !id.named && n == 0 && r.permille(500) {
		n = 1
	}
	for k := 0; k < n; k++ {
		var e string
		switch {
		case k == 0 && id.named:
			e = id.given[1] + "." + id.family[1] + "." + num + "@" + mailDomains[r.intn(len(mailDomains))]
		case k == 0:
			e = "contact." + num + "@" + mailDomains[r.intn(len(mailDomains))]
		case k == 1 && id.company >= 0:
			e = id.given[1][:1] + id.family[1] + num + "@" + companies[id.company].domain
		default:
			e = id.handle + "+" + strconv.Itoa(k) + "@" + mailDomains[(k+i)%len(mailDomains)]
		}
		if r.permille(50) {
			e = strings.ToUpper(e[:1]) + e[1:]
			if at := strings.IndexByte(e, '@'); at > 0 {
				e = e[:at+1] + strings.ToUpper(e[at+1:at+2]) + e[at+2:]
			}
		}
		id.emails = append(id.emails, e)
	}
	return id
}

func (id identity) displayName() (display, lastFirst string) {
	c := id.cult
	if c.familyFirst {
		if c.space {
			return id.family[0] + " " + id.given[0], id.family[0] + " " + id.given[0]
		}
		return id.family[0] + id.given[0], id.family[0] + id.given[0]
	}
	return id.given[0] + " " + id.family[0], id.family[0] + ", " + id.given[0]
}

// genPerson builds person i's full generated content (no resourceName,
// etag or metadata: personAt adds those).
func (a *Account) genPerson(i int) *people.Person {
	id := a.identityOf(i)
	r := rng{hash64(a.seed, uint64(i), 0x9e4)}
	srcID := strconv.FormatUint(hash64(a.seed, uint64(i), 0x5c)&0xffffffffffffff, 16)
	src := &people.Source{Type: "CONTACT", Id: srcID}
	p := &people.Person{}
	if id.named {
		d, lf := id.displayName()
		p.Names = []*people.Name{{
			Metadata:    &people.FieldMetadata{Primary: true, Source: src},
			DisplayName: d, DisplayNameLastFirst: lf, UnstructuredName: d,
			GivenName: id.given[0], FamilyName: id.family[0],
		}}
	}
	for k, e := range id.emails {
		typ, ft := "home", "Home"
		if k == 1 && id.company >= 0 {
			typ, ft = "work", "Work"
		} else if k > 1 {
			typ, ft = "other", "Other"
		}
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{
			Metadata: &people.FieldMetadata{Primary: k == 0, Source: src}, Value: e, Type: typ, FormattedType: ft,
		})
	}
	nPhones := 0
	switch x := r.intn(100); {
	case x < 40:
	case x < 90:
		nPhones = 1
	default:
		nPhones = 2
	}
	if !id.named && len(id.emails) == 0 && id.company < 0 {
		nPhones = max(nPhones, 1)
	}
	for k := 0; k < nPhones; k++ {
		d := (i*7 + k*13) % 10000
		var v, canon string
		switch r.intn(4) {
		case 0:
			v, canon = fmt.Sprintf("+44 20 7946 %04d", d), fmt.Sprintf("+4420794%05d", 60000+d)
		case 1:
			v, canon = fmt.Sprintf("(415) 555-%04d", d), fmt.Sprintf("+1415555%04d", d)
		case 2:
			v, canon = fmt.Sprintf("+49 30 901820%04d", d), fmt.Sprintf("+4930901820%04d", d)
		default:
			v, canon = fmt.Sprintf("+81 3-1234-%04d", d), fmt.Sprintf("+8131234%04d", d)
		}
		typ, ft := "mobile", "Mobile"
		if k == 1 {
			typ, ft = "work", "Work"
		}
		p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{
			Metadata: &people.FieldMetadata{Primary: k == 0, Source: src},
			Value:    v, CanonicalForm: canon, Type: typ, FormattedType: ft,
		})
	}
	slug := id.given[1] + "-" + id.family[1] + "-" + strconv.Itoa(i)
	if r.permille(300) {
		p.Urls = append(p.Urls, &people.Url{Value: "https://www.linkedin.com/in/" + slug, Type: "profile", FormattedType: "Profile"})
	}
	if r.permille(150) {
		p.Urls = append(p.Urls, &people.Url{Value: "https://www.instagram.com/" + id.handle + "/", Type: "profile", FormattedType: "Profile"})
	}
	if r.permille(120) {
		host := "x.com"
		if r.permille(400) {
			host = "twitter.com"
		}
		p.Urls = append(p.Urls, &people.Url{Value: "https://" + host + "/" + id.handle})
	}
	if r.permille(80) {
		p.Urls = append(p.Urls, &people.Url{Value: "https://" + slug + ".example/", Type: "homePage", FormattedType: "Home Page"})
	}
	if r.permille(250) {
		c := cities[r.intn(len(cities))]
		lines := []string{}
		for _, l := range []string{c.street, strings.TrimSpace(c.postal + " " + c.city), c.country} {
			if l != "" {
				lines = append(lines, l)
			}
		}
		p.Addresses = []*people.Address{{
			FormattedValue: strings.Join(lines, "\n"), StreetAddress: c.street, City: c.city, Region: c.region,
			PostalCode: c.postal, Country: c.country, CountryCode: c.code, Type: "home", FormattedType: "Home",
		}}
	}
	if id.company >= 0 {
		p.Organizations = []*people.Organization{{Name: companies[id.company].name, Title: titles[r.intn(len(titles))], Current: true}}
	}
	if r.permille(60) {
		p.Biographies = []*people.Biography{{Value: bios[r.intn(len(bios))], ContentType: "TEXT_PLAIN"}}
	}
	for _, g := range a.genMemberships(i) {
		p.Memberships = append(p.Memberships, membership(g))
	}
	return p
}

func membership(rn string) *people.Membership {
	return &people.Membership{
		Metadata: &people.FieldMetadata{Source: &people.Source{Type: "CONTACT"}},
		ContactGroupMembership: &people.ContactGroupMembership{
			ContactGroupId: strings.TrimPrefix(rn, "contactGroups/"), ContactGroupResourceName: rn,
		},
	}
}

// genMemberships returns the contact groups generated person i belongs
// to (groups deleted since are filtered when serving).
func (a *Account) genMemberships(i int) []string {
	h := hash64(a.seed, uint64(i), 0x3e3)
	out := make([]string, 0, 3)
	if h%1000 >= 30 {
		out = append(out, "contactGroups/myContacts")
	}
	if (h>>10)%1000 < 50 {
		out = append(out, "contactGroups/starred")
	}
	nUser := a.genUserGroups()
	if nUser > 0 {
		if (h>>20)%100 < 30 {
			out = append(out, a.groups[len(systemGroups)+int((h>>27)%uint64(nUser))].resourceName)
		}
		if (h>>34)%100 < 5 {
			g := a.groups[len(systemGroups)+int((h>>41)%uint64(nUser))].resourceName
			if len(out) == 0 || g != out[len(out)-1] {
				out = append(out, g)
			}
		}
	}
	return out
}

func (a *Account) genUserGroups() int {
	n := 0
	for _, g := range a.groups {
		if g.gen >= 0 {
			n++
		}
	}
	return n
}

var groupNames = []string{"Family", "Work", "Climbing club", "Book club", "Nachbarn", "大学", "الأصدقاء", "Conference 2025"}

func groupName(g int) string {
	if g < len(groupNames) {
		return groupNames[g]
	}
	return fmt.Sprintf("Group %d", g+1)
}

// personFields, in the order of the API's documentation.
var personFieldNames = []string{"addresses", "ageRanges", "biographies", "birthdays", "calendarUrls", "clientData",
	"coverPhotos", "emailAddresses", "events", "externalIds", "genders", "imClients", "interests", "locales",
	"locations", "memberships", "metadata", "miscKeywords", "names", "nicknames", "occupations", "organizations",
	"phoneNumbers", "photos", "relations", "sipAddresses", "skills", "urls", "userDefined"}

type fieldSet uint64

const allPersonFields = fieldSet(1<<29 - 1)

func personField(name string) fieldSet {
	for k, n := range personFieldNames {
		if n == name {
			return 1 << k
		}
	}
	return 0
}

var (
	fAddresses   = personField("addresses")
	fBiographies = personField("biographies")
	fEmails      = personField("emailAddresses")
	fMemberships = personField("memberships")
	fMetadata    = personField("metadata")
	fNames       = personField("names")
	fOrgs        = personField("organizations")
	fPhones      = personField("phoneNumbers")
	fUrls        = personField("urls")
)

// personAt serves person i: generated or stored content, its resource
// name and etag, metadata, masked to fields. syncReq adds
// previousResourceNames (sync-token requests only). st may be nil.
func (a *Account) personAt(i int, st *personState, fields fieldSet, syncReq bool) *people.Person {
	var p *people.Person
	if st != nil && st.person != nil {
		cp := *st.person
		p = &cp
		// Memberships of deleted groups disappear.
		if len(p.Memberships) > 0 {
			ms := make([]*people.Membership, 0, len(p.Memberships))
			for _, m := range p.Memberships {
				if m.ContactGroupMembership == nil || a.liveGroup(m.ContactGroupMembership.ContactGroupResourceName) {
					ms = append(ms, m)
				}
			}
			p.Memberships = ms
		}
	} else {
		p = a.genPerson(i)
		if len(p.Memberships) > 0 {
			ms := p.Memberships[:0]
			for _, m := range p.Memberships {
				if a.liveGroup(m.ContactGroupMembership.ContactGroupResourceName) {
					ms = append(ms, m)
				}
			}
			p.Memberships = ms
		}
	}
	version, updated := 0, a.genUpdated(i)
	if st != nil {
		version = st.version
		if !st.updated.IsZero() {
			updated = st.updated
		}
	}
	p.ResourceName = a.nameOf(i)
	p.Etag = a.personEtag(i, version)
	if fields&fMetadata != 0 {
		srcID := strconv.FormatUint(hash64(a.seed, uint64(i), 0x5c)&0xffffffffffffff, 16)
		md := &people.PersonMetadata{
			Sources: []*people.Source{{Type: "CONTACT", Id: srcID, Etag: "#" + b64(hash64(a.seed, uint64(i), uint64(version), 0x5e), 8),
				UpdateTime: updated.Format("2006-01-02T15:04:05.000Z")}},
			ObjectType: "PERSON",
		}
		if syncReq && st != nil && len(st.prev) > 0 {
			md.PreviousResourceNames = append([]string(nil), st.prev...)
		}
		p.Metadata = md
	} else {
		p.Metadata = nil
	}
	maskPerson(p, fields, st != nil && st.person != nil)
	return p
}

func (a *Account) personEtag(i, version int) string {
	return "%Eg" + b64(hash64(a.seed, uint64(i), uint64(version), 0xe7a9), 18)
}

func (a *Account) genUpdated(i int) time.Time {
	base := a.cal.anchor
	return base.Add(-time.Duration(hash64(a.seed, uint64(i), 0x0d)%(1000*24*3600)) * time.Second)
}

// maskPerson drops the fields personFields did not ask for. Only fields
// the generator fills are listed; a stored person keeps what it has for
// the others only if they were asked for.
func maskPerson(p *people.Person, f fieldSet, stored bool) {
	if f&fNames == 0 {
		p.Names = nil
	}
	if f&fEmails == 0 {
		p.EmailAddresses = nil
	}
	if f&fPhones == 0 {
		p.PhoneNumbers = nil
	}
	if f&fUrls == 0 {
		p.Urls = nil
	}
	if f&fAddresses == 0 {
		p.Addresses = nil
	}
	if f&fBiographies == 0 {
		p.Biographies = nil
	}
	if f&fOrgs == 0 {
		p.Organizations = nil
	}
	if f&fMemberships == 0 {
		p.Memberships = nil
	}
	if !stored {
		return
	}
	for _, x := range []struct {
		name string
		clr  func()
	}{
		{"ageRanges", func() { p.AgeRanges = nil }}, {"birthdays", func() { p.Birthdays = nil }},
		{"calendarUrls", func() { p.CalendarUrls = nil }}, {"clientData", func() { p.ClientData = nil }},
		{"coverPhotos", func() { p.CoverPhotos = nil }}, {"events", func() { p.Events = nil }},
		{"externalIds", func() { p.ExternalIds = nil }}, {"genders", func() { p.Genders = nil }},
		{"imClients", func() { p.ImClients = nil }}, {"interests", func() { p.Interests = nil }},
		{"locales", func() { p.Locales = nil }}, {"locations", func() { p.Locations = nil }},
		{"miscKeywords", func() { p.MiscKeywords = nil }}, {"nicknames", func() { p.Nicknames = nil }},
		{"occupations", func() { p.Occupations = nil }}, {"photos", func() { p.Photos = nil }},
		{"relations", func() { p.Relations = nil }}, {"sipAddresses", func() { p.SipAddresses = nil }},
		{"skills", func() { p.Skills = nil }}, {"userDefined", func() { p.UserDefined = nil }},
	} {
		if f&personField(x.name) == 0 {
			x.clr()
		}
	}
}

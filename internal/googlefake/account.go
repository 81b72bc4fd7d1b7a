package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/people/v1"
)

// AccountConfig sizes a generated account. The zero value is an empty
// account (no people, no events) that mutations can fill.
type AccountConfig struct {
	// People is the number of generated people (connections).
	People int
	// Groups is the number of generated user contact groups; 0 means 4
	// when People > 0, negative means none. System groups (myContacts,
	// starred, ...) are always listed.
	Groups int
	// Seed overrides the account's seed; 0 derives it from the server's
	// seed and the account key.
	Seed int64
	// ExpiredStatus is how an expired People sync token is answered: 0 or
	// 400 is 400 FAILED_PRECONDITION with reason EXPIRED_SYNC_TOKEN, 410 a
	// bare 410. Calendar always answers 410 fullSyncRequired.
	ExpiredStatus int

	// Events is the number of generated event instances (singleEvents
	// expansion) in the primary calendar. Other calendars get a tenth.
	Events int
	// Anchor is the time generated events are placed around: about 80% of
	// them end before it, the rest after. Zero = Config.Now() when the
	// account is added, truncated to the day (UTC).
	Anchor time.Time
	// CalendarRange is the span generated events cover, ending a fifth
	// of it after Anchor. 0 = 2 years.
	CalendarRange time.Duration
}

// Account is one Google account on the server.
type Account struct {
	s       *Server
	key     string
	token   string
	id      uint64
	seed    uint64
	email   string
	revoked atomic.Bool

	mu            sync.RWMutex
	epoch         uint64
	expiredStatus int
	seq           int64 // last change sequence; 0 = as generated

	// people
	nPeople int                  // generated people: indexes [0, nPeople)
	total   int                  // generated + added
	live    int                  // people not deleted nor merged away
	people  map[int]*personState // explicit changes only
	names   map[string]int       // resource names that are not the generated one of their index
	plog    []logEntry           // people changes in seq order
	renames int

	// contact groups: small, kept in full
	groups []*groupState

	cal *calState
}

type logEntry struct {
	seq int64
	idx int
}

type personState struct {
	seq     int64
	version int
	deleted bool
	gone    bool           // merged into another person: reported nowhere
	name    string         // resource name, "" = the generated one
	prev    []string       // metadata.previousResourceNames
	person  *people.Person // full content, nil = generated
	updated time.Time      // metadata.sources[0].updateTime
}

type groupState struct {
	resourceName string
	name         string
	system       bool
	gen          int // generated user-group index, -1 otherwise
	seq          int64
	version      int
	deleted      bool
	updated      time.Time
}

var systemGroups = []struct{ id, formatted string }{
	{"myContacts", "My Contacts"}, {"starred", "Starred"}, {"friends", "Friends"}, {"family", "Family"},
	{"coworkers", "Coworkers"}, {"chatBuddies", "Chat contacts"}, {"all", "All Contacts"}, {"blocked", "Blocked"},
}

func newAccount(s *Server, key string, cfg AccountConfig) *Account {
	seed := uint64(cfg.Seed)
	if seed == 0 {
		seed = hash64(uint64(s.cfg.Seed), hashString(key))
	}
	a := &Account{
		s: s, key: key, seed: seed,
		id:            hash64(seed, 0xacc),
		token:         "ya29.fake-" + b64(hash64(seed, hashString(key), 0x70c), 24),
		expiredStatus: cfg.ExpiredStatus,
		nPeople:       max(cfg.People, 0),
		people:        map[int]*personState{},
		names:         map[string]int{},
	}
	a.email = "user." + strings.ToLower(b64(hash64(a.seed, 0xe), 6)) + "@example.com"
	a.email = strings.NewReplacer("-", "x", "_", "y").Replace(a.email)
	a.total, a.live = a.nPeople, a.nPeople
	nGroups := cfg.Groups
	if nGroups == 0 && cfg.People > 0 {
		nGroups = 4
	}
	anchor := cfg.Anchor
	if anchor.IsZero() {
		anchor = s.nowFunc().UTC().Truncate(24 * time.Hour)
	}
	for _, g := range systemGroups {
		a.groups = append(a.groups, &groupState{resourceName: "contactGroups/" + g.id, name: g.id, system: true, gen: -1,
			updated: anchor.Add(-900 * 24 * time.Hour)})
	}
	for g := 0; g < nGroups; g++ {
		a.groups = append(a.groups, &groupState{
			resourceName: a.groupResourceName(g), name: groupName(g), gen: g,
			updated: anchor.Add(-time.Duration(hash64(a.seed, uint64(g), 0x6)%(700*24)) * time.Hour),
		})
	}
	a.cal = newCalState(a, cfg, anchor)
	return a
}

// Key is the account's key.
func (a *Account) Key() string { return a.key }

// Token is the account's access token.
func (a *Account) Token() string { return a.token }

// Email is the account's own address: the ID of its primary calendar and
// the self attendee of its events.
func (a *Account) Email() string { return a.email }

// TokenSource returns a token source for the account. While the account is
// revoked it fails as Google's token endpoint does for a revoked grant
// (*oauth2.RetrieveError, error code invalid_grant); a client that cached a
// token instead gets 401 from the server.
func (a *Account) TokenSource() oauth2.TokenSource { return tokenSource{a} }

type tokenSource struct{ a *Account }

func (t tokenSource) Token() (*oauth2.Token, error) {
	if t.a.revoked.Load() {
		body := `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`
		return nil, &oauth2.RetrieveError{
			Response:         &http.Response{StatusCode: 400, Status: "400 Bad Request"},
			Body:             []byte(body),
			ErrorCode:        "invalid_grant",
			ErrorDescription: "Token has been expired or revoked.",
		}
	}
	return &oauth2.Token{AccessToken: t.a.token, TokenType: "Bearer"}, nil
}

// Revoke makes every request of the account get 401 and its token source
// fail with invalid_grant, until Restore.
func (a *Account) Revoke() { a.revoked.Store(true) }

// Restore undoes Revoke.
func (a *Account) Restore() { a.revoked.Store(false) }

// ExpireTokens makes every sync token issued so far expired (People,
// contact groups, events and the calendar list). Page tokens of full
// passes stay valid; a page of an incremental chain fails through its
// sync token.
func (a *Account) ExpireTokens() {
	a.mu.Lock()
	a.epoch++
	a.mu.Unlock()
}

// SetExpiredStatus chooses how an expired People sync token is answered:
// 400 (FAILED_PRECONDITION, EXPIRED_SYNC_TOKEN) or 410.
func (a *Account) SetExpiredStatus(code int) {
	if code != 0 && code != 400 && code != 410 {
		panic(fmt.Sprintf("googlefake: SetExpiredStatus(%d): want 400 or 410", code))
	}
	a.mu.Lock()
	a.expiredStatus = code
	a.mu.Unlock()
}

func (a *Account) next() int64 { a.seq++; return a.seq }

func (a *Account) now() time.Time { return a.s.nowFunc().UTC() }

// ---- people: names and lookups ----

// PeopleCount is the size of the index space: generated plus added people,
// including deleted ones. Valid indexes are [0, PeopleCount()).
func (a *Account) PeopleCount() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.total
}

// LiveCount is the number of people a full pass returns.
func (a *Account) LiveCount() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.live
}

// ResourceName is person i's current resource name.
func (a *Account) ResourceName(i int) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	a.check(i)
	return a.nameOf(i)
}

// Index returns the index of the person who currently has that resource
// name (deleted people keep theirs until it is reused).
func (a *Account) Index(resourceName string) (int, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.indexOf(resourceName)
}

func (a *Account) indexOf(rn string) (int, bool) {
	if i, ok := a.names[rn]; ok {
		return i, true
	}
	id, ok := strings.CutPrefix(rn, "people/c")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return 0, false
	}
	i := a.unmixID(v)
	if i >= uint64(a.total) {
		return 0, false
	}
	if st := a.people[int(i)]; st != nil && st.name != "" {
		return 0, false
	}
	return int(i), true
}

// Person returns person i as a full pass would serve it with every person
// field, or nil when deleted or merged away.
func (a *Account) Person(i int) *people.Person {
	a.mu.RLock()
	defer a.mu.RUnlock()
	a.check(i)
	st := a.people[i]
	if st != nil && (st.deleted || st.gone) {
		return nil
	}
	return a.personAt(i, st, allPersonFields, false)
}

func (a *Account) check(i int) {
	if i < 0 || i >= a.total {
		panic(fmt.Sprintf("googlefake: person index %d out of range [0, %d)", i, a.total))
	}
}

func (a *Account) nameOf(i int) string {
	if st := a.people[i]; st != nil && st.name != "" {
		return st.name
	}
	return a.genResourceName(uint64(i))
}

// Resource IDs are an invertible mix of the index, so that a resource name
// leads back to its index without a map.
const (
	mixC1 = 0xbf58476d1ce4e5b9
	mixC2 = 0x94d049bb133111eb
)

var mixC1inv, mixC2inv = modInverse(mixC1), modInverse(mixC2)

func modInverse(c uint64) uint64 {
	inv := c
	for range 6 {
		inv *= 2 - c*inv
	}
	return inv
}

func (a *Account) mixID(x uint64) uint64 {
	x ^= a.seed
	x *= mixC1
	x ^= x >> 31
	x *= mixC2
	x ^= x >> 29
	return x
}

func (a *Account) unmixID(y uint64) uint64 {
	y ^= y>>29 ^ y>>58
	y *= mixC2inv
	y ^= y>>31 ^ y>>62
	y *= mixC1inv
	return y ^ a.seed
}

func (a *Account) genResourceName(i uint64) string {
	return "people/c" + strconv.FormatUint(a.mixID(i), 10)
}

// ---- people: mutations ----

// Change edits person i: edit (nil = no edit, a touch) gets a deep copy of
// the person's current content; the person then has a new etag and appears
// in the next incremental pass. Changing a deleted person panics.
func (a *Account) Change(i int, edit func(p *people.Person)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.check(i)
	st := a.state(i)
	if st.deleted || st.gone {
		panic(fmt.Sprintf("googlefake: Change(%d): person is deleted", i))
	}
	if edit != nil {
		p := clonePerson(a.personAt(i, st, allPersonFields, false))
		edit(p)
		p.ResourceName, p.Etag = "", ""
		st.person = p
	}
	a.touch(i, st)
}

// Add adds a person and returns its index. p nil adds a generated person;
// otherwise p's content is served as given (resourceName: p.ResourceName,
// or a new one when empty; the etag is always the server's). Reusing the
// resource name of a deleted person is allowed (a re-created contact);
// that of a live person panics.
func (a *Account) Add(p *people.Person) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := a.total
	a.total++
	a.live++
	st := &personState{}
	a.people[i] = st
	if p != nil {
		cp := clonePerson(p)
		if cp.ResourceName != "" {
			if j, ok := a.indexOf(cp.ResourceName); ok && j != i {
				if old := a.people[j]; old == nil || !(old.deleted || old.gone) {
					panic("googlefake: Add: resource name " + cp.ResourceName + " belongs to a live person")
				}
			}
			st.name = cp.ResourceName
			a.names[st.name] = i
		}
		cp.ResourceName, cp.Etag = "", ""
		st.person = cp
	}
	a.touch(i, st)
	return i
}

// Delete deletes person i: incremental passes report it deleted, full
// passes no longer return it.
func (a *Account) Delete(i int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.check(i)
	st := a.state(i)
	if st.deleted || st.gone {
		panic(fmt.Sprintf("googlefake: Delete(%d): person is already deleted", i))
	}
	st.deleted = true
	a.live--
	a.touch(i, st)
}

// Merge gives person keep a new resource name whose
// metadata.previousResourceNames lists keep's old name and those of others
// (sync-token requests only, as the real API); the others disappear without
// being reported deleted. Merge(i) alone is a resource-name change. It
// returns the new resource name.
func (a *Account) Merge(keep int, others ...int) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.check(keep)
	st := a.state(keep)
	if st.deleted || st.gone {
		panic(fmt.Sprintf("googlefake: Merge(%d): person is deleted", keep))
	}
	prev := []string{a.nameOf(keep)}
	for _, o := range others {
		a.check(o)
		ost := a.state(o)
		if o == keep || ost.deleted || ost.gone {
			panic(fmt.Sprintf("googlefake: Merge(%d, %d): not a live other person", keep, o))
		}
		prev = append(prev, a.nameOf(o))
		ost.gone = true
		a.live--
		a.touch(o, ost)
	}
	a.renames++
	name := "people/c" + strconv.FormatUint(hash64(a.seed, 0x3e76e, uint64(a.renames)), 10)
	if st.name != "" {
		delete(a.names, st.name)
	}
	st.name = name
	a.names[name] = keep
	st.prev = append(prev, st.prev...)
	a.touch(keep, st)
	return name
}

func (a *Account) state(i int) *personState {
	st := a.people[i]
	if st == nil {
		st = &personState{}
		a.people[i] = st
	}
	return st
}

func (a *Account) touch(i int, st *personState) {
	st.seq = a.next()
	st.version++
	st.updated = a.now()
	a.plog = append(a.plog, logEntry{seq: st.seq, idx: i})
}

func clonePerson(p *people.Person) *people.Person {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var cp people.Person
	if err := json.Unmarshal(b, &cp); err != nil {
		panic(err)
	}
	return &cp
}

// ---- contact groups: mutations ----

// Groups returns the resource names of the live user contact groups.
func (a *Account) Groups() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := []string{}
	for _, g := range a.groups {
		if !g.system && !g.deleted {
			out = append(out, g.resourceName)
		}
	}
	return out
}

// AddGroup adds a user contact group and returns its resource name.
func (a *Account) AddGroup(name string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := &groupState{
		resourceName: "contactGroups/" + strconv.FormatUint(hash64(a.seed, 0x96, uint64(len(a.groups))), 16),
		name:         name, gen: -1,
	}
	a.groups = append(a.groups, g)
	a.touchGroup(g)
	return g.resourceName
}

// RenameGroup renames a user contact group.
func (a *Account) RenameGroup(resourceName, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.userGroup(resourceName)
	g.name = name
	a.touchGroup(g)
}

// DeleteGroup deletes a user contact group. People lose the membership in
// what they serve; they are not reported as changed.
func (a *Account) DeleteGroup(resourceName string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g := a.userGroup(resourceName)
	g.deleted = true
	a.touchGroup(g)
}

func (a *Account) userGroup(rn string) *groupState {
	for _, g := range a.groups {
		if g.resourceName == rn && !g.system && !g.deleted {
			return g
		}
	}
	panic("googlefake: no live user contact group " + rn)
}

func (a *Account) touchGroup(g *groupState) {
	g.seq = a.next()
	g.version++
	g.updated = a.now()
}

func (a *Account) groupResourceName(g int) string {
	return "contactGroups/" + strconv.FormatUint(hash64(a.seed, 0x9e, uint64(g))&0xffffffffffff, 16)
}

// liveGroup reports whether the group with that resource name exists.
func (a *Account) liveGroup(rn string) bool {
	for _, g := range a.groups {
		if g.resourceName == rn {
			return !g.deleted
		}
	}
	return false
}

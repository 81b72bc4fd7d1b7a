package googlesync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/memguard"
)

func named(name string, emails ...string) *people.Person {
	p := &people.Person{}
	if name != "" {
		p.Names = []*people.Name{{DisplayName: name}}
	}
	for _, e := range emails {
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: e})
	}
	return p
}

// A person deleted then re-created under the same resource name: the
// contact is archived, then back, with what the user typed on it.
func TestDeleteThenRecreate(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	i := e.acct.Add(named("Ada Lovelace", "ada@example.com"))
	rn := e.acct.ResourceName(i)
	e.sync(ctx)
	c := e.contact(rn)
	notes := "met at the engine demo"
	if _, err := e.store.Update(ctx, e.user, func() contacts.Contact { c.Notes = notes; return c }()); err != nil {
		t.Fatal(err)
	}
	e.acct.Delete(i)
	if rep := e.sync(ctx); rep.Archived != 1 {
		t.Fatalf("delete: %+v", rep)
	}
	if c := e.contact(rn); !c.Archived || c.Notes != notes {
		t.Fatalf("after delete: archived %v notes %q", c.Archived, c.Notes)
	}
	p := named("Ada King", "ada@example.com")
	p.ResourceName = rn
	e.acct.Add(p)
	rep := e.sync(ctx)
	if rep.Inserted != 0 || rep.Updated != 1 {
		t.Fatalf("re-create: %+v", rep)
	}
	if c := e.contact(rn); c.Archived || c.Notes != notes || c.Name != "Ada King" {
		t.Fatalf("after re-create: %+v", c)
	}
}

// A person with 50 addresses and no name, and people with unicode and
// right-to-left names, go through the real client and the store.
func TestFiftyEmailsAndUnicodeThroughTheStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	var emails []string
	for k := range 50 {
		emails = append(emails, fmt.Sprintf("Person.%02d@Example.com", k))
	}
	emails = append(emails, "person.07@example.com", "not-an-address") // a repeat and an invalid one
	fifty := e.acct.ResourceName(e.acct.Add(named("", emails...)))
	names := []string{"محمد الخوارزمي", "עדה לאבלייס", "Zoe\u0308 A\u030Angstro\u0308m", "李白", "\u2067אבי\u2069 Cohen"}
	var rns []string
	for _, n := range names {
		rns = append(rns, e.acct.ResourceName(e.acct.Add(named(n))))
	}
	rep := e.sync(ctx)
	if rep.Inserted != 1+len(names) || rep.InvalidEmails != 1 || rep.Rejected != 0 {
		t.Fatalf("report %+v", rep)
	}
	c := e.contact(fifty)
	if c.Name != "Person.00@Example.com" || c.Email != "Person.00@Example.com" || len(c.OtherEmails) != 49 {
		t.Errorf("50 emails: name %q email %q, %d others", c.Name, c.Email, len(c.OtherEmails))
	}
	found, err := e.store.FindByEmail(ctx, e.user, "PERSON.42@example.COM")
	if err != nil || len(found) != 1 {
		t.Errorf("FindByEmail: %v, %d found", err, len(found))
	}
	want := []string{"محمد الخوارزمي", "עדה לאבלייס", "Zoë Ångström", "李白", "אבי Cohen"}
	for k, rn := range rns {
		if got := e.contact(rn).Name; got != want[k] {
			t.Errorf("name %q stored as %q, want %q", names[k], got, want[k])
		}
	}
}

// What the user typed survives ten syncs that each change the person.
func TestUserEditsSurviveTenSyncs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 20, pageSize: 10})
	e.sync(ctx)
	rn := e.acct.ResourceName(4)
	c := e.contact(rn)
	own, err := e.store.CreateGroup(ctx, e.user, "Climbing partners")
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	c.Notes, c.Frequency, c.Tags, c.Circle, c.TimeZone, c.LastContactDate = "knows Babbage", contacts.FrequencyMonthly, []string{"vip"}, contacts.Circle("close"), "Europe/London", &last
	if err := c.Validate(); err != nil {
		c.Circle = ""
	}
	if _, err := e.store.Update(ctx, e.user, c); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddToGroup(ctx, e.user, own.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	want := e.contact(rn)
	for k := range 10 {
		e.acct.Change(4, func(p *people.Person) {
			p.Names = []*people.Name{{DisplayName: fmt.Sprintf("Name %d", k)}}
			p.Biographies = []*people.Biography{{Value: "a biography that must not become notes"}}
		})
		if k == 5 {
			e.acct.ExpireTokens() // one of them a full pass
		}
		if rep := e.sync(ctx); rep.Updated != 1 {
			t.Fatalf("sync %d: %+v", k, rep)
		}
	}
	got := e.contact(rn)
	if got.Name != "Name 9" {
		t.Errorf("name %q", got.Name)
	}
	if got.Notes != want.Notes || got.Frequency != want.Frequency || fmt.Sprint(got.Tags) != fmt.Sprint(want.Tags) ||
		got.Circle != want.Circle || got.TimeZone != want.TimeZone || !got.LastContactDate.Equal(*want.LastContactDate) ||
		got.Archived || !hasGroup(got, own.ID) {
		t.Errorf("user fields changed:\n got %+v\nwant %+v", got, want)
	}
}

func hasGroup(c contacts.Contact, id any) bool {
	for _, g := range c.GroupIDs {
		if g == id {
			return true
		}
	}
	return false
}

// Merged people (metadata.previousResourceNames on an incremental pass)
// move the contact to the new name with the user's fields; the other
// merged contact is folded into it.
func TestMergedPeople(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 10})
	e.sync(ctx)
	keep, other := e.contact(e.acct.ResourceName(2)), e.contact(e.acct.ResourceName(3))
	keep.Notes, other.Notes = "keep's notes", "other's notes"
	for _, c := range []contacts.Contact{keep, other} {
		if _, err := e.store.Update(ctx, e.user, c); err != nil {
			t.Fatal(err)
		}
	}
	newName := e.acct.Merge(2, 3)
	rep := e.sync(ctx)
	if rep.Merged != 1 || rep.MergedAway != 1 || rep.Inserted != 0 {
		t.Fatalf("report %+v", rep)
	}
	c := e.contact(newName)
	if c.ID != keep.ID && c.ID != other.ID || !strings.Contains(c.Notes, "keep's notes") || !strings.Contains(c.Notes, "other's notes") {
		t.Errorf("merged contact %+v", c)
	}
	if n := strings.Count(e.state(), "\n") + 1; n != 9+3 { // 9 contacts and the 3 generated groups
		t.Errorf("%d lines of state, want 12:\n%s", n, e.state())
	}
}

// A person whose address is an address of a contact the user made is
// linked to it (case-insensitively), not duplicated.
func TestLinkToManualContactByEmail(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	manual, err := e.store.Create(ctx, e.user, contacts.Contact{Name: "Grace", Email: "grace@navy.example", Notes: "mine", Frequency: contacts.FrequencyWeekly})
	if err != nil {
		t.Fatal(err)
	}
	rn := e.acct.ResourceName(e.acct.Add(named("Grace Hopper", "other@example.com", "GRACE@Navy.Example")))
	rep := e.sync(ctx)
	if rep.Linked != 1 || rep.Inserted != 0 {
		t.Fatalf("report %+v", rep)
	}
	c := e.contact(rn)
	if c.ID != manual.ID || c.Name != "Grace Hopper" || c.Notes != "mine" || c.Frequency != contacts.FrequencyWeekly {
		t.Errorf("linked contact %+v", c)
	}
}

// Two syncs of one user at once: the second gets ErrBusy (LockFailFast)
// or waits its turn (LockWait).
func TestTwoSyncsOfOneUser(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []googlesync.LockMode{googlesync.LockFailFast, googlesync.LockWait} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			e := newEnv(t, envOptions{people: 30, pageSize: 10, cfg: func(c *googlesync.Config) { c.Lock = mode }})
			gate := googlefake.NewGate()
			e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.Connections, Page: 2, Fault: googlefake.Slow(gate)})
			var wg sync.WaitGroup
			var first googlesync.Report
			var firstErr error
			wg.Go(func() { first, firstErr = e.syncer.Sync(ctx, e.user) })
			<-gate.Arrived() // the first holds the lock
			if mode == googlesync.LockFailFast {
				_, err := e.syncer.Sync(ctx, e.user)
				if !errors.Is(err, googlesync.ErrBusy) {
					t.Errorf("second sync: %v, want ErrBusy", err)
				}
				gate.Release()
				wg.Wait()
			} else {
				var second googlesync.Report
				var secondErr error
				wg.Go(func() { second, secondErr = e.syncer.Sync(ctx, e.user) })
				// The second waits on the lock: release the first.
				gate.Release()
				wg.Wait()
				if secondErr != nil || second.Kind != googlesync.Incremental {
					t.Errorf("second: %+v %v", second, secondErr)
				}
			}
			if firstErr != nil || first.Inserted != 30 {
				t.Errorf("first: %+v %v", first, firstErr)
			}
		})
	}
}

// The breaker refuses: the sync stops before the next page with its
// error, nothing of the token saved.
func TestBreakerRefusal(t *testing.T) {
	ctx := context.Background()
	b := &countingBreaker{refuseAt: 2}
	e := newEnv(t, envOptions{people: 30, pageSize: 10, cfg: func(c *googlesync.Config) { c.Breaker = b }})
	rep, err := e.syncer.Sync(ctx, e.user)
	if !errors.Is(err, memguard.ErrMemoryPressure) || rep.Pages != 1 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	b.refuseAt = 0
	if rep := e.sync(ctx); rep.Kind != googlesync.Full || rep.Pages != 3 {
		t.Errorf("rerun %+v", rep)
	}
}

type countingBreaker struct {
	mu       sync.Mutex
	n        int
	refuseAt int
}

func (b *countingBreaker) Check(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	if b.refuseAt > 0 && b.n == b.refuseAt {
		return &memguard.PressureError{InUse: 9, Limit: 10, Level: memguard.LevelHard}
	}
	return nil
}

func (b *countingBreaker) Level() memguard.Level { return memguard.LevelNormal }

// Revoked access is ErrAccessRevoked, not retried, and drops the user's
// cached client; the next sync builds a new one.
func TestAccessRevoked(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 5})
	e.sync(ctx)
	e.sync(ctx)
	if st := e.syncer.CacheStats(); st.Misses != 1 || st.Hits != 1 || st.Len != 1 {
		t.Errorf("cache %+v", st)
	}
	e.acct.Revoke()
	e.srv.ResetRequests()
	_, err := e.syncer.Sync(ctx, e.user)
	if !errors.Is(err, googlesync.ErrAccessRevoked) || googlesync.IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if hits := e.srv.Hits("", ""); hits > 1 {
		t.Errorf("%d calls: revoked access must not be retried", hits)
	}
	if st := e.syncer.CacheStats(); st.Len != 0 {
		t.Errorf("cache after revocation %+v", st)
	}
	e.acct.Restore()
	e.sync(ctx)
	if st := e.syncer.CacheStats(); st.Misses != 2 {
		t.Errorf("cache %+v", st)
	}
}

// Parameters stay the same along every chain: the fake answers 400 to a
// chain whose parameters change, and it never does here. A new page size
// makes the next sync a full pass rather than an incremental one with a
// token of other parameters.
func TestParameterStability(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 45, pageSize: 10})
	e.sync(ctx)
	for k := range 12 {
		e.acct.Change(k, nil)
	}
	e.sync(ctx)
	for _, r := range e.srv.Requests(e.user.String(), googlefake.Connections) {
		q := r.Query
		if q.Get("personFields") != googlesync.PersonFields || q.Get("pageSize") != "10" || q.Get("requestSyncToken") != "true" ||
			strings.Join(q["sources"], ",") != strings.Join(googlesync.Sources(), ",") {
			t.Errorf("request page %d: %v", r.Page, q)
		}
	}
	// Same user, same database, another page size.
	other, err := googlesync.New(e.db, googlesync.Config{TokenSource: e.srv.TokenSourceFunc(), ClientOptions: e.srv.PeopleOptions(), PageSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := other.Sync(ctx, e.user)
	if err != nil || rep.Kind != googlesync.Full || !rep.ParamsChanged || rep.Pages != 7 {
		t.Errorf("page size changed: %+v %v", rep, err)
	}
	if n := e.badRequests(); n != 0 {
		t.Errorf("%d requests answered 400", n)
	}
}

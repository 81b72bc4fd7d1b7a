package googlefake_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/internal/googlefake"
)

const fields = "names,emailAddresses,phoneNumbers,urls,addresses,biographies,organizations,memberships,metadata"

func newServer(t testing.TB) *googlefake.Server {
	t.Helper()
	srv := googlefake.New(googlefake.Config{Seed: 42})
	t.Cleanup(srv.Close)
	return srv
}

func peopleService(t testing.TB, srv *googlefake.Server, ts oauth2.TokenSource) *people.Service {
	t.Helper()
	svc, err := people.NewService(context.Background(), append(srv.PeopleOptions(), option.WithTokenSource(ts))...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

type pass struct {
	pages     int
	people    []*people.Person
	syncToken string
	tokens    []string // nextSyncToken seen per page
}

// list runs a whole chain the way a sync does (same parameters on every page).
func list(t testing.TB, svc *people.Service, size int64, syncToken string) (pass, error) {
	t.Helper()
	var p pass
	pageToken := ""
	for {
		call := svc.People.Connections.List("people/me").PersonFields(fields).PageSize(size).RequestSyncToken(true)
		if syncToken != "" {
			call = call.SyncToken(syncToken)
		}
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		resp, err := call.Do()
		if err != nil {
			return p, err
		}
		p.pages++
		p.people = append(p.people, resp.Connections...)
		p.tokens = append(p.tokens, resp.NextSyncToken)
		if resp.NextPageToken == "" {
			p.syncToken = resp.NextSyncToken
			return p, nil
		}
		pageToken = resp.NextPageToken
	}
}

func mustList(t testing.TB, svc *people.Service, size int64, syncToken string) pass {
	t.Helper()
	p, err := list(t, svc, size, syncToken)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func apiError(t *testing.T, err error, code int) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v (%T) is not a *googleapi.Error", err, err)
	}
	if ge.Code != code {
		t.Fatalf("code %d, want %d: %v", ge.Code, code, err)
	}
	return ge
}

func detailReason(ge *googleapi.Error) string {
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok {
				return r
			}
		}
	}
	return ""
}

func TestFullPassPagesEveryoneOnce(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 1200})
	svc := peopleService(t, srv, a.TokenSource())
	p := mustList(t, svc, 500, "")
	if p.pages != 3 || len(p.people) != 1200 {
		t.Fatalf("pages %d people %d, want 3 and 1200", p.pages, len(p.people))
	}
	if p.tokens[0] != "" || p.tokens[1] != "" || p.syncToken == "" {
		t.Fatalf("nextSyncToken must come only on the last page: %q", p.tokens)
	}
	seen := map[string]bool{}
	var noName, multiEmail, rtl, linkedin, starred int
	for i, x := range p.people {
		if seen[x.ResourceName] || !strings.HasPrefix(x.ResourceName, "people/c") || x.Etag == "" {
			t.Fatalf("person %d: bad or duplicate resource name %q etag %q", i, x.ResourceName, x.Etag)
		}
		seen[x.ResourceName] = true
		if x.Metadata == nil || x.Metadata.Deleted || len(x.Metadata.PreviousResourceNames) > 0 {
			t.Fatalf("person %d: metadata %+v on a full pass", i, x.Metadata)
		}
		if j, ok := a.Index(x.ResourceName); !ok || j != i {
			t.Fatalf("Index(%s) = %d %v, want %d", x.ResourceName, j, ok, i)
		}
		if len(x.Names) == 0 {
			noName++
			if len(x.Organizations) == 0 && len(x.EmailAddresses) == 0 && len(x.PhoneNumbers) == 0 {
				t.Fatalf("person %d has neither name nor organization, email, phone", i)
			}
		} else if strings.ContainsAny(x.Names[0].DisplayName, "אבגדהוזחטיכלמנסעפצקרשתابتثجحخدذرزسشصضطظعغفقكلمنهوي") {
			rtl++
		}
		if len(x.EmailAddresses) > 1 {
			multiEmail++
		}
		for _, u := range x.Urls {
			if strings.Contains(u.Value, "linkedin.com/in/") {
				linkedin++
			}
		}
		for _, m := range x.Memberships {
			if m.ContactGroupMembership.ContactGroupResourceName == "contactGroups/starred" {
				starred++
			}
		}
	}
	for name, n := range map[string]int{"without a name": noName, "with several emails": multiEmail,
		"with right-to-left names": rtl, "with LinkedIn": linkedin, "starred": starred} {
		if n == 0 {
			t.Errorf("no person %s among 1200", name)
		}
	}
	// Without requestSyncToken the last page carries no token.
	resp, err := svc.People.Connections.List("people/me").PersonFields("names").PageSize(1000).
		PageToken("").Do()
	if err != nil || resp.NextSyncToken != "" || resp.NextPageToken == "" || resp.TotalItems != 1200 {
		t.Fatalf("page 1 without requestSyncToken: next %q sync %q total %d err %v", resp.NextPageToken, resp.NextSyncToken, resp.TotalItems, err)
	}
	if len(resp.Connections[0].EmailAddresses) != 0 || resp.Connections[0].Metadata != nil {
		t.Fatal("personFields=names returned other fields")
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	first := func() string {
		srv := googlefake.New(googlefake.Config{Seed: 7, Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }})
		defer srv.Close()
		a := srv.AddAccount("u", googlefake.AccountConfig{People: 300})
		b, _ := json.Marshal(mustList(t, peopleService(t, srv, a.TokenSource()), 100, "").people)
		return string(b)
	}
	if x, y := first(), first(); x != y {
		t.Fatal("two servers with the same seed served different people")
	}
}

func TestIncrementalDiff(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 500})
	svc := peopleService(t, srv, a.TokenSource())
	full := mustList(t, svc, 100, "")

	empty := mustList(t, svc, 100, full.syncToken)
	if len(empty.people) != 0 || empty.syncToken == "" {
		t.Fatalf("incremental with no changes: %d people, token %q", len(empty.people), empty.syncToken)
	}

	oldEtag := full.people[3].Etag
	a.Change(3, func(p *people.Person) { p.Names[0].DisplayName = "Renamed Person" })
	a.Change(4, nil)
	a.Delete(5)
	deletedName := full.people[5].ResourceName
	added := a.Add(&people.Person{EmailAddresses: []*people.EmailAddress{{Value: "new@example.com"}}})
	newName := a.Merge(10, 11, 12)

	inc := mustList(t, svc, 100, full.syncToken)
	byName := map[string]*people.Person{}
	for _, p := range inc.people {
		byName[p.ResourceName] = p
	}
	if len(inc.people) != 5 {
		t.Fatalf("incremental returned %d people, want 5 (changed, touched, deleted, added, merged)", len(inc.people))
	}
	if p := byName[full.people[3].ResourceName]; p == nil || p.Names[0].DisplayName != "Renamed Person" || p.Etag == oldEtag {
		t.Fatalf("changed person: %+v", p)
	}
	if p := byName[full.people[4].ResourceName]; p == nil || p.Etag == full.people[4].Etag {
		t.Fatal("touched person missing or same etag")
	}
	del := byName[deletedName]
	if del == nil || !del.Metadata.Deleted || del.Etag == "" || len(del.Names) != 0 {
		t.Fatalf("deleted person: %+v", del)
	}
	if raw, _ := json.Marshal(del); string(raw) != `{"etag":"`+del.Etag+`","metadata":{"deleted":true},"resourceName":"`+deletedName+`"}` {
		t.Fatalf("deleted person JSON %s", raw)
	}
	if p := byName[a.ResourceName(added)]; p == nil || p.EmailAddresses[0].Value != "new@example.com" {
		t.Fatal("added person missing")
	}
	m := byName[newName]
	want := []string{full.people[10].ResourceName, full.people[11].ResourceName, full.people[12].ResourceName}
	if m == nil || strings.Join(m.Metadata.PreviousResourceNames, ",") != strings.Join(want, ",") {
		t.Fatalf("merged person %+v, want previousResourceNames %v", m, want)
	}
	// A full pass shows the merge without previousResourceNames.
	again := mustList(t, svc, 100, "")
	if len(again.people) != 500-1+1-2 {
		t.Fatalf("full pass after changes: %d people", len(again.people))
	}
	for _, p := range again.people {
		if p.ResourceName == newName && len(p.Metadata.PreviousResourceNames) != 0 {
			t.Fatal("previousResourceNames on a full pass")
		}
		if p.ResourceName == deletedName || p.ResourceName == want[1] {
			t.Fatalf("%s still in the full pass", p.ResourceName)
		}
	}
	// The incremental token moves on.
	if next := mustList(t, svc, 100, inc.syncToken); len(next.people) != 0 {
		t.Fatalf("second incremental returned %d people", len(next.people))
	}
	// Delete then re-create the same resource name.
	a.Delete(20)
	re := a.Add(&people.Person{ResourceName: full.people[20].ResourceName, Names: []*people.Name{{DisplayName: "Back"}}})
	got := mustList(t, svc, 100, inc.syncToken).people
	if len(got) != 1 || got[0].ResourceName != full.people[20].ResourceName || got[0].Names[0].DisplayName != "Back" || got[0].Metadata.Deleted {
		t.Fatalf("re-created person: %+v", got)
	}
	if j, _ := a.Index(full.people[20].ResourceName); j != re {
		t.Fatalf("Index of a re-created name = %d, want %d", j, re)
	}
}

func TestIncrementalPagesAndChangesDuringAChain(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 400})
	svc := peopleService(t, srv, a.TokenSource())
	full := mustList(t, svc, 40, "")
	for i := 0; i < 100; i++ {
		a.Change(i*4, nil)
	}
	// Page 1 of the incremental chain, then a change, then the rest.
	call := func() *people.PeopleConnectionsListCall {
		return svc.People.Connections.List("people/me").PersonFields(fields).PageSize(40).RequestSyncToken(true).SyncToken(full.syncToken)
	}
	r1, err := call().Do()
	if err != nil || len(r1.Connections) != 40 || r1.NextPageToken == "" || r1.NextSyncToken != "" {
		t.Fatalf("page 1: %v", err)
	}
	a.Change(1, nil) // after the chain started: in the next chain
	n, tok := len(r1.Connections), ""
	for pt := r1.NextPageToken; pt != ""; {
		r, err := call().PageToken(pt).Do()
		if err != nil {
			t.Fatal(err)
		}
		n += len(r.Connections)
		pt, tok = r.NextPageToken, r.NextSyncToken
	}
	if n != 100 {
		t.Fatalf("incremental chain returned %d people, want 100", n)
	}
	next := mustList(t, svc, 40, tok)
	if len(next.people) != 1 || next.people[0].ResourceName != full.people[1].ResourceName {
		t.Fatalf("next incremental: %d people", len(next.people))
	}
}

func TestParameterStability(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 300})
	svc := peopleService(t, srv, a.TokenSource())
	r1, err := svc.People.Connections.List("people/me").PersonFields(fields).PageSize(100).RequestSyncToken(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]*people.PeopleConnectionsListCall{
		"pageSize":         svc.People.Connections.List("people/me").PersonFields(fields).PageSize(50).RequestSyncToken(true),
		"personFields":     svc.People.Connections.List("people/me").PersonFields("names").PageSize(100).RequestSyncToken(true),
		"requestSyncToken": svc.People.Connections.List("people/me").PersonFields(fields).PageSize(100),
		"sources":          svc.People.Connections.List("people/me").PersonFields(fields).PageSize(100).RequestSyncToken(true).Sources("READ_SOURCE_TYPE_CONTACT"),
	} {
		_, err := call.PageToken(r1.NextPageToken).Do()
		ge := apiError(t, err, 400)
		if !strings.Contains(ge.Body, `"INVALID_ARGUMENT"`) {
			t.Errorf("%s changed: body %s", name, ge.Body)
		}
	}
	full := mustList(t, svc, 100, "")
	_, err = svc.People.Connections.List("people/me").PersonFields("names").PageSize(100).RequestSyncToken(true).SyncToken(full.syncToken).Do()
	apiError(t, err, 400)
	_, err = list(t, svc, 1000, full.syncToken)
	apiError(t, err, 400)
	// A page token of a full chain sent with a sync token, and the reverse.
	_, err = svc.People.Connections.List("people/me").PersonFields(fields).PageSize(100).RequestSyncToken(true).
		SyncToken(full.syncToken).PageToken(r1.NextPageToken).Do()
	apiError(t, err, 400)

	_, err = svc.People.Connections.List("people/me").PageSize(100).Do()
	if ge := apiError(t, err, 400); !strings.Contains(ge.Message, "personFields") {
		t.Errorf("missing personFields: %q", ge.Message)
	}
	_, err = svc.People.Connections.List("people/me").PersonFields("names,bogus").Do()
	apiError(t, err, 400)
	_, err = svc.People.Connections.List("people/me").PersonFields("names").PageSize(1001).Do()
	apiError(t, err, 400)
	_, err = svc.People.Connections.List("people/me").PersonFields("names").PageToken("garbage").Do()
	apiError(t, err, 400)
	// Default page size is 100.
	r, err := svc.People.Connections.List("people/me").PersonFields("names").Do()
	if err != nil || len(r.Connections) != 100 {
		t.Fatalf("default page size: %d %v", len(r.Connections), err)
	}
	// Another account's token is invalid here.
	b := srv.AddAccount("u2", googlefake.AccountConfig{People: 10})
	_, err = list(t, peopleService(t, srv, b.TokenSource()), 100, full.syncToken)
	apiError(t, err, 400)
}

func TestExpiredTokenBothShapes(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 250})
	svc := peopleService(t, srv, a.TokenSource())
	full := mustList(t, svc, 100, "")
	a.ExpireTokens()
	_, err := list(t, svc, 100, full.syncToken)
	ge := apiError(t, err, 400)
	if detailReason(ge) != "EXPIRED_SYNC_TOKEN" || ge.Message != "Sync token is expired. Clear local cache and retry call without the sync token." ||
		!strings.Contains(ge.Body, `"FAILED_PRECONDITION"`) || !strings.Contains(ge.Body, `"domain":"people.googleapis.com"`) {
		t.Fatalf("expired: %#v", ge)
	}
	a.SetExpiredStatus(410)
	_, err = list(t, svc, 100, full.syncToken)
	apiError(t, err, 410)

	// Expiry in the middle of an incremental chain: page 2 fails.
	fresh := mustList(t, svc, 100, "")
	for i := 0; i < 150; i++ {
		a.Change(i, nil)
	}
	call := svc.People.Connections.List("people/me").PersonFields(fields).PageSize(100).RequestSyncToken(true).SyncToken(fresh.syncToken)
	r1, err := call.Do()
	if err != nil || r1.NextPageToken == "" {
		t.Fatal(err)
	}
	a.ExpireTokens()
	_, err = call.PageToken(r1.NextPageToken).Do()
	apiError(t, err, 410)
	// A new full pass gives a working token.
	if p := mustList(t, svc, 100, mustList(t, svc, 100, "").syncToken); len(p.people) != 0 {
		t.Fatal("incremental after a fresh full pass is not empty")
	}
}

func TestAuth(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 5})
	_, err := peopleService(t, srv, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "nope"})).
		People.Connections.List("people/me").PersonFields("names").Do()
	ge := apiError(t, err, 401)
	if !strings.Contains(ge.Body, "UNAUTHENTICATED") || ge.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("401 body %s", ge.Body)
	}
	// A client holding a valid token gets 401 after the grant is revoked;
	// the account's own token source then fails with invalid_grant.
	cached := peopleService(t, srv, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: a.Token()}))
	if _, err := cached.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	a.Revoke()
	_, err = cached.People.Connections.List("people/me").PersonFields("names").Do()
	apiError(t, err, 401)
	_, err = peopleService(t, srv, a.TokenSource()).People.Connections.List("people/me").PersonFields("names").Do()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("revoked token source: %v", err)
	}
	a.Restore()
	if _, err := cached.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	// TokenSourceFunc: by user ID.
	id := uuid.New()
	srv.AddAccount(id.String(), googlefake.AccountConfig{People: 3})
	ts, err := srv.TokenSourceFunc()(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p := mustList(t, peopleService(t, srv, ts), 100, ""); len(p.people) != 3 {
		t.Fatalf("user account has %d people", len(p.people))
	}
	if _, err := srv.TokenSourceFunc()(context.Background(), uuid.New()); err == nil {
		t.Fatal("a user without an account got a token source")
	}
}

func TestScriptedFailures(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 70})
	svc := peopleService(t, srv, a.TokenSource())

	// "Fail page 7 once with 503": the retry of page 7 succeeds.
	sc := srv.Script(googlefake.Rule{Account: "u1", Endpoint: googlefake.Connections, Page: 7, Fault: googlefake.Unavailable()})
	_, err := list(t, svc, 10, "")
	ge := apiError(t, err, 503)
	if !strings.Contains(ge.Body, "UNAVAILABLE") {
		t.Fatalf("503 body %s", ge.Body)
	}
	reqs := srv.Requests("u1", googlefake.Connections)
	last := reqs[len(reqs)-1]
	if len(reqs) != 7 || last.Page != 7 || last.Status != 503 || last.Query.Get("pageSize") != "10" || last.Query.Get("pageToken") == "" {
		t.Fatalf("recorded %d requests, last %+v", len(reqs), last)
	}
	pt := last.Query.Get("pageToken")
	r, err := svc.People.Connections.List("people/me").PersonFields(fields).PageSize(10).RequestSyncToken(true).PageToken(pt).Do()
	if err != nil || len(r.Connections) != 10 || sc.Fired() != 1 {
		t.Fatalf("retry of page 7: %v, fired %d", err, sc.Fired())
	}

	small := peopleService(t, srv, srv.AddAccount("u2", googlefake.AccountConfig{People: 50}).TokenSource())
	cases := []struct {
		name  string
		fault googlefake.Fault
		check func(t *testing.T, err error)
	}{
		{"429 with Retry-After", googlefake.RateLimited(30 * time.Second), func(t *testing.T, err error) {
			ge := apiError(t, err, 429)
			if ge.Header.Get("Retry-After") != "30" || detailReason(ge) != "RATE_LIMIT_EXCEEDED" || !strings.Contains(ge.Body, "RESOURCE_EXHAUSTED") {
				t.Fatalf("429: %#v", ge)
			}
		}},
		{"429 without Retry-After", googlefake.RateLimited(0), func(t *testing.T, err error) {
			if ge := apiError(t, err, 429); ge.Header.Get("Retry-After") != "" {
				t.Fatal("Retry-After set")
			}
		}},
		{"500", googlefake.BackendError(), func(t *testing.T, err error) { apiError(t, err, 500) }},
		{"HTML 502", googlefake.BadGatewayHTML(), func(t *testing.T, err error) {
			ge := apiError(t, err, 502)
			if ge.Message != "" || !strings.Contains(ge.Body, "<html") {
				t.Fatalf("502: %#v", ge)
			}
		}},
		{"403 scope", googlefake.Forbidden403(), func(t *testing.T, err error) { apiError(t, err, 403) }},
		{"expired", googlefake.ExpiredToken(), func(t *testing.T, err error) {
			if ge := apiError(t, err, 400); detailReason(ge) != "EXPIRED_SYNC_TOKEN" {
				t.Fatal(ge)
			}
		}},
		{"truncated", googlefake.Truncated(), func(t *testing.T, err error) {
			var ge *googleapi.Error
			if err == nil || errors.As(err, &ge) {
				t.Fatalf("truncated JSON gave %v", err)
			}
		}},
		{"hangup", googlefake.Hangup(), func(t *testing.T, err error) {
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Fatalf("hangup gave %T %v", err, err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := srv.Script(googlefake.Rule{Account: "u2", Page: 2, Fault: c.fault})
			defer sc.Remove()
			p, err := list(t, small, 25, "")
			if p.pages != 1 {
				t.Fatalf("failed after %d pages", p.pages)
			}
			c.check(t, err)
			if p, err := list(t, small, 25, ""); err != nil || len(p.people) != 50 {
				t.Fatalf("after the fault: %d people, %v", len(p.people), err)
			}
		})
	}

	// After/Times: let two requests through, fail the next two, then normal.
	srv.ResetRequests()
	sc = srv.Script(googlefake.Rule{Endpoint: googlefake.Connections, After: 2, Times: 2, Fault: googlefake.Unavailable()})
	var codes []int
	for range 5 {
		_, err := svc.People.Connections.List("people/me").PersonFields("names").Do()
		code := 200
		var ge *googleapi.Error
		if errors.As(err, &ge) {
			code = ge.Code
		}
		codes = append(codes, code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 503 || codes[3] != 503 || codes[4] != 200 || sc.Seen() != 5 || srv.Hits("u1", googlefake.Connections) != 5 {
		t.Fatalf("codes %v seen %d hits %d", codes, sc.Seen(), srv.Hits("u1", googlefake.Connections))
	}
	sc.Remove()
}

func TestSlowResponse(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 50})
	svc := peopleService(t, srv, a.TokenSource())
	g := googlefake.NewGate()
	srv.Script(googlefake.Rule{Account: "u1", Times: 2, Fault: googlefake.Slow(g)})

	// Held until the context ends.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := svc.People.Connections.List("people/me").PersonFields("names").Context(ctx).Do()
		done <- err
	}()
	<-g.Arrived()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled slow request: %v", err)
	}
	// Held until released, then answered normally.
	go func() {
		r, err := svc.People.Connections.List("people/me").PersonFields("names").Do()
		if err == nil && len(r.Connections) != 50 {
			err = errors.New("wrong page")
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("slow request answered before release: %v", err)
	default:
	}
	g.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestContactGroups(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u1", googlefake.AccountConfig{People: 400})
	svc := peopleService(t, srv, a.TokenSource())
	listGroups := func(tok string) (*people.ListContactGroupsResponse, error) {
		call := svc.ContactGroups.List().PageSize(1000)
		if tok != "" {
			call = call.SyncToken(tok)
		}
		return call.Do()
	}
	r, err := listGroups("")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	user := 0
	for _, g := range r.ContactGroups {
		counts[g.ResourceName] = g.MemberCount
		if g.GroupType == "USER_CONTACT_GROUP" {
			user++
		}
	}
	if user != 4 || counts["contactGroups/myContacts"] < 350 || counts["contactGroups/starred"] == 0 || r.NextSyncToken == "" {
		t.Fatalf("groups: %d user groups, counts %v", user, counts)
	}
	// memberCount agrees with the people served.
	p := mustList(t, svc, 1000, "")
	served := map[string]int64{}
	for _, x := range p.people {
		for _, m := range x.Memberships {
			served[m.ContactGroupMembership.ContactGroupResourceName]++
		}
	}
	for _, rn := range a.Groups() {
		if served[rn] != counts[rn] || served[rn] == 0 {
			t.Fatalf("group %s: memberCount %d, members served %d", rn, counts[rn], served[rn])
		}
	}

	groups := a.Groups()
	a.RenameGroup(groups[0], "Renamed")
	a.DeleteGroup(groups[1])
	added := a.AddGroup("Nouveau groupe")
	inc, err := listGroups(r.NextSyncToken)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*people.ContactGroup{}
	for _, g := range inc.ContactGroups {
		got[g.ResourceName] = g
	}
	if len(got) != 3 || got[groups[0]].Name != "Renamed" || !got[groups[1]].Metadata.Deleted || got[added].Name != "Nouveau groupe" {
		t.Fatalf("incremental groups: %+v", inc.ContactGroups)
	}
	// Members of a deleted group no longer list it.
	for _, x := range mustList(t, svc, 1000, "").people {
		for _, m := range x.Memberships {
			if m.ContactGroupMembership.ContactGroupResourceName == groups[1] {
				t.Fatal("membership of a deleted group served")
			}
		}
	}
	a.ExpireTokens()
	_, err = listGroups(inc.NextSyncToken)
	apiError(t, err, 400)
	// Paging: pageSize 3 over 8 system + 4 user groups (one deleted) + 1 added.
	n, pages := 0, 0
	err = svc.ContactGroups.List().PageSize(3).Pages(context.Background(), func(r *people.ListContactGroupsResponse) error {
		n += len(r.ContactGroups)
		pages++
		return nil
	})
	if err != nil || n != 12 || pages != 4 {
		t.Fatalf("paged groups: %d in %d pages, %v", n, pages, err)
	}
}

func TestConcurrentAccounts(t *testing.T) {
	srv := newServer(t)
	var wg sync.WaitGroup
	for u := range 8 {
		key := "user" + string(rune('a'+u))
		a := srv.AddAccount(key, googlefake.AccountConfig{People: 150 + u, Events: 100})
		svc := peopleService(t, srv, a.TokenSource())
		wg.Add(3)
		go func() {
			defer wg.Done()
			for i := range 50 {
				a.Change(i, nil)
				if a.Event("primary", i).Status != "cancelled" {
					a.ChangeEvent("primary", i, nil)
				}
			}
			a.AddEvent("primary", nil)
			a.ExpireTokens()
		}()
		go func() {
			defer wg.Done()
			cs, err := calendar.NewService(context.Background(), append(srv.CalendarOptions(), option.WithTokenSource(a.TokenSource()))...)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := cs.Events.List("primary").SingleEvents(true).MaxResults(100).Do(); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			p, err := list(t, svc, 100, "")
			if err != nil {
				t.Error(err)
				return
			}
			if len(p.people) != 150+u {
				t.Errorf("%s: %d people", key, len(p.people))
			}
		}()
	}
	wg.Wait()
	if srv.Hits("", googlefake.Connections) != 8*2 { // 150..157 people in pages of 100
		t.Fatalf("hits %d", srv.Hits("", googlefake.Connections))
	}
}

// TestHugeAccountIsLazy: adding a million-person account and serving a
// page from its far end costs no memory proportional to its size.
func TestHugeAccountIsLazy(t *testing.T) {
	srv := newServer(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	a := srv.AddAccount("huge", googlefake.AccountConfig{People: 1_000_000, Events: 50_000})
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 256<<10 {
		t.Fatalf("a 1,000,000-person account took %d bytes", grew)
	}
	p := a.Person(999_999)
	if p == nil || p.ResourceName != a.ResourceName(999_999) {
		t.Fatal("last person missing")
	}
	if j, ok := a.Index(p.ResourceName); !ok || j != 999_999 {
		t.Fatalf("Index = %d %v", j, ok)
	}
	if ev := a.Event("primary", 49_999); ev.Id == "" || a.EventCount(a.Email()) != 50_000 {
		t.Fatal("last event missing")
	}
}

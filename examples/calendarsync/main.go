// Command calendarsync shows kith's Google Calendar sync (package
// calendar) end to end: meetings in a user's calendars move their
// contacts' "last contacted" dates forward.
//
// By default it needs no Google account: it starts a fake Google API
// (kith's internal test server, which speaks the real REST protocol to the
// real Google clients) with -people generated people and -events generated
// events, plus a few meetings of its own that show each rule, and a
// throwaway PostgreSQL (or the server in KITH_DATABASE_URL, database
// kith_calendarsync). The fake's clock is fixed (2026-10-20 18:00 UTC), so
// every run prints the same figures. It prints:
//
//  1. the contacts, synced from the same fake account (contacts/googlesync);
//  2. SyncUser: the calendar list, then the calendars the host chooses (here
//     the ones the user owns or writes to; never a free/busy one), and which
//     contacts moved forward and why, which did not and why not;
//  3. a meeting cancelled in Google and the incremental sync: the date it
//     gave stays (a cancelled or deleted event never moves a date back);
//  4. ApplyInteractions two hours later, on the host's schedule: meetings
//     that had not ended now count; every contact they moved is named, with
//     the date it moved from and to, and the meeting that moved it (its
//     calendar, when it ended, how many attendees: never its title);
//  5. the people met who are not contacts (UnmatchedAttendees), and the
//     status a host shows.
//
// With -real it syncs a real Google account instead (contacts, then the
// calendars). Get a token once with an OAuth client of your own (see the
// README, "Google Contacts sync"):
//
//	go run ./examples/calendarsync -login -client client_secret.json -token token.json
//	go run ./examples/calendarsync -real -client client_secret.json -token token.json
//
// Nothing is written to Google (the scopes are contacts.readonly and
// calendar.readonly). In -real mode the program prints your contacts'
// names, the dates you last met them and the addresses of people you met
// to your terminal: your own data, shown to you. kith's logs (-v) carry
// counts and IDs only, never a name, an address or an event's title.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"golang.org/x/oauth2"
	gcal "google.golang.org/api/calendar/v3"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/exampleauth"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/pgtest"
)

// options are the command's flags.
type options struct {
	people  int    // fake account: generated people
	events  int    // fake account: generated events of the primary calendar
	real    bool   // sync a real account
	login   bool   // get a token and exit
	client  string // OAuth client JSON (Google Cloud console)
	token   string // token JSON file
	user    string // kith user ID for the real account
	all     bool   // real account: sync every calendar the user owns or writes to
	verbose bool
	logs    io.Writer // where -v logs go (stderr; tests capture them)
}

func main() {
	var o options
	flag.IntVar(&o.people, "people", 2_000, "people in the fake account")
	flag.IntVar(&o.events, "events", 10_000, "generated events in the fake account's primary calendar")
	flag.BoolVar(&o.real, "real", false, "sync a real Google account (needs -token, and -client to refresh it)")
	flag.BoolVar(&o.login, "login", false, "get a token for -client through the browser, save it to -token, and exit")
	flag.StringVar(&o.client, "client", "", "OAuth client JSON downloaded from the Google Cloud console (Desktop app)")
	flag.StringVar(&o.token, "token", "token.json", "OAuth token file (written by -login)")
	flag.StringVar(&o.user, "user", "00000000-0000-4000-8000-00000000ca1e", "kith user ID the real account is synced to")
	flag.BoolVar(&o.all, "all", false, "real account: sync every calendar you own or write to, not only the primary one")
	flag.BoolVar(&o.verbose, "v", false, "log every page (counts and IDs only)")
	flag.Parse()
	o.logs = os.Stderr
	if o.people < 0 || o.events < 0 {
		log.Fatal("calendarsync: -people and -events must not be negative")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if o.login {
		if err := exampleauth.Login(ctx, o.auth()); err != nil {
			log.Fatalf("calendarsync: %v", err)
		}
		return
	}
	server, err := pgtest.Start(ctx)
	if err != nil {
		log.Fatalf("calendarsync: %v", err)
	}
	defer server.Close()
	db, err := openDB(ctx, server)
	if err != nil {
		log.Fatalf("calendarsync: %v", err)
	}
	defer db.Close()
	if o.real {
		err = runReal(ctx, db, os.Stdout, o)
	} else {
		err = runFake(ctx, db, os.Stdout, o)
	}
	if err != nil {
		log.Fatalf("calendarsync: %v", err)
	}
}

// openDB creates the database kith_calendarsync unless it exists, opens
// and migrates it.
func openDB(ctx context.Context, server *pgtest.Server) (*sqlx.DB, error) {
	db, err := server.OpenDatabase(ctx, "kith_calendarsync")
	if err != nil {
		return nil, err
	}
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// fakeNow is the fake run's clock.
var fakeNow = time.Date(2026, 10, 20, 18, 0, 0, 0, time.UTC)

// A person of the story the fake run tells, besides the generated people.
type person struct {
	name   string
	emails []string
}

var (
	ada       = person{"Ada Lovelace", []string{"ada@home.example", "ada.lovelace@work.example"}}
	grace     = person{"Grace Hopper", []string{"grace@navy.example"}}
	alan      = person{"Alan Turing", []string{"alan@bletchley.example"}}
	katherine = person{"Katherine Johnson", []string{"katherine@nasa.example"}}
	story     = []person{ada, grace, alan, katherine}
)

// A meeting of the story. The titles are the example's own: kith never
// stores an event's title.
type meeting struct {
	title      string
	id         string
	team       bool // also held in the team calendar (same iCalUID)
	start, end time.Time
	allDay     bool
	response   string   // the user's answer ("" : the user organizes it)
	with       []string // attendees' addresses, as the invitation gives them
	declined   []string // of which declined
	extra      int      // more attendees (a large meeting)
	note       string   // what the rules make of it
}

// displayNames are the names invitations give people who are not
// contacts.
var displayNames = map[string]string{"joan@bletchley.example": "Joan Clarke"}

func at(day, hour, min int) time.Time { return time.Date(2026, 10, day, hour, min, 0, 0, time.UTC) }

var meetings = []meeting{
	{title: "Dinner with Ada", id: "story-dinner", start: at(19, 19, 0), end: at(19, 21, 0),
		with: []string{"Ada.Lovelace@WORK.example"}, note: "her work address, in capitals: matched"},
	{title: "Design review", id: "story-review", team: true, start: at(20, 10, 0), end: at(20, 11, 0), response: "accepted",
		with: []string{"grace@navy.example", "joan@bletchley.example"}, note: "in two calendars: one meeting"},
	{title: "All hands", id: "story-allhands", start: at(20, 9, 0), end: at(20, 10, 0), response: "accepted",
		with: []string{"alan@bletchley.example"}, extra: 198, note: "200 people: not a conversation (Rules.MaxAttendees 10)"},
	{title: "Offsite", id: "story-offsite", start: at(16, 0, 0), end: at(17, 0, 0), allDay: true,
		with: []string{"alan@bletchley.example"}, note: "all-day (Rules.CountAllDay off)"},
	{title: "Call with Alan", id: "story-call", start: at(20, 19, 0), end: at(20, 19, 30),
		with: []string{"alan@bletchley.example", "joan@bletchley.example"}, note: "ends at 19:30: counts once it has ended"},
	{title: "Coffee", id: "story-coffee", start: at(19, 15, 0), end: at(19, 15, 30),
		with: []string{"katherine@nasa.example"}, declined: []string{"katherine@nasa.example"}, note: "she declined"},
	{title: "Launch planning", id: "story-planning", start: at(18, 14, 0), end: at(18, 15, 0), response: "tentative",
		with: []string{"katherine@nasa.example"}, note: `the user answered "maybe" (Rules.Attendance)`},
	{title: "Pairing", id: "story-pairing", start: at(20, 19, 0), end: at(20, 19, 45),
		with: []string{"ada@home.example", "grace@navy.example"}, note: "ends at 19:45: counts once it has ended"},
}

// event is a story meeting as Google serves calendarID's copy: self is
// the user's address (the primary calendar's ID), team the team
// calendar's ID.
func (m meeting) event(self, team, calendarID string) *gcal.Event {
	ev := &gcal.Event{Id: m.id, ICalUID: m.id + "@google.com", Etag: `"1"`, Summary: m.title}
	if calendarID != self {
		ev.Id = m.id + "-team"
	}
	if m.allDay {
		ev.Start = &gcal.EventDateTime{Date: m.start.Format(time.DateOnly)}
		ev.End = &gcal.EventDateTime{Date: m.end.Format(time.DateOnly)}
	} else {
		ev.Start = &gcal.EventDateTime{DateTime: m.start.Format(time.RFC3339)}
		ev.End = &gcal.EventDateTime{DateTime: m.end.Format(time.RFC3339)}
	}
	organizer, you := self, &gcal.EventAttendee{Email: self, Self: calendarID == self, ResponseStatus: "accepted"}
	if m.response != "" {
		organizer, you.ResponseStatus = m.with[0], m.response
	}
	if m.team {
		organizer = team
	}
	ev.Organizer = &gcal.EventOrganizer{Email: organizer, Self: organizer == calendarID}
	you.Organizer = organizer == self
	ev.Attendees = []*gcal.EventAttendee{you}
	for _, a := range m.with {
		r := "accepted"
		if slices.Contains(m.declined, a) {
			r = "declined"
		}
		ev.Attendees = append(ev.Attendees, &gcal.EventAttendee{Email: a, DisplayName: displayNames[a], ResponseStatus: r})
	}
	for i := range m.extra {
		ev.Attendees = append(ev.Attendees, &gcal.EventAttendee{Email: fmt.Sprintf("staff%d@corp.example", i), ResponseStatus: "accepted"})
	}
	return ev
}

// runFake is the default demo, against the fake Google APIs.
func runFake(ctx context.Context, db *sqlx.DB, out io.Writer, o options) error {
	fake := googlefake.New(googlefake.Config{Seed: 1, Now: func() time.Time { return fakeNow }})
	defer fake.Close()
	user := uuid.MustParse("00000000-0000-4000-8000-00000000ca1e")
	account := fake.AddAccount(user.String(), googlefake.AccountConfig{People: o.people, Events: o.events, Anchor: fakeNow})
	for _, p := range story {
		pp := &people.Person{Names: []*people.Name{{DisplayName: p.name}}}
		for _, e := range p.emails {
			pp.EmailAddresses = append(pp.EmailAddresses, &people.EmailAddress{Value: e})
		}
		account.Add(pp)
	}
	self := account.Email()
	var team string
	for _, id := range account.CalendarIDs() {
		if strings.HasPrefix(id, "c_") && strings.HasSuffix(id, "@group.calendar.google.com") {
			team = id
		}
	}
	for _, m := range meetings {
		account.AddEvent(self, m.event(self, team, self))
		if m.team && team != "" {
			account.AddEvent(team, m.event(self, team, team))
		}
	}
	fmt.Fprintf(out, "fake Google APIs at %s, user %s: %d generated people and %d generated events, and the story below\n", fake.URL(), user, o.people, o.events)
	fmt.Fprintf(out, "clock: %s (fixed)\n\n", fakeNow.Format("2006-01-02 15:04 MST"))

	// 1. The contacts come from the same account.
	people, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		return err
	}
	gs, err := googlesync.New(db, googlesync.Config{TokenSource: fake.TokenSourceFunc(), ClientOptions: fake.PeopleOptions(), Logger: logger(o), Now: func() time.Time { return fakeNow }})
	if err != nil {
		return err
	}
	crep, err := gs.Sync(ctx, user)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "1. Google Contacts sync: %d contacts (%s pass, %d pages)\n\n", crep.Inserted, crep.Kind, crep.Pages)

	// 2. The calendars.
	clock := fakeNow
	syncer, err := calendar.New(db, calendar.Config{
		TokenSource:   fake.TokenSourceFunc(),
		ClientOptions: fake.CalendarOptions(),
		Now:           func() time.Time { return clock },
		Logger:        logger(o),
		Calendars:     ownedOrWritable,
	})
	if err != nil {
		return err
	}
	snap, err := snapshot(ctx, people, user)
	if err != nil {
		return err
	}
	before := datesOf(snap)
	rep, err := syncer.SyncUser(ctx, user)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "2. Calendar sync (SyncUser): the calendar list, then the calendars the host chose (owned or writable; never free/busy)")
	userReport(out, rep, self)
	after, err := snapshot(ctx, people, user)
	if err != nil {
		return err
	}
	moved := movedForward(before, after)
	fmt.Fprintf(out, "   contacts moved forward: %d\n", len(moved))
	for _, p := range story {
		c, ok := findContact(after, p)
		if !ok {
			return fmt.Errorf("%s is not a contact", p.name)
		}
		if c.LastContactDate == nil {
			fmt.Fprintf(out, "     %-18s not moved:\n", p.name)
			for _, m := range meetingsWith(p) {
				fmt.Fprintf(out, "       %q: %s\n", m.title, m.note)
			}
			continue
		}
		fmt.Fprintf(out, "     %-18s never -> %s  %s\n", p.name, when(*c.LastContactDate), why(p, *c.LastContactDate))
	}
	generated := 0
	for _, c := range moved {
		if !isStory(c) {
			generated++
		}
	}
	finder := meetingFinder{account: account, self: self}
	for _, r := range rep.Calendars {
		finder.calendars = append(finder.calendars, r.CalendarID)
	}
	var latest []contacts.Contact
	for _, c := range moved {
		if !isStory(c) && len(latest) < 3 {
			latest = append(latest, c)
		}
	}
	reasons := finder.explain(latest)
	fmt.Fprintf(out, "     and %d generated contacts, the latest:\n", generated)
	for _, c := range latest {
		fmt.Fprintf(out, "     %-18s never -> %s  %s\n", c.Name, when(*c.LastContactDate), reasons[c.ID])
	}
	fmt.Fprintln(out)

	// 3. A meeting cancelled in Google: the date it gave stays.
	fmt.Fprintf(out, "3. %q cancelled in Google; the next sync is incremental\n", meetings[0].title)
	cancelStory(account, self, meetings[0].id)
	rep, err = syncer.SyncUser(ctx, user)
	if err != nil {
		return err
	}
	userReport(out, rep, self)
	c, err := people.Get(ctx, user, mustFind(after, ada))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   %s still last contacted %s: a cancelled or deleted event never moves a date back\n\n", ada.name, when(*c.LastContactDate))

	// 4. Later, on the host's schedule.
	if snap, err = snapshot(ctx, people, user); err != nil {
		return err
	}
	before = datesOf(snap)
	clock = fakeNow.Add(2 * time.Hour)
	res, err := syncer.ApplyInteractions(ctx, user, clock)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. %s: ApplyInteractions (meetings that ended since the last application)\n", clock.Format("15:04"))
	fmt.Fprintf(out, "   %d meeting(s), %d contact(s) met, %d moved forward:\n", res.Meetings, res.Matched, res.Moved)
	if after, err = snapshot(ctx, people, user); err != nil {
		return err
	}
	moved = movedForward(before, after)
	reasons = finder.explain(moved)
	for _, c := range moved {
		prev := "never"
		if p := before[c.ID]; p != nil {
			prev = when(*p)
		}
		fmt.Fprintf(out, "     %-18s %s -> %s  %s\n", c.Name, prev, when(*c.LastContactDate), reasons[c.ID])
	}
	fmt.Fprintln(out)
	return unmatchedAndStatus(ctx, out, syncer, user, self, 5)
}

// meetingFinder tells which meeting of the fake account moved a contact's
// date: kith stores no title and says which contacts moved, not by which
// event, so the example looks at what Google serves.
type meetingFinder struct {
	account   *googlefake.Account
	calendars []string // the calendars synced, in the order SyncUser synced them
	self      string   // the user's address: the primary calendar's ID
}

// explain returns, for each contact, the meeting that moved its date: one
// that ended then, with one of the contact's addresses among attendees who
// did not decline, that the user organized or accepted, not all-day and
// of at most ten people (the default Rules). It says when the meeting
// ended, in which calendar, and how many attendees it had (rooms left
// out, as kith counts them); never its title.
func (f meetingFinder) explain(cs []contacts.Contact) map[uuid.UUID]string {
	byEmail := map[string][]contacts.Contact{}
	ends := map[int64]bool{}
	for _, c := range cs {
		for _, e := range append([]string{c.Email}, c.OtherEmails...) {
			if e != "" {
				byEmail[strings.ToLower(e)] = append(byEmail[strings.ToLower(e)], c)
			}
		}
		ends[c.LastContactDate.Unix()] = true
	}
	out := make(map[uuid.UUID]string, len(cs))
	for _, cal := range f.calendars {
		name := "the team calendar"
		if cal == f.self {
			name = "the primary calendar"
		}
		for k := range f.account.EventCount(cal) {
			ev := f.account.Event(cal, k)
			if ev.Status == "cancelled" || ev.End == nil || ev.End.DateTime == "" {
				continue
			}
			end, err := time.Parse(time.RFC3339, ev.End.DateTime)
			if err != nil || !ends[end.Unix()] {
				continue
			}
			people, attended := 0, ev.Organizer != nil && ev.Organizer.Self
			for _, a := range ev.Attendees {
				if a.Resource || strings.HasSuffix(strings.ToLower(a.Email), "@resource.calendar.google.com") {
					continue
				}
				people++
				if a.Self || strings.EqualFold(a.Email, f.self) {
					attended = attended || a.Organizer || a.ResponseStatus == "accepted"
				}
			}
			if !attended || people > 10 {
				continue
			}
			for _, a := range ev.Attendees {
				if a.ResponseStatus == "declined" {
					continue
				}
				for _, c := range byEmail[strings.ToLower(a.Email)] {
					if _, done := out[c.ID]; !done && c.LastContactDate.Equal(end) {
						out[c.ID] = fmt.Sprintf("the meeting in %s that ended %s, %d attendees", name, when(end), people)
					}
				}
			}
		}
	}
	for _, c := range cs {
		if out[c.ID] == "" {
			out[c.ID] = "(no meeting of the account explains it)"
		}
	}
	return out
}

// ownedOrWritable is the host's choice of calendars (Config.Calendars):
// the ones the user owns or writes to.
func ownedOrWritable(_ context.Context, _ uuid.UUID, listed []calendar.Calendar) ([]string, error) {
	var ids []string
	for _, c := range listed {
		if c.AccessRole == calendar.RoleOwner || c.AccessRole == calendar.RoleWriter {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// cancelStory cancels a story meeting in the user's calendar.
func cancelStory(account *googlefake.Account, self, id string) {
	for k := account.EventCount(self) - 1; k >= 0; k-- {
		if account.EventID(self, k) == id {
			account.CancelEvent(self, k)
			return
		}
	}
}

// runReal syncs a real Google account: its contacts, then its calendars.
func runReal(ctx context.Context, db *sqlx.DB, out io.Writer, o options) error {
	user, err := uuid.Parse(o.user)
	if err != nil {
		return fmt.Errorf("-user: %w", err)
	}
	ts, err := exampleauth.TokenSource(ctx, o.auth())
	if err != nil {
		return err
	}
	tokens := func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return ts, nil }
	people, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		return err
	}
	gs, err := googlesync.New(db, googlesync.Config{TokenSource: tokens, Logger: logger(o)})
	if err != nil {
		return err
	}
	crep, err := gs.Sync(ctx, user)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "1. Google Contacts sync: %d contacts (%s pass, %d pages)\n\n", crep.Inserted+crep.Updated+crep.Unchanged, crep.Kind, crep.Pages)
	cfg := calendar.Config{TokenSource: tokens, Logger: logger(o)}
	if o.all {
		cfg.Calendars = ownedOrWritable
	}
	syncer, err := calendar.New(db, cfg)
	if err != nil {
		return err
	}
	snap, err := snapshot(ctx, people, user)
	if err != nil {
		return err
	}
	before := datesOf(snap)
	rep, err := syncer.SyncUser(ctx, user)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "2. Calendar sync (SyncUser)")
	userReport(out, rep, "")
	after, err := snapshot(ctx, people, user)
	if err != nil {
		return err
	}
	moved := movedForward(before, after)
	fmt.Fprintf(out, "   contacts moved forward: %d (your own data, shown to you), the latest 20:\n", len(moved))
	for _, c := range moved[:min(20, len(moved))] {
		prev := "never"
		if p := before[c.ID]; p != nil {
			prev = when(*p)
		}
		fmt.Fprintf(out, "     %-30s %s -> %s  (the latest meeting with them that counts ended then)\n", c.Name, prev, when(*c.LastContactDate))
	}
	fmt.Fprintln(out)
	return unmatchedAndStatus(ctx, out, syncer, user, "", 10)
}

// userReport prints what one SyncUser did. self, if set, is the primary
// calendar's ID (printed as "primary").
func userReport(out io.Writer, rep calendar.UserReport, self string) {
	l := rep.List
	fmt.Fprintf(out, "   calendar list: %s pass, %d calendars\n", l.Kind, l.Events)
	for i, r := range rep.Calendars {
		name := fmt.Sprint("calendar ", i+1)
		if self != "" && r.CalendarID == self {
			name = "primary calendar"
		} else if self != "" {
			name = "team calendar"
		}
		fmt.Fprintf(out, "   %s: %s pass, %d pages, %d events read (%.0f/s): %d stored, %d updated, %d unchanged, %d deleted, %d not readable, %d removed by the full pass\n",
			name, r.Kind, r.Pages, r.Events, float64(r.Events)/max(r.Duration.Seconds(), 1e-9), r.Inserted, r.Updated, r.Unchanged, r.Deleted, r.Skipped, r.Removed)
	}
	in := rep.Interactions
	fmt.Fprintf(out, "   interactions: %d events that count, %d meetings, %d contacts met, %d moved forward (%v in all)\n",
		in.Events, in.Meetings, in.Matched, in.Moved, rep.Duration.Round(time.Millisecond))
}

// snapshot reads every contact of the user.
func snapshot(ctx context.Context, s *contacts.Store, user uuid.UUID) ([]contacts.Contact, error) {
	var all []contacts.Contact
	opts := contacts.ListOptions{Limit: contacts.MaxListLimit}
	for {
		page, err := s.List(ctx, user, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Contacts...)
		if page.NextPageToken == "" {
			return all, nil
		}
		opts.PageToken = page.NextPageToken
	}
}

// datesOf maps contacts to their last-contact dates.
func datesOf(cs []contacts.Contact) map[uuid.UUID]*time.Time {
	m := make(map[uuid.UUID]*time.Time, len(cs))
	for _, c := range cs {
		m[c.ID] = c.LastContactDate
	}
	return m
}

// movedForward returns the contacts of after whose date is later than in
// before, the latest first.
func movedForward(before map[uuid.UUID]*time.Time, after []contacts.Contact) []contacts.Contact {
	var moved []contacts.Contact
	for _, c := range after {
		if c.LastContactDate != nil && (before[c.ID] == nil || c.LastContactDate.After(*before[c.ID])) {
			moved = append(moved, c)
		}
	}
	slices.SortFunc(moved, func(a, b contacts.Contact) int {
		return cmp.Or(b.LastContactDate.Compare(*a.LastContactDate), cmp.Compare(a.Name, b.Name))
	})
	return moved
}

// findContact returns the contact of a story person (by primary address).
func findContact(cs []contacts.Contact, p person) (contacts.Contact, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Email, p.emails[0]) {
			return c, true
		}
	}
	return contacts.Contact{}, false
}

func isStory(c contacts.Contact) bool {
	return slices.ContainsFunc(story, func(p person) bool { return strings.EqualFold(c.Email, p.emails[0]) })
}

// meetingsWith returns the story meetings a person was invited to.
func meetingsWith(p person) []meeting {
	var ms []meeting
	for _, m := range meetings {
		if slices.ContainsFunc(m.with, func(a string) bool {
			return slices.ContainsFunc(p.emails, func(e string) bool { return strings.EqualFold(a, e) })
		}) {
			ms = append(ms, m)
		}
	}
	return ms
}

// why names the story meeting with p that ended at t.
func why(p person, t time.Time) string {
	for _, m := range meetingsWith(p) {
		if m.end.Equal(t) {
			return fmt.Sprintf("%q (%s)", m.title, m.note)
		}
	}
	return "(a generated meeting that ended then)"
}

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// unmatchedAndStatus prints the people met who are not contacts, and the
// status of the primary calendar's sync.
func unmatchedAndStatus(ctx context.Context, out io.Writer, s *calendar.Syncer, user uuid.UUID, self string, n int) error {
	page, err := s.UnmatchedAttendees(ctx, user, calendar.UnmatchedOptions{Limit: n})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "5. People met who are not contacts (UnmatchedAttendees), most meetings first:\n")
	for _, a := range page.Attendees {
		name := a.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(out, "   %-24s %-36s %3d meeting(s), last %s\n", name, a.Email, a.Meetings, when(a.LastMet))
	}
	if self == "" {
		cals, err := s.Calendars(ctx, user)
		if err != nil {
			return err
		}
		for _, c := range cals {
			if c.Primary {
				self = c.ID
			}
		}
	}
	st, err := s.Status(ctx, user, self)
	if err != nil {
		return err
	}
	failing := "never"
	if st.FailingSince != nil {
		failing = "since " + st.FailingSince.Format(time.RFC3339)
	}
	fmt.Fprintf(out, "\nstatus of the primary calendar: last success %s, failing %s, last run %s with %d events\n",
		st.LastSuccessAt.UTC().Format(time.RFC3339), failing, st.LastRun.Kind, st.LastRun.Counts["events"])
	c := s.CacheStats()
	fmt.Fprintf(out, "client cache: %d hits, %d misses, %d held\n", c.Hits, c.Misses, c.Len)
	return nil
}

func logger(o options) *slog.Logger {
	if !o.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// auth is the OAuth set-up of -login and -real: read-only scopes, the
// contacts (to match attendees) and the calendars.
func (o options) auth() exampleauth.Config {
	return exampleauth.Config{App: "calendarsync", ClientFile: o.client, TokenFile: o.token,
		Scopes: []string{people.ContactsReadonlyScope, gcal.CalendarReadonlyScope}, Access: "your contacts and calendars"}
}

// mustFind returns the ID of a story person's contact (runFake checked
// that each is one).
func mustFind(cs []contacts.Contact, p person) uuid.UUID {
	c, _ := findContact(cs, p)
	return c.ID
}

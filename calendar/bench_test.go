package calendar_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	gcal "google.golang.org/api/calendar/v3"
	"google.golang.org/api/option"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/kithtest"
)

// benchContacts is the number of contacts (and of the fake account's
// people) of every benchmarked user.
const benchContacts = 20_000

// benchUser gives a new user an account of n events (primary calendar)
// and benchContacts people, and the same people as kith contacts.
func benchUser(b *testing.B, db *sqlx.DB, srv *googlefake.Server, n int) (uuid.UUID, *googlefake.Account) {
	b.Helper()
	user := uuid.New()
	acct := srv.AddAccount(user.String(), googlefake.AccountConfig{People: benchContacts, Events: n, Anchor: anchor})
	cs, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]contacts.Contact, 0, contacts.MaxCreateMany)
	flush := func() {
		if _, err := cs.CreateMany(context.Background(), user, batch); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range benchContacts {
		p := acct.Person(i)
		if p == nil || len(p.EmailAddresses) == 0 {
			continue
		}
		c := contacts.Contact{Name: "Person", Email: p.EmailAddresses[0].Value}
		for _, em := range p.EmailAddresses[1:] {
			c.OtherEmails = append(c.OtherEmails, em.Value)
		}
		batch = append(batch, c)
		if len(batch) == cap(batch) {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return user, acct
}

// BenchmarkSync syncs a calendar of 5,000 and of 50,000 events over 20,000
// contacts from the fake into an empty database (full pass, interactions
// applied), then runs an incremental pass after 1% of the events changed,
// and compares with a naive sync (collect every page, then one INSERT per
// event and one look-up and update per attendee) of the same calendar.
// It reports events/s, peak Go heap, the incremental pass's time, and
// ApplyInteractions over all the user's events on its own.
func BenchmarkSync(b *testing.B) {
	db := kithtest.DB(b)
	srv := googlefake.New(googlefake.Config{Seed: 3, Now: func() time.Time { return anchor }, MaxRecords: -1})
	b.Cleanup(srv.Close)
	for _, n := range []int{5_000, 50_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s, err := calendar.New(db, calendar.Config{
				TokenSource: srv.TokenSourceFunc(), ClientOptions: srv.CalendarOptions(),
				Now: func() time.Time { return anchor }, Lookback: 3 * 365 * 24 * time.Hour,
			})
			if err != nil {
				b.Fatal(err)
			}
			var fullTime, incTime, applyTime, naiveTime time.Duration
			var peak uint64
			var events int
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				user, acct := benchUser(b, db, srv, n)
				naiveUser, _ := benchUser(b, db, srv, 0)
				b.StartTimer()

				h := heappeak.Start()
				t0 := time.Now()
				rep, err := s.Sync(context.Background(), user, acct.Email())
				fullTime += time.Since(t0)
				peak = max(peak, h.Stop())
				if err != nil {
					b.Fatal(err)
				}
				events += rep.Events

				b.StopTimer()
				for k := 0; k < n; k += 100 {
					acct.ChangeEvent(acct.Email(), k, nil)
				}
				b.StartTimer()
				t0 = time.Now()
				if _, err := s.Sync(context.Background(), user, acct.Email()); err != nil {
					b.Fatal(err)
				}
				incTime += time.Since(t0)

				b.StopTimer()
				if _, err := db.Exec(`UPDATE kith.calendar_watermarks SET applied_until = '-infinity' WHERE user_id = $1`, user); err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				if _, err := s.ApplyInteractions(context.Background(), user, anchor); err != nil {
					b.Fatal(err)
				}
				applyTime += time.Since(t0)

				// The naive sync reads the same account's events.
				t0 = time.Now()
				if err := naiveSync(db.DB, srv, acct, naiveUser); err != nil {
					b.Fatal(err)
				}
				naiveTime += time.Since(t0)
				b.StartTimer()
			}
			iters := float64(b.N)
			b.ReportMetric(float64(events)/fullTime.Seconds(), "events/s")
			b.ReportMetric(float64(events)/naiveTime.Seconds(), "naive-events/s")
			b.ReportMetric(naiveTime.Seconds()/fullTime.Seconds(), "speedup")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(incTime.Seconds()/iters, "incremental-s")
			b.ReportMetric(applyTime.Seconds()/iters, "apply-s")
		})
	}
}

// naiveSync is the sync the benchmark compares against: every page
// collected first, then one INSERT per event, and per attendee one
// look-up of the contact and one update of its date.
func naiveSync(db *sql.DB, srv *googlefake.Server, acct *googlefake.Account, user uuid.UUID) error {
	ctx := context.Background()
	svc, err := gcal.NewService(ctx, append(srv.CalendarOptions(), option.WithTokenSource(acct.TokenSource()))...)
	if err != nil {
		return err
	}
	var all []*gcal.Event
	pageToken := ""
	for {
		call := svc.Events.List(acct.Email()).SingleEvents(true).ShowDeleted(true).MaxResults(2500).
			TimeMin(anchor.Add(-3 * 365 * 24 * time.Hour).Format(time.RFC3339))
		if pageToken != "" {
			call = call.PageToken(pageToken)
		}
		resp, err := call.Context(ctx).Do()
		if err != nil {
			return err
		}
		all = append(all, resp.Items...)
		if resp.NextPageToken == "" {
			break
		}
		pageToken = resp.NextPageToken
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO kith.calendars (user_id, calendar_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, user, acct.Email()); err != nil {
		return err
	}
	for _, ev := range all {
		if ev.Status == "cancelled" || ev.End == nil || ev.End.DateTime == "" {
			continue
		}
		end, err := time.Parse(time.RFC3339, ev.End.DateTime)
		if err != nil {
			continue
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO kith.calendar_events (user_id, calendar_id, event_id, status, start_at, end_at, attendee_count, etag)
			VALUES ($1, $2, $3, 'confirmed', $4, $4, $5, $6) ON CONFLICT DO NOTHING`, user, acct.Email(), ev.Id, end, len(ev.Attendees), ev.Etag); err != nil {
			return err
		}
		if !end.Before(anchor) || len(ev.Attendees) > 10 {
			continue
		}
		for _, a := range ev.Attendees {
			if a.Self || a.Resource || a.ResponseStatus == "declined" {
				continue
			}
			key, err := contacts.NormalizeEmail(a.Email)
			if err != nil {
				continue
			}
			var id uuid.UUID
			err = db.QueryRowContext(ctx, `SELECT contact_id FROM kith.contact_emails WHERE user_id = $1 AND email = $2 LIMIT 1`, user, key).Scan(&id)
			if err == sql.ErrNoRows {
				continue
			}
			if err != nil {
				return err
			}
			if _, err := db.ExecContext(ctx, `UPDATE kith.contacts SET last_contact_date = $3, version = version + 1
				WHERE user_id = $1 AND id = $2 AND (last_contact_date IS NULL OR last_contact_date < $3)`, user, id, end); err != nil {
				return err
			}
		}
	}
	return nil
}

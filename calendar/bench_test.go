package calendar_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
func benchUser(b testing.TB, db *sqlx.DB, srv *googlefake.Server, n int) (uuid.UUID, *googlefake.Account) {
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

// BenchmarkSync syncs a calendar of 5,000, 25,000 and 50,000 events over
// 20,000 contacts from the fake into an empty database (full pass,
// interactions applied), then runs an incremental pass after 1% of the
// events changed, and compares with a naive sync (collect every page, then
// one INSERT per event and one look-up and update per attendee) of the
// same calendar. It reports:
//
//   - events/s and naive-events/s (wall time of the full pass) and their
//     ratio, speedup;
//   - cpu-speedup: the same ratio on CPU time (this process, which also
//     runs the fake, plus the PostgreSQL server's processes), which the
//     machine's load changes much less than wall time; pg-cpu-s and
//     go-cpu-s split the full pass's;
//   - peak-heap-MiB, the peak Go heap during the full pass, and
//     sync-heap-MiB, that peak less the live heap when the pass started
//     (what the benchmark and the fake keep between runs: every account
//     so far, the database pool);
//   - incremental-s, the incremental pass;
//   - apply-s: ApplyInteractions over all the user's events again
//     (watermark reset) with every contact already at its date, and
//     apply-moving-s the same with every contact's date cleared first, so
//     that each matched contact moves (the updates of 16,000 contacts at
//     50,000 events are most of it).
func BenchmarkSync(b *testing.B) {
	db := kithtest.DB(b)
	srv := googlefake.New(googlefake.Config{Seed: 3, Now: func() time.Time { return anchor }, MaxRecords: -1})
	b.Cleanup(srv.Close)
	for _, n := range []int{5_000, 25_000, 50_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			s, err := calendar.New(db, calendar.Config{
				TokenSource: srv.TokenSourceFunc(), ClientOptions: srv.CalendarOptions(),
				Now: func() time.Time { return anchor }, Lookback: 3 * 365 * 24 * time.Hour,
			})
			if err != nil {
				b.Fatal(err)
			}
			var fullTime, incTime, applyTime, movingTime, naiveTime, fetchTime time.Duration
			var fullCPU, naiveCPU cpuTimes
			var peak, syncHeap uint64
			var events int
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				user, acct := benchUser(b, db, srv, n)
				naiveUser, _ := benchUser(b, db, srv, 0)
				b.StartTimer()

				h := heappeak.Start()
				base := heappeak.Now()
				c0 := readCPU()
				t0 := time.Now()
				rep, err := s.Sync(context.Background(), user, acct.Email())
				fullTime += time.Since(t0)
				fullCPU = fullCPU.add(readCPU().sub(c0))
				p := h.Stop()
				peak, syncHeap = max(peak, p), max(syncHeap, p-min(p, base))
				if err != nil {
					b.Fatal(err)
				}
				events += rep.Events

				b.StopTimer()
				for k := 0; k < n; k += 100 {
					if acct.Event(acct.Email(), k).Status != "cancelled" { // cancelled ones cannot change
						acct.ChangeEvent(acct.Email(), k, nil)
					}
				}
				b.StartTimer()
				t0 = time.Now()
				if _, err := s.Sync(context.Background(), user, acct.Email()); err != nil {
					b.Fatal(err)
				}
				incTime += time.Since(t0)

				b.StopTimer()
				applyTime += timeApply(b, db, s, user, false)
				movingTime += timeApply(b, db, s, user, true)

				// Reading the pages alone (the fake and the client's JSON,
				// no database): the bound of any sync through this client.
				t0 = time.Now()
				if _, err := readAll(srv, acct, false); err != nil {
					b.Fatal(err)
				}
				fetchTime += time.Since(t0)

				// The naive sync reads the same account's events.
				c0 = readCPU()
				t0 = time.Now()
				if err := naiveSync(db.DB, srv, acct, naiveUser); err != nil {
					b.Fatal(err)
				}
				naiveTime += time.Since(t0)
				naiveCPU = naiveCPU.add(readCPU().sub(c0))
				b.StartTimer()
			}
			iters := float64(b.N)
			b.ReportMetric(float64(events)/fullTime.Seconds(), "events/s")
			b.ReportMetric(float64(events)/naiveTime.Seconds(), "naive-events/s")
			b.ReportMetric(naiveTime.Seconds()/fullTime.Seconds(), "speedup")
			b.ReportMetric(float64(events)/fetchTime.Seconds(), "fetch-only-events/s")
			if fullCPU.pg > 0 {
				b.ReportMetric(naiveCPU.total().Seconds()/fullCPU.total().Seconds(), "cpu-speedup")
				b.ReportMetric(fullCPU.pg.Seconds()/iters, "pg-cpu-s")
			}
			b.ReportMetric(fullCPU.self.Seconds()/iters, "go-cpu-s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(syncHeap)/(1<<20), "sync-heap-MiB")
			b.ReportMetric(incTime.Seconds()/iters, "incremental-s")
			b.ReportMetric(applyTime.Seconds()/iters, "apply-s")
			b.ReportMetric(movingTime.Seconds()/iters, "apply-moving-s")
		})
	}
}

// timeApply resets user's watermark (and, when moving, every contact's
// last-contact date) and times ApplyInteractions over all their events.
func timeApply(b *testing.B, db *sqlx.DB, s *calendar.Syncer, user uuid.UUID, moving bool) time.Duration {
	b.Helper()
	if _, err := db.Exec(`UPDATE kith.calendar_watermarks SET applied_until = '-infinity' WHERE user_id = $1`, user); err != nil {
		b.Fatal(err)
	}
	if moving {
		if _, err := db.Exec(`UPDATE kith.contacts SET last_contact_date = NULL WHERE user_id = $1`, user); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	res, err := s.ApplyInteractions(context.Background(), user, anchor)
	d := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	if moving && res.Moved == 0 || res.Events == 0 {
		b.Fatalf("apply (moving %v): %+v", moving, res)
	}
	return d
}

// cpuTimes is CPU time used by this process (Go: the syncs and the fake)
// and by the test's PostgreSQL server (0 when the server is not a child of
// this process, as with KITH_DATABASE_URL).
type cpuTimes struct{ self, pg time.Duration }

func (c cpuTimes) add(d cpuTimes) cpuTimes { return cpuTimes{c.self + d.self, c.pg + d.pg} }
func (c cpuTimes) sub(d cpuTimes) cpuTimes { return cpuTimes{c.self - d.self, c.pg - d.pg} }
func (c cpuTimes) total() time.Duration    { return c.self + c.pg }
func ticks(n uint64) time.Duration         { return time.Duration(n) * time.Second / 100 } // USER_HZ
func readCPU() cpuTimes                    { return cpuTimes{self: selfCPU(), pg: serverCPU()} }

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU sums the CPU time of the postmaster this process started and
// of its children (the backends), exited children included (the
// postmaster's cutime/cstime). Linux only; 0 elsewhere.
func serverCPU() time.Duration {
	self := os.Getpid()
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	type st struct {
		ppid int
		cpu  uint64
	}
	all := map[int]st{}
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || !bytes.Contains(b[:i], []byte("(postgres")) {
			continue
		}
		f := strings.Fields(string(b[i+2:]))
		if len(f) < 15 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, _ := strconv.Atoi(f[1])
		var cpu uint64
		// utime, stime; for the postmaster also cutime, cstime (fields
		// 14-17 of stat, 12-15 after the command).
		for k := 11; k <= 14; k++ {
			v, _ := strconv.ParseUint(f[k], 10, 64)
			if k <= 12 || ppid == self {
				cpu += v
			}
		}
		all[pid] = st{ppid, cpu}
	}
	var sum uint64
	for _, p := range all {
		if parent, ok := all[p.ppid]; p.ppid == self || ok && parent.ppid == self {
			sum += p.cpu
		}
	}
	return ticks(sum)
}

// naiveSync is the sync the benchmark compares against: every page
// collected first, then one INSERT per event, and per attendee one
// look-up of the contact and one update of its date.
func naiveSync(db *sql.DB, srv *googlefake.Server, acct *googlefake.Account, user uuid.UUID) error {
	ctx := context.Background()
	all, err := readAll(srv, acct, true)
	if err != nil {
		return err
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

// readAll reads every page of the account's primary calendar as a full
// pass does (same parameters, same client) and returns the events if keep.
func readAll(srv *googlefake.Server, acct *googlefake.Account, keep bool) ([]*gcal.Event, error) {
	ctx := context.Background()
	svc, err := gcal.NewService(ctx, append(srv.CalendarOptions(), option.WithTokenSource(acct.TokenSource()))...)
	if err != nil {
		return nil, err
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
			return nil, err
		}
		if keep {
			all = append(all, resp.Items...)
		}
		if resp.NextPageToken == "" {
			return all, nil
		}
		pageToken = resp.NextPageToken
	}
}

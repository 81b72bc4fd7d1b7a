package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/internal/googlefake"
)

// verify checks the database against the fake accounts and the run.
func verify(ctx context.Context, db *sqlx.DB, o options, users []uuid.UUID, accounts map[uuid.UUID]*googlefake.Account,
	suggested map[uuid.UUID]int, r *result) ([]check, error) {
	var checks []check
	add := func(name string, ok bool, detail string, args ...any) {
		checks = append(checks, check{name: name, ok: ok, detail: fmt.Sprintf(detail, args...)})
	}

	// Every user went through every pipeline without an error.
	st := r.stats
	var bad []string
	for p := range numPipelines {
		if st.done[p] != o.users || st.failed[p] != 0 {
			bad = append(bad, fmt.Sprintf("%s: %d of %d done, %d failed", p, st.done[p], o.users, st.failed[p]))
		}
	}
	add("every user through the 3 pipelines, no error", len(bad) == 0, "%s", orText(strings.Join(bad, "; "), fmt.Sprintf("%d users x 3 pipelines", o.users)))

	ids := pq.Array(users)

	// Contacts: as many as the account's people, none twice.
	type contactRow struct {
		User     uuid.UUID `db:"user_id"`
		All      int       `db:"all_rows"`
		Linked   int       `db:"linked"`
		Distinct int       `db:"distinct_names"`
	}
	var crows []contactRow
	if err := db.SelectContext(ctx, &crows, `SELECT user_id, count(*) AS all_rows,
			count(*) FILTER (WHERE google_resource_name <> '' AND NOT archived) AS linked,
			count(DISTINCT google_resource_name) FILTER (WHERE google_resource_name <> '') AS distinct_names
		FROM kith.contacts WHERE user_id = ANY($1) GROUP BY user_id`, ids); err != nil {
		return nil, fmt.Errorf("verify contacts: %w", err)
	}
	got := map[uuid.UUID]contactRow{}
	for _, c := range crows {
		got[c.User] = c
	}
	lost, extra, dups, total := 0, 0, 0, 0
	for _, u := range users {
		want := accounts[u].LiveCount()
		c := got[u]
		total += c.All
		if c.Linked < want {
			lost += want - c.Linked
		}
		if c.All > want {
			extra += c.All - want
		}
		dups += c.Linked - c.Distinct
	}
	add("contacts = each account's people", lost == 0 && extra == 0, "%d contacts stored, %d lost, %d extra", total, lost, extra)
	add("no duplicate google_resource_name", dups == 0, "%d duplicates", dups)

	// Events: the fake's events in the synced range, primary calendar.
	type eventRow struct {
		User     uuid.UUID `db:"user_id"`
		Calendar string    `db:"calendar_id"`
		N        int       `db:"n"`
	}
	var erows []eventRow
	if err := db.SelectContext(ctx, &erows, `SELECT user_id, calendar_id, count(*) AS n
		FROM kith.calendar_events WHERE user_id = ANY($1) GROUP BY user_id, calendar_id`, ids); err != nil {
		return nil, fmt.Errorf("verify events: %w", err)
	}
	stored := map[uuid.UUID]map[string]int{}
	for _, e := range erows {
		if stored[e.User] == nil {
			stored[e.User] = map[string]int{}
		}
		stored[e.User][e.Calendar] = e.N
	}
	timeMin := time.Now().Add(-calendar.DefaultLookback)
	evLost, evExtra, evTotal, evWant := 0, 0, 0, 0
	for _, u := range users {
		acct := accounts[u]
		want := expectedEvents(acct, acct.Email(), timeMin)
		evWant += want
		for cal, n := range stored[u] {
			evTotal += n
			if cal != acct.Email() {
				evExtra += n
				continue
			}
			if n < want {
				evLost += want - n
			} else {
				evExtra += n - want
			}
		}
		if stored[u][acct.Email()] == 0 {
			evLost += want
		}
	}
	add("events stored = the fake's events in range", evLost == 0 && evExtra == 0, "%d stored of %d, %d lost, %d extra", evTotal, evWant, evLost, evExtra)

	// Suggestions: what each user's run returned, no contact twice.
	type sugRow struct {
		User     uuid.UUID `db:"user_id"`
		N        int       `db:"n"`
		Distinct int       `db:"distinct_contacts"`
	}
	var srows []sugRow
	if err := db.SelectContext(ctx, &srows, `SELECT user_id, count(*) AS n, count(DISTINCT contact_id) AS distinct_contacts
		FROM kith.suggestions WHERE user_id = ANY($1) AND status = 'pending' GROUP BY user_id`, ids); err != nil {
		return nil, fmt.Errorf("verify suggestions: %w", err)
	}
	sgot := map[uuid.UUID]sugRow{}
	for _, s := range srows {
		sgot[s.User] = s
	}
	sugDup, sugOff, sugTotal := 0, 0, 0
	for _, u := range users {
		s := sgot[u]
		sugTotal += s.N
		sugDup += s.N - s.Distinct
		if s.N != suggested[u] {
			sugOff++
		}
	}
	add("pending suggestions = each run's result, none duplicated", sugDup == 0 && sugOff == 0,
		"%d pending, %d duplicated, %d users differing from their run", sugTotal, sugDup, sugOff)

	add("the process survived (no OOM kill)", true, "exited normally after %s", r.wall.Round(time.Second))
	switch {
	case r.race:
		add("peak RSS under the limit", true, "not checked: the race detector's shadow memory is in RSS (peak %.0f MiB)", mib(r.peakRSS))
	case r.peakRSS == 0:
		add("peak RSS under the limit", false, "RSS unknown (no /proc)")
	default:
		add("peak RSS under the limit", r.peakRSS < r.limit, "%.1f MiB < %.0f MiB", mib(r.peakRSS), mib(r.limit))
	}
	return checks, nil
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// expectedEvents counts the events of a fake calendar a full pass from
// timeMin stores: live, with a readable start and end, ending at or after
// timeMin, and not part of a cancelled series.
func expectedEvents(acct *googlefake.Account, cal string, timeMin time.Time) int {
	n := acct.EventCount(cal)
	cancelledSeries := map[string]bool{}
	type live struct{ id, series string }
	var lives []live
	seen := map[string]bool{}
	for k := range n {
		ev := acct.Event(cal, k)
		if ev == nil {
			continue
		}
		if ev.Status == calendar.StatusCancelled {
			if ev.RecurringEventId == "" {
				cancelledSeries[ev.Id] = true
			}
			continue
		}
		if ev.Start == nil || ev.End == nil || (ev.Start.Date == "") != (ev.End.Date == "") {
			continue
		}
		end, ok := eventEnd(ev.End.DateTime, ev.End.Date)
		if !ok || end.Before(timeMin) || seen[ev.Id] {
			continue
		}
		seen[ev.Id] = true
		lives = append(lives, live{ev.Id, ev.RecurringEventId})
	}
	count := 0
	for _, l := range lives {
		if !cancelledSeries[l.id] && !cancelledSeries[l.series] {
			count++
		}
	}
	return count
}

func eventEnd(dateTime, date string) (time.Time, bool) {
	if dateTime != "" {
		t, err := time.Parse(time.RFC3339Nano, dateTime)
		return t, err == nil
	}
	t, err := time.Parse(time.DateOnly, date)
	return t, err == nil && date != ""
}

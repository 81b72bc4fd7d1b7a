package suggest

import (
	"math"
	"slices"
	"time"

	"github.com/kithhq/kith/contacts"
)

// A Calendar is one user's calendar at one instant: their time zone, the
// instant ("now") and the local date it falls on ("today"). Every day
// count kith shows a user (due dates, "last contact 3 weeks ago", the
// overdue ratio) is computed in it, never in the server's zone.
//
// # Due dates
//
// A contact's due date is a local calendar date counted from the local date
// of its last contact: weekly is 7 days later, biweekly 14, monthly the same
// day of the next month, quarterly 3 months, biannual 6 and annual 12, the
// day clamped to the target month's length (Jan 31 + 1 month = Feb 28 or
// 29; Feb 29 + 1 year = Feb 28). The contact is due from the first instant
// of that date in the user's zone ([Date.Start]). Times of day and
// daylight-saving changes therefore move nothing: two contacts seen on the
// same local day become due on the same day, and a contact seen at 23:59
// is a day older than one seen a minute later.
//
// # Cost
//
// A Calendar is built once per run. It caches "today" as a day number, and
// for each frequency the latest last-contact day that is due today, so most
// contacts are rejected with one comparison. The local day of an instant is
// floor((unix seconds + zone offset) / 86400); the offset comes from a small
// sorted cache of the zone's periods (one per daylight-saving period met,
// from time.Time.ZoneBounds), searched by bisection, so the per-contact cost
// is a handful of integer operations and no allocation. A due contact adds
// one civil-date conversion (Hinnant's algorithm) for its month arithmetic.
//
// A Calendar is not safe for concurrent use: each run builds its own.
type Calendar struct {
	loc   *time.Location
	now   time.Time
	today int64    // day number of now in loc
	spans []span   // zone periods met so far, sorted, disjoint
	hit   int      // the span of the last look-up
	dueBy [6]int64 // per frequency index: a last contact on or before this day is due today
}

// span is a period during which a zone's offset is constant.
type span struct{ start, end, off int64 } // unix seconds [start, end), offset seconds

// NewCalendar returns the calendar of a user in loc at now. A nil loc
// means UTC: kith's documented default when a user's zone is unknown.
func NewCalendar(now time.Time, loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{loc: loc, now: now, spans: make([]span, 0, 8)}
	c.today = c.day(now)
	for i := range c.dueBy {
		c.dueBy[i] = c.latestDueBy(c.today, i)
	}
	return c
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Now returns the calendar's instant.
func (c *Calendar) Now() time.Time { return c.now }

// Today returns the local date of Now.
func (c *Calendar) Today() Date { return dateOfDay(c.today) }

// Date returns the local date of t in the calendar's zone.
func (c *Calendar) Date(t time.Time) Date { return dateOfDay(c.day(t)) }

// day is the local day number of t.
func (c *Calendar) day(t time.Time) int64 {
	sec := t.Unix()
	return floorDiv(sec+c.offset(sec), 86400)
}

// offset is the zone's UTC offset in seconds at sec.
func (c *Calendar) offset(sec int64) int64 {
	if c.hit < len(c.spans) {
		if s := &c.spans[c.hit]; sec >= s.start && sec < s.end {
			return s.off
		}
	}
	lo, hi := 0, len(c.spans)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if c.spans[mid].end <= sec {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(c.spans) && c.spans[lo].start <= sec {
		c.hit = lo
		return c.spans[lo].off
	}
	// A zone period not met yet: ask the time package once.
	t := time.Unix(sec, 0).In(c.loc)
	_, off := t.Zone()
	s := span{start: math.MinInt64, end: math.MaxInt64, off: int64(off)}
	if start, end := t.ZoneBounds(); !start.IsZero() || !end.IsZero() {
		if !start.IsZero() {
			s.start = start.Unix()
		}
		if !end.IsZero() {
			s.end = end.Unix()
		}
	}
	c.spans = slices.Insert(c.spans, lo, s)
	c.hit = lo
	return s.off
}

// The frequencies with an interval, by index: a step of days or months.
var steps = [6]struct{ days, months int64 }{
	{days: 7}, {days: 14}, {months: 1}, {months: 3}, {months: 6}, {months: 12},
}

// freqIndex is f's index in steps, or -1 when f has no interval.
func freqIndex(f contacts.Frequency) int {
	switch f {
	case contacts.FrequencyWeekly:
		return 0
	case contacts.FrequencyBiweekly:
		return 1
	case contacts.FrequencyMonthly:
		return 2
	case contacts.FrequencyQuarterly:
		return 3
	case contacts.FrequencyBiannual:
		return 4
	case contacts.FrequencyAnnual:
		return 5
	}
	return -1
}

// dueDay is the due day of a contact last seen on day last under the
// frequency of index fi.
func dueDay(last int64, fi int) int64 {
	s := steps[fi]
	if s.months == 0 {
		return last + s.days
	}
	return addMonths(last, s.months)
}

// latestDueBy is the last day L such that a contact last seen on L is due
// on day under the frequency of index fi. dueDay is non-decreasing in its
// day, so this is a short walk (a few steps) from a safe lower bound.
func (c *Calendar) latestDueBy(day int64, fi int) int64 {
	s := steps[fi]
	if s.months == 0 {
		return day - s.days
	}
	l := day - 31*s.months // dueDay(l) <= day
	for dueDay(l+1, fi) <= day {
		l++
	}
	return l
}

// A Due is where a contact stands in a user's calendar on one day.
type Due struct {
	Frequency contacts.Frequency
	// Scheduled reports that the frequency has an interval (weekly ...
	// annual): false for none and flexible, which are never due.
	Scheduled bool
	// Last is the local date of the last contact; zero if never contacted.
	Last Date
	// Date is the local date the contact is due from: Last plus the
	// frequency's interval. Zero when never contacted or not Scheduled.
	Date Date
	// Today is the calendar's local date.
	Today Date
	// Due reports that the contact is due today: Scheduled, not archived,
	// and never contacted or Date on or before Today.
	Due bool
}

// DaysSince is the number of local calendar days from the last contact to
// today (0: today, 1: yesterday), or -1 when never contacted.
func (d Due) DaysSince() int {
	if d.Last.IsZero() {
		return -1
	}
	return d.Today.DaysSince(d.Last)
}

// DaysOverdue is the number of days from the due date to today: 0 on the
// due date, negative before it. 0 when there is no due date.
func (d Due) DaysOverdue() int {
	if d.Date.IsZero() {
		return 0
	}
	return d.Today.DaysSince(d.Date)
}

// IntervalDays is the length in days of the interval from Last to Date
// (28 to 31 for monthly, 365 or 366 for annual), 0 when there is no due
// date.
func (d Due) IntervalDays() int {
	if d.Date.IsZero() {
		return 0
	}
	return d.Date.DaysSince(d.Last)
}

// Due returns where m stands today: its local last-contact date, its due
// date, and whether it is due. An archived contact is never due.
func (c *Calendar) Due(m contacts.MinimalContact) Due {
	d := Due{Frequency: m.Frequency, Today: dateOfDay(c.today)}
	fi := freqIndex(m.Frequency)
	d.Scheduled = fi >= 0
	if m.LastContactDate == nil {
		d.Due = d.Scheduled && !m.Archived
		return d
	}
	last := c.day(*m.LastContactDate)
	d.Last = dateOfDay(last)
	if !d.Scheduled {
		return d
	}
	due := dueDay(last, fi)
	d.Date = dateOfDay(due)
	d.Due = !m.Archived && due <= c.today
	return d
}

// overdueRatio is the overdue ratio of a due contact, in local calendar
// days: (today − last) / (due − last), so 1 on the due date and 2 one full
// interval later; neverContactedRatio when never contacted. It is false for
// a contact that is not due. No allocation.
func (c *Calendar) overdueRatio(m *contacts.MinimalContact) (float64, bool) {
	if m.Archived {
		return 0, false
	}
	fi := freqIndex(m.Frequency)
	if fi < 0 {
		return 0, false
	}
	if m.LastContactDate == nil {
		return neverContactedRatio, true
	}
	last := c.day(*m.LastContactDate)
	if last > c.dueBy[fi] {
		return 0, false
	}
	return float64(c.today-last) / float64(dueDay(last, fi)-last), true
}

package contacts

import "time"

// Due dates, as the suggest package's Calendar computes them: a contact's
// due date is a local calendar date counted from the local date of its last
// contact, in the user's time zone (weekly 7 days later, biweekly 14,
// monthly the same day of the next month, quarterly 3 months, biannual 6,
// annual 12, the day clamped to the target month's length); it is due from
// the first instant of that date. A never-contacted contact with an
// interval is due; an archived contact never is.
//
// For the list filter this is one bound per frequency: a contact is due at
// asOf exactly when its last contact is before dueBound(f, asOf, loc).

// dueSteps are the intervals of the frequencies that have one.
var dueSteps = map[Frequency]struct{ days, months int }{
	FrequencyWeekly: {days: 7}, FrequencyBiweekly: {days: 14}, FrequencyMonthly: {months: 1},
	FrequencyQuarterly: {months: 3}, FrequencyBiannual: {months: 6}, FrequencyAnnual: {months: 12},
}

// civil is a calendar date at midnight UTC, for date arithmetic.
func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// addMonths adds months to a civil date, clamping the day to the target
// month's length (Jan 31 + 1 month = Feb 28 or 29).
func addMonths(d time.Time, months int) time.Time {
	y, m, day := d.Date()
	first := civil(y, m+time.Month(months), 1)
	last := first.AddDate(0, 1, -1).Day()
	return civil(first.Year(), first.Month(), min(day, last))
}

// dueBound is the instant before which a last contact makes a contact of
// frequency f due at asOf in loc; false when f has no interval.
func dueBound(f Frequency, asOf time.Time, loc *time.Location) (time.Time, bool) {
	s, ok := dueSteps[f]
	if !ok {
		return time.Time{}, false
	}
	y, m, d := asOf.In(loc).Date()
	today := civil(y, m, d)
	// latest is the last local date L whose due date is on or before today.
	var latest time.Time
	if s.months == 0 {
		latest = today.AddDate(0, 0, -s.days)
	} else {
		latest = today.AddDate(0, 0, -31*s.months) // due on or before today
		for !addMonths(latest.AddDate(0, 0, 1), s.months).After(today) {
			latest = latest.AddDate(0, 0, 1)
		}
	}
	return dayStart(latest.AddDate(0, 0, 1), loc), true
}

// dayStart is the first instant of the civil date d in loc: midnight, or
// the end of a daylight-saving gap that swallows midnight.
func dayStart(d time.Time, loc *time.Location) time.Time {
	y, m, day := d.Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	if ty, tm, td := t.Date(); ty != y || tm != m || td != day {
		_, end := t.ZoneBounds()
		t = end
	}
	return t
}

package suggest

import (
	"fmt"
	"time"
)

// A Date is a day of the (proleptic Gregorian) calendar without a time of
// day or a time zone: a date on the user's own calendar, such as the day a
// contact becomes due. The zero Date means "no date".
//
// A Date marshals to and from text as "2006-01-02" ("" for the zero Date),
// so it is a JSON string.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location: DateOf(t.In(loc)) is
// t's date for a user in loc.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// MarshalText produces.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("suggest: date %q: %w", b, err)
	}
	*d = DateOf(t)
	return nil
}

// AddDays returns the date n days after d (before it for negative n).
func (d Date) AddDays(n int) Date { return dateOfDay(d.day() + int64(n)) }

// DaysSince returns the number of calendar days from e to d: positive when
// d is after e.
func (d Date) DaysSince(e Date) int { return int(d.day() - e.day()) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.day(), e.day()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Start returns the first instant of d in loc (nil means UTC): local
// midnight, or the end of the daylight-saving gap on days whose midnight
// does not exist (Chile, Lebanon, ...). A contact due on d is due from this
// instant.
func (d Date) Start(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t) != d { // midnight fell into a gap and was moved back a day
		_, end := t.ZoneBounds()
		t = end
	}
	return t
}

// day is d as a day number: days since 1970-01-01.
func (d Date) day() int64 { return daysFromCivil(int64(d.Year), int64(d.Month), int64(d.Day)) }

// dateOfDay is the Date of day number n.
func dateOfDay(n int64) Date {
	y, m, d := civilFromDays(n)
	return Date{int(y), time.Month(m), int(d)}
}

// Day numbers (days since 1970-01-01 in the proleptic Gregorian calendar)
// are computed with Howard Hinnant's days_from_civil and civil_from_days:
// a few integer operations, no tables, no allocation, exact for every date
// a time.Time can hold.

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12 // March is 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
		y++
	}
	return y, m, d
}

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// addMonths returns day number n moved n months on the calendar, the day
// of month clamped to the target month's length (Jan 31 + 1 month is the
// last day of February; Feb 29 + 12 months is Feb 28 in a common year).
func addMonths(day, months int64) int64 {
	y, m, d := civilFromDays(day)
	total := y*12 + (m - 1) + months
	ny := floorDiv(total, 12)
	nm := total - ny*12 + 1
	d = min(d, daysInMonth(ny, nm))
	return daysFromCivil(ny, nm, d)
}

package contacts

import (
	"fmt"
	"time"
)

// Frequency is how often a user wants to be in touch with a contact. The
// zero value, FrequencyNone, means no preference was set.
type Frequency string

// The frequencies kith knows. Every other value is invalid.
const (
	FrequencyNone      Frequency = ""
	FrequencyWeekly    Frequency = "weekly"
	FrequencyBiweekly  Frequency = "biweekly"
	FrequencyMonthly   Frequency = "monthly"
	FrequencyQuarterly Frequency = "quarterly"
	FrequencyBiannual  Frequency = "biannual"
	FrequencyAnnual    Frequency = "annual"
	// FrequencyFlexible means "keep in touch, but no fixed rhythm": it has
	// no interval.
	FrequencyFlexible Frequency = "flexible"
)

// Frequencies lists every valid frequency except FrequencyNone, shortest
// interval first.
var frequencies = [...]Frequency{
	FrequencyWeekly, FrequencyBiweekly, FrequencyMonthly, FrequencyQuarterly,
	FrequencyBiannual, FrequencyAnnual, FrequencyFlexible,
}

// Frequencies returns every valid frequency except FrequencyNone, shortest
// interval first. The caller owns the returned slice.
func Frequencies() []Frequency { return append([]Frequency(nil), frequencies[:]...) }

// ParseFrequency returns the Frequency named s. The empty string parses to
// FrequencyNone; an unknown name is an error that wraps ErrInvalid.
func ParseFrequency(s string) (Frequency, error) {
	f := Frequency(s)
	if !f.Valid() {
		return "", &FieldError{Field: "frequency", Reason: fmt.Sprintf("unknown frequency %q", s)}
	}
	return f, nil
}

// Valid reports whether f is FrequencyNone or one of the named frequencies.
func (f Frequency) Valid() bool {
	switch f {
	case FrequencyNone, FrequencyWeekly, FrequencyBiweekly, FrequencyMonthly,
		FrequencyQuarterly, FrequencyBiannual, FrequencyAnnual, FrequencyFlexible:
		return true
	}
	return false
}

// Interval is the time between two contacts that f asks for, and false for
// FrequencyNone, FrequencyFlexible and invalid values, which have none.
// Months are counted as 30 days and years as 365, so intervals are fixed
// durations that compare and divide cleanly: an approximation, for sorting
// or a rough "every ~30 days". It is not when a contact is due: List's
// Due filter and the suggest package count calendar months in the user's
// time zone (monthly from 31 January is due 28 or 29 February, quarterly
// 3 calendar months on, not 91 days). For a contact's due date use
// suggest.NewCalendar(now, loc).Due(c.Minimal()), or
// suggest.Generator.NextDue.
func (f Frequency) Interval() (time.Duration, bool) {
	const day = 24 * time.Hour
	switch f {
	case FrequencyWeekly:
		return 7 * day, true
	case FrequencyBiweekly:
		return 14 * day, true
	case FrequencyMonthly:
		return 30 * day, true
	case FrequencyQuarterly:
		return 91 * day, true
	case FrequencyBiannual:
		return 182 * day, true
	case FrequencyAnnual:
		return 365 * day, true
	}
	return 0, false
}

// String returns the frequency's name, or "none" for FrequencyNone.
func (f Frequency) String() string {
	if f == FrequencyNone {
		return "none"
	}
	return string(f)
}

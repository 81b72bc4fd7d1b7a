package suggest

import (
	"testing"
	"time"

	"github.com/kithhq/kith/contacts"
)

// TestScoreExactForEveryStoredDate checks scoring at the ends of what
// contacts.Store accepts: contacts.MinDate (a 127-year-old last contact
// scores its exact day ratio; year-0001 placeholders, now refused by the
// store, used to overflow time.Duration) and a date just inside the future
// skew, which is not due.
func TestScoreExactForEveryStoredDate(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cal := NewCalendar(now, time.UTC)
	last := contacts.MinDate
	days := (now.Unix() - last.Unix()) / 86400 // both UTC: whole local days
	got, ok := DefaultScorer{}.Score(contacts.MinimalContact{LastContactDate: &last, Frequency: contacts.FrequencyWeekly}, cal)
	if want := float64(days) / 7; !ok || got != want {
		t.Errorf("weekly since %s: score %v, %v; want exactly %v", last.Format("2006-01-02"), got, ok, want)
	}
	future := now.Add(contacts.DefaultMaxFutureSkew - time.Second)
	if _, ok := (DefaultScorer{}).Score(contacts.MinimalContact{LastContactDate: &future, Frequency: contacts.FrequencyWeekly}, cal); ok {
		t.Errorf("a contact dated in the future is due")
	}
}

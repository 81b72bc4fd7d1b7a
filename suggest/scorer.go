package suggest

import (
	"math"
	"strconv"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// A Scorer decides which contacts are due and how urgently.
//
// Score is called once per streamed contact, millions of times per run: it
// must be cheap, must not allocate, must not retain c or cal, and must be
// safe for concurrent use (each run passes its own cal). It reports
// ok=false for a contact that should not be suggested at all. Larger scores
// rank first; a NaN score is treated as not ok. Reason is called only for
// the contacts that make the final list and for those Pending shows, with
// a calendar of the same user, and returns a short human-readable
// explanation.
//
// cal is the user's calendar at the run's instant: [Calendar.Due] gives a
// contact's local due date, and every day count should come from it.
type Scorer interface {
	Score(c contacts.MinimalContact, cal *Calendar) (score float64, ok bool)
	Reason(c contacts.MinimalContact, cal *Calendar) string
}

// DefaultScorer is the Scorer a [Generator] uses unless told otherwise.
//
// A contact with a frequency that has an interval (weekly ... annual) is due
// from the local due date the [Calendar] computes (the same day of the
// next month for monthly, 7 local days for weekly, ...). Its score is the
// overdue ratio in local calendar days times its group weight:
//
//	score = weight × (today − last contact day) / (due date − last contact day)
//
// which is 1 on the due date (1 + days overdue / days of the interval), so a
// weekly friend last seen 4 weeks ago (ratio 4) outranks a yearly one last
// seen 55 weeks ago (ratio 1.06), though both are 3 weeks late. A contact
// that was never contacted is due with ratio 2, as if it were overdue by
// one full interval. Contacts with no frequency or "flexible", archived
// contacts, and contacts whose last contact lies in the future are not
// suggested.
//
// The weight is the largest GroupWeights entry among the contact's groups,
// or 1 when none of its groups has one: {family: 2} makes family count
// double. Weights must be positive and finite; [New] refuses others.
//
// The zero DefaultScorer has no weights and English reasons. A
// DefaultScorer must not be modified while a Generator uses it.
type DefaultScorer struct {
	GroupWeights map[uuid.UUID]float64

	// Describe writes the reason shown with a suggestion (translate it
	// here). nil means [DefaultReason]. It is called only for the
	// suggestions a run keeps and those Pending returns; it must be safe
	// for concurrent use.
	Describe func(Explanation) string
}

// An Explanation is what a reason can say about a suggested contact.
type Explanation struct {
	Due    Due     // the contact in the user's calendar today
	Weight float64 // the group weight applied (1 when none)
}

// neverContactedRatio is the overdue ratio given to due contacts that were
// never contacted: as if last contacted two intervals ago.
const neverContactedRatio = 2

// Score implements Scorer.
func (s DefaultScorer) Score(c contacts.MinimalContact, cal *Calendar) (float64, bool) {
	ratio, ok := cal.overdueRatio(&c)
	if !ok {
		return 0, false
	}
	return ratio * s.weight(c.GroupIDs), true
}

// Reason implements Scorer with s.Describe, or [DefaultReason].
func (s DefaultScorer) Reason(c contacts.MinimalContact, cal *Calendar) string {
	e := Explanation{Due: cal.Due(c), Weight: s.weight(c.GroupIDs)}
	if s.Describe != nil {
		return s.Describe(e)
	}
	return DefaultReason(e)
}

// DefaultReason is the English reason of the DefaultScorer: the frequency,
// then how long ago the last contact was in local calendar days, then the
// weight when it is not 1:
//
//	weekly; last contact yesterday
//	monthly; last contact 3 weeks ago
//	quarterly; last contact 5 months ago; weight 2
//	annual; never contacted
//
// Up to 13 days it counts days ("today", "yesterday", "9 days ago"), then
// weeks up to two calendar months, then calendar months up to two years,
// then years.
func DefaultReason(e Explanation) string {
	r := e.Due.Frequency.String() + "; "
	if e.Due.Last.IsZero() {
		r += "never contacted"
	} else {
		r += "last contact " + Ago(e.Due.Last, e.Due.Today)
	}
	if e.Weight != 1 && e.Weight != 0 {
		r += "; weight " + strconv.FormatFloat(e.Weight, 'g', 3, 64)
	}
	return r
}

// Ago says how long before today the date last was, in calendar units:
// "today", "yesterday", "9 days ago", "3 weeks ago", "2 months ago",
// "3 years ago"; "on 2006-01-02" for a date after today.
func Ago(last, today Date) string {
	days := today.DaysSince(last)
	switch {
	case days < 0:
		return "on " + last.String()
	case days == 0:
		return "today"
	case days == 1:
		return "yesterday"
	case days < 14:
		return strconv.Itoa(days) + " days ago"
	}
	months := int64((today.Year-last.Year)*12 + int(today.Month-last.Month))
	if addMonths(last.day(), months) > today.day() {
		months-- // not a full month yet (Jan 31 + 1 month is Feb 28)
	}
	switch {
	case months < 2:
		return strconv.Itoa(days/7) + " weeks ago"
	case months < 24:
		return strconv.FormatInt(months, 10) + " months ago"
	}
	return strconv.FormatInt(months/12, 10) + " years ago"
}

// weight returns the largest weight among groups, 1 if none has one.
func (s DefaultScorer) weight(groups []uuid.UUID) float64 {
	if len(s.GroupWeights) == 0 {
		return 1
	}
	w, found := 0.0, false
	for _, g := range groups {
		if gw, ok := s.GroupWeights[g]; ok && (!found || gw > w) {
			w, found = gw, true
		}
	}
	if !found {
		return 1
	}
	return w
}

// validate refuses weights that would break the ordering.
func (s DefaultScorer) validate() error {
	for g, w := range s.GroupWeights {
		if !(w > 0) || math.IsInf(w, 0) {
			return invalid("DefaultScorer.GroupWeights[%s] = %v: want a positive, finite weight", g, w)
		}
	}
	return nil
}

// checkScorer validates the scorers kith knows how to validate.
func checkScorer(s Scorer) error {
	switch s := s.(type) {
	case DefaultScorer:
		return s.validate()
	case *DefaultScorer:
		if s == nil {
			return invalid("nil *DefaultScorer")
		}
		return s.validate()
	}
	return nil
}

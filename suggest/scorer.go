package suggest

import (
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

// A Scorer decides which contacts are due and how urgently.
//
// Score is called once per streamed contact, millions of times per run: it
// must be cheap, must not allocate, must not retain c, and must be safe for
// concurrent use. It reports ok=false for a contact that should not be
// suggested at all. Larger scores rank first; a NaN score is treated as
// not ok. Reason is called only for the contacts that make the final list,
// with the same now, and returns a short human-readable explanation.
type Scorer interface {
	Score(c contacts.MinimalContact, now time.Time) (score float64, ok bool)
	Reason(c contacts.MinimalContact, now time.Time) string
}

// DefaultScorer is the Scorer a [Generator] uses unless told otherwise.
//
// A contact with a frequency that has an interval (weekly ... annual) is due
// once the time since its last contact reaches that interval. Its score is
// the overdue ratio, elapsed / interval, times its group weight:
//
//	score = weight × elapsed / interval   (due when elapsed ≥ interval)
//
// so a weekly friend last seen 4 weeks ago (ratio 4) outranks a yearly one
// last seen 55 weeks ago (ratio 1.06), though both are 3 weeks late. A
// contact that was never contacted is due with ratio 2, as if it were
// overdue by one full interval. Contacts with no frequency or "flexible",
// archived contacts, and contacts whose last contact lies in the future are
// not suggested.
//
// The weight is the largest GroupWeights entry among the contact's groups,
// or 1 when none of its groups has one: {family: 2} makes family count
// double. Weights must be positive and finite; [New] refuses others.
//
// The zero DefaultScorer has no weights. A DefaultScorer must not be
// modified while a Generator uses it.
type DefaultScorer struct {
	GroupWeights map[uuid.UUID]float64
}

// neverContactedRatio is the overdue ratio given to due contacts that were
// never contacted: as if last contacted two intervals ago.
const neverContactedRatio = 2

// Score implements Scorer.
func (s DefaultScorer) Score(c contacts.MinimalContact, now time.Time) (float64, bool) {
	ratio, ok := overdueRatio(c, now)
	if !ok {
		return 0, false
	}
	return ratio * s.weight(c.GroupIDs), true
}

// Reason implements Scorer: "monthly; last contact 47 days ago",
// "weekly; never contacted", with "; weight 2" appended when a group weight
// other than 1 applied.
func (s DefaultScorer) Reason(c contacts.MinimalContact, now time.Time) string {
	r := c.Frequency.String() + "; "
	if c.LastContactDate == nil {
		r += "never contacted"
	} else {
		days := int(now.Sub(*c.LastContactDate) / (24 * time.Hour))
		switch days {
		case 0:
			r += "last contact today"
		case 1:
			r += "last contact 1 day ago"
		default:
			r += "last contact " + strconv.Itoa(days) + " days ago"
		}
	}
	if w := s.weight(c.GroupIDs); w != 1 {
		r += "; weight " + strconv.FormatFloat(w, 'g', 3, 64)
	}
	return r
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

// overdueRatio is elapsed/interval for a due contact, and false for a
// contact that is not due or cannot be.
func overdueRatio(c contacts.MinimalContact, now time.Time) (float64, bool) {
	if c.Archived {
		return 0, false
	}
	interval, ok := c.Frequency.Interval()
	if !ok {
		return 0, false
	}
	if c.LastContactDate == nil {
		return neverContactedRatio, true
	}
	elapsed := now.Sub(*c.LastContactDate)
	if elapsed < interval {
		return 0, false
	}
	return float64(elapsed) / float64(interval), true
}

// dueSince is when c became due under its frequency: its last contact plus
// its interval, or nil when it was never contacted or has no interval.
func dueSince(c contacts.MinimalContact) *time.Time {
	interval, ok := c.Frequency.Interval()
	if !ok || c.LastContactDate == nil {
		return nil
	}
	t := c.LastContactDate.Add(interval)
	return &t
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

package suggest

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
)

func ago(d time.Duration) *time.Time { t := testNow.Add(-d); return &t }

func TestDefaultScorer(t *testing.T) {
	family, work := uuid.New(), uuid.New()
	s := DefaultScorer{GroupWeights: map[uuid.UUID]float64{family: 2, work: 0.5}}
	tests := []struct {
		name   string
		c      contacts.MinimalContact
		ok     bool
		score  float64
		reason string
	}{
		{"weekly 4 weeks", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(28 * day)}, true, 4, "weekly; last contact 4 weeks ago"},
		{"annual 3 weeks late", contacts.MinimalContact{Frequency: contacts.FrequencyAnnual, LastContactDate: ago(386 * day)}, true, 386.0 / 365, "annual; last contact 12 months ago"},
		{"exactly due (Dec 1 to Jan 1)", contacts.MinimalContact{Frequency: contacts.FrequencyMonthly, LastContactDate: ago(31 * day)}, true, 1, "monthly; last contact 4 weeks ago"},
		{"not yet due (Dec 2 to Jan 2)", contacts.MinimalContact{Frequency: contacts.FrequencyMonthly, LastContactDate: ago(30 * day)}, false, 0, ""},
		{"yesterday", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(day)}, false, 0, ""},
		{"9 days", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(9 * day)}, true, 9.0 / 7, "weekly; last contact 9 days ago"},
		{"2 months", contacts.MinimalContact{Frequency: contacts.FrequencyMonthly, LastContactDate: ago(62 * day)}, true, 62.0 / 30, "monthly; last contact 2 months ago"},
		{"3 years", contacts.MinimalContact{Frequency: contacts.FrequencyAnnual, LastContactDate: ago(3 * 366 * day)}, true, 1098.0 / 365, "annual; last contact 3 years ago"},
		{"never contacted", contacts.MinimalContact{Frequency: contacts.FrequencyQuarterly}, true, 2, "quarterly; never contacted"},
		{"no frequency", contacts.MinimalContact{LastContactDate: ago(1000 * day)}, false, 0, ""},
		{"flexible", contacts.MinimalContact{Frequency: contacts.FrequencyFlexible}, false, 0, ""},
		{"archived", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, Archived: true}, false, 0, ""},
		{"future last contact", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(-day)}, false, 0, ""},
		{"family double", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(14 * day), GroupIDs: []uuid.UUID{work, family}}, true, 4, "weekly; last contact 2 weeks ago; weight 2"},
		{"work half", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(14 * day), GroupIDs: []uuid.UUID{work}}, true, 1, "weekly; last contact 2 weeks ago; weight 0.5"},
		{"unweighted group", contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(14 * day), GroupIDs: []uuid.UUID{uuid.New()}}, true, 2, "weekly; last contact 2 weeks ago"},
	}
	for _, tt := range tests {
		score, ok := s.Score(tt.c, testCal())
		if ok != tt.ok || math.Abs(score-tt.score) > 1e-12 {
			t.Errorf("%s: Score = %v, %v; want %v, %v", tt.name, score, ok, tt.score, tt.ok)
		}
		if ok {
			if r := s.Reason(tt.c, testCal()); r != tt.reason {
				t.Errorf("%s: Reason = %q, want %q", tt.name, r, tt.reason)
			}
		}
	}
	// 3 weeks late on a weekly friend outranks 3 weeks late on a yearly one.
	w, _ := s.Score(tests[0].c, testCal())
	y, _ := s.Score(tests[1].c, testCal())
	if !(w > y) {
		t.Errorf("weekly %v does not outrank annual %v", w, y)
	}
}

func TestDefaultScorerDoesNotAllocate(t *testing.T) {
	g := uuid.New()
	s := DefaultScorer{GroupWeights: map[uuid.UUID]float64{g: 2}}
	c := contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: ago(30 * day), GroupIDs: []uuid.UUID{uuid.New(), g}}
	cal := testCal()
	if n := testing.AllocsPerRun(100, func() { s.Score(c, cal) }); n != 0 {
		t.Fatalf("Score allocates %v times", n)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	db := fakeDB{}
	bad := []Config{
		{Limit: -1},
		{Limit: MaxLimit + 1},
		{DismissCoolDown: -time.Hour},
		{Schema: "Bad-Schema"},
		{Scorer: DefaultScorer{GroupWeights: map[uuid.UUID]float64{uuid.New(): 0}}},
		{Scorer: DefaultScorer{GroupWeights: map[uuid.UUID]float64{uuid.New(): math.NaN()}}},
		{Scorer: &DefaultScorer{GroupWeights: map[uuid.UUID]float64{uuid.New(): math.Inf(1)}}},
		{Scorer: (*DefaultScorer)(nil)},
	}
	for i, cfg := range bad {
		if _, err := New(db, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("config %d: err = %v, want ErrInvalid", i, err)
		}
	}
	if _, err := New(nil, Config{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil db: err = %v", err)
	}
	g, err := New(db, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if g.k != DefaultLimit || g.coolDown != DefaultDismissCoolDown {
		t.Errorf("defaults: k %d, cool-down %v", g.k, g.coolDown)
	}
}

func TestCleanReason(t *testing.T) {
	long := make([]rune, 600)
	for i := range long {
		long[i] = 'é'
	}
	if got := []rune(cleanReason(string(long))); len(got) != maxReasonLen {
		t.Errorf("long reason kept %d runes", len(got))
	}
	if got := cleanReason("a\x00b\xff"); got != "ab\uFFFD" {
		t.Errorf("cleanReason = %q", got)
	}
}

package suggest

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kithhq/kith/contacts"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

// at is a wall-clock time in loc.
func at(loc *time.Location, y int, m time.Month, day, hh, mm int) *time.Time {
	t := time.Date(y, m, day, hh, mm, 0, 0, loc)
	return &t
}

// Zones the tests use: both hemispheres' daylight saving, the date line on
// both sides, half-hour offsets and DST shifts, midnight gaps.
var testZones = []string{
	"UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Pacific/Auckland",
	"Pacific/Tongatapu", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Santiago",
	"Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns", "Asia/Tehran", "Africa/Casablanca",
}

// Cases taken from other CRMs' public bug reports and the issue, with the
// dates a person in that zone expects.
func TestCalendarCases(t *testing.T) {
	berlin, auckland, sydney := zone(t, "Europe/Berlin"), zone(t, "Pacific/Auckland"), zone(t, "Australia/Sydney")
	santiago, tonga, pago := zone(t, "America/Santiago"), zone(t, "Pacific/Tongatapu"), zone(t, "Pacific/Pago_Pago")
	weekly, monthly, annual := contacts.FrequencyWeekly, contacts.FrequencyMonthly, contacts.FrequencyAnnual
	tests := []struct {
		name   string
		loc    *time.Location
		now    *time.Time
		last   *time.Time
		freq   contacts.Frequency
		due    Date // due date
		isDue  bool
		reason string // DefaultReason, if not ""
	}{
		// "A reminder an hour early after daylight saving ended": seen
		// Sunday 10:00 in Berlin, clocks go back on 25 October; due from
		// midnight on the next Sunday, not at 09:00 after 168 hours.
		{"Berlin fall back, the evening before", berlin, at(berlin, 2026, 10, 24, 23, 59), at(berlin, 2026, 10, 18, 10, 0), weekly, d(2026, 10, 25), false, ""},
		{"Berlin fall back, midnight", berlin, at(berlin, 2026, 10, 25, 0, 0), at(berlin, 2026, 10, 18, 10, 0), weekly, d(2026, 10, 25), true, "weekly; last contact 7 days ago"},
		// Spring forward: 29 March 2026 has 23 hours.
		{"Berlin spring forward, before", berlin, at(berlin, 2026, 3, 28, 23, 59), at(berlin, 2026, 3, 22, 10, 0), weekly, d(2026, 3, 29), false, ""},
		{"Berlin spring forward, at 00:00", berlin, at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 22, 10, 0), weekly, d(2026, 3, 29), true, ""},
		{"Berlin spring forward, 08:00 is 7 days", berlin, at(berlin, 2026, 3, 29, 8, 0), at(berlin, 2026, 3, 22, 10, 0), weekly, d(2026, 3, 29), true, "weekly; last contact 7 days ago"},
		// Southern hemisphere: Sydney ends DST on 5 April, starts on 4 October.
		{"Sydney fall back", sydney, at(sydney, 2026, 4, 5, 0, 30), at(sydney, 2026, 3, 29, 23, 30), weekly, d(2026, 4, 5), true, "weekly; last contact 7 days ago"},
		{"Sydney spring forward, before", sydney, at(sydney, 2026, 10, 3, 23, 59), at(sydney, 2026, 9, 26, 0, 1), weekly, d(2026, 10, 3), true, ""},
		{"Sydney spring forward", sydney, at(sydney, 2026, 10, 4, 3, 0), at(sydney, 2026, 9, 27, 23, 59), weekly, d(2026, 10, 4), true, ""},
		// Santiago: the clocks jump from 00:00 to 01:00, so 6 September
		// 2026 has no midnight.
		{"Santiago midnight gap", santiago, at(santiago, 2026, 9, 6, 1, 0), at(santiago, 2026, 8, 30, 12, 0), weekly, d(2026, 9, 6), true, "weekly; last contact 7 days ago"},
		{"Santiago fall back", santiago, at(santiago, 2026, 4, 4, 23, 30), at(santiago, 2026, 3, 28, 12, 0), weekly, d(2026, 4, 4), true, ""},
		// "Seen at 22:00 yesterday in Auckland" is yesterday at 08:00, not
		// "today" as UTC would say.
		{"Auckland yesterday evening", auckland, at(auckland, 2026, 6, 10, 8, 0), at(auckland, 2026, 6, 9, 22, 0), weekly, d(2026, 6, 16), false, "weekly; last contact yesterday"},
		// "A user at UTC+12 reminded a day late": due from local midnight,
		// which is noon UTC the day before.
		{"Auckland due at local midnight", auckland, at(auckland, 2026, 6, 16, 0, 5), at(auckland, 2026, 6, 9, 9, 0), weekly, d(2026, 6, 16), true, ""},
		{"Tonga +13", tonga, at(tonga, 2026, 6, 23, 0, 0), at(tonga, 2026, 6, 16, 0, 30), weekly, d(2026, 6, 23), true, ""},
		{"Pago Pago -11", pago, at(pago, 2026, 6, 21, 23, 59), at(pago, 2026, 6, 15, 0, 30), weekly, d(2026, 6, 22), false, ""},
		// 23:59 and 00:01 are different days; the same day at any hour is
		// the same due date.
		{"23:59", berlin, at(berlin, 2026, 3, 9, 0, 0), at(berlin, 2026, 3, 1, 23, 59), weekly, d(2026, 3, 8), true, "weekly; last contact 8 days ago"},
		{"00:01", berlin, at(berlin, 2026, 3, 9, 0, 0), at(berlin, 2026, 3, 2, 0, 1), weekly, d(2026, 3, 9), true, "weekly; last contact 7 days ago"},
		{"00:01 the day before", berlin, at(berlin, 2026, 3, 8, 23, 59), at(berlin, 2026, 3, 1, 0, 1), weekly, d(2026, 3, 8), true, ""},
		// "30 days is not a month".
		{"Jan 31 monthly, 2026", berlin, at(berlin, 2026, 2, 28, 0, 0), at(berlin, 2026, 1, 31, 12, 0), monthly, d(2026, 2, 28), true, "monthly; last contact 4 weeks ago"},
		{"Jan 31 monthly, leap year", berlin, at(berlin, 2028, 2, 28, 12, 0), at(berlin, 2028, 1, 31, 12, 0), monthly, d(2028, 2, 29), false, ""},
		{"Mar 1 monthly is 31 days", berlin, at(berlin, 2026, 3, 31, 23, 0), at(berlin, 2026, 3, 1, 9, 0), monthly, d(2026, 4, 1), false, ""},
		{"Feb 29 annual", berlin, at(berlin, 2025, 2, 28, 0, 0), at(berlin, 2024, 2, 29, 12, 0), annual, d(2025, 2, 28), true, "annual; last contact 12 months ago"},
		{"Feb 28 annual into a leap year", berlin, at(berlin, 2028, 2, 28, 0, 0), at(berlin, 2027, 2, 28, 12, 0), annual, d(2028, 2, 28), true, ""},
		{"Aug 31 quarterly", berlin, at(berlin, 2026, 11, 30, 0, 0), at(berlin, 2026, 8, 31, 12, 0), contacts.FrequencyQuarterly, d(2026, 11, 30), true, "quarterly; last contact 3 months ago"},
		{"Aug 31 biannual", berlin, at(berlin, 2027, 2, 27, 0, 0), at(berlin, 2026, 8, 31, 12, 0), contacts.FrequencyBiannual, d(2027, 2, 28), false, ""},
		{"Dec 31 biweekly across the year", berlin, at(berlin, 2027, 1, 14, 0, 0), at(berlin, 2026, 12, 31, 23, 0), contacts.FrequencyBiweekly, d(2027, 1, 14), true, "biweekly; last contact 2 weeks ago"},
		{"2 months", berlin, at(berlin, 2026, 7, 20, 0, 0), at(berlin, 2026, 5, 10, 12, 0), monthly, d(2026, 6, 10), true, "monthly; last contact 2 months ago"},
	}
	for _, tt := range tests {
		cal := NewCalendar(*tt.now, tt.loc)
		c := contacts.MinimalContact{Frequency: tt.freq, LastContactDate: tt.last}
		got := cal.Due(c)
		if got.Date != tt.due || got.Due != tt.isDue || got.Last != DateOf(tt.last.In(tt.loc)) {
			t.Errorf("%s: due %v (due now %v, last %v), want %v (%v)", tt.name, got.Date, got.Due, got.Last, tt.due, tt.isDue)
		}
		score, ok := DefaultScorer{}.Score(c, cal)
		if ok != tt.isDue {
			t.Errorf("%s: Score ok = %v", tt.name, ok)
		}
		if ok {
			want := float64(got.DaysSince()) / float64(got.IntervalDays())
			if score != want || score < 1 {
				t.Errorf("%s: score %v, want %v", tt.name, score, want)
			}
			if tt.reason != "" {
				if r := (DefaultScorer{}).Reason(c, cal); r != tt.reason {
					t.Errorf("%s: reason %q, want %q", tt.name, r, tt.reason)
				}
			}
		} else if tt.reason != "" {
			if r := DefaultReason(Explanation{Due: got, Weight: 1}); r != tt.reason {
				t.Errorf("%s: reason %q, want %q", tt.name, r, tt.reason)
			}
		}
		// Due from the start of the due date in the user's zone.
		start := tt.due.Start(tt.loc)
		if DateOf(start.In(tt.loc)) != tt.due || DateOf(start.Add(-time.Nanosecond).In(tt.loc)) != tt.due.AddDays(-1) {
			t.Errorf("%s: due date starts at %v", tt.name, start.In(tt.loc))
		}
		if isDue := !tt.now.Before(start); isDue != tt.isDue {
			t.Errorf("%s: now %v vs start %v", tt.name, tt.now, start)
		}
	}
}

// The same instants in two zones give different local days.
func TestCalendarSameDataTwoZones(t *testing.T) {
	tonga, pago := zone(t, "Pacific/Tongatapu"), zone(t, "Pacific/Pago_Pago")
	last := time.Date(2026, 6, 15, 11, 30, 0, 0, time.UTC) // 00:30 on the 16th in Tonga, 00:30 on the 15th in Pago Pago
	c := contacts.MinimalContact{Frequency: contacts.FrequencyWeekly, LastContactDate: &last}
	now := time.Date(2026, 6, 22, 10, 59, 0, 0, time.UTC) // 23:59 on the 22nd in Tonga, 23:59 on the 21st in Pago Pago
	if NewCalendar(now, tonga).Due(c).Due || NewCalendar(now, pago).Due(c).Due {
		t.Errorf("due a minute before midnight")
	}
	now = now.Add(time.Minute)
	tg, pg := NewCalendar(now, tonga).Due(c), NewCalendar(now, pago).Due(c)
	if tg.Last != d(2026, 6, 16) || tg.Date != d(2026, 6, 23) || !tg.Due || tg.Today != d(2026, 6, 23) {
		t.Errorf("Tonga: %+v", tg)
	}
	if pg.Last != d(2026, 6, 15) || pg.Date != d(2026, 6, 22) || !pg.Due || pg.Today != d(2026, 6, 22) {
		t.Errorf("Pago Pago: %+v", pg)
	}
	utc := NewCalendar(now, nil).Due(c)
	if utc.Last != d(2026, 6, 15) || utc.Date != d(2026, 6, 22) || !utc.Due {
		t.Errorf("UTC (nil zone): %+v", utc)
	}
}

// The oracle: calendar arithmetic done the slow, obvious way with the
// time package, independent of day numbers, Hinnant's algorithm and the
// zone cache.
type oracleDue struct {
	last, due, today Date
	isDue            bool
	ratio            float64
}

func oracle(m contacts.MinimalContact, now time.Time, loc *time.Location) (oracleDue, bool) {
	var o oracleDue
	y, mo, dd := now.In(loc).Date()
	o.today = Date{y, mo, dd}
	var days, months int
	switch m.Frequency {
	case contacts.FrequencyWeekly:
		days = 7
	case contacts.FrequencyBiweekly:
		days = 14
	case contacts.FrequencyMonthly:
		months = 1
	case contacts.FrequencyQuarterly:
		months = 3
	case contacts.FrequencyBiannual:
		months = 6
	case contacts.FrequencyAnnual:
		months = 12
	default:
		return o, false
	}
	if m.LastContactDate == nil {
		o.isDue, o.ratio = !m.Archived, 2
		return o, true
	}
	y, mo, dd = m.LastContactDate.In(loc).Date()
	o.last = Date{y, mo, dd}
	noon := func(d Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }
	if days > 0 {
		t := noon(o.last)
		for range days {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 12, 0, 0, 0, time.UTC)
		}
		o.due = Date{t.Year(), t.Month(), t.Day()}
	} else {
		ty, tm := o.last.Year, o.last.Month
		for range months {
			if tm++; tm > 12 {
				tm, ty = 1, ty+1
			}
		}
		last := 28 // the month's length, by stepping until the month changes
		for time.Date(ty, tm, last+1, 12, 0, 0, 0, time.UTC).Month() == tm {
			last++
		}
		o.due = Date{ty, tm, min(o.last.Day, last)}
	}
	count := func(from, to Date) int { // days from from to to, stepping
		n := 0
		for t := noon(from); noon(to).After(t); t = t.AddDate(0, 0, 1) {
			n++
		}
		return n
	}
	less := func(a, b Date) bool { return noon(a).Before(noon(b)) }
	o.isDue = !m.Archived && !less(o.today, o.due)
	if o.isDue {
		o.ratio = float64(count(o.last, o.today)) / float64(count(o.last, o.due))
	}
	return o, true
}

// On random contacts in random zones at random instants, Due, Score and
// Date.Start agree with the oracle.
func TestCalendarMatchesOracle(t *testing.T) {
	t.Parallel()
	freqs := append(contacts.Frequencies(), contacts.FrequencyNone)
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 11))
		loc := zone(t, testZones[r.IntN(len(testZones))])
		// now: 2019 to 2031, often just around a local midnight.
		now := time.Unix(1546300800+r.Int64N(12*365*86400), 0)
		if r.IntN(2) == 0 {
			y, m, dd := now.In(loc).Date()
			now = Date{y, m, dd}.Start(loc).Add(time.Duration(r.IntN(121)-60) * time.Second)
		}
		cal := NewCalendar(now, loc)
		for range 300 {
			c := contacts.MinimalContact{Frequency: freqs[r.IntN(len(freqs))], Archived: r.IntN(40) == 0}
			if r.IntN(10) > 0 {
				last := now.Add(-time.Duration(r.Int64N(3*400*86400)-86400) * time.Second)
				if r.IntN(3) == 0 { // 23:59 or 00:01 local
					y, m, dd := last.In(loc).Date()
					last = time.Date(y, m, dd, 23*(r.IntN(2)), 1+58*r.IntN(2), 0, 0, loc)
				}
				c.LastContactDate = &last
			}
			want, scheduled := oracle(c, now, loc)
			got := cal.Due(c)
			if got.Scheduled != scheduled || got.Today != want.today || (scheduled && (got.Last != want.last || got.Date != want.due || got.Due != want.isDue)) {
				t.Fatalf("seed %d %v now %v last %v %s: got %+v, want %+v", seed, loc, now.In(loc), c.LastContactDate, c.Frequency, got, want)
			}
			score, ok := DefaultScorer{}.Score(c, cal)
			if ok != (scheduled && want.isDue) || (ok && math.Abs(score-want.ratio) > 1e-12) {
				t.Fatalf("seed %d %v now %v last %v %s: score %v %v, want %v %v", seed, loc, now.In(loc), c.LastContactDate, c.Frequency, score, ok, want.ratio, want.isDue)
			}
			if !got.Date.IsZero() {
				s := got.Date.Start(loc)
				if DateOf(s.In(loc)) != got.Date || DateOf(s.Add(-time.Second).In(loc)) == got.Date {
					t.Fatalf("%v: %v starts at %v", loc, got.Date, s.In(loc))
				}
			}
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for range 20000 {
		// Any day from year -2000 to 4000 survives a round trip, and day
		// numbers agree with the time package.
		tm := time.Unix(r.Int64N(190000*86400*2)-190000*86400, 0).UTC()
		dt := DateOf(tm)
		n := dt.day()
		if n != floorDiv(tm.Unix(), 86400) || dateOfDay(n) != dt {
			t.Fatalf("%v: day %d, back %v", dt, n, dateOfDay(n))
		}
		k := r.IntN(800) - 400
		if got, want := dt.AddDays(k), DateOf(tm.AddDate(0, 0, k)); got != want || got.DaysSince(dt) != k {
			t.Fatalf("%v + %d = %v, want %v", dt, k, got, want)
		}
	}
	var x Date
	if err := x.UnmarshalText([]byte("2028-02-29")); err != nil || x != d(2028, 2, 29) || x.String() != "2028-02-29" {
		t.Fatalf("%v %v", x, err)
	}
	if b, _ := (Date{}).MarshalText(); len(b) != 0 || x.UnmarshalText(nil) != nil || !x.IsZero() {
		t.Fatal("zero date text")
	}
	if x.UnmarshalText([]byte("2027-02-29")) == nil {
		t.Fatal("accepted 2027-02-29")
	}
	if d(2026, 1, 31).Compare(d(2026, 2, 1)) != -1 || d(2026, 2, 1).Compare(d(2026, 1, 31)) != 1 || d(1, 1, 1).Compare(d(1, 1, 1)) != 0 {
		t.Fatal("Compare")
	}
}

func TestAgo(t *testing.T) {
	today := d(2026, 6, 15)
	for _, tt := range []struct {
		last Date
		want string
	}{
		{today, "today"}, {d(2026, 6, 14), "yesterday"}, {d(2026, 6, 2), "13 days ago"},
		{d(2026, 6, 1), "2 weeks ago"}, {d(2026, 4, 16), "8 weeks ago"}, {d(2026, 4, 15), "2 months ago"},
		{d(2025, 6, 15), "12 months ago"}, {d(2024, 6, 16), "23 months ago"}, {d(2024, 6, 15), "2 years ago"},
		{d(2026, 6, 16), "on 2026-06-16"},
	} {
		if got := Ago(tt.last, today); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.last, got, tt.want)
		}
	}
}

// Scoring in a zone with daylight saving allocates only when it meets a
// zone period for the first time: not per contact.
func TestCalendarDoesNotAllocatePerContact(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, berlin)
	r := rand.New(rand.NewPCG(9, 9))
	cs := make([]contacts.MinimalContact, 5000)
	for i := range cs {
		last := now.Add(-time.Duration(r.Int64N(3*365*86400)) * time.Second)
		cs[i] = contacts.MinimalContact{Frequency: contacts.FrequencyMonthly, LastContactDate: &last}
	}
	cal := NewCalendar(now, berlin)
	var s DefaultScorer
	for _, c := range cs { // meet every zone period once
		s.Score(c, cal)
	}
	if n := testing.AllocsPerRun(3, func() {
		for _, c := range cs {
			s.Score(c, cal)
		}
	}); n != 0 {
		t.Fatalf("%v allocations scoring %d contacts", n, len(cs))
	}
	if len(cal.spans) > 8 {
		t.Fatalf("%d zone periods cached for 3 years of Berlin", len(cal.spans))
	}
}

// BenchmarkCalendarScore measures the per-contact cost of scoring in the
// user's calendar (UTC, and a zone with daylight saving), against the
// scoring it replaced (fixed durations on absolute instants, "durations"),
// over the same contacts in the same run.
//
//	go test ./suggest -run '^$' -bench CalendarScore
func BenchmarkCalendarScore(b *testing.B) {
	b.Run("durations", func(b *testing.B) {
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		r := rand.New(rand.NewPCG(9, 9))
		freqs := contacts.Frequencies()
		cs := make([]contacts.MinimalContact, 4096)
		for i := range cs {
			last := now.Add(-time.Duration(r.Int64N(3*365*86400)) * time.Second)
			cs[i] = contacts.MinimalContact{Frequency: freqs[r.IntN(len(freqs))], LastContactDate: &last}
		}
		score := func(c contacts.MinimalContact) (float64, bool) { // the former DefaultScorer.Score
			if c.Archived {
				return 0, false
			}
			interval, ok := c.Frequency.Interval()
			if !ok {
				return 0, false
			}
			if c.LastContactDate == nil {
				return 2, true
			}
			elapsed := now.Sub(*c.LastContactDate)
			if elapsed < interval {
				return 0, false
			}
			return float64(elapsed) / float64(interval), true
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			score(cs[i&4095])
			i++
		}
	})
	for _, name := range []string{"UTC", "Europe/Berlin"} {
		b.Run(name, func(b *testing.B) {
			loc := zone(b, name)
			now := time.Date(2026, 6, 1, 12, 0, 0, 0, loc)
			r := rand.New(rand.NewPCG(9, 9))
			freqs := contacts.Frequencies()
			cs := make([]contacts.MinimalContact, 4096)
			for i := range cs {
				last := now.Add(-time.Duration(r.Int64N(3*365*86400)) * time.Second)
				cs[i] = contacts.MinimalContact{Frequency: freqs[r.IntN(len(freqs))], LastContactDate: &last}
			}
			cal := NewCalendar(now, loc)
			var s DefaultScorer
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Score(cs[i&4095], cal)
				i++
			}
		})
	}
}

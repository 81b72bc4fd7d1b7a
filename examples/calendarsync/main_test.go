package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// The default demo runs against the fake and tells its story: who moved
// forward and why, who did not and why not, a cancelled meeting that
// moves nothing back, meetings counted once they ended (every contact
// they moved named, with the meeting's end and size, never its title),
// the people met who are not contacts. Its logs (-v) name nobody.
func TestRunFake(t *testing.T) {
	var out, logs bytes.Buffer
	if err := runFake(context.Background(), kithtest.DB(t), &out, options{people: 200, events: 1000, verbose: true, logs: &logs}); err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	for _, want := range []string{
		"1. Google Contacts sync: 204 contacts (full pass",
		"calendar list: full pass, 4 calendars",
		"primary calendar: full pass, 1 pages",
		"team calendar: full pass, 1 pages",
		`Ada Lovelace       never -> 2026-10-19 21:00  "Dinner with Ada" (her work address, in capitals: matched)`,
		`Grace Hopper       never -> 2026-10-20 11:00  "Design review" (in two calendars: one meeting)`,
		"Alan Turing        not moved:",
		`"All hands": 200 people: not a conversation (Rules.MaxAttendees 10)`,
		`"Offsite": all-day (Rules.CountAllDay off)`,
		"Katherine Johnson  not moved:",
		`"Coffee": she declined`,
		`"Launch planning": the user answered "maybe" (Rules.Attendance)`,
		"3. \"Dinner with Ada\" cancelled in Google; the next sync is incremental",
		"primary calendar: incremental pass, 1 pages, 1 events read",
		"1 deleted",
		"Ada Lovelace still last contacted 2026-10-19 21:00: a cancelled or deleted event never moves a date back",
		"4. 20:00: ApplyInteractions",
		"   2 meeting(s), 3 contact(s) met, 3 moved forward:\n" +
			"     Ada Lovelace       2026-10-19 21:00 -> 2026-10-20 19:45  the meeting in the primary calendar that ended 2026-10-20 19:45, 3 attendees\n" +
			"     Grace Hopper       2026-10-20 11:00 -> 2026-10-20 19:45  the meeting in the primary calendar that ended 2026-10-20 19:45, 3 attendees\n" +
			"     Alan Turing        never -> 2026-10-20 19:30  the meeting in the primary calendar that ended 2026-10-20 19:30, 3 attendees\n\n5.",
		"the meeting in the team calendar that ended 2026-10-20 09:30, 4 attendees",
		"joan@bletchley.example",
		"status of the primary calendar: last success",
		"failing never, last run incremental",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Every contact that moved is explained by a meeting of the account,
	// and step 4 names no meeting by its title.
	if strings.Contains(out.String(), "no meeting of the account explains it") {
		t.Error("a moved contact is not explained")
	}
	if _, step4, ok := strings.Cut(out.String(), "4. 20:00"); !ok || strings.Contains(strings.SplitN(step4, "5. ", 2)[0], `"`) {
		t.Error("step 4 quotes a meeting's title")
	}
	if logs.Len() == 0 {
		t.Fatal("no logs")
	}
	for _, secret := range []string{"@", "Ada", "Dinner", "Design review", "Lovelace"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

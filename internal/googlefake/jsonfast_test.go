package googlefake_test

import (
	"encoding/json"
	"testing"

	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/internal/googlefake"
)

// TestFastJSONMatchesTheClientTypes: the hand-written encoder writes the
// bytes json.Marshal writes for the client's own types.
func TestFastJSONMatchesTheClientTypes(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u", googlefake.AccountConfig{People: 400})
	resp := &people.ListConnectionsResponse{NextPageToken: "p<&>", TotalItems: 400, TotalPeople: 400}
	for i := range 400 {
		var prev []string
		if i%100 == 0 {
			prev = []string{"people/c1", "people/c2"}
		}
		resp.Connections = append(resp.Connections, a.GenPerson(i, prev))
	}
	resp.Connections = append(resp.Connections,
		&people.Person{ResourceName: "people/c9", Etag: "%Eg", Metadata: &people.PersonMetadata{Deleted: true}},
		&people.Person{ResourceName: "people/c8", Nicknames: []*people.Nickname{{Value: "Bob \u2028 <b>"}}},
		&people.Person{ResourceName: "people/c7", Names: []*people.Name{{DisplayName: "Quote \" \\ \x01 & é"}}, Urls: []*people.Url{}},
	)
	for _, r := range []*people.ListConnectionsResponse{resp, {NextSyncToken: "s"}, {Connections: []*people.Person{}}} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got := googlefake.AppendConnections(nil, r)
		if string(got) != string(want)+"\n" {
			for k := range min(len(got), len(want)) {
				if got[k] != want[k] {
					t.Fatalf("differs at byte %d:\n got %s\nwant %s", k, got[max(0, k-200):min(len(got), k+100)], want[max(0, k-200):min(len(want), k+100)])
				}
			}
			t.Fatalf("lengths %d and %d", len(got), len(want))
		}
	}
}

func TestFastEventsJSONMatchesTheClientTypes(t *testing.T) {
	srv := newServer(t)
	a := srv.AddAccount("u", googlefake.AccountConfig{People: 100, Events: 400})
	r := &calendar.Events{Kind: "calendar#events", Summary: "x", TimeZone: "Europe/Berlin", AccessRole: "owner",
		DefaultReminders: []*calendar.EventReminder{{Method: "popup", Minutes: 10}}, NextPageToken: "a+b/c=", Etag: `"1"`}
	for _, cal := range a.CalendarIDs() {
		for k := range a.EventCount(cal) {
			r.Items = append(r.Items, a.Event(cal, k))
		}
	}
	f := false
	r.Items = append(r.Items,
		&calendar.Event{Id: "x", Recurrence: []string{"RRULE:FREQ=WEEKLY"}, Sequence: 3, Description: "<b>&</b>", ColorId: "5",
			Reminders: &calendar.EventReminders{Overrides: []*calendar.EventReminder{{Method: "email", Minutes: 30}}},
			Attendees: []*calendar.EventAttendee{{Email: "a@example.com", AdditionalGuests: 2, Comment: "hi"}}, AttendeesOmitted: true},
		&calendar.Event{Id: "y", GuestsCanInviteOthers: &f})
	for _, ev := range []*calendar.Events{r, {Kind: "calendar#events", NextSyncToken: "s"}} {
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if got := googlefake.AppendEvents(nil, ev); string(got) != string(want)+"\n" {
			for k := range min(len(got), len(want)) {
				if got[k] != want[k] {
					t.Fatalf("differs at byte %d:\n got %s\nwant %s", k, got[max(0, k-200):min(len(got), k+100)], want[max(0, k-200):min(len(want), k+100)])
				}
			}
			t.Fatalf("lengths %d and %d", len(got), len(want))
		}
	}
}

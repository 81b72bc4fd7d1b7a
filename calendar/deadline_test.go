package calendar_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kithhq/kith/calendar"
	"github.com/kithhq/kith/internal/googlefake"
)

// A deadline that hits during a call to Google says which call and page
// it cut (and, in SyncUser, which calendar of the selection, by index:
// the ID is often an address), still matches context.DeadlineExceeded,
// and is what the run record keeps. The gate's context passes its
// deadline the moment the chosen request reaches the fake.
func TestDeadlineDuringACallNamesTheStep(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t, googlefake.AccountConfig{People: 10, Events: 200}, calendar.Config{PageSize: 50})
	primary := e.acct.Email()
	cases := []struct {
		name  string
		rules []googlefake.Rule // the last one holds the request at its gate
		run   func(ctx context.Context) (pages int, err error)
		want  string
	}{
		{
			name:  "Sync, events page 2",
			rules: []googlefake.Rule{{Endpoint: googlefake.Events, Page: 2}},
			run: func(ctx context.Context) (int, error) {
				rep, err := e.syncer.Sync(ctx, e.user, primary)
				return rep.Pages, err
			},
			want: "calendar: events.list page 2: context deadline exceeded",
		},
		{
			name: "Sync, events page 2 on its retry after a 503",
			rules: []googlefake.Rule{
				{Endpoint: googlefake.Events, Page: 2, Fault: googlefake.Unavailable()},
				{Endpoint: googlefake.Events, Page: 2},
			},
			run: func(ctx context.Context) (int, error) {
				rep, err := e.syncer.Sync(ctx, e.user, primary)
				return rep.Pages, err
			},
			want: "calendar: events.list page 2: attempt 2 of 5: context deadline exceeded",
		},
		{
			name:  "SyncUser, calendar list page 1",
			rules: []googlefake.Rule{{Endpoint: googlefake.CalendarList, Page: 1}},
			run: func(ctx context.Context) (int, error) {
				rep, err := e.syncer.SyncUser(ctx, e.user)
				return rep.List.Pages, err
			},
			want: "calendar: calendarList.list page 1: context deadline exceeded",
		},
		{
			name:  "SyncUser, events page 3 of the first calendar",
			rules: []googlefake.Rule{{Endpoint: googlefake.Events, Page: 3}},
			run: func(ctx context.Context) (int, error) {
				rep, err := e.syncer.SyncUser(ctx, e.user)
				if len(rep.Calendars) != 1 {
					return -1, err
				}
				return rep.Calendars[0].Pages, err
			},
			want: "calendar: calendar 0 of the user's selection: events.list page 3: context deadline exceeded",
		},
	}
	wantPages := []int{1, 1, 0, 2}
	for i, tc := range cases {
		gate := googlefake.NewGate()
		var scripts []*googlefake.Script
		for j, r := range tc.rules {
			r.Account = e.user.String()
			if j == len(tc.rules)-1 {
				r.Fault = googlefake.Slow(gate)
			}
			scripts = append(scripts, e.srv.Script(r))
		}
		ctx, stop := gate.Deadline()
		pages, err := tc.run(ctx)
		stop()
		gate.Release()
		for _, sc := range scripts {
			sc.Remove()
		}
		if !errors.Is(err, context.DeadlineExceeded) || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %q, matching context.DeadlineExceeded", tc.name, err, tc.want)
		}
		if pages != wantPages[i] {
			t.Errorf("%s: %d pages written before the deadline, want %d", tc.name, pages, wantPages[i])
		}
		if strings.Contains(err.Error(), primary) {
			t.Errorf("%s: the text names the calendar's address", tc.name)
		}
	}
	// The run record keeps the step: the events sync of the last case.
	st, err := e.syncer.Status(context.Background(), e.user, primary)
	if err != nil {
		t.Fatal(err)
	}
	if st.LastRun == nil || st.LastRun.Outcome != calendar.RunFailed || st.LastRun.Error != "calendar: events.list page 3: context deadline exceeded" {
		t.Errorf("last run %+v", st.LastRun)
	}
}

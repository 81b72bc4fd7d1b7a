package googlesync_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
)

// A deadline that hits during a call to Google says which call and page
// it cut, still matches context.DeadlineExceeded, and is what the run
// record keeps. The gate's context passes its deadline the moment the
// chosen request reaches the fake. Connections pages are fetched ahead,
// on a goroutine of their own: the pass names the page it waits for
// whether it or the fetch notices the deadline first. Later pages are
// fetched while the page before is written, so a deadline at the moment
// a fetch starts can cut that write instead (then the text names the
// write): page 1 has no write before it.
func TestDeadlineDuringACallNamesTheStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{people: 30, pageSize: 10})
	for _, tc := range []struct {
		name  string
		rules []googlefake.Rule // the last one holds the request at its gate
		pages int
		want  string
	}{
		{"groups page 1", []googlefake.Rule{{Endpoint: googlefake.ContactGroups, Page: 1}}, 0,
			"googlesync: contactGroups.list page 1: context deadline exceeded"},
		{"connections page 1", []googlefake.Rule{{Endpoint: googlefake.Connections, Page: 1}}, 0,
			"googlesync: connections.list page 1: context deadline exceeded"},
		{"groups page 1, on its retry after a 503", []googlefake.Rule{
			{Endpoint: googlefake.ContactGroups, Page: 1, Fault: googlefake.Unavailable()},
			{Endpoint: googlefake.ContactGroups, Page: 1},
		}, 0, "googlesync: contactGroups.list page 1: attempt 2 of 5: context deadline exceeded"},
	} {
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
		rep, err := e.syncer.Sync(ctx, e.user)
		stop()
		gate.Release()
		for _, sc := range scripts {
			sc.Remove()
		}
		if !errors.Is(err, context.DeadlineExceeded) || err.Error() != tc.want {
			t.Errorf("%s: %v\nwant %q, matching context.DeadlineExceeded", tc.name, err, tc.want)
		}
		if rep.Pages != tc.pages {
			t.Errorf("%s: %d pages written, want %d", tc.name, rep.Pages, tc.pages)
		}
		st, serr := e.syncer.Status(context.Background(), e.user)
		if serr != nil {
			t.Fatal(serr)
		}
		if st.LastRun == nil || st.LastRun.Outcome != googlesync.RunFailed || st.LastRun.Error != tc.want {
			t.Errorf("%s: last run %+v", tc.name, st.LastRun)
		}
	}
}

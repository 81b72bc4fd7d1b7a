package googlesync_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/googlefake"
)

// TestInvalidGroupIsSkipped: a Google contact group the store would
// refuse (a NUL byte in its resource name) or that repeats another's
// resource name is left out and counted, every run; the other groups and
// the people sync as usual, and the logs carry counts only.
func TestInvalidGroupIsSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, envOptions{people: 40, groups: 2, pageSize: 15})
	real := e.acct.Groups()
	type group struct {
		ResourceName string `json:"resourceName"`
		GroupType    string `json:"groupType"`
		Name         string `json:"name"`
	}
	list := []group{
		{real[0], "USER_CONTACT_GROUP", "Friends"},
		{"contactGroups/bad\x00one", "USER_CONTACT_GROUP", "secret-bad-group"},
		{real[1], "USER_CONTACT_GROUP", "Club\x00house"}, // a NUL in the name: cleaned, not skipped
		{real[0], "USER_CONTACT_GROUP", "Friends again"}, // repeats the first
	}
	body, err := json.Marshal(map[string]any{"contactGroups": list, "totalItems": len(list)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `\u0000`) {
		t.Fatalf("body does not carry the NUL byte: %s", body)
	}
	e.srv.Script(googlefake.Rule{Account: e.user.String(), Endpoint: googlefake.ContactGroups, Times: googlefake.Always,
		Fault: googlefake.Raw(200, "application/json; charset=UTF-8", string(body))})

	for run := 1; run <= 2; run++ {
		rep, err := e.syncer.Sync(ctx, e.user)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if rep.SkippedGroups != 2 {
			t.Errorf("run %d: SkippedGroups %d, want 2 (the NUL resource name and the repeat)", run, rep.SkippedGroups)
		}
		if run == 1 && (rep.GroupsCreated != 2 || rep.Inserted != 40) {
			t.Errorf("run 1: GroupsCreated %d Inserted %d, want 2 and 40", rep.GroupsCreated, rep.Inserted)
		}
		if run == 2 && rep.Kind != googlesync.Incremental {
			t.Errorf("run 2: kind %s, want incremental (run 1 saved its token)", rep.Kind)
		}
		st, err := e.syncer.Status(ctx, e.user)
		if err != nil || st.LastRun == nil || st.LastRun.Outcome != googlesync.RunSucceeded || st.LastRun.Counts["skipped_groups"] != 2 {
			t.Fatalf("run %d: status %+v, %v", run, st, err)
		}
	}
	groups, err := e.store.Groups(ctx, e.user)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	slices.Sort(names)
	if want := []string{"Clubhouse", "Friends"}; !slices.Equal(names, want) {
		t.Errorf("kith groups %q, want %q", names, want)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "skipped_groups=2") {
		t.Errorf("the run's log line has no skipped_groups=2:\n%s", logs)
	}
	for _, secret := range []string{"contactGroups/bad", "secret-bad-group", "Club"} { // not "bad" alone: a UUID may hold it
		if strings.Contains(logs, secret) {
			t.Errorf("logs carry %q", secret)
		}
	}
}

// TestSourcesImmutable: what Sources returns is the caller's copy.
func TestSourcesImmutable(t *testing.T) {
	s := googlesync.Sources()
	want := strings.Join(s, ",")
	if want != "READ_SOURCE_TYPE_CONTACT,READ_SOURCE_TYPE_PROFILE" {
		t.Fatalf("Sources() = %q", want)
	}
	s[0] = "READ_SOURCE_TYPE_DOMAIN_CONTACT"
	if got := strings.Join(googlesync.Sources(), ","); got != want {
		t.Errorf("Sources() after the caller changed its copy = %q, want %q", got, want)
	}
}

package googlesync_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/google/uuid"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/exampledb"
	"github.com/kithhq/kith/internal/googlefake"
)

// The README's sync tour, against a fake People API: a full sync, changes
// in Google, an incremental sync, the status a host shows. TestREADMESyncTour
// checks that the README shows this code, from "end of setup" on.
func Example() {
	db, done := exampledb.New("googlesync.Example") // in a host: its own *sqlx.DB or *sql.DB
	defer done()
	google := googlefake.New(googlefake.Config{Seed: 1}) // a fake People API; a host talks to Google
	defer google.Close()
	userID := uuid.MustParse("5b1f8e2a-9c4d-4e57-8a1b-2f3c4d5e6f70")
	account := google.AddAccount(userID.String(), googlefake.AccountConfig{People: 2500, Groups: 3})
	// (end of setup)
	ctx := context.Background()

	// One Syncer per process: it caches each user's Google client.
	syncer, err := googlesync.New(db, googlesync.Config{
		// In a host: the user's stored OAuth token, e.g.
		// oauthConfig.TokenSource(ctx, tokenOf(userID)) with the
		// people.ContactsReadonlyScope scope.
		TokenSource:   google.TokenSourceFunc(),
		ClientOptions: google.PeopleOptions(), // a host leaves this out
	})
	if err != nil {
		log.Fatal(err)
	}

	// The first sync is a full pass, 1,000 people a page, one transaction
	// a page; the sync token is saved with the last page.
	rep, err := syncer.Sync(ctx, userID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d pages, %d people, %d inserted, %d Google groups\n", rep.Kind, rep.Pages, rep.Seen, rep.Inserted, rep.GroupsCreated)

	// Changes in Google: an edit, a deletion, a new person.
	account.Change(7, func(p *people.Person) { p.Names = []*people.Name{{DisplayName: "Ada King"}} })
	account.Delete(8)
	account.Add(&people.Person{Names: []*people.Name{{DisplayName: "Grace Hopper"}}})

	// The next sync is incremental: only the changes.
	rep, err = syncer.Sync(ctx, userID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d people, %d inserted, %d updated, %d archived\n", rep.Kind, rep.Seen, rep.Inserted, rep.Updated, rep.Archived)

	// Failures are typed for a job queue: snooze, drop or retry.
	var rl *googlesync.RateLimitError
	switch _, err := syncer.Sync(ctx, userID); {
	case errors.Is(err, googlesync.ErrBusy): // another worker syncs this user: snooze
	case errors.As(err, &rl): // snooze rl.RetryAfter
	case errors.Is(err, googlesync.ErrAccessRevoked): // drop; ask the user to reconnect
	case err != nil && googlesync.IsRetryable(err): // retry with backoff: a 5xx, the network, the host's token source (vault down)
	case err != nil:
		log.Fatal(err)
	}

	// What a host shows: "last synced 5 minutes ago".
	st, err := syncer.Status(ctx, userID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("synced:", st.LastSuccessAt != nil, "failing:", st.FailingSince != nil,
		"last run:", st.LastRun.Kind, st.LastRun.Counts["seen"], "people")
	// Output:
	// full: 3 pages, 2500 people, 2500 inserted, 3 Google groups
	// incremental: 3 people, 1 inserted, 1 updated, 1 archived
	// synced: true failing: false last run: incremental 0 people
}

// SyncAll syncs many users of one process, a few at a time; a user that
// fails does not stop the others.
func ExampleSyncer_SyncAll() {
	db, done := exampledb.New("googlesync.ExampleSyncer_SyncAll")
	defer done()
	google := googlefake.New(googlefake.Config{Seed: 2})
	defer google.Close()
	var users []uuid.UUID
	for i := range 5 {
		u := uuid.New()
		google.AddAccount(u.String(), googlefake.AccountConfig{People: 100 * (i + 1)})
		users = append(users, u)
	}
	users = append(users, uuid.New()) // no Google account: its token source fails

	syncer, err := googlesync.New(db, googlesync.Config{TokenSource: google.TokenSourceFunc(), ClientOptions: google.PeopleOptions()})
	if err != nil {
		log.Fatal(err)
	}
	all := func(yield func(uuid.UUID, error) bool) { // in a host: a query of its users
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	}
	rep, err := syncer.SyncAll(context.Background(), all, googlesync.AllOptions{Concurrency: 2})
	fmt.Printf("%d users: %d synced, %d failed, %d people\n", rep.Started, rep.Succeeded, rep.Failed, rep.People)
	var ue *googlesync.UserError
	var tse *googlesync.TokenSourceError
	fmt.Println(errors.As(err, &ue) && ue.UserID == users[5], errors.As(err, &tse))
	// Output:
	// 6 users: 5 synced, 1 failed, 1500 people
	// true true
}

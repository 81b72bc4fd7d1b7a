package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith/contacts"
)

// A list screen: the first page of the user's due contacts by name, in the
// user's time zone, then the next page from the token the client sent
// back. (Compiled, not run: it needs a database.)
func ExampleStore_List() {
	var db *sqlx.DB // the host's, after kith.Migrate
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	opts := contacts.ListOptions{Limit: 50, Due: contacts.OnlyDue, Location: paris}
	page, err := store.List(ctx, user, opts)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Contacts {
		fmt.Println(c.Name)
	}
	// The client sends page.NextPageToken back for more ("" = no more).
	opts.PageToken = page.NextPageToken
	if _, err := store.List(ctx, user, opts); errors.Is(err, contacts.ErrInvalid) {
		log.Print(err) // a token from another user, order or filter
	}
}

// A search box: typos tolerated, best match first; a database without
// pg_trgm says so.
func ExampleStore_Search() {
	var db *sqlx.DB // the host's, after kith.Migrate
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	page, err := store.Search(ctx, user, contacts.SearchOptions{Query: "margret hamiltn"})
	if errors.Is(err, contacts.ErrSearchUnavailable) {
		log.Print(err) // fall back to List, or ask the DBA for pg_trgm
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range page.Contacts {
		fmt.Println(c.Name, c.Email)
	}
}

// The groups of a sidebar with their sizes, in one statement.
func ExampleStore_GroupCounts() {
	var db *sqlx.DB // the host's, after kith.Migrate
	ctx, user := context.Background(), uuid.New()
	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		log.Fatal(err)
	}
	groups, err := store.GroupCounts(ctx, user)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range groups {
		fmt.Printf("%s (%d)\n", g.Group.Name, g.Members)
	}
}

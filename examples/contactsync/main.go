// Command contactsync shows kith's Google Contacts sync (package
// contacts/googlesync) end to end.
//
// By default it needs no Google account: it starts a fake People API
// (kith's internal test server, which speaks the real REST protocol to the
// real Google client) with -people generated people, and a throwaway
// PostgreSQL (or the server in KITH_DATABASE_URL, database
// kith_contactsync), then prints:
//
//  1. a full sync (pages of 1,000, one transaction each, the sync token
//     saved with the last page);
//  2. changes made in "Google" (1% of the people edited, some deleted,
//     some added, two merged) and the incremental sync that picks them up;
//  3. an expired sync token: the sync drops it, makes a full pass and
//     archives what Google no longer has;
//  4. the status a host would show.
//
// With -real it syncs a real Google account instead. Get a token once with
// an OAuth client of your own (see the README, "Google Contacts sync"):
//
//	go run ./examples/contactsync -login -client client_secret.json -token token.json
//	go run ./examples/contactsync -real -client client_secret.json -token token.json
//
// Nothing is written to Google (the scope is contacts.readonly), and the
// program prints counts only, never a contact.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"golang.org/x/oauth2"
	"google.golang.org/api/people/v1"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts/googlesync"
	"github.com/kithhq/kith/internal/exampleauth"
	"github.com/kithhq/kith/internal/googlefake"
	"github.com/kithhq/kith/internal/pgtest"
)

// options are the command's flags.
type options struct {
	people   int    // fake account size
	real     bool   // sync a real account
	login    bool   // get a token and exit
	client   string // OAuth client JSON (Google Cloud console)
	token    string // token JSON file
	user     string // kith user ID for the real account
	verbose  bool
	pageSize int
}

func main() {
	var o options
	flag.IntVar(&o.people, "people", 10_000, "people in the fake account")
	flag.BoolVar(&o.real, "real", false, "sync a real Google account (needs -token, and -client to refresh it)")
	flag.BoolVar(&o.login, "login", false, "get a token for -client through the browser, save it to -token, and exit")
	flag.StringVar(&o.client, "client", "", "OAuth client JSON downloaded from the Google Cloud console (Desktop app)")
	flag.StringVar(&o.token, "token", "token.json", "OAuth token file (written by -login)")
	flag.StringVar(&o.user, "user", "00000000-0000-4000-8000-00000000c0de", "kith user ID the real account is synced to")
	flag.BoolVar(&o.verbose, "v", false, "log every page (counts only)")
	flag.Parse()
	if o.people < 0 {
		log.Fatal("contactsync: -people must not be negative")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if o.login {
		if err := exampleauth.Login(ctx, o.auth()); err != nil {
			log.Fatalf("contactsync: %v", err)
		}
		return
	}
	server, err := pgtest.Start(ctx)
	if err != nil {
		log.Fatalf("contactsync: %v", err)
	}
	defer server.Close()
	db, err := openDB(ctx, server)
	if err != nil {
		log.Fatalf("contactsync: %v", err)
	}
	defer db.Close()
	if o.real {
		err = runReal(ctx, db, os.Stdout, o)
	} else {
		err = runFake(ctx, db, os.Stdout, o)
	}
	if err != nil {
		log.Fatalf("contactsync: %v", err)
	}
}

// openDB creates the database kith_contactsync unless it exists, opens
// and migrates it.
func openDB(ctx context.Context, server *pgtest.Server) (*sqlx.DB, error) {
	db, err := server.OpenDatabase(ctx, "kith_contactsync")
	if err != nil {
		return nil, err
	}
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// runFake is the default demo, against a fake People API.
func runFake(ctx context.Context, db *sqlx.DB, out io.Writer, o options) error {
	fake := googlefake.New(googlefake.Config{Seed: 1})
	defer fake.Close()
	user := uuid.New()
	account := fake.AddAccount(user.String(), googlefake.AccountConfig{People: o.people, Groups: 5})
	syncer, err := googlesync.New(db, googlesync.Config{
		TokenSource:   fake.TokenSourceFunc(),
		ClientOptions: fake.PeopleOptions(),
		Logger:        logger(o.verbose),
		PageSize:      o.pageSize,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "fake People API at %s, user %s with %d people\n\n", fake.URL(), user, o.people)

	rep, err := syncer.Sync(ctx, user)
	if err != nil {
		return err
	}
	report(out, "1. full sync", rep)

	n := o.people
	edited := max(n/100, 1)
	for i := range min(edited, n) {
		account.Change(i, func(p *people.Person) {
			p.Names = []*people.Name{{DisplayName: fmt.Sprintf("Edited %d", i)}}
		})
	}
	deleted := 0
	for i := n - 1; i >= n-5 && i >= edited; i-- {
		account.Delete(i)
		deleted++
	}
	for i := range 3 {
		account.Add(&people.Person{Names: []*people.Name{{DisplayName: fmt.Sprintf("New person %d", i)}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("new.%d@example.com", i)}}})
	}
	if n > edited+deleted+2 {
		account.Merge(edited, edited+1)
	}
	fmt.Fprintf(out, "changes in Google: %d edited, %d deleted, 3 added, 2 merged into one\n\n", edited, deleted)
	rep, err = syncer.Sync(ctx, user)
	if err != nil {
		return err
	}
	report(out, "2. incremental sync", rep)

	account.ExpireTokens()
	if n > edited+deleted+10 {
		account.Delete(edited + 5) // deleted while the token expired: only a full pass sees it
		fmt.Fprintf(out, "the sync token expired, and 1 more person was deleted in Google meanwhile: only a full pass can see it\n\n")
	} else {
		fmt.Fprintf(out, "the sync token expired\n\n")
	}
	rep, err = syncer.Sync(ctx, user)
	if err != nil {
		return err
	}
	report(out, "3. sync after the token expired", rep)
	return status(ctx, out, syncer, user)
}

// runReal syncs a real Google account.
func runReal(ctx context.Context, db *sqlx.DB, out io.Writer, o options) error {
	user, err := uuid.Parse(o.user)
	if err != nil {
		return fmt.Errorf("-user: %w", err)
	}
	ts, err := exampleauth.TokenSource(ctx, o.auth())
	if err != nil {
		return err
	}
	syncer, err := googlesync.New(db, googlesync.Config{
		TokenSource: func(context.Context, uuid.UUID) (oauth2.TokenSource, error) { return ts, nil },
		Logger:      logger(o.verbose),
	})
	if err != nil {
		return err
	}
	rep, err := syncer.Sync(ctx, user)
	if err != nil {
		return err
	}
	report(out, "sync of the Google account", rep)
	rep, err = syncer.Sync(ctx, user)
	if err != nil {
		return err
	}
	report(out, "second sync (incremental: nothing changed, unless you edited a contact)", rep)
	return status(ctx, out, syncer, user)
}

func report(out io.Writer, title string, r googlesync.Report) {
	fmt.Fprintf(out, "%s (%s, %v, peak process memory %.1f MiB)\n", title, r.Kind, r.Duration.Round(time.Millisecond), float64(r.PeakMemory)/(1<<20))
	fmt.Fprintf(out, "   pages %d, people %d (%.0f/s), retries %d, token expired %v\n", r.Pages, r.Seen, float64(r.Seen)/max(r.Duration.Seconds(), 1e-9), r.Retries, r.TokenExpired)
	fmt.Fprintf(out, "   inserted %d, updated %d, unchanged %d, linked %d, merged %d (+%d folded)\n", r.Inserted, r.Updated, r.Unchanged, r.Linked, r.Merged, r.MergedAway)
	fmt.Fprintf(out, "   archived %d (%d by the full pass's reconcile), groups created %d, memberships +%d -%d, invalid emails skipped %d\n\n",
		r.Archived, r.Reconciled, r.GroupsCreated, r.MembershipsAdded, r.MembershipsRemoved, r.InvalidEmails)
}

func status(ctx context.Context, out io.Writer, s *googlesync.Syncer, user uuid.UUID) error {
	st, err := s.Status(ctx, user)
	if err != nil {
		return err
	}
	failing := "never"
	if st.FailingSince != nil {
		failing = "since " + st.FailingSince.Format(time.RFC3339)
	}
	fmt.Fprintf(out, "status: last success %s, failing %s, last run %s with %d people\n",
		st.LastSuccessAt.Format(time.RFC3339), failing, st.LastRun.Kind, st.LastRun.Counts["seen"])
	c := s.CacheStats()
	fmt.Fprintf(out, "client cache: %d hits, %d misses, %d held\n", c.Hits, c.Misses, c.Len)
	return nil
}

func logger(verbose bool) *slog.Logger {
	if !verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// auth is the OAuth set-up of -login and -real.
func (o options) auth() exampleauth.Config {
	return exampleauth.Config{App: "contactsync", ClientFile: o.client, TokenFile: o.token,
		Scopes: []string{people.ContactsReadonlyScope}, Access: "your contacts"}
}

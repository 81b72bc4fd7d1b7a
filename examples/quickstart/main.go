// Command quickstart shows what kith does, end to end, in about a minute.
//
// With no configuration it starts a throwaway PostgreSQL (the Debian
// postgresql packages must be installed), migrates it, seeds one synthetic
// user with -contacts realistic contacts, then:
//
//  1. reads the user through the contacts store (counts, one contact);
//  2. streams the user's contacts with stream.MinimalContacts and prints
//     contacts/s and the peak Go heap, next to the peak heap of loading every
//     full contact into a slice (what the system kith replaces did);
//  3. generates "reach out" suggestions with suggest in the user's time
//     zone (-zone; groups weighted: family 2, close friends 1.5, work 0.5)
//     and prints the top ten with their local due dates and reasons; the
//     generator's memguard.Monitor logs the run's duration and peak memory;
//  4. counts the contacts due today and this week without generating, marks
//     the top contact as seen (as a calendar sync would) and shows that the
//     pending list drops it at once.
//
// With KITH_DATABASE_URL set it uses that server instead (it creates a
// database kith_demo there if needed, and a new demo user on every run).
//
//	go run ./examples/quickstart -contacts 100000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/internal/heappeak"
	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
	"github.com/kithhq/kith/suggest"
)

// zoneFlag is the demo user's IANA time zone.
var zoneFlag = flag.String("zone", "Europe/Berlin", "the demo user's IANA time zone")

func main() {
	n := flag.Int("contacts", 100_000, "how many synthetic contacts to seed for the demo user")
	naive := flag.Bool("naive", true, "also load every full contact into a slice, to compare memory")
	top := flag.Int("top", 10, "how many suggestions to print")
	flag.Parse()
	if *n < 0 || *top < 0 {
		log.Fatal("quickstart: -contacts and -top must not be negative")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *n, *naive, *top); err != nil {
		log.Fatalf("quickstart: %v", err)
	}
}

func run(ctx context.Context, n int, naive bool, top int) error {
	began := time.Now()
	server, err := pgtest.Start(ctx)
	if err != nil {
		return err
	}
	defer server.Close()
	where := "a throwaway PostgreSQL (removed on exit)"
	if os.Getenv(pgtest.EnvURL) != "" {
		where = "the server in " + pgtest.EnvURL
	}
	db, err := openDemoDB(ctx, server)
	if err != nil {
		return err
	}
	defer db.Close()
	step("PostgreSQL", "%s, ready in %v", where, since(began))

	t := time.Now()
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		return err
	}
	step("Migrate", "schema kith up to date in %v", since(t))

	user := uuid.New()
	t = time.Now()
	if err := seed.Contacts(ctx, db, user, n, seed.Options{}); err != nil {
		return err
	}
	step("Seed", "%d contacts for user %s in %v (server-side, %s contacts/s)", n, user, since(t), rate(n, time.Since(t)))

	store, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		return err
	}
	t = time.Now()
	all, err := store.Count(ctx, user, contacts.CountOptions{IncludeArchived: true})
	if err != nil {
		return err
	}
	active, err := store.Count(ctx, user, contacts.CountOptions{})
	if err != nil {
		return err
	}
	groups, err := store.Groups(ctx, user)
	if err != nil {
		return err
	}
	step("Store", "%d contacts (%d archived), %d groups, counted in %v", all, all-active, len(groups), since(t))

	// Stream every unarchived contact with flat memory.
	t = time.Now()
	peak := heappeak.Start()
	var streamed, neverContacted int
	for c, err := range stream.MinimalContacts(ctx, db, user, stream.Options{}) {
		if err != nil {
			return err
		}
		streamed++
		if c.LastContactDate == nil {
			neverContacted++
		}
	}
	streamPeak, streamTime := peak.Stop(), time.Since(t)
	step("Stream", "%d contacts (%d never contacted) in %v: %s contacts/s, peak heap %.1f MiB",
		streamed, neverContacted, streamTime.Round(time.Millisecond), rate(streamed, streamTime), heappeak.MiB(streamPeak))

	if naive {
		t = time.Now()
		peak = heappeak.Start()
		var loaded []contacts.Contact
		loaded, err = stream.Collect(stream.Contacts(ctx, db, user, stream.Options{}))
		if err != nil {
			return err
		}
		naivePeak := peak.Stop()
		step("Naive", "all %d full contacts in one slice: %v, peak heap %.1f MiB (%.0fx the stream's)",
			len(loaded), since(t), heappeak.MiB(naivePeak), float64(naivePeak)/float64(max(streamPeak, 1)))
		loaded = nil
	}

	// Family counts double, close friends half again, work half.
	weights := map[uuid.UUID]float64{}
	for _, g := range groups {
		switch g.Name {
		case "family":
			weights[g.ID] = 2
		case "close friends":
			weights[g.ID] = 1.5
		case "work":
			weights[g.ID] = 0.5
		}
	}
	loc, err := time.LoadLocation(*zoneFlag)
	if err != nil {
		return err
	}
	// The monitor logs each run's duration and peak memory through slog.
	gen, err := suggest.New(db, suggest.Config{
		Scorer:  suggest.DefaultScorer{GroupWeights: weights},
		Monitor: memguard.NewMonitor(memguard.MonitorConfig{Logger: demoLogger()}),
	})
	if err != nil {
		return err
	}
	peak = heappeak.Start()
	res, err := gen.Generate(ctx, user, loc)
	if err != nil {
		return err
	}
	genPeak := peak.Stop()
	step("Suggest", "scored %d contacts, %d due, kept the best %d in %v: %s contacts/s, peak heap %.1f MiB",
		res.Scanned, res.Eligible, len(res.Suggestions), res.Duration.Round(time.Millisecond),
		rate(int(res.Scanned), res.Duration), heappeak.MiB(genPeak))
	fmt.Printf("           today is %v in %v\n", res.Today, loc)
	for _, s := range res.Suggestions[:min(top, len(res.Suggestions))] {
		due := s.DueSince.String()
		if s.DueSince.IsZero() {
			due = "-"
		}
		fmt.Printf("   %2d. %-22s score %5.2f  due %-10s  %s\n", s.Rank, s.Name, s.Score, due, s.Reason)
	}

	// Without generating: how many are due, for a badge or a digest.
	counts, err := gen.DueCounts(ctx, user, loc)
	if err != nil {
		return err
	}
	step("Due", "%d contacts due today, %d within the week (snoozed and dismissed ones not counted)", counts.Today, counts.Week)

	// A calendar sync finds a meeting with the top contact: the pending
	// list never shows a suggestion the contact contradicts.
	if len(res.Suggestions) > 0 {
		first := res.Suggestions[0]
		if _, err := store.MarkContacted(ctx, user, []uuid.UUID{first.ContactID}, time.Now()); err != nil {
			return err
		}
		pending, err := gen.Pending(ctx, user, loc)
		if err != nil {
			return err
		}
		next := "nobody"
		if len(pending) > 0 {
			next = pending[0].Name + " (" + pending[0].Reason + ")"
		}
		step("Pending", "%s seen today: %d pending, first now %s", first.Name, len(pending), next)
	}
	fmt.Printf("\nDone in %v.\n", since(began))
	return nil
}

// demoLogger writes slog records to stdout without the time, with
// durations in milliseconds and byte counts in MiB.
func demoLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch {
			case a.Key == slog.TimeKey:
				return slog.Attr{}
			case a.Value.Kind() == slog.KindDuration:
				return slog.Duration(a.Key, a.Value.Duration().Round(time.Millisecond))
			case strings.HasSuffix(a.Key, "_bytes") && a.Value.Kind() == slog.KindUint64:
				return slog.String(strings.TrimSuffix(a.Key, "_bytes"), fmt.Sprintf("%.1fMiB", float64(a.Value.Uint64())/(1<<20)))
			}
			return a
		},
	}))
}

func step(name, format string, args ...any) {
	fmt.Printf("%-10s %s\n", name, fmt.Sprintf(format, args...))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}

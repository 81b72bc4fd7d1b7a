// Package kith is the root of kith, a Go SDK for personal-relationship
// ("stay in touch") backends: the contacts a user keeps, how often they want
// to see each one, and whom to reach out to next.
//
// A host application wires kith's packages to its own PostgreSQL handle
// (*sql.DB or *sqlx.DB, over github.com/lib/pq or pgx's stdlib driver),
// given to every package as a [DB] (or a [Beginner] where a package runs
// its own transactions). kith never opens connection pools of its own and
// never sets process-wide state.
//
// # Packages
//
//   - [github.com/kithhq/kith/contacts]: the model (Contact, MinimalContact,
//     Group, Frequency, Circle) and its Store, scoped by user.
//   - [github.com/kithhq/kith/stream]: iter.Seq2 streams of a user's contacts
//     with flat memory: keyset pages, resumable cursors.
//   - [github.com/kithhq/kith/memguard]: a memory breaker, adaptive batch
//     sizes, and a monitor of each pipeline run's duration and peak memory.
//   - [github.com/kithhq/kith/suggest]: whom to reach out to, exact top K
//     over any number of contacts.
//   - [github.com/kithhq/kith/contacts/contactsio]: export and import a
//     user's contacts as vCard 4.0 or CSV.
//   - [github.com/kithhq/kith/contacts/googlesync]: sync each user's Google
//     Contacts into their contacts and groups, incrementally.
//   - [github.com/kithhq/kith/calendar]: sync users' Google Calendar events
//     and turn meetings into last-contact dates.
//   - [github.com/kithhq/kith/kithtest]: a throwaway PostgreSQL with kith's
//     schema migrated, for a host's tests.
//   - [github.com/kithhq/kith/jobs] (a module of its own): the per-user
//     pipelines as River jobs shared by many worker processes.
//   - [github.com/kithhq/kith/memguard/memguardotel] (a module of its own):
//     memguard's measurements as OpenTelemetry metrics.
//
// This package holds the schema: embedded SQL migrations applied by
// [Migrate], under an advisory lock, in their own Postgres schema ("kith"
// by default). Hosts with their own migration tool take the SQL from
// [MigrationFS] or [Migrations] instead. [DeleteUser] removes every row
// kith holds for one user, in bounded, resumable batches.
//
// # Set-up
//
//	db := sqlx.MustOpen("postgres", dsn)
//	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil { ... }
//	store, err := contacts.NewStore(db, contacts.Config{})
//	for c, err := range stream.MinimalContacts(ctx, db, userID, stream.Options{}) { ... }
package kith

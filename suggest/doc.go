// Package suggest tells a user whom to reach out to: the exact top K of
// all their contacts by how overdue they are, over millions of contacts in
// bounded memory, persisted, with accept, dismiss and snooze, for one user
// or many users at once.
//
// # Generation
//
// A [Generator] streams a user's unarchived minimal contacts page by page
// (package stream), scores each with a [Scorer] and keeps the best K in a
// bounded heap. The answer is exact (the best K over every contact, not the
// first K met) and memory is O(K): about the same for ten thousand contacts
// as for a million. The stream's page size does not change it: neither
// lib/pq nor pgx buffers a result, rows are scored as they arrive. Scoring
// a contact allocates nothing: a contact costs only what the stream
// allocates for the contact itself (its name, last-contact time and group
// IDs) and what the driver allocates for its row. Reasons are built only
// for the K winners.
//
// The ranking is a total order: higher score first, then the older last
// contact (never contacted before any date), then the smaller contact ID.
// So equal inputs give equal sets, in the same order.
//
// The default scoring is described on [DefaultScorer]: due from the local
// due date of the frequency (weekly, monthly, ...), ranked by the overdue
// ratio in local calendar days, times an optional per-group weight.
//
// # The user's calendar
//
// Every day a user sees is a day of their own calendar, in their IANA time
// zone: Generate, Pending, NextDue and DueCounts take a *time.Location (nil
// means UTC, the documented choice when a user's zone is unknown), and
// GenerateAll takes a per-user look-up (AllOptions.Location). A [Calendar]
// turns instants into local dates: due dates are calendar dates (monthly =
// the same day next month, clamped at month end; annual from Feb 29 = Feb
// 28), due from the start of that date in the user's zone, so daylight
// saving moves nothing. Suggestion.DueSince is such a [Date]. Reasons count
// local calendar days ("last contact yesterday", "3 weeks ago", "2 months
// ago") and are written by DefaultScorer.Describe, which a host replaces to
// translate them. The arithmetic is integer day numbers from a per-run
// cache of the zone's offsets: no allocation per contact (see [Calendar]).
//
// # Memory pressure
//
// The Generator's memguard.Breaker is checked before every page, every
// exclusion look-up and the write. Pages are not shrunk under pressure: a
// smaller page would save no memory (rows are not buffered), only cost
// time. At the hard level the run stops with the breaker's error, which matches
// memguard.ErrMemoryPressure, and writes nothing: never a partial answer.
//
// # Persistence and lifecycle
//
// Migration 002 adds kith.suggestions and kith.suggestion_runs (003 makes
// due dates local dates). Generate replaces the user's pending suggestions
// in one transaction (readers see the old set or the new one); a contact
// that stays in the set keeps its suggestion ID. What [Generator.Pending]
// returns is always current: it reads the stored set joined to the
// contacts as they are now and drops a suggestion whose contact was
// archived, deleted, marked contacted or given a frequency under which it
// is not due, whether or not Generate ran since; the rest are re-scored
// and re-described for today. Resolved suggestions are history: Generate
// deletes a bounded batch of those past Config.Retention per run, and
// [Generator.Prune] catches up. [Generator.Accept] marks the contact contacted now,
// [Generator.Dismiss] hides it for Config.DismissCoolDown, and
// [Generator.Snooze] hides it until a time. Exclusions are looked up only
// for contacts good enough to enter the heap, in one query per batch of
// them, so they cost no memory per contact.
//
// # Concurrency
//
// Writers of one user's suggestions (Generate's write, Accept, Dismiss,
// Snooze) serialize on a per-user transaction-scoped advisory lock. A
// database sequence orders runs and resolutions: a run takes a ticket when
// it starts; at write time it refuses to replace a set written by a run
// with a later ticket (Result.Superseded), and starts over if one of its
// winners was resolved after its ticket. A unique index keeps at most one
// pending suggestion per contact. Two workers on two machines may
// therefore run Generate for the same user at once.
//
// # Many users
//
// [Generator.GenerateAll] runs users from an iter.Seq2 with bounded
// concurrency, checking the breaker before each, reporting progress and
// collecting failures. Across machines, run [Generator.Generate] as a job on
// the host's queue (River, gue, ...): it is idempotent, context-aware and
// bounded in memory; enqueue one job per user, unique by user ID.
package suggest

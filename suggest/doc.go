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
// lib/pq nor pgx buffers a result, rows are scored as they arrive. The per-contact path allocates
// nothing; reasons are built only for the K winners.
//
// The ranking is a total order: higher score first, then the older last
// contact (never contacted before any date), then the smaller contact ID.
// So equal inputs give equal sets, in the same order.
//
// The default scoring is described on [DefaultScorer]: due once the time
// since the last contact reaches the frequency's interval, ranked by the
// overdue ratio elapsed/interval, times an optional per-group weight.
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
// Migration 002 adds kith.suggestions and kith.suggestion_runs. Generate
// replaces the user's pending suggestions in one transaction (readers see
// the old set or the new one); a contact that stays in the set keeps its
// suggestion ID. [Generator.Accept] marks the contact contacted now,
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

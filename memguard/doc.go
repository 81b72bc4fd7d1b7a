// Package memguard keeps a process alive under memory pressure: a pluggable
// memory [Breaker], an operation [Monitor] with explicit byte accounting, a
// heap [LeakDetector] and an adaptive batch-size controller ([Adaptive]).
//
// The package depends only on the standard library. The OpenTelemetry
// adapter lives in memguard/memguardotel and test doubles in
// memguard/memguardtest.
//
// # Signals
//
// Memory is read through a [Reader]. The default, [RuntimeReader], uses
// runtime/metrics, which does not stop the world (runtime.ReadMemStats does,
// and is never called by this package). A [Sample] carries the quantities a
// breaker needs; [TotalInUse] (the default measure) is the memory the Go
// runtime has mapped and not released — exactly what GOMEMLIMIT limits and
// what OpenTelemetry calls go.memory.used. Memory allocated outside the Go
// runtime (cgo, mmap) is invisible to it; keep 5–10% headroom for it.
//
// # Limits
//
// The limit a [MemoryBreaker] compares against comes, in order, from
// [Config].Limit, from the process's soft memory limit (GOMEMLIMIT /
// debug.SetMemoryLimit), or from the cgroup (v2 memory.max, v1
// memory.limit_in_bytes). With no limit anywhere the breaker logs that and
// passes everything. memguard never sets the process's memory limit.
//
// # Levels
//
// A breaker reports a [Level]: [LevelNormal], [LevelSoft] (slow down: smaller
// batches, skip optional work) and [LevelHard] (Check refuses with a
// [*PressureError] that matches [ErrMemoryPressure]). Each level has a trip
// fraction and a lower release fraction of the limit, and a minimum hold time,
// so it does not flap; after a cool-down a hard breaker lets single probes
// through (half-open) while memory is between its release and trip levels.
//
// # Attribution
//
// A process-wide peak sampled while an operation runs is not that
// operation's own peak when other operations run concurrently; [OpRecord]
// names it ProcessPeak for that reason. Pipelines that want exact numbers
// account explicitly with a [Budget] and [Account] (Grow/Shrink with a
// high-water mark, in the spirit of CockroachDB's byte monitors); bytes still
// held when an operation ends are reported as Leftover.
//
// # No forced GC
//
// memguard never calls runtime.GC unless [Config].GCBeforeRefuse is set, and
// then at most once per that interval, just before a refusal.
package memguard

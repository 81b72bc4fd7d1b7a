// Package memguard keeps a process alive under memory pressure: a pluggable
// memory [Breaker] (default: [MemoryBreaker]), an adaptive batch-size
// controller ([Adaptive]) for batches a pipeline holds in memory, and an
// operation [Monitor] that logs and records each pipeline run's duration
// and peak memory.
//
// Test doubles live in memguard/memguardtest. The OpenTelemetry adapter,
// memguard/memguardotel, is a module of its own, so that OpenTelemetry is
// not in the module graph of a host that does not use it.
//
// # Signals
//
// Memory is read through a [Reader]. The default reads the running process
// with runtime/metrics, which does not stop the world (runtime.ReadMemStats
// does, and is never called by this package). The measure is
// [Sample].Total: the memory the Go runtime has mapped and not released,
// exactly what GOMEMLIMIT limits and what OpenTelemetry calls
// go.memory.used. Memory allocated outside the Go runtime (cgo, mmap) is
// invisible to it; keep 5–10% headroom for it.
//
// # Limits
//
// The limit a [MemoryBreaker] compares against comes, in order, from
// [Config].Limit, from the process's soft memory limit (GOMEMLIMIT /
// debug.SetMemoryLimit, followed on every sample), or from the container's
// cgroup (read once, at [New], with github.com/KimMachineGun/automemlimit's
// memlimit package). With no limit anywhere the breaker logs that and
// admits everything. memguard never sets the process's memory limit: that
// is the host's decision (GOMEMLIMIT, or automemlimit in its main package).
//
// # Levels
//
// A breaker reports a [Level]: [LevelNormal], [LevelSoft] (slow down:
// smaller batches, skip optional work) and [LevelHard] (Check refuses with
// a [*PressureError] that matches [ErrMemoryPressure]). Each level has a
// trip fraction and a lower release fraction of the limit, and a minimum
// hold time, so it does not flap.
//
// # Attribution
//
// A process-wide peak sampled while an operation runs is not that
// operation's own peak when other operations run concurrently; [OpRecord]
// names it ProcessPeak for that reason.
//
// # No forced GC
//
// memguard never calls runtime.GC: a forced cycle marks the whole live heap
// and frees only garbage the pacer would free anyway. A refused caller
// retries later, with a smaller batch.
package memguard

package memguard

import (
	"math"
	"runtime/metrics"
	"sync"
)

// Sample is one reading of the process's memory. All sizes are bytes.
// Fields a [Reader] cannot supply are zero.
type Sample struct {
	// Total is memory the Go runtime has mapped and not returned to the OS
	// (/memory/classes/total:bytes − /memory/classes/heap/released:bytes):
	// the quantity GOMEMLIMIT limits, the Go analogue of RSS.
	Total uint64
	// HeapObjects is the heap occupied by objects, live or not yet swept
	// (/memory/classes/heap/objects:bytes, = MemStats.HeapAlloc).
	HeapObjects uint64
	// HeapLive is the heap marked live by the last GC (/gc/heap/live:bytes).
	HeapLive uint64
	// HeapGoal is the GC's heap goal for the current cycle.
	HeapGoal uint64
	// Limit is the memory limit the reader knows of, 0 if none. See
	// [RuntimeReader] for where it comes from.
	Limit uint64
	// GCCycles is the number of completed GC cycles.
	GCCycles uint64
	// GCForced is the number of GC cycles forced by the application.
	GCForced uint64
	// GCLimiterLastEnabled is the last GC cycle in which the GC CPU limiter
	// was on (0 = never): a sign that GOMEMLIMIT is being overrun.
	GCLimiterLastEnabled uint64
	// Allocated is the cumulative number of bytes allocated on the heap.
	Allocated uint64
}

// Reader reads memory. Implementations must be safe for concurrent use.
// Read is called on a breaker's slow path (at most once per sample
// interval), so it should take well under a millisecond.
type Reader interface {
	Read() (Sample, error)
}

// TotalInUse measures [Sample].Total. It is the default measure of a
// [MemoryBreaker]: conservative (it includes garbage not yet collected), and
// the quantity GOMEMLIMIT governs.
func TotalInUse(s Sample) uint64 { return s.Total }

// LiveInUse measures Total minus heap bytes allocated since the last GC
// marked the heap: the live heap plus the runtime's non-heap memory. It
// ignores garbage, so it suits GOGC=off with GOMEMLIMIT (where Total always
// runs up to the limit), but it lags by up to one GC cycle.
func LiveInUse(s Sample) uint64 {
	if s.HeapObjects > s.HeapLive && s.Total > s.HeapObjects-s.HeapLive {
		return s.Total - (s.HeapObjects - s.HeapLive)
	}
	return s.Total
}

const (
	mTotal      = "/memory/classes/total:bytes"
	mReleased   = "/memory/classes/heap/released:bytes"
	mObjects    = "/memory/classes/heap/objects:bytes"
	mLive       = "/gc/heap/live:bytes"
	mGoal       = "/gc/heap/goal:bytes"
	mLimit      = "/gc/gomemlimit:bytes"
	mCycles     = "/gc/cycles/total:gc-cycles"
	mForced     = "/gc/cycles/forced:gc-cycles"
	mLimiter    = "/gc/limiter/last-enabled:gc-cycle"
	mAllocBytes = "/gc/heap/allocs:bytes"
)

var metricNames = [...]string{mTotal, mReleased, mObjects, mLive, mGoal, mLimit, mCycles, mForced, mLimiter, mAllocBytes}

// RuntimeReader reads the running process through runtime/metrics (no
// stop-the-world). Its Limit is the soft memory limit (GOMEMLIMIT) when one
// is set, else the Fallback limit given to [NewRuntimeReader] (typically the
// cgroup limit), else 0. The soft limit is read on every Read, so changes
// made with debug.SetMemoryLimit are followed.
//
// A RuntimeReader is safe for concurrent use; Read does not allocate. The
// zero value is not usable; use [NewRuntimeReader].
type RuntimeReader struct {
	mu       sync.Mutex
	samples  []metrics.Sample
	fallback uint64
}

// NewRuntimeReader returns a reader of the current process. fallback is the
// limit reported when GOMEMLIMIT is unset (0 for none); see [CgroupLimit].
func NewRuntimeReader(fallback uint64) *RuntimeReader {
	r := &RuntimeReader{samples: make([]metrics.Sample, len(metricNames)), fallback: fallback}
	for i, n := range metricNames {
		r.samples[i].Name = n
	}
	return r
}

// Read reads the runtime metrics. It never returns an error; metrics the
// runtime does not support read as zero.
func (r *RuntimeReader) Read() (Sample, error) {
	r.mu.Lock()
	metrics.Read(r.samples)
	var v [len(metricNames)]uint64
	for i := range r.samples {
		if r.samples[i].Value.Kind() == metrics.KindUint64 {
			v[i] = r.samples[i].Value.Uint64()
		}
	}
	r.mu.Unlock()
	s := Sample{
		HeapObjects:          v[2],
		HeapLive:             v[3],
		HeapGoal:             v[4],
		GCCycles:             v[6],
		GCForced:             v[7],
		GCLimiterLastEnabled: v[8],
		Allocated:            v[9],
	}
	if v[0] > v[1] {
		s.Total = v[0] - v[1]
	}
	if lim := v[5]; lim != 0 && lim < math.MaxInt64 {
		s.Limit = lim
	} else {
		s.Limit = r.fallback
	}
	return s, nil
}

// SoftLimitSet reports whether the process has a soft memory limit
// (GOMEMLIMIT or debug.SetMemoryLimit) and its value. It reads
// /gc/gomemlimit:bytes, which is equivalent to debug.SetMemoryLimit(-1).
func SoftLimitSet() (uint64, bool) {
	s := []metrics.Sample{{Name: mLimit}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	v := s[0].Value.Uint64()
	return v, v != 0 && v < math.MaxInt64
}

package memguard

import (
	"math"
	"runtime/metrics"
	"sync"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// Sample is one reading of the process's memory. All sizes are bytes.
// Fields a [Reader] cannot supply are zero.
type Sample struct {
	// Total is memory the Go runtime has mapped and not returned to the OS
	// (/memory/classes/total:bytes − /memory/classes/heap/released:bytes):
	// the quantity GOMEMLIMIT limits, what OpenTelemetry calls
	// go.memory.used. A breaker compares it with its levels.
	Total uint64
	// Limit is the memory limit the reader knows of, 0 if none. The
	// default reader reports GOMEMLIMIT when it is set, else the cgroup's
	// limit, else 0.
	Limit uint64
	// Allocated is the cumulative number of bytes allocated on the heap
	// (/gc/heap/allocs:bytes); a [Monitor] reports its growth across an
	// operation.
	Allocated uint64
}

// Reader reads memory. Implementations must be safe for concurrent use.
// Read is called on a breaker's slow path (at most once per sample
// interval), so it should take well under a millisecond. A nil Reader in a
// configuration means the running process, read through runtime/metrics
// (which, unlike runtime.ReadMemStats, does not stop the world).
// memguardtest.Reader is a scripted one for tests.
type Reader interface {
	Read() (Sample, error)
}

const (
	mTotal      = "/memory/classes/total:bytes"
	mReleased   = "/memory/classes/heap/released:bytes"
	mLimit      = "/gc/gomemlimit:bytes"
	mAllocBytes = "/gc/heap/allocs:bytes"
)

// runtimeReader reads the running process through runtime/metrics. Its
// Limit is the soft memory limit (GOMEMLIMIT, read on every Read so that
// debug.SetMemoryLimit by the host is followed) when one is set, else
// fallback. Read does not allocate.
type runtimeReader struct {
	mu       sync.Mutex
	samples  [4]metrics.Sample
	fallback uint64
}

func newRuntimeReader(fallback uint64) *runtimeReader {
	r := &runtimeReader{fallback: fallback}
	for i, n := range [...]string{mTotal, mReleased, mLimit, mAllocBytes} {
		r.samples[i].Name = n
	}
	return r
}

// Read never returns an error; metrics the runtime does not support read as
// zero.
func (r *runtimeReader) Read() (Sample, error) {
	r.mu.Lock()
	metrics.Read(r.samples[:])
	var v [len(r.samples)]uint64
	for i := range r.samples {
		if r.samples[i].Value.Kind() == metrics.KindUint64 {
			v[i] = r.samples[i].Value.Uint64()
		}
	}
	r.mu.Unlock()
	s := Sample{Allocated: v[3], Limit: r.fallback}
	if v[0] > v[1] {
		s.Total = v[0] - v[1]
	}
	if softLimitSet(v[2]) {
		s.Limit = v[2]
	}
	return s, nil
}

// softLimitSet reports whether v, a reading of /gc/gomemlimit:bytes, is a
// limit: the runtime reports math.MaxInt64 when GOMEMLIMIT is unset.
func softLimitSet(v uint64) bool { return v != 0 && v < math.MaxInt64 }

// cgroupLimit is the container's memory limit, read once by [New] with
// automemlimit's memlimit.FromCgroup (cgroup v2 memory.max, the most
// restrictive along the hierarchy, or v1's limit). It is a variable so that
// tests can replace it.
var cgroupLimit = memlimit.FromCgroup

// Package heappeak measures the peak Go heap while something runs, for
// benchmarks and the demo.
//
// It samples /memory/classes/heap/objects:bytes (live and not yet swept
// heap objects, the runtime/metrics equivalent of MemStats.HeapAlloc, read
// without stopping the world) every millisecond from one goroutine.
// Sampling can miss a spike shorter than a millisecond; for streams whose
// memory is flat that does not matter, and the naive loads it is compared
// against grow for seconds.
package heappeak

import (
	"runtime"
	"runtime/metrics"
	"time"
)

const metric = "/memory/classes/heap/objects:bytes"

// A Sampler records the highest heap seen between Start and Stop.
type Sampler struct {
	quit chan struct{}
	done chan uint64
}

// Start runs a GC, so that garbage from earlier work does not count, then
// starts sampling.
func Start() *Sampler {
	runtime.GC()
	s := &Sampler{quit: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		sample := []metrics.Sample{{Name: metric}}
		var peak uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-s.quit:
				s.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peak in bytes, including one last
// sample taken now. Call it once.
func (s *Sampler) Stop() uint64 {
	close(s.quit)
	return max(<-s.done, Now())
}

// Now returns the heap's current size in bytes.
func Now() uint64 {
	sample := []metrics.Sample{{Name: metric}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// MiB converts bytes to mebibytes.
func MiB(bytes uint64) float64 { return float64(bytes) / (1 << 20) }

// Allocs returns the number of heap objects and bytes allocated since the
// program started (/gc/heap/allocs:objects and :bytes); the difference of
// two readings is what ran between them allocated, on every goroutine.
func Allocs() (objects, bytes uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

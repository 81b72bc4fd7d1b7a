package gsync

import (
	"runtime/metrics"
	"sync"
)

// Peak records the highest Go memory of the process seen by its samples:
// memory the runtime has mapped and not released, what GOMEMLIMIT limits
// and memguard's breaker reads, read through runtime/metrics without
// stopping the world. A sync samples it before and after each page for
// its Report. Safe for concurrent use.
type Peak struct {
	mu      sync.Mutex
	samples [2]metrics.Sample
	max     uint64
}

// NewPeak returns a Peak holding one sample taken now.
func NewPeak() *Peak {
	p := &Peak{}
	p.samples[0].Name = "/memory/classes/total:bytes"
	p.samples[1].Name = "/memory/classes/heap/released:bytes"
	p.Sample()
	return p
}

// Sample reads the process's memory now and returns the highest reading
// so far, in bytes.
func (p *Peak) Sample() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	metrics.Read(p.samples[:])
	var total, released uint64
	if p.samples[0].Value.Kind() == metrics.KindUint64 {
		total = p.samples[0].Value.Uint64()
	}
	if p.samples[1].Value.Kind() == metrics.KindUint64 {
		released = p.samples[1].Value.Uint64()
	}
	if total > released {
		p.max = max(p.max, total-released)
	}
	return p.max
}

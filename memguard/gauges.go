package memguard

import (
	"errors"
	"fmt"
)

// Gauges are process memory figures a host can publish periodically (see
// memguardotel.RegisterGauges): the Go equivalents of heap-used bytes, heap
// percent and RSS.
type Gauges struct {
	// HeapInUse is Sample.HeapObjects: heap bytes in objects, live or not
	// yet swept.
	HeapInUse uint64
	// HeapLive is the heap marked live by the last GC.
	HeapLive uint64
	// Total is Sample.Total: memory mapped by the Go runtime and not
	// released (what GOMEMLIMIT limits; closest to RSS the runtime knows).
	Total uint64
	// Limit is the limit in bytes, 0 if none.
	Limit uint64
	// LimitFraction is Total/Limit, 0 without a limit.
	LimitFraction float64
	// GCCycles is the number of completed GC cycles.
	GCCycles uint64
}

// ReadGauges reads r once and derives the gauges. It returns r's error
// wrapped, or an error if r is nil.
func ReadGauges(r Reader) (Gauges, error) {
	if r == nil {
		return Gauges{}, errors.New("memguard: ReadGauges: nil Reader")
	}
	s, err := r.Read()
	if err != nil {
		return Gauges{}, fmt.Errorf("memguard: ReadGauges: %w", err)
	}
	g := Gauges{HeapInUse: s.HeapObjects, HeapLive: s.HeapLive, Total: s.Total, Limit: s.Limit, GCCycles: s.GCCycles}
	if s.Limit > 0 {
		g.LimitFraction = float64(s.Total) / float64(s.Limit)
	}
	return g, nil
}

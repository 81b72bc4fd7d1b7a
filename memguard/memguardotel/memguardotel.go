// Package memguardotel records memguard measurements with OpenTelemetry
// metrics (go.opentelemetry.io/otel/metric).
//
// It is a Go module of its own (github.com/kithhq/kith/memguard/memguardotel),
// so that a host that does not import it compiles no OpenTelemetry through
// memguard (kith's Google syncs do compile OpenTelemetry's API packages,
// which Google's API client instruments its HTTP calls with, and kith's
// module graph lists OpenTelemetry's SDK through gax-go's tests; no kith
// package compiles the SDK). Its go.mod replaces github.com/kithhq/kith with ../.. so that it is
// developed and tested against the kith beside it; a replace directive is
// ignored in a host's build, where the required kith version applies.
//
// Wiring, given a metric.MeterProvider mp from the host's OTel SDK setup:
//
//	meter := mp.Meter("github.com/kithhq/kith/memguard")
//	rec, err := memguardotel.NewRecorder(meter)
//	if err != nil { ... }
//	mon := memguard.NewMonitor(memguard.MonitorConfig{Recorder: rec, Logger: logger})
//	reg, err := memguardotel.RegisterBreaker(meter, "sync", breaker)
//	defer reg.Unregister()
//
// Instruments (all prefixed kith.memguard.):
//
//	op.duration        histogram, s   attributes op, outcome
//	op.process_peak    histogram, By  process-wide, not attributable
//	breaker.level      gauge          0 normal, 1 soft, 2 hard; attribute breaker
//
// Process memory gauges (memory used, limit, heap) are not here: use
// go.opentelemetry.io/contrib/instrumentation/runtime, whose go.memory.used
// and go.memory.limit are the quantities a memguard breaker compares.
package memguardotel

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/kithhq/kith/memguard"
)

const prefix = "kith.memguard."

// Recorder is a memguard.Recorder backed by OpenTelemetry instruments. It
// is safe for concurrent use.
type Recorder struct {
	duration    metric.Float64Histogram
	processPeak metric.Int64Histogram
}

var _ memguard.Recorder = (*Recorder)(nil)

// Bucket boundaries of the two histograms. OpenTelemetry's default
// boundaries (0, 5, 10, ... 10000) suit milliseconds: in seconds every
// operation under 5 s would share one bucket, and in bytes every peak would
// fall past the last. A view in the host's MeterProvider still overrides
// them.
var (
	// durationBuckets: 10 ms to 1 h, in seconds, about three per decade.
	durationBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 3600}
	// peakBuckets: 8 MiB to 16 GiB, in bytes, doubling.
	peakBuckets = func() []float64 {
		var b []float64
		for v := float64(8 << 20); v <= 16<<30; v *= 2 {
			b = append(b, v)
		}
		return b
	}()
)

// NewRecorder creates the instruments on meter. It returns the joined
// instrument-creation errors, if any.
func NewRecorder(meter metric.Meter) (*Recorder, error) {
	if meter == nil {
		return nil, errors.New("memguardotel: NewRecorder: nil meter")
	}
	var r Recorder
	var err1, err2 error
	r.duration, err1 = meter.Float64Histogram(prefix+"op.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of operations run through memguard.Monitor."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	r.processPeak, err2 = meter.Int64Histogram(prefix+"op.process_peak", metric.WithUnit("By"),
		metric.WithDescription("Process-wide Go runtime memory peak sampled during an operation; includes concurrent operations."),
		metric.WithExplicitBucketBoundaries(peakBuckets...))
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("memguardotel: %w", err)
	}
	return &r, nil
}

// RecordOp implements memguard.Recorder.
func (r *Recorder) RecordOp(ctx context.Context, rec memguard.OpRecord) {
	attrs := metric.WithAttributes(attribute.String("op", rec.Name), attribute.String("outcome", string(rec.Outcome)))
	r.duration.Record(ctx, rec.Duration.Seconds(), attrs)
	r.processPeak.Record(ctx, clamp(rec.ProcessPeak), attrs)
}

func clamp(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

// RegisterBreaker registers an observable gauge of b's level, with
// attribute breaker=name. Each collection calls b.Level, which for a
// memguard.MemoryBreaker reads memory at most once per sample interval.
// Call Unregister on the result to stop.
func RegisterBreaker(meter metric.Meter, name string, b memguard.Breaker) (metric.Registration, error) {
	if meter == nil || b == nil {
		return nil, errors.New("memguardotel: RegisterBreaker: nil meter or breaker")
	}
	level, err := meter.Int64ObservableGauge(prefix+"breaker.level",
		metric.WithDescription("Breaker pressure level: 0 normal, 1 soft, 2 hard."))
	if err != nil {
		return nil, fmt.Errorf("memguardotel: %w", err)
	}
	attrs := metric.WithAttributes(attribute.String("breaker", name))
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(level, int64(b.Level()), attrs)
		return nil
	}, level)
}

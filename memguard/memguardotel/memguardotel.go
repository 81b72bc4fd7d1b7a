// Package memguardotel records memguard measurements with OpenTelemetry
// metrics (go.opentelemetry.io/otel/metric). It is a separate package so
// that memguard itself depends only on the standard library.
//
// Wiring, given a metric.MeterProvider mp from the host's OTel SDK setup:
//
//	meter := mp.Meter("github.com/kithhq/kith/memguard")
//	rec, err := memguardotel.NewRecorder(meter)
//	if err != nil { ... }
//	mon := memguard.NewMonitor(memguard.MonitorConfig{Recorder: rec, Logger: logger})
//	leaks, _ := memguard.NewLeakDetector(memguard.LeakConfig{Recorder: rec})
//	reg, err := memguardotel.RegisterGauges(meter, memguard.NewRuntimeReader(0))
//	defer reg.Unregister()
//	reg2, err := memguardotel.RegisterBreaker(meter, "sync", breaker)
//	defer reg2.Unregister()
//
// Instruments (all prefixed kith.memguard.):
//
//	op.duration        histogram, s   attributes op, outcome
//	op.process_peak    histogram, By  process-wide, not attributable
//	op.account_peak    histogram, By  exact, from the op's Account
//	op.leftover        counter,   By  bytes still accounted at op end
//	leak.suspected     counter        LeakDetector reports
//	leak.growth        counter,   By  growth reported by the LeakDetector
//	heap.in_use        gauge,     By  Sample.HeapObjects
//	heap.live          gauge,     By  Sample.HeapLive
//	memory.used        gauge,     By  Sample.Total (what GOMEMLIMIT limits)
//	memory.limit       gauge,     By  0 if none
//	memory.limit_fraction gauge       used / limit
//	breaker.level      gauge          0 normal, 1 soft, 2 hard; attribute breaker
//	breaker.in_use     gauge,     By  the breaker's last measure
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
	accountPeak metric.Int64Histogram
	leftover    metric.Int64Counter
	leaks       metric.Int64Counter
	leakGrowth  metric.Int64Counter
}

var _ memguard.Recorder = (*Recorder)(nil)

// NewRecorder creates the instruments on meter. It returns the joined
// instrument-creation errors, if any.
func NewRecorder(meter metric.Meter) (*Recorder, error) {
	if meter == nil {
		return nil, errors.New("memguard: memguardotel.NewRecorder: nil meter")
	}
	var r Recorder
	var errs [6]error
	r.duration, errs[0] = meter.Float64Histogram(prefix+"op.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of operations run through memguard.Monitor."))
	r.processPeak, errs[1] = meter.Int64Histogram(prefix+"op.process_peak", metric.WithUnit("By"),
		metric.WithDescription("Process-wide Go runtime memory peak sampled during an operation; includes concurrent operations."))
	r.accountPeak, errs[2] = meter.Int64Histogram(prefix+"op.account_peak", metric.WithUnit("By"),
		metric.WithDescription("High-water mark of an operation's explicit memory account."))
	r.leftover, errs[3] = meter.Int64Counter(prefix+"op.leftover", metric.WithUnit("By"),
		metric.WithDescription("Bytes still held in an operation's account when it finished."))
	r.leaks, errs[4] = meter.Int64Counter(prefix+"leak.suspected",
		metric.WithDescription("Sustained live-heap growth reports from memguard.LeakDetector."))
	r.leakGrowth, errs[5] = meter.Int64Counter(prefix+"leak.growth", metric.WithUnit("By"),
		metric.WithDescription("Live-heap growth reported by memguard.LeakDetector."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("memguard: memguardotel: %w", err)
	}
	return &r, nil
}

// RecordOp implements memguard.Recorder.
func (r *Recorder) RecordOp(ctx context.Context, rec memguard.OpRecord) {
	attrs := metric.WithAttributes(attribute.String("op", rec.Name), attribute.String("outcome", string(rec.Outcome)))
	r.duration.Record(ctx, rec.Duration.Seconds(), attrs)
	r.processPeak.Record(ctx, clamp(rec.ProcessPeak), attrs)
	r.accountPeak.Record(ctx, rec.AccountPeak, attrs)
	if rec.Leftover != 0 {
		r.leftover.Add(ctx, rec.Leftover, attrs)
	}
}

// RecordLeak implements memguard.Recorder.
func (r *Recorder) RecordLeak(ctx context.Context, rep memguard.LeakReport) {
	r.leaks.Add(ctx, 1)
	r.leakGrowth.Add(ctx, clamp(rep.Growth))
}

func clamp(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}

// RegisterGauges registers observable gauges that read reader once per
// collection (heap in use, live heap, runtime memory used, limit, and the
// fraction of the limit). Call Unregister on the result to stop.
func RegisterGauges(meter metric.Meter, reader memguard.Reader) (metric.Registration, error) {
	if meter == nil || reader == nil {
		return nil, errors.New("memguard: memguardotel.RegisterGauges: nil meter or reader")
	}
	var errs [5]error
	var heap, live, used, limit metric.Int64ObservableGauge
	var frac metric.Float64ObservableGauge
	heap, errs[0] = meter.Int64ObservableGauge(prefix+"heap.in_use", metric.WithUnit("By"),
		metric.WithDescription("Heap bytes in objects, live or not yet swept."))
	live, errs[1] = meter.Int64ObservableGauge(prefix+"heap.live", metric.WithUnit("By"),
		metric.WithDescription("Heap bytes marked live by the last GC."))
	used, errs[2] = meter.Int64ObservableGauge(prefix+"memory.used", metric.WithUnit("By"),
		metric.WithDescription("Memory mapped by the Go runtime and not released (what GOMEMLIMIT limits)."))
	limit, errs[3] = meter.Int64ObservableGauge(prefix+"memory.limit", metric.WithUnit("By"),
		metric.WithDescription("Memory limit in effect; 0 if none."))
	frac, errs[4] = meter.Float64ObservableGauge(prefix+"memory.limit_fraction",
		metric.WithDescription("memory.used / memory.limit; 0 without a limit."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("memguard: memguardotel: %w", err)
	}
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		g, err := memguard.ReadGauges(reader)
		if err != nil {
			return err
		}
		o.ObserveInt64(heap, clamp(g.HeapInUse))
		o.ObserveInt64(live, clamp(g.HeapLive))
		o.ObserveInt64(used, clamp(g.Total))
		o.ObserveInt64(limit, clamp(g.Limit))
		o.ObserveFloat64(frac, g.LimitFraction)
		return nil
	}, heap, live, used, limit, frac)
}

// RegisterBreaker registers observable gauges for b's level and last
// measured bytes, with attribute breaker=name. Reading them does not sample
// memory (it uses b.Status).
func RegisterBreaker(meter metric.Meter, name string, b *memguard.MemoryBreaker) (metric.Registration, error) {
	if meter == nil || b == nil {
		return nil, errors.New("memguard: memguardotel.RegisterBreaker: nil meter or breaker")
	}
	level, err1 := meter.Int64ObservableGauge(prefix+"breaker.level",
		metric.WithDescription("Breaker pressure level: 0 normal, 1 soft, 2 hard."))
	inUse, err2 := meter.Int64ObservableGauge(prefix+"breaker.in_use", metric.WithUnit("By"),
		metric.WithDescription("Bytes the breaker last measured."))
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("memguard: memguardotel: %w", err)
	}
	attrs := metric.WithAttributes(attribute.String("breaker", name))
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := b.Status()
		o.ObserveInt64(level, int64(st.State.Level()), attrs)
		o.ObserveInt64(inUse, clamp(st.InUse), attrs)
		return nil
	}, level, inUse)
}

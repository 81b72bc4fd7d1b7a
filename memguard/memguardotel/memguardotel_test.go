package memguardotel_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardotel"
	"github.com/kithhq/kith/memguard/memguardtest"
)

// fakeMeter records what instruments receive, keyed by instrument name.
type fakeMeter struct {
	noop.Meter
	mu      sync.Mutex
	got     map[string]float64
	cbs     []metric.Callback
	buckets map[string][]float64 // explicit bucket boundaries per histogram
}

func (m *fakeMeter) add(name string, v float64) {
	m.mu.Lock()
	m.got[name] += v
	m.mu.Unlock()
}

type i64 struct {
	noop.Int64Histogram
	m    *fakeMeter
	name string
}

func (h i64) Record(_ context.Context, v int64, _ ...metric.RecordOption) {
	h.m.add(h.name, float64(v))
}

type f64 struct {
	noop.Float64Histogram
	m    *fakeMeter
	name string
}

func (h f64) Record(_ context.Context, v float64, _ ...metric.RecordOption) { h.m.add(h.name, v) }

type ig struct {
	noop.Int64ObservableGauge
	name string
}

func (m *fakeMeter) Int64Histogram(n string, opts ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	m.buckets[n] = metric.NewInt64HistogramConfig(opts...).ExplicitBucketBoundaries()
	return i64{m: m, name: n}, nil
}
func (m *fakeMeter) Float64Histogram(n string, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	m.buckets[n] = metric.NewFloat64HistogramConfig(opts...).ExplicitBucketBoundaries()
	return f64{m: m, name: n}, nil
}
func (m *fakeMeter) Int64ObservableGauge(n string, _ ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	return ig{name: n}, nil
}
func (m *fakeMeter) RegisterCallback(cb metric.Callback, _ ...metric.Observable) (metric.Registration, error) {
	m.cbs = append(m.cbs, cb)
	return noop.Registration{}, nil
}

type observer struct {
	noop.Observer
	m *fakeMeter
}

func (o observer) ObserveInt64(obs metric.Int64Observable, v int64, _ ...metric.ObserveOption) {
	o.m.add(obs.(ig).name, float64(v))
}

func (m *fakeMeter) collect(t *testing.T) {
	for _, cb := range m.cbs {
		if err := cb(context.Background(), observer{m: m}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecorderAndBreaker(t *testing.T) {
	m := &fakeMeter{got: map[string]float64{}, buckets: map[string][]float64{}}
	rec, err := memguardotel.NewRecorder(m)
	if err != nil {
		t.Fatal(err)
	}
	// OpenTelemetry's default boundaries are for milliseconds: seconds and
	// bytes need their own, spanning what operations take and peak at.
	for name, span := range map[string][2]float64{
		"kith.memguard.op.duration":     {0.01, 3600},
		"kith.memguard.op.process_peak": {8 << 20, 16 << 30},
	} {
		b := m.buckets[name]
		if len(b) < 10 || b[0] != span[0] || b[len(b)-1] != span[1] {
			t.Errorf("%s buckets %v, want about a dozen from %g to %g", name, b, span[0], span[1])
		}
	}
	rec.RecordOp(context.Background(), memguard.OpRecord{Name: "x", Outcome: memguard.OutcomeOK,
		Duration: 2 * time.Second, ProcessPeak: 300})
	b, _ := memguard.New(memguard.Config{Reader: memguardtest.NewReader(memguardtest.Mem(950, 1000))})
	if _, err := memguardotel.RegisterBreaker(m, "main", b); err != nil {
		t.Fatal(err)
	}
	m.collect(t)
	want := map[string]float64{
		"kith.memguard.op.duration": 2, "kith.memguard.op.process_peak": 300, "kith.memguard.breaker.level": 2,
	}
	for k, v := range want {
		if m.got[k] != v {
			t.Errorf("%s = %v, want %v", k, m.got[k], v)
		}
	}
	if len(m.got) != len(want) {
		t.Errorf("recorded %v, want only %v", m.got, want)
	}
	if _, err := memguardotel.NewRecorder(nil); err == nil {
		t.Error("nil meter accepted")
	}
	if _, err := memguardotel.RegisterBreaker(m, "x", nil); err == nil {
		t.Error("nil breaker accepted")
	}
}

// With the no-op provider everything works and nothing is exported.
func ExampleNewRecorder() {
	meter := noop.NewMeterProvider().Meter("github.com/kithhq/kith/memguard")
	rec, err := memguardotel.NewRecorder(meter)
	if err != nil {
		panic(err)
	}
	mon := memguard.NewMonitor(memguard.MonitorConfig{Recorder: rec, Reader: memguardtest.NewReader()})
	err = mon.Wrap(context.Background(), "noop", func(context.Context) error { return nil })
	fmt.Println(err == nil)
	// Output: true
}

package memguard_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/memguard/memguardtest"
)

func TestMonitorWrap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := memguardtest.NewReader(memguard.Sample{Total: 100, Allocated: 1000})
		rec := &memguardtest.Recorder{}
		var logs bytes.Buffer
		m := memguard.NewMonitor(memguard.MonitorConfig{
			Recorder: rec, Reader: r, SampleInterval: time.Second,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		err := m.Wrap(t.Context(), "import", func(ctx context.Context) error {
			r.Set(memguard.Sample{Total: 900, Allocated: 5000}) // process peak while running
			<-time.After(1500 * time.Millisecond)               // one sampler tick (virtual time)
			r.Set(memguard.Sample{Total: 300, Allocated: 8000})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ops := rec.Ops()
		if len(ops) != 1 {
			t.Fatalf("%d records", len(ops))
		}
		o := ops[0]
		if o.Name != "import" || o.Outcome != memguard.OutcomeOK || o.Duration != 1500*time.Millisecond ||
			o.ProcessStart != 100 || o.ProcessPeak != 900 || o.ProcessEnd != 300 || o.Allocated != 7000 {
			t.Fatalf("record %+v", o)
		}
		if l := logs.String(); !strings.Contains(l, "level=INFO") || !strings.Contains(l, "op=import") ||
			!strings.Contains(l, "duration=1.5s") || !strings.Contains(l, "process_peak_bytes=900") {
			t.Fatalf("log %q", l)
		}

		// Outcomes.
		_ = m.Wrap(t.Context(), "refused", func(context.Context) error { return memguard.ErrMemoryPressure })
		_ = m.Wrap(t.Context(), "failed", func(context.Context) error { return errors.New("x") })
		_ = m.Wrap(t.Context(), "canceled", func(context.Context) error { return context.Canceled })
		func() {
			defer func() { _ = recover() }()
			_ = m.Wrap(t.Context(), "panics", func(context.Context) error { panic("boom") })
		}()
		want := []memguard.Outcome{memguard.OutcomeRefused, memguard.OutcomeError, memguard.OutcomeCanceled, memguard.OutcomePanic}
		for i, o := range rec.Ops()[1:] {
			if o.Outcome != want[i] {
				t.Errorf("op %s: outcome %s, want %s", o.Name, o.Outcome, want[i])
			}
		}
		if n := strings.Count(logs.String(), "level=WARN"); n != len(want) {
			t.Errorf("%d warnings for %d failed operations", n, len(want))
		}
		// The sampler goroutine exits after the last op; synctest.Test
		// fails if it does not.
	})
}

func TestMonitorNilAndZero(t *testing.T) {
	var m *memguard.Monitor
	called := false
	if err := m.Wrap(context.Background(), "x", func(context.Context) error { called = true; return nil }); err != nil || !called {
		t.Fatal("nil monitor")
	}
	z := memguard.NewMonitor(memguard.MonitorConfig{})
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	if n := testing.AllocsPerRun(100, func() { _ = z.Wrap(ctx, "x", fn) }); n != 0 {
		t.Fatalf("zero-config Wrap allocates %v times", n)
	}
}

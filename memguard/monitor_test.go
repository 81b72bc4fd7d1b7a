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
		budget, _ := memguard.NewBudget("ops", 0)
		m := memguard.NewMonitor(memguard.MonitorConfig{
			Recorder: rec, Reader: r, SampleInterval: time.Second, Budget: budget,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		err := m.Wrap(t.Context(), "import", func(ctx context.Context) error {
			acc := memguard.AccountFrom(ctx)
			if err := acc.Grow(ctx, 500); err != nil {
				return err
			}
			r.Set(memguard.Sample{Total: 900, Allocated: 5000}) // process peak while running
			<-time.After(1500 * time.Millisecond)               // one sampler tick (virtual time)
			acc.Shrink(400)                                     // 100 bytes leak
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
			o.ProcessStart != 100 || o.ProcessPeak != 900 || o.ProcessEnd != 300 || o.Allocated != 7000 ||
			o.AccountPeak != 500 || o.Leftover != 100 {
			t.Fatalf("record %+v", o)
		}
		if budget.Used() != 0 {
			t.Fatalf("leftover not returned to budget: %d", budget.Used())
		}
		if !strings.Contains(logs.String(), "leftover_bytes=100") {
			t.Fatalf("log %q", logs.String())
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
		// The sampler goroutine exits after the last op; synctest.Test
		// fails if it does not.
	})
}

func TestMonitorStartFinish(t *testing.T) {
	r := memguardtest.NewReader(memguard.Sample{Total: 10})
	clk := memguardtest.NewClock()
	m := memguard.NewMonitor(memguard.MonitorConfig{Reader: r, Recorder: &memguardtest.Recorder{}, SampleInterval: -1, Now: clk.Now})
	op := m.Start(context.Background(), "stream")
	_ = op.Account().Grow(context.Background(), 64)
	clk.Advance(time.Second)
	rec := op.Finish(context.Background(), nil)
	if rec.Duration != time.Second || rec.Leftover != 64 || rec.AccountPeak != 64 {
		t.Fatalf("%+v", rec)
	}
	if again := op.Finish(context.Background(), nil); again.Name != "" {
		t.Fatal("second Finish recorded")
	}
	var nilOp *memguard.Op
	if nilOp.Finish(context.Background(), nil).Name != "" || nilOp.Account() != nil {
		t.Fatal("nil op")
	}
}

func TestMonitorNilAndZero(t *testing.T) {
	var m *memguard.Monitor
	called := false
	if err := m.Wrap(context.Background(), "x", func(context.Context) error { called = true; return nil }); err != nil || !called {
		t.Fatal("nil monitor")
	}
	if m.Start(context.Background(), "x") != nil {
		t.Fatal("nil monitor Start")
	}
	z := memguard.NewMonitor(memguard.MonitorConfig{})
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	if n := testing.AllocsPerRun(100, func() { _ = z.Wrap(ctx, "x", fn) }); n != 0 {
		t.Fatalf("zero-config Wrap allocates %v times", n)
	}
}

func TestReadGauges(t *testing.T) {
	g, err := memguard.ReadGauges(memguardtest.NewReader(memguard.Sample{Total: 250, HeapObjects: 200, HeapLive: 150, Limit: 1000, GCCycles: 3}))
	if err != nil || g.LimitFraction != 0.25 || g.HeapInUse != 200 || g.Total != 250 || g.HeapLive != 150 {
		t.Fatalf("%+v %v", g, err)
	}
	if _, err := memguard.ReadGauges(nil); err == nil {
		t.Fatal("nil reader")
	}
	g, err = memguard.ReadGauges(memguard.NewRuntimeReader(0))
	if err != nil || g.Total == 0 || g.HeapInUse == 0 {
		t.Fatalf("runtime gauges %+v %v", g, err)
	}
}

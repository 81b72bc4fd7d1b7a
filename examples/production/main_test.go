package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer the test reads after run returned.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	return string(b)
}

// The program runs one round of every pipeline through River and serves,
// on loopback, Prometheus metrics of the breaker, the monitor (every
// pipeline's operations), the jobs of each pipeline and the syncs' errors
// (one user revoked the grant: both syncs count it, their jobs are
// cancelled), and pprof.
func TestMetricsAndProfiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan struct{})
	errc := make(chan error, 1)
	var out syncBuffer
	go func() {
		errc <- run(ctx, options{users: 3, revoked: 1, people: 60, events: 40, workers: 4, addr: "127.0.0.1:0"}, &out,
			hooks{ready: func(a string) { ready <- a }, roundDone: func() { close(done) }})
	}()
	deadline := time.NewTimer(5 * time.Minute)
	defer deadline.Stop()
	var addr string
	select {
	case addr = <-ready:
	case err := <-errc:
		t.Fatalf("run ended before serving: %v", err)
	}
	if idx := get(t, "http://"+addr+"/debug/pprof/"); !strings.Contains(idx, "goroutine") {
		t.Errorf("pprof index without profiles:\n%s", idx)
	}
	select {
	case <-done:
	case err := <-errc:
		t.Fatalf("run ended before the round: %v\n%s", err, out.String())
	case <-deadline.C:
		t.Fatalf("no round after 5 minutes:\n%s", out.String())
	}
	body := get(t, "http://"+addr+"/metrics")
	var kith []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "kith_") || strings.HasPrefix(sc.Text(), "process_resident_memory_bytes") {
			kith = append(kith, sc.Text())
		}
	}
	for _, want := range []struct{ name, label string }{
		{"kith_memguard_op_duration_seconds_bucket", `op="googlesync.sync"`},
		{"kith_memguard_op_duration_seconds_bucket", `op="calendar.sync_user"`},
		{"kith_memguard_op_duration_seconds_bucket", `op="suggest.generate"`},
		{"kith_memguard_op_process_peak_bytes_bucket", `op="suggest.generate"`},
		{"kith_memguard_breaker_level", `breaker="kith"`},
		{"kith_memguard_breaker_transitions_total", `to="hard"`},
		{"kith_jobs_duration_seconds_bucket", `pipeline="contacts_sync"`},
		{"kith_jobs_duration_seconds_bucket", `pipeline="calendar_sync"`},
		{"kith_jobs_duration_seconds_bucket", `pipeline="suggest"`},
		{"kith_jobs_duration_seconds_count", `outcome="completed"`},
		{"kith_sync_errors_total", `class="revoked",pipeline="contacts_sync"} 1`},
		{"kith_sync_errors_total", `class="revoked",pipeline="calendar_sync"} 1`},
		{"kith_sync_errors_total", `class="rate_limited",pipeline="contacts_sync"} 0`},
		{"kith_jobs_duration_seconds_count", `outcome="cancelled",pipeline="contacts_sync"} 1`},
		{"process_resident_memory_bytes", ""},
	} {
		found := false
		for _, l := range kith {
			if strings.HasPrefix(l, want.name) && strings.Contains(l, want.label) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no %s{%s} in /metrics", want.name, want.label)
		}
	}
	if t.Failed() {
		t.Logf("kith's metrics:\n%s", strings.Join(kith, "\n"))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run: %v", err)
	}
	if o := out.String(); !strings.Contains(o, "round done") || !strings.Contains(o, "7 jobs completed, 2 cancelled") {
		t.Errorf("output:\n%s", o)
	}
}

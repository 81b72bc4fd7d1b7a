package memguard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/kithhq/kith/memguard"
)

const (
	childEnv   = "MEMGUARD_CHILD"
	childLimit = 64 << 20 // GOMEMLIMIT of the child
	chunk      = 256 << 10
	// margin is how far past the limit the child's runtime memory may go
	// (Sample.Total, the quantity GOMEMLIMIT limits) before the breaker
	// refuses: 5% of the limit.
	marginPct = 5
)

// TestChildProcessLimit runs the test binary again with GOMEMLIMIT=64MiB.
// The child allocates and retains 256 KiB per step, guarded by a default
// breaker (limit from GOMEMLIMIT, hard level 90%), until the breaker
// refuses. The parent checks that the child exited cleanly, that the breaker
// tripped, and that the child's runtime memory never went more than 5% past
// the limit.
func TestChildProcessLimit(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		childMain()
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestChildProcessLimit$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", fmt.Sprintf("GOMEMLIMIT=%d", childLimit), "GOGC=100")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	var limit, peak, trippedAt, retained, steps uint64
	var line string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "RESULT ") {
			line = l
		}
	}
	if _, err := fmt.Sscanf(line, "RESULT limit=%d peak=%d tripped_total=%d retained=%d steps=%d",
		&limit, &peak, &trippedAt, &retained, &steps); err != nil {
		t.Fatalf("no result (%v) in child output:\n%s", err, out)
	}
	t.Logf("limit %d MiB, peak %.1f MiB (%.1f%%), tripped at %.1f MiB total with %.1f MiB retained after %d steps, %v",
		limit>>20, float64(peak)/(1<<20), 100*float64(peak)/float64(limit), float64(trippedAt)/(1<<20),
		float64(retained)/(1<<20), steps, time.Since(start).Round(time.Millisecond))
	if limit != childLimit {
		t.Fatalf("child limit %d", limit)
	}
	if peak > limit+limit*marginPct/100 {
		t.Fatalf("peak %d exceeds limit %d by more than %d%%", peak, limit, marginPct)
	}
}

func childMain() {
	b, err := memguard.New(memguard.Config{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	var held [][]byte
	var peak uint64
	for step := uint64(1); ; step++ {
		peak = max(peak, runtimeTotal())
		err := b.Check(context.Background())
		var pe *memguard.PressureError
		if errors.As(err, &pe) {
			fmt.Printf("RESULT limit=%d peak=%d tripped_total=%d retained=%d steps=%d\n",
				pe.Limit, peak, pe.InUse, uint64(len(held))*chunk, step)
			return
		}
		if uint64(len(held))*chunk > 4*childLimit {
			fmt.Println("ERROR breaker never refused")
			os.Exit(3)
		}
		buf := make([]byte, chunk)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		held = append(held, buf)
	}
}

// runtimeTotal is Sample.Total, read independently of the breaker.
func runtimeTotal() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

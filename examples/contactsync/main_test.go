package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// The default demo runs against the fake and shows the three syncs.
func TestRunFake(t *testing.T) {
	var out bytes.Buffer
	if err := runFake(context.Background(), kithtest.DB(t), &out, options{people: 450, pageSize: 100}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1. full sync (full,", "pages 5, people 450", "inserted 450,",
		"2. incremental sync (incremental,", "merged 1 (+1 folded)",
		"3. sync after the token expired (full,", "token expired true", "by the full pass's reconcile",
		"status: last success", "client cache: 2 hits, 1 misses",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

package suggest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
)

// A Generator on a database never migrated fails with kith.ErrNotMigrated,
// whether its first call begins a transaction (Generate) or not (Pending).
func TestGeneratorNotMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, call := range map[string]func(g *Generator) error{
		"Generate": func(g *Generator) error { _, err := g.Generate(ctx, uuid.New(), time.UTC); return err },
		"Pending":  func(g *Generator) error { _, err := g.Pending(ctx, uuid.New(), time.UTC); return err },
		"Accept":   func(g *Generator) error { return g.Accept(ctx, uuid.New(), uuid.New()) },
	} {
		g, err := New(kithtest.EmptyDB(t), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := call(g); !errors.Is(err, kith.ErrNotMigrated) {
			t.Errorf("%s: %v, want kith.ErrNotMigrated", name, err)
		}
	}
}

package contactsio_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m, func(ctx context.Context, db *sqlx.DB) error { return kith.Migrate(ctx, db, kith.MigrateOptions{}) })
}

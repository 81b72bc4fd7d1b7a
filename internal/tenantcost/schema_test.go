package tenantcost_test

import (
	"context"
	"testing"

	"github.com/kithhq/kith/kithtest"
)

// Every table of kith's schema with a user_id column has an index leading
// with it, and every foreign key has a full (not partial) index on the
// referencing table whose leading columns are the key's columns, user_id
// first: a cascade or a check of the key is a look-up, never a scan of all
// tenants. A later migration that adds a table or a key without one fails
// here.
func TestEveryKeyHasAUserLeadingIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	var bad []struct {
		Kind, Name, Table string
	}
	err := db.SelectContext(ctx, &bad, `
		WITH idx AS (
		    SELECT i.indrelid, (i.indkey::int2[])[0:] AS cols, i.indpred IS NULL AS full_index
		    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
		    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'kith'
		), uid AS (
		    SELECT a.attrelid, a.attnum FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid
		    JOIN pg_namespace n ON n.oid = t.relnamespace
		    WHERE n.nspname = 'kith' AND t.relkind = 'r' AND a.attname = 'user_id' AND NOT a.attisdropped
		)
		SELECT 'table' AS kind, u.attrelid::regclass::text AS name, u.attrelid::regclass::text AS table
		FROM uid u
		WHERE NOT EXISTS (SELECT 1 FROM idx WHERE idx.indrelid = u.attrelid AND idx.cols[1] = u.attnum AND idx.full_index)
		UNION ALL
		SELECT 'foreign key', c.conname, c.conrelid::regclass::text
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = 'kith' AND c.contype = 'f' AND NOT EXISTS (
		    SELECT 1 FROM idx JOIN uid ON uid.attrelid = idx.indrelid
		    WHERE idx.indrelid = c.conrelid AND idx.full_index AND idx.cols[1] = uid.attnum
		      AND idx.cols[1:cardinality(c.conkey)] @> c.conkey AND idx.cols[1:cardinality(c.conkey)] <@ c.conkey)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s %s (on %s) has no full index leading with user_id", b.Kind, b.Name, b.Table)
	}
	var keys int
	if err := db.GetContext(ctx, &keys, `SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = 'kith' AND c.contype = 'f'`); err != nil {
		t.Fatal(err)
	}
	if keys < 3 {
		t.Errorf("found %d foreign keys in kith's schema; the query above is looking in the wrong place", keys)
	}
}

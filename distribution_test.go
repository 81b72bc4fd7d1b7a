package kith_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith"
	"github.com/kithhq/kith/kithtest"
)

// What may stay without user_id in a distributed deployment, each with the
// reason. An entry here is a decision: a new table, key or sequence that is
// neither distributable by user_id nor listed fails
// TestEveryKeyIncludesTheUser.
var distributionExceptions = map[string]string{
	// Written only by Migrate and read by CheckSchema, never joined with
	// user data: on Citus it stays a local table on the coordinator (or a
	// reference table), so its key needs no distribution column.
	"table kith.schema_migrations": "schema version, one row per migration: a Citus local or reference table",
	// The ticket counter of generation runs and resolutions (002). It is
	// not a table, so Citus does not shard it; it is named here so that
	// whoever distributes kith reads the note in the README about it.
	"sequence kith.suggestion_seq": "run/resolution ticket counter: compared only within one user (README)",
}

// A distributionViolation is a kith object that stops its table from being
// hash-distributed on user_id (Citus: every primary key, unique constraint,
// unique index and foreign key must include the distribution column, and a
// foreign key between two distributed tables must pair user_id with
// user_id).
type distributionViolation struct {
	Object string `db:"object"` // "table kith.x", "primary key x on kith.y", ...
	Why    string `db:"why"`
}

// distributionViolations reads the catalog of schema kith. It reports every
// table without a user_id column, every primary key, unique or exclusion
// constraint and unique index whose columns do not include user_id, every
// foreign key that does not pair its user_id with the referenced table's
// user_id, and every sequence (which Citus does not shard).
func distributionViolations(ctx context.Context, t *testing.T, db *sqlx.DB) (bad []distributionViolation, checked int) {
	t.Helper()
	err := db.SelectContext(ctx, &bad, `
		WITH rel AS (
		    SELECT c.oid, c.relname, c.relkind,
		           (SELECT a.attnum FROM pg_attribute a
		             WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped) AS uid
		      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		     WHERE n.nspname = 'kith' AND c.relkind IN ('r', 'p', 'S')
		)
		SELECT 'table kith.' || r.relname AS object, 'has no user_id column' AS why
		  FROM rel r WHERE r.relkind IN ('r', 'p') AND r.uid IS NULL
		UNION ALL
		SELECT 'sequence kith.' || r.relname, 'a sequence is not distributed by user'
		  FROM rel r WHERE r.relkind = 'S'
		UNION ALL
		SELECT CASE k.contype WHEN 'p' THEN 'primary key ' WHEN 'u' THEN 'unique constraint '
		                      ELSE 'exclusion constraint ' END || k.conname || ' on kith.' || r.relname,
		       'its columns do not include user_id'
		  FROM pg_constraint k JOIN rel r ON r.oid = k.conrelid
		 WHERE k.contype IN ('p', 'u', 'x') AND r.uid IS NOT NULL AND NOT r.uid = ANY (k.conkey)
		UNION ALL
		SELECT 'unique index ' || i.indexrelid::regclass::text || ' on kith.' || r.relname,
		       'its columns do not include user_id'
		  FROM pg_index i JOIN rel r ON r.oid = i.indrelid
		 WHERE i.indisunique AND r.uid IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
		   AND NOT r.uid = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
		UNION ALL
		SELECT 'foreign key ' || k.conname || ' on kith.' || r.relname,
		       'does not pair user_id with the referenced table''s user_id'
		  FROM pg_constraint k JOIN rel r ON r.oid = k.conrelid
		  LEFT JOIN rel f ON f.oid = k.confrelid
		 WHERE k.contype = 'f' AND (r.uid IS NULL OR f.uid IS NULL
		       OR array_position(k.conkey, r.uid) IS NULL
		       OR array_position(k.conkey, r.uid) IS DISTINCT FROM array_position(k.confkey, f.uid))
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	// How many keys the query looked at, so a query that looks in the wrong
	// place cannot pass by finding nothing.
	if err := db.GetContext(ctx, &checked, `
		SELECT (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
		         WHERE n.nspname = 'kith' AND k.contype IN ('p', 'u', 'f', 'x'))
		     + (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
		          JOIN pg_namespace n ON n.oid = c.relnamespace
		         WHERE n.nspname = 'kith' AND i.indisunique
		           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid))`); err != nil {
		t.Fatal(err)
	}
	return bad, checked
}

// Past one database: kith's tables must be distributable by user on Citus
// (hash-distributed on user_id, all co-located). That needs user_id in
// every table, in every primary key, unique constraint and unique index,
// and on both sides of every foreign key, at the same position. This reads
// the catalog after Migrate and fails on anything else that is not listed
// in distributionExceptions; tables added by later migrations are held to
// it when they land.
func TestEveryKeyIncludesTheUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.EmptyDB(t)
	if err := kith.Migrate(ctx, db, kith.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	bad, checked := distributionViolations(ctx, t, db)
	seen := map[string]bool{}
	for _, b := range bad {
		if _, ok := distributionExceptions[b.Object]; ok {
			seen[b.Object] = true
			continue
		}
		t.Errorf("%s: %s (a Citus table distributed on user_id refuses it; fix it with a migration, or list it in distributionExceptions with the reason)", b.Object, b.Why)
	}
	for obj := range distributionExceptions {
		if !seen[obj] {
			t.Errorf("distributionExceptions lists %q, which the catalog no longer reports: remove the entry", obj)
		}
	}
	if checked < 10 {
		t.Errorf("looked at %d keys of schema kith; the catalog query is looking in the wrong place", checked)
	}
}

// The catalog query finds each kind of object that would stop a table from
// being distributed, so TestEveryKeyIncludesTheUser can fail.
func TestEveryKeyIncludesTheUserFindsViolations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	if _, err := db.ExecContext(ctx, `
		CREATE TABLE kith.no_user (id uuid PRIMARY KEY);
		CREATE TABLE kith.bad_keys (
		    id       uuid NOT NULL,
		    user_id  uuid NOT NULL,
		    other_id uuid NOT NULL,
		    name     text NOT NULL,
		    CONSTRAINT bad_keys_pkey PRIMARY KEY (id),
		    CONSTRAINT bad_keys_name_key UNIQUE (name),
		    CONSTRAINT bad_keys_fk_no_user FOREIGN KEY (user_id, other_id) REFERENCES kith.contacts (id, user_id),
		    CONSTRAINT bad_keys_fk_local FOREIGN KEY (other_id) REFERENCES kith.no_user (id)
		);
		CREATE UNIQUE INDEX bad_keys_lower_name ON kith.bad_keys (lower(name)) INCLUDE (user_id);
		CREATE UNIQUE INDEX good_keys_user_name ON kith.bad_keys (user_id, name) WHERE name <> '';
		CREATE SEQUENCE kith.bad_seq;`); err != nil {
		t.Fatal(err)
	}
	bad, _ := distributionViolations(ctx, t, db)
	var got []string
	for _, b := range bad {
		if _, ok := distributionExceptions[b.Object]; !ok {
			got = append(got, b.Object)
		}
	}
	want := []string{
		"foreign key bad_keys_fk_local on kith.bad_keys",
		"foreign key bad_keys_fk_no_user on kith.bad_keys",
		"primary key bad_keys_pkey on kith.bad_keys",
		"sequence kith.bad_seq",
		"table kith.no_user",
		"unique constraint bad_keys_name_key on kith.bad_keys",
		"unique index kith.bad_keys_lower_name on kith.bad_keys",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("violations found:\n%q\nwant:\n%q", got, want)
	}
}

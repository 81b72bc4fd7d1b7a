package kith_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/seed"
	"github.com/kithhq/kith/kithtest"
)

// userTables are the tables DeleteUser empties in these tests, with the
// extra sync-state table deleteUserDB adds.
var userTables = []string{"contacts", "groups", "contact_groups", "suggestions", "suggestion_runs", "sync_tokens"}

// deleteUserDB is a migrated database holding two users: the one to
// delete (contacts, groups, memberships, suggestions pending and resolved,
// a run, sync tokens) and a neighbour with the same kinds of rows. It adds
// a sync-state table of the kind a later migration may bring: it
// references contacts without a cascade, so it must be emptied first.
func deleteUserDB(t *testing.T, contacts int) (db *sqlx.DB, user, neighbour uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	db = kithtest.DB(t)
	mustExec(t, db, `CREATE TABLE kith.sync_tokens (
		user_id uuid NOT NULL, contact_id uuid NOT NULL, token text NOT NULL,
		PRIMARY KEY (user_id, contact_id),
		FOREIGN KEY (user_id, contact_id) REFERENCES kith.contacts (user_id, id))`)
	user, neighbour = uuid.New(), uuid.New()
	for i, u := range []uuid.UUID{user, neighbour} {
		if err := seed.Contacts(ctx, db, u, contacts, seed.Options{NotesLen: 50, Seed: int64(i)}); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `INSERT INTO kith.suggestions (user_id, contact_id, status, rank, score, generated_at, run_seq, resolved_at, resolved_seq)
			SELECT user_id, id, 'dismissed', 1, 1, now(), 1, now(), 2 FROM kith.contacts WHERE user_id = $1`, u)
		mustExec(t, db, `INSERT INTO kith.suggestions (user_id, contact_id, rank, score, generated_at, run_seq)
			SELECT user_id, id, 1, 1, now(), 3 FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT 50`, u)
		mustExec(t, db, `INSERT INTO kith.suggestion_runs (user_id, run_seq, generated_at) VALUES ($1, 3, now())`, u)
		mustExec(t, db, `INSERT INTO kith.sync_tokens (user_id, contact_id, token)
			SELECT user_id, id, 't' FROM kith.contacts WHERE user_id = $1 ORDER BY id LIMIT 300`, u)
	}
	return db, user, neighbour
}

func mustExec(t *testing.T, db *sqlx.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rowCounts counts userID's rows in every table.
func rowCounts(t *testing.T, db *sqlx.DB, userID uuid.UUID) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range userTables {
		var n int64
		if err := db.Get(&n, `SELECT count(*) FROM kith.`+table+` WHERE user_id = $1`, userID); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func reportCounts(r kith.DeleteUserReport) map[string]int64 {
	return map[string]int64{
		"contacts": r.Contacts, "groups": r.Groups, "contact_groups": r.Memberships,
		"suggestions": r.Suggestions, "suggestion_runs": r.SuggestionRuns, "sync_tokens": r.Other["sync_tokens"],
	}
}

func addReports(a, b map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range a {
		out[k] = v + b[k]
	}
	return out
}

func checkCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for _, table := range userTables {
		if got[table] != want[table] {
			t.Errorf("%s: %s = %d, want %d", what, table, got[table], want[table])
		}
	}
}

func checkEmpty(t *testing.T, db *sqlx.DB, user uuid.UUID) {
	t.Helper()
	for table, n := range rowCounts(t, db, user) {
		if n != 0 {
			t.Errorf("%d rows of the deleted user left in %s", n, table)
		}
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, user, neighbour := deleteUserDB(t, 1200)
	before, neighbourBefore := rowCounts(t, db, user), rowCounts(t, db, neighbour)
	if before["contact_groups"] == 0 || before["groups"] == 0 {
		t.Fatalf("seed gave no memberships: %v", before)
	}

	rep, err := kith.DeleteUser(ctx, db, user, kith.DeleteUserOptions{BatchSize: 250})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "report", reportCounts(rep), before)
	if rep.UserID != user || rep.Total() != sum(before) {
		t.Errorf("report %+v: total %d, want %d", rep, rep.Total(), sum(before))
	}
	// 1,200 contacts in batches of 250 need 5 batches and one that finds
	// none; every table ends with an empty batch.
	if rep.Batches < 6+4 {
		t.Errorf("%d batches, want at least 10 with BatchSize 250", rep.Batches)
	}
	checkEmpty(t, db, user)
	checkCounts(t, "neighbour", rowCounts(t, db, neighbour), neighbourBefore)
	var mirrors int64
	if err := db.Get(&mirrors, `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND group_ids <> '{}'`, neighbour); err != nil {
		t.Fatal(err)
	}
	if mirrors == 0 {
		t.Error("the neighbour's group mirrors were cleared")
	}

	// Running it again finds nothing.
	again, err := kith.DeleteUser(ctx, db, user, kith.DeleteUserOptions{})
	if err != nil || again.Total() != 0 {
		t.Errorf("second run: %+v, %v; want nothing deleted", again, err)
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// cancelAfter is a kith.Beginner whose ctx is cancelled when DeleteUser
// begins its transaction number after+1: that batch fails, those before
// it committed.
type cancelAfter struct {
	*sqlx.DB
	after  int
	began  int
	cancel context.CancelFunc
}

func (c *cancelAfter) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	c.began++
	if c.began > c.after {
		c.cancel()
	}
	return c.DB.BeginTx(ctx, opts)
}

func TestDeleteUserResumesAfterCancellation(t *testing.T) {
	t.Parallel()
	db, user, neighbour := deleteUserDB(t, 1000)
	before, neighbourBefore := rowCounts(t, db, user), rowCounts(t, db, neighbour)

	// Cancelled in the middle of the contacts: sync tokens (4 batches: 3
	// of 100 rows and an empty one), the other tables with a user_id
	// that later migrations add (empty here: one batch each) and
	// suggestions (1,050 rows: 12) are done, then 4 of the 10 contact
	// batches.
	var empty int
	if err := db.Get(&empty, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'kith' AND column_name = 'user_id'
		AND table_name NOT IN ('contact_emails', '`+strings.Join(userTables, "', '")+`')`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &cancelAfter{DB: db, after: 4 + empty + 12 + 4, cancel: cancel}
	first, err := kith.DeleteUser(ctx, h, user, kith.DeleteUserOptions{BatchSize: 100})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if first.Contacts != 400 || first.Batches != 20+empty {
		t.Errorf("cancelled run deleted %d contacts in %d batches, want 400 in %d", first.Contacts, first.Batches, 20+empty)
	}
	if left := rowCounts(t, db, user)["contacts"]; left != before["contacts"]-first.Contacts {
		t.Errorf("%d contacts left after the cancelled run, want %d", left, before["contacts"]-first.Contacts)
	}

	second, err := kith.DeleteUser(context.Background(), db, user, kith.DeleteUserOptions{BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "both runs", addReports(reportCounts(first), reportCounts(second)), before)
	checkEmpty(t, db, user)
	checkCounts(t, "neighbour", rowCounts(t, db, neighbour), neighbourBefore)
}

func TestDeleteUserTwiceAtOnce(t *testing.T) {
	t.Parallel()
	db, user, neighbour := deleteUserDB(t, 1000)
	before, neighbourBefore := rowCounts(t, db, user), rowCounts(t, db, neighbour)
	var wg sync.WaitGroup
	reps := make([]kith.DeleteUserReport, 2)
	errs := make([]error, 2)
	for i := range reps {
		wg.Go(func() {
			reps[i], errs[i] = kith.DeleteUser(context.Background(), db, user, kith.DeleteUserOptions{BatchSize: 50})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "both runs", addReports(reportCounts(reps[0]), reportCounts(reps[1])), before)
	checkEmpty(t, db, user)
	checkCounts(t, "neighbour", rowCounts(t, db, neighbour), neighbourBefore)
}

func TestDeleteUserRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := kithtest.DB(t)
	var nilDB *sqlx.DB
	for name, run := range map[string]func() error{
		"uuid.Nil": func() error {
			_, err := kith.DeleteUser(ctx, db, uuid.Nil, kith.DeleteUserOptions{})
			return err
		},
		"nil handle": func() error {
			_, err := kith.DeleteUser(ctx, nil, uuid.New(), kith.DeleteUserOptions{})
			return err
		},
		"typed nil handle": func() error {
			_, err := kith.DeleteUser(ctx, nilDB, uuid.New(), kith.DeleteUserOptions{})
			return err
		},
		"negative batch": func() error {
			_, err := kith.DeleteUser(ctx, db, uuid.New(), kith.DeleteUserOptions{BatchSize: -1})
			return err
		},
		"huge batch": func() error {
			_, err := kith.DeleteUser(ctx, db, uuid.New(), kith.DeleteUserOptions{BatchSize: kith.MaxDeleteBatch + 1})
			return err
		},
		"bad schema": func() error {
			_, err := kith.DeleteUser(ctx, db, uuid.New(), kith.DeleteUserOptions{Schema: "Robert'); DROP"})
			return err
		},
	} {
		if err := run(); !errors.Is(err, kith.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

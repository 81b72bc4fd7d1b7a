package main

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kithhq/kith/internal/pgtest"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// asRole returns dsn with its user replaced by role.
func asRole(dsn, role string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.User = url.User(role)
		return u.String()
	}
	return dsn + " user=" + role // a later key wins
}

// TestDemoDBWithoutCreateDB runs the demo's database step with
// KITH_DATABASE_URL naming a role without CREATEDB: the error names the
// real cause while the demo database is missing, and the demo proceeds once
// it exists.
func TestDemoDBWithoutCreateDB(t *testing.T) {
	ctx := context.Background()
	shared := pgtest.Shared(t)
	admin, err := sqlx.Connect("postgres", shared.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	role := pgtest.UniqueName("kith_nocreatedb")
	if _, err := admin.Exec(`CREATE ROLE ` + pq.QuoteIdentifier(role) + ` LOGIN NOCREATEDB`); err != nil {
		t.Fatal(err)
	}
	demoDB = pgtest.UniqueName("kith_demo")
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + demoDB + ` WITH (FORCE)`)
		admin.Exec(`DROP ROLE IF EXISTS ` + pq.QuoteIdentifier(role))
	})

	t.Setenv(pgtest.EnvURL, asRole(shared.DSN("postgres"), role))
	server, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	_, err = openDemoDB(ctx, server)
	if err == nil {
		t.Fatal("openDemoDB succeeded for a role without CREATEDB and no demo database")
	}
	for _, want := range []string{role, "may not create databases", "CREATEDB", "CREATE DATABASE " + demoDB + " OWNER"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}

	t.Logf("as %s: %v", role, err)

	if _, err := admin.Exec(`CREATE DATABASE ` + demoDB + ` OWNER ` + pq.QuoteIdentifier(role)); err != nil {
		t.Fatal(err)
	}
	db, err := openDemoDB(ctx, server)
	if err != nil {
		t.Fatalf("with %s created for the role: %v", demoDB, err)
	}
	var got string
	if err := db.Get(&got, `SELECT current_user`); err != nil || got != role {
		t.Errorf("connected as %q (%v), want %q", got, err, role)
	}
	db.Close()
}

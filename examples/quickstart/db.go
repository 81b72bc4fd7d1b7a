package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgerr"
	"github.com/kithhq/kith/internal/pgtest"
)

// demoDB is the database the demo uses on the server (a variable for the
// tests, which must not touch a real kith_demo on KITH_DATABASE_URL).
var demoDB = "kith_demo"

// openDemoDB creates the demo database on server unless it exists and
// opens it. On the KITH_DATABASE_URL server the role may lack CREATEDB:
// that is fine when the database already exists, and otherwise the error
// says so, rather than failing later on a database that "does not exist".
func openDemoDB(ctx context.Context, server *pgtest.Server) (*sqlx.DB, error) {
	err := server.CreateDatabase(ctx, demoDB, "")
	switch {
	case err == nil, pgerr.Code(err) == pgerr.DuplicateDatabase:
	case pgerr.Code(err) == pgerr.InsufficientPrivilege:
		// PostgreSQL checks the privilege before it looks for the name.
		exists, role, xerr := probe(ctx, server)
		if xerr != nil {
			return nil, errors.Join(err, xerr)
		}
		if !exists {
			return nil, fmt.Errorf("the role %q of %s may not create databases (it lacks CREATEDB) and database %s does not exist: "+
				"create it once as a privileged role (CREATE DATABASE %s OWNER %s) or grant CREATEDB (ALTER ROLE %s CREATEDB): %w",
				role, pgtest.EnvURL, demoDB, demoDB, role, role, err)
		}
	default:
		return nil, err
	}
	db, err := sqlx.Open("postgres", server.DSN(demoDB))
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", demoDB, err)
	}
	return db, nil
}

// probe reports whether the demo database exists, and the server's role.
func probe(ctx context.Context, server *pgtest.Server) (exists bool, role string, err error) {
	admin, err := sqlx.Open("postgres", server.DSN("postgres"))
	if err != nil {
		return false, "", err
	}
	defer admin.Close()
	err = admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1), current_user`, demoDB).Scan(&exists, &role)
	return exists, role, err
}

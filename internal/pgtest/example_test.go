package pgtest_test

import (
	"context"
	"log"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgtest"
)

// Outside tests (for example in a demo program): start a server, create a
// database and connect to it.
func ExampleStart() {
	ctx := context.Background()
	s, err := pgtest.Start(ctx)
	if err != nil {
		log.Fatal(err) // names "apt-get install postgresql" and KITH_DATABASE_URL
	}
	defer s.Close()

	name := pgtest.UniqueName("demo")
	if err := s.CreateDatabase(ctx, name, ""); err != nil {
		log.Fatal(err)
	}
	defer s.DropDatabase(ctx, name)

	db, err := sqlx.Open("postgres", s.DSN(name))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	// ... use db ...
}

// Package exampledb gives kith's runnable examples a database. An Example
// has no *testing.T, but kithtest hands out databases per test; New asks
// kithtest for one on behalf of the example, so that examples run against a
// real, migrated, isolated database and check their // Output: like any
// test. The package's tests must run under kithtest.Main.
//
// It is internal: a host's examples that need a database are better written
// as tests with kithtest.DB(t).
package exampledb

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/kithtest"
)

// New returns a migrated database of the example's own and the function
// that drops it, to defer. A failure to get one panics, which fails the
// example with the cause.
func New(name string) (db *sqlx.DB, done func()) {
	tb := &exampleTB{name: name}
	db = kithtest.DB(tb)
	return db, tb.done
}

// exampleTB is the testing.TB kithtest needs, for an example. It embeds
// the interface (nil) only to have its unexported method: the methods
// kithtest and pgtest call are all defined below; any other would panic
// on the nil interface, which the examples' runs would show at once.
type exampleTB struct {
	testing.TB
	name     string
	cleanups []func()
}

func (t *exampleTB) done() {
	fs := t.cleanups
	t.cleanups = nil // a cleanup that fails must not run the others twice
	for _, f := range slices.Backward(fs) {
		f()
	}
}

func (t *exampleTB) Helper()                           {}
func (t *exampleTB) Name() string                      { return t.name }
func (t *exampleTB) Context() context.Context          { return context.Background() }
func (t *exampleTB) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleTB) Log(args ...any)                   {}
func (t *exampleTB) Logf(format string, args ...any)   {}
func (t *exampleTB) Error(args ...any)                 { t.fail(fmt.Sprint(args...)) }
func (t *exampleTB) Errorf(format string, args ...any) { t.fail(fmt.Sprintf(format, args...)) }
func (t *exampleTB) Fatal(args ...any)                 { t.fail(fmt.Sprint(args...)) }
func (t *exampleTB) Fatalf(format string, args ...any) { t.fail(fmt.Sprintf(format, args...)) }

func (t *exampleTB) fail(msg string) {
	t.done()
	panic(fmt.Sprintf("%s: database for the example: %s", t.name, msg))
}

package kithtest_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

// A host's package tests its code that calls kith against a database of
// each test's own. TestMain lets kithtest clean up when the tests end; the
// test itself needs one line. examples/hosttest is a complete host package
// tested this way.
func Example() {
	// In the host's *_test.go:
	//
	//	func TestMain(m *testing.M) { kithtest.Main(m) }
	//
	//	func TestGreeting(t *testing.T) { ... body below ... }
	testGreeting := func(t *testing.T) {
		db := kithtest.DB(t) // migrated, isolated, dropped when t ends

		store, err := contacts.NewStore(db, contacts.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Create(t.Context(), uuid.New(), contacts.Contact{Name: "Ada"}); err != nil {
			t.Fatal(err)
		}
	}
	_ = testGreeting
}

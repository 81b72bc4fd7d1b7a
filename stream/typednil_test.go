package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/memguard"
	"github.com/kithhq/kith/stream"
)

// A typed-nil breaker is refused with ErrInvalid naming the field, not a
// nil dereference on the first page.
func TestTypedNilBreakerRefused(t *testing.T) {
	db := kithtest.DB(t)
	var nb *memguard.MemoryBreaker
	for _, err := range stream.MinimalContacts(context.Background(), db, uuid.New(), stream.Options{Breaker: nb}) {
		if !errors.Is(err, stream.ErrInvalid) || !strings.Contains(err.Error(), "Options.Breaker") {
			t.Fatalf("err = %v; want stream.ErrInvalid naming Options.Breaker", err)
		}
		return
	}
	t.Fatal("stream yielded nothing; want an error")
}

// Walk's own Keyset.Breaker gets the same check as Options.Breaker.
func TestWalkTypedNilBreakerRefused(t *testing.T) {
	db := kithtest.DB(t)
	var nb *memguard.MemoryBreaker
	ks := stream.Keyset[int, int]{
		Query:   func(after int, limit int) (string, []any) { return "SELECT 1 LIMIT 0", nil },
		Scan:    func(rows *sql.Rows, item *int, key *int) error { return rows.Scan(item) },
		Breaker: nb,
	}
	for _, err := range stream.Walk(context.Background(), db, ks) {
		if !errors.Is(err, stream.ErrInvalid) || !strings.Contains(err.Error(), "Keyset.Breaker") {
			t.Fatalf("err = %v; want stream.ErrInvalid naming Keyset.Breaker", err)
		}
		return
	}
	t.Fatal("walk yielded nothing; want an error")
}

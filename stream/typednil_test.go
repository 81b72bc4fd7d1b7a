package stream_test

import (
	"context"
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

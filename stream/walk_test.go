package stream_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// The engine is not tied to contacts: walk generate_series by its value.
func TestWalkGeneric(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ks := stream.Keyset[int, int]{
		Query: func(after, limit int) (string, []any) {
			return `SELECT i FROM generate_series(1, 1000) i WHERE i > $1 ORDER BY i LIMIT $2`, []any{after, limit}
		},
		Scan: func(rows *sql.Rows, item, key *int) error {
			err := rows.Scan(item)
			*key = *item
			return err
		},
		PageSize: 0, // the default
	}
	got, err := stream.Collect(stream.Walk(context.Background(), db, ks))
	if err != nil || len(got) != 1000 || got[0] != 1 || got[999] != 1000 {
		t.Fatalf("%d items (%v...), %v", len(got), got[:min(3, len(got))], err)
	}
	ks.Start = 990
	got, err = stream.Collect(stream.Walk(context.Background(), db, ks))
	if err != nil || len(got) != 10 || got[0] != 991 {
		t.Fatalf("from 990: %v, %v", got, err)
	}
	// A query error is yielded once.
	ks.Query = func(after, limit int) (string, []any) { return `SELECT nope`, nil }
	n, err, after := errorsOf(stream.Walk(context.Background(), db, ks), nil)
	if n != 0 || err == nil || after != 0 {
		t.Fatalf("bad query: %d, %v, %d", n, err, after)
	}
	if _, err := stream.Collect(stream.Walk[int, int](context.Background(), db, stream.Keyset[int, int]{})); !errors.Is(err, stream.ErrInvalid) {
		t.Fatalf("empty Keyset: %v", err)
	}
}

func TestBatches(t *testing.T) {
	for _, tc := range []struct {
		n, size int
		err     error
		want    []int // batch lengths
	}{
		{0, 3, nil, nil},
		{6, 3, nil, []int{3, 3}},
		{7, 3, nil, []int{3, 3, 1}},
		{2, 3, errors.New("x"), []int{2, -1}},
		{3, 3, errors.New("x"), []int{3, -1}},
	} {
		var got []int
		for b, err := range stream.Batches(numbers(tc.n, tc.err), tc.size) {
			if err != nil {
				got = append(got, -1)
				continue
			}
			got = append(got, len(b))
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%d items in %d: %v, want %v", tc.n, tc.size, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("%d items in %d: %v, want %v", tc.n, tc.size, got, tc.want)
			}
		}
	}
	// Batches are fresh slices.
	bs, _ := stream.Collect(stream.Batches(numbers(4, nil), 2))
	bs[0][0] = 99
	if bs[1][0] != 3 {
		t.Fatal("batches share memory")
	}
	// A break stops the source.
	for range stream.Batches(numbers(1000, nil), 2) {
		break
	}
	if _, err := stream.Collect(stream.Batches(numbers(3, nil), 0)); !errors.Is(err, stream.ErrInvalid) {
		t.Fatalf("size 0: %v", err)
	}
}

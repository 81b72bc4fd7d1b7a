package schemaguard

import (
	"context"
	"errors"
	"testing"
)

func TestErrRow(t *testing.T) {
	want := errors.New("the schema is gone")
	var x int
	if err := errRow(context.Background(), want).Scan(&x); err != want {
		t.Fatalf("Scan = %v, want %v", err, want)
	}
	if err := errRow(context.Background(), want).Err(); err != want {
		t.Fatalf("Err = %v, want %v", err, want)
	}
}

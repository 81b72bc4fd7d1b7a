package pgarray

import (
	"testing"

	"github.com/google/uuid"
)

func TestUUIDs(t *testing.T) {
	a := uuid.MustParse("00000000-0000-4000-8000-000000000001")
	b := uuid.MustParse("ffffffff-ffff-4fff-bfff-ffffffffffff")
	for _, tc := range []struct {
		in   UUIDs
		want string
	}{
		{nil, "{}"},
		{UUIDs{}, "{}"},
		{UUIDs{a}, "{" + a.String() + "}"},
		{UUIDs{a, b}, "{" + a.String() + "," + b.String() + "}"},
	} {
		got, err := tc.in.Value()
		if err != nil || got != tc.want {
			t.Errorf("Value(%v) = %v, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

package pgarray_test

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) { kithtest.Main(m) }

// bothDrivers runs f with a pool of each driver on one database.
func bothDrivers(t *testing.T, f func(t *testing.T, db *sqlx.DB)) {
	dsn := kithtest.DSN(t, kithtest.EmptyDB(t))
	for _, driver := range []string{"postgres", "pgx"} {
		t.Run(driver, func(t *testing.T) {
			db, err := sqlx.Connect(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			f(t, db)
		})
	}
}

var awkward = pgarray.Strings{"", "a", "b c", `"quoted"`, `back\slash`, "a,b", "{x}", "NULL", "null", "Ünïcödé ✓", " lead", "tab\there", "new\nline"}

func TestStringsRoundTrip(t *testing.T) {
	t.Parallel()
	bothDrivers(t, func(t *testing.T, db *sqlx.DB) {
		for _, in := range []pgarray.Strings{nil, {}, {"one"}, awkward} {
			var out pgarray.Strings
			var n int
			if err := db.QueryRow(`SELECT $1::text[], cardinality($1::text[])`, in).Scan(&out, &n); err != nil {
				t.Fatalf("%q: %v", in, err)
			}
			if !slices.Equal(out, in) || n != len(in) || out == nil {
				t.Errorf("round trip of %q = %q (%d elements)", in, out, n)
			}
		}
		var out pgarray.Strings = pgarray.Strings{"stale"}
		if err := db.QueryRow(`SELECT NULL::text[]`).Scan(&out); err != nil || out != nil {
			t.Errorf("NULL scanned as %q, %v; want nil", out, err)
		}
		if err := db.QueryRow(`SELECT ARRAY['x', NULL]::text[]`).Scan(&out); err != nil || !slices.Equal(out, pgarray.Strings{"x", ""}) {
			t.Errorf("NULL element scanned as %q, %v", out, err)
		}
		if err := db.QueryRow(`SELECT ARRAY[gen_random_uuid()]::uuid[]`).Scan(&out); err != nil || len(out) != 1 || len(out[0]) != 36 {
			t.Errorf("uuid[] scanned as %q, %v", out, err)
		}
	})
}

func TestNumbersRoundTrip(t *testing.T) {
	t.Parallel()
	ints := pgarray.Int64s{0, -1, math.MaxInt64, math.MinInt64}
	floats := pgarray.Float64s{0, -0.5, 1e300, 5e-324, 0.1 + 0.2, math.Inf(1), math.Inf(-1)}
	bothDrivers(t, func(t *testing.T, db *sqlx.DB) {
		var is, fs pgarray.Strings
		var nan bool
		if err := db.QueryRow(`SELECT $1::bigint[]::text[], $2::float8[]::text[], ($3::float8[])[1] = 'NaN'`,
			ints, floats, pgarray.Float64s{math.NaN()}).Scan(&is, &fs, &nan); err != nil {
			t.Fatal(err)
		}
		for i, s := range is {
			if v, err := strconv.ParseInt(s, 10, 64); err != nil || v != ints[i] {
				t.Errorf("bigint %d: sent %d, stored %s", i, ints[i], s)
			}
		}
		for i, s := range fs {
			switch s {
			case "Infinity":
				s = "+Inf"
			case "-Infinity":
				s = "-Inf"
			}
			if v, err := strconv.ParseFloat(s, 64); err != nil || v != floats[i] {
				t.Errorf("float8 %d: sent %v, stored %s", i, floats[i], s)
			}
		}
		if !nan {
			t.Error("NaN not stored as NaN")
		}
		var empty pgarray.Strings
		if err := db.QueryRow(`SELECT $1::bigint[]::text[]`, pgarray.Int64s(nil)).Scan(&empty); err != nil || empty == nil || len(empty) != 0 {
			t.Errorf("nil Int64s bound as %q, %v; want the empty array", empty, err)
		}
	})
}

func TestStringsScanMalformed(t *testing.T) {
	for _, in := range []string{"", "{", "x", `{"a}`, `{a,}`, `{,a}`, `{"a"b}`, `{a"b}`, `{"a\`} {
		var out pgarray.Strings
		if err := out.Scan(in); err == nil {
			t.Errorf("Scan(%q) = %q, want an error", in, out)
		}
	}
	var out pgarray.Strings
	if err := out.Scan(42); err == nil {
		t.Error("Scan(int) succeeded")
	}
}

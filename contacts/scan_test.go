package contacts

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The scanners accept what both drivers send (lib/pq: []byte, pgx's
// stdlib: string) and allocate nothing for values that hold no memory of
// their own: IDs, frequencies, circles, empty arrays, an empty jsonb.
func TestScanDestsAllocateOnlyTheValue(t *testing.T) {
	id := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	idText := id.String()
	var m MinimalContact
	var c Contact
	for _, src := range []any{[]byte(idText), idText} {
		quarterly, none, friends, empty := convert(src, "quarterly"), convert(src, ""), convert(src, "friends"), convert(src, "{}")
		cases := []struct {
			name  string
			scan  func() error
			check func() bool
		}{
			{"uuid", func() error { return uuidDest{&m.ID}.Scan(src) }, func() bool { return m.ID == id }},
			{"frequency", func() error {
				return frequencyDest{&m.Frequency}.Scan(quarterly)
			}, func() bool { return m.Frequency == FrequencyQuarterly }},
			{"no frequency", func() error {
				return frequencyDest{&m.Frequency}.Scan(none)
			}, func() bool { return m.Frequency == FrequencyNone }},
			{"circle", func() error {
				return circleDest{&c.Circle}.Scan(friends)
			}, func() bool { return c.Circle == CircleFriends }},
			{"empty array", func() error {
				return uuidArray{&m.GroupIDs}.Scan(empty)
			}, func() bool { return m.GroupIDs != nil && len(m.GroupIDs) == 0 }},
			{"empty object", func() error {
				return socialDest{&c.OtherSocial}.Scan(empty)
			}, func() bool { return c.OtherSocial == nil }},
		}
		for _, tc := range cases {
			name := tc.name + "/" + kind(src)
			m, c = MinimalContact{}, Contact{}
			if err := tc.scan(); err != nil || !tc.check() {
				t.Fatalf("%s: err %v, minimal %+v, circle %q", name, err, m, c.Circle)
			}
			if n := testing.AllocsPerRun(100, func() { _ = tc.scan() }); n != 0 {
				t.Errorf("%s: %v allocations per scan, want 0", name, n)
			}
		}
	}
}

// uuidArray decodes the text form of uuid[] from either driver into one
// new slice (one allocation), equal to what uuid.Parse gives, and refuses
// malformed text.
func TestScanUUIDArray(t *testing.T) {
	a, b := uuid.New(), uuid.MustParse("FFFFFFFF-0000-4000-8000-ABCDEFabcdef")
	text := "{" + a.String() + "," + strings.ToUpper(b.String()) + "}"
	for _, src := range []any{[]byte(text), text} {
		var ids []uuid.UUID
		if err := (uuidArray{&ids}).Scan(src); err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0] != a || ids[1] != b {
			t.Fatalf("%s: got %v, want [%v %v]", kind(src), ids, a, b)
		}
		if n := testing.AllocsPerRun(100, func() { _ = uuidArray{&ids}.Scan(src) }); n != 1 {
			t.Errorf("%s: %v allocations, want 1 (the slice)", kind(src), n)
		}
	}
	var ids []uuid.UUID
	if err := (uuidArray{&ids}).Scan(nil); err != nil || ids != nil {
		t.Fatalf("NULL: %v, %v", ids, err)
	}
	good := a.String()
	for _, bad := range []string{"", "{", "{" + good, "{" + good + ";" + good + "}", "{" + good[:35] + "g}",
		"{" + strings.Replace(good, "-", "0", 1) + "}", "{" + good + ",}"} {
		if err := (uuidArray{&ids}).Scan(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// nullTime allocates the time it points to, nothing else.
func TestScanNullTime(t *testing.T) {
	var p *time.Time
	now := time.Now()
	if err := (nullTime{&p}).Scan(now); err != nil || p == nil || !p.Equal(now) {
		t.Fatalf("got %v, %v", p, err)
	}
	if err := (nullTime{&p}).Scan(nil); err != nil || p != nil {
		t.Fatalf("NULL: got %v, %v", p, err)
	}
	src := any(now)
	if n := testing.AllocsPerRun(100, func() { _ = nullTime{&p}.Scan(src) }); n != 1 {
		t.Errorf("%v allocations, want 1 (the time)", n)
	}
}

func convert(like any, s string) any {
	if _, ok := like.(string); ok {
		return s
	}
	return []byte(s)
}

func kind(src any) string {
	if _, ok := src.(string); ok {
		return "string"
	}
	return "bytes"
}

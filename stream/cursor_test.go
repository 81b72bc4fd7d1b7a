package stream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
	"github.com/kithhq/kith/stream"
)

// A walk broken off anywhere and resumed from the persisted cursor yields
// exactly the rest of the full walk, in every order and direction.
func TestResume(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 150)
	for _, c := range allOrders {
		t.Run(c.String(), func(t *testing.T) {
			want := wantIDs(t, db, user, c, false)
			nullEnd := 0 // where ByLastContact's first part ends
			if c.order == contacts.ByLastContact {
				var nulls int
				db.QueryRowContext(ctx, `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND NOT archived AND last_contact_date IS NULL`, user).Scan(&nulls)
				nullEnd = nulls
				if c.nullsLast {
					nullEnd = len(want) - nulls
				}
			}
			for _, k := range []int{1, 4, 5, 6, 37, nullEnd - 1, nullEnd, nullEnd + 1, len(want) - 1, len(want)} {
				if k < 1 || k > len(want) {
					continue
				}
				var cur stream.Cursor
				var got []uuid.UUID
				var saved string
				for m, err := range stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize, o.TrackCursor = 5, &cur })) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, m.ID)
					if len(got) == k {
						saved = cur.String()
						break
					}
				}
				parsed, err := stream.ParseCursor(saved)
				if err != nil {
					t.Fatalf("k=%d: ParseCursor(%q): %v", k, saved, err)
				}
				if parsed.String() != saved {
					t.Fatalf("k=%d: cursor does not round-trip: %q, then %q", k, saved, parsed.String())
				}
				// Resume with the full projection and a different page size:
				// the cursor is about position, not about pages.
				for fc, err := range stream.Contacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.PageSize, o.After = 3, parsed })) {
					if err != nil {
						t.Fatalf("k=%d: resume: %v", k, err)
					}
					got = append(got, fc.ID)
				}
				equalIDs(t, "resumed walk", got, want)
			}
		})
	}
}

// Batches hands the caller whole batches with the cursor after the last
// item of the batch.
func TestResumeBatches(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	ctx := context.Background()
	user := uuid.New()
	fill(t, db, user, 100)
	c := orderCase{contacts.ByLastContact, contacts.Descending, false}
	want := wantIDs(t, db, user, c, false)
	var cur stream.Cursor
	var got []uuid.UUID
	saved := ""
	for batch, err := range stream.Batches(stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.TrackCursor, o.PageSize = &cur, 4 })), 7) {
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range batch {
			got = append(got, m.ID)
		}
		if len(got) == 21 {
			saved = cur.String()
			break
		}
	}
	after, err := stream.ParseCursor(saved)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, minimalIDs(t, stream.MinimalContacts(ctx, db, user, with(c.opts(), func(o *stream.Options) { o.After = after })))...)
	equalIDs(t, "batches resumed", got, want)
}

// A cursor made for another user, order, direction or null placement is
// refused before any query; a tampered one does not parse.
func TestCursorRefused(t *testing.T) {
	t.Parallel()
	sdb := kithtest.DB(t)
	db := &countingDB{DB: sdb}
	ctx := context.Background()
	user, other := uuid.New(), uuid.New()
	fill(t, sdb, user, 30)
	cursorOf := func(u uuid.UUID, c orderCase) stream.Cursor {
		var cur stream.Cursor
		for _, err := range stream.MinimalContacts(ctx, db, u, with(c.opts(), func(o *stream.Options) { o.TrackCursor = &cur })) {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if cur.IsZero() {
			t.Fatal("no cursor")
		}
		return cur
	}
	byName := orderCase{contacts.ByName, contacts.Ascending, false}
	byLast := orderCase{contacts.ByLastContact, contacts.Ascending, false}
	nameCur, lastCur := cursorOf(user, byName), cursorOf(user, byLast)
	for _, tc := range []struct {
		what string
		cur  stream.Cursor
		user uuid.UUID
		c    orderCase
	}{
		{"other user", nameCur, other, byName},
		{"other order", nameCur, user, byLast},
		{"other direction", nameCur, user, orderCase{contacts.ByName, contacts.Descending, false}},
		{"other null placement", lastCur, user, orderCase{contacts.ByLastContact, contacts.Ascending, true}},
		{"id order", lastCur, user, orderCase{contacts.ByID, contacts.Ascending, false}},
	} {
		before := db.queries
		n, err, after := errorsOf(stream.MinimalContacts(ctx, db, tc.user, with(tc.c.opts(), func(o *stream.Options) { o.After = tc.cur })), nil)
		var ce *stream.CursorError
		if n != 0 || after != 0 || !errors.Is(err, stream.ErrCursorMismatch) || !errors.As(err, &ce) || db.queries != before {
			t.Errorf("%s: %d items, %v, %d after, %d queries; want only ErrCursorMismatch", tc.what, n, err, after, db.queries-before)
		} else {
			t.Logf("%s: %v", tc.what, err)
		}
	}

	// Tampering: every single-character change is refused (or, in the
	// rare case the base64 still decodes to the same bytes, harmless).
	s := nameCur.String()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(s) {
		for _, r := range []byte{alphabet[(strings.IndexByte(alphabet, s[i])+1)%64], alphabet[(strings.IndexByte(alphabet, s[i])+33)%64]} {
			bad := s[:i] + string(r) + s[i+1:]
			if c, err := stream.ParseCursor(bad); err == nil {
				if c.String() != s {
					t.Errorf("tampered cursor %q accepted as %q", bad, c.String())
				}
			} else if !errors.Is(err, stream.ErrBadCursor) {
				t.Errorf("tampered cursor %q: %v, want ErrBadCursor", bad, err)
			}
		}
	}
	for _, bad := range []string{"x", s[:len(s)-1], s + "A", s[:10], "!!!!", strings.Repeat("A", 5000)} {
		if _, err := stream.ParseCursor(bad); !errors.Is(err, stream.ErrBadCursor) {
			t.Errorf("ParseCursor(%.20q...): %v, want ErrBadCursor", bad, err)
		}
	}
	if c, err := stream.ParseCursor(""); err != nil || !c.IsZero() {
		t.Errorf(`ParseCursor(""): %v, %v; want the zero Cursor`, c, err)
	}
}

func TestCursorText(t *testing.T) {
	var zero stream.Cursor
	if zero.String() != "" {
		t.Fatalf("zero cursor: %q", zero.String())
	}
	var c stream.Cursor
	if err := c.UnmarshalText([]byte("garbage")); !errors.Is(err, stream.ErrBadCursor) {
		t.Fatalf("UnmarshalText(garbage): %v", err)
	}
}

func FuzzParseCursor(f *testing.F) {
	// Seeds: real cursors of every order, from tracked in-memory keys.
	for _, s := range seedCursors(f) {
		f.Add(s)
	}
	f.Add("")
	f.Add("AQ")
	f.Add("AWMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := stream.ParseCursor(s)
		if err != nil {
			var ce *stream.CursorError
			if !errors.As(err, &ce) || !errors.Is(err, stream.ErrBadCursor) || !strings.HasPrefix(err.Error(), "stream: ") {
				t.Fatalf("ParseCursor(%q): error %v is not a *CursorError matching ErrBadCursor", s, err)
			}
			return
		}
		// An accepted cursor is canonical: it prints as it was given.
		if got := c.String(); got != s {
			t.Fatalf("ParseCursor(%q).String() = %q", s, got)
		}
		if c2, err := stream.ParseCursor(c.String()); err != nil || c2 != c {
			t.Fatalf("round trip of %q: %v, %v", s, c2, err)
		}
	})
}

// seedCursors returns cursors of every order and shape.
func seedCursors(tb testing.TB) []string {
	user, id := uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), uuid.MustParse("00000000-0000-4000-8000-000000000001")
	when := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	var out []string
	for _, c := range allOrders {
		for _, null := range []bool{false, true} {
			if null && c.order != contacts.ByLastContact {
				continue
			}
			for _, name := range []string{"Anne", "Zoë", strings.Repeat("é", contacts.MaxNameLen)} {
				out = append(out, stream.NewCursor(user, c.order, c.dir, c.nullsLast, null, name, when, id).String())
			}
		}
	}
	return out
}

package contacts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/kithhq/kith/contacts"
	"github.com/kithhq/kith/kithtest"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	db := kithtest.DB(t)
	s, err := contacts.NewStore(db, contacts.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, user := context.Background(), uuid.New()
	for _, c := range []contacts.Contact{
		{Name: "Margaret Hamilton", Email: "margaret@nasa.example"},
		{Name: "Margaret Thatcher"},
		{Name: "Grace Hopper", Email: "grace@navy.example"},
		{Name: "Linus Torvalds", Email: "linus@kernel.example"},
		{Name: "Hamilton Naki"},
		{Name: "Álvaro Pérez", Email: "alvaro.perez@example.com"},
		{Name: "Archived Margaret Hamilton", Archived: true},
		{Name: "Ada Byron", Email: "ada@home.example", OtherEmails: []string{"Countess.Lovelace@analytical.example"}},
		{Name: "Archived Zed", OtherEmails: []string{"zebediah.quux@example.com"}, Archived: true},
	} {
		if _, err := s.Create(ctx, user, c); err != nil {
			t.Fatal(err)
		}
	}
	other := uuid.New()
	for _, c := range []contacts.Contact{
		{Name: "Margaret Hamilton"},
		{Name: "Other Countess", OtherEmails: []string{"countess.lovelace@elsewhere.example"}},
	} {
		if _, err := s.Create(ctx, other, c); err != nil {
			t.Fatal(err)
		}
	}
	names := func(p contacts.Page) []string {
		var out []string
		for _, c := range p.Contacts {
			if c.UserID != user {
				t.Fatalf("another user's contact: %+v", c)
			}
			out = append(out, c.Name)
		}
		return out
	}
	// Typos, case: the best match first.
	p, err := s.Search(ctx, user, contacts.SearchOptions{Query: "margret hamiltn"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p); len(got) == 0 || got[0] != "Margaret Hamilton" || slices.Contains(got, "Archived Margaret Hamilton") || slices.Contains(got, "Linus Torvalds") {
		t.Fatalf("margret hamiltn: %q", got)
	}
	// By email.
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "alvaro.perez"})
	if err != nil || len(p.Contacts) == 0 || p.Contacts[0].Name != "Álvaro Pérez" {
		t.Fatalf("alvaro.perez: %q, %v", names(p), err)
	}
	// By another email than the primary (its local part, case ignored),
	// once, and never another user's.
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "countess.lovelace@analytical.example"})
	if err != nil || !slices.Equal(names(p), []string{"Ada Byron"}) {
		t.Fatalf("countess.lovelace: %q, %v", names(p), err)
	}
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "zebediah.quux"})
	if err != nil || len(p.Contacts) != 0 {
		t.Fatalf("an archived contact's other email, archived excluded: %q, %v", names(p), err)
	}
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "zebediah.quux", Archived: contacts.OnlyArchived})
	if err != nil || !slices.Equal(names(p), []string{"Archived Zed"}) {
		t.Fatalf("an archived contact's other email: %q, %v", names(p), err)
	}
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "Torvals"})
	if err != nil || !slices.Equal(names(p), []string{"Linus Torvalds"}) {
		t.Fatalf("Torvals: %q, %v", names(p), err)
	}
	// Archived contacts on request.
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "margaret hamilton", Archived: contacts.OnlyArchived})
	if err != nil || !slices.Equal(names(p), []string{"Archived Margaret Hamilton"}) {
		t.Fatalf("archived: %q, %v", names(p), err)
	}
	// Pages of one give the same ranking as one page.
	all, err := s.Search(ctx, user, contacts.SearchOptions{Query: "Hamilton", Archived: contacts.IncludeArchived})
	if err != nil || len(all.Contacts) < 3 || all.NextPageToken != "" {
		t.Fatalf("hamilton: %q, %v", names(all), err)
	}
	var paged []string
	o := contacts.SearchOptions{Query: "Hamilton", Archived: contacts.IncludeArchived, Limit: 1}
	for {
		p, err := s.Search(ctx, user, o)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, names(p)...)
		if p.NextPageToken == "" {
			break
		}
		o.PageToken = p.NextPageToken
	}
	if !slices.Equal(paged, names(all)) {
		t.Fatalf("paged %q, one page %q", paged, names(all))
	}
	// Tokens are bound to the user and the query.
	first, _ := s.Search(ctx, user, contacts.SearchOptions{Query: "Hamilton", Limit: 1})
	for _, tc := range []struct {
		user  uuid.UUID
		query string
		want  string
	}{{other, "Hamilton", "another user"}, {user, "Hopper", "another query"}} {
		_, err := s.Search(ctx, tc.user, contacts.SearchOptions{Query: tc.query, Limit: 1, PageToken: first.NextPageToken})
		if !errors.Is(err, contacts.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want ErrInvalid about %q", err, tc.want)
		}
	}
	if _, err := s.List(ctx, user, contacts.ListOptions{PageToken: first.NextPageToken}); !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("a search token given to List: %v", err)
	}
	for _, q := range []string{"", "   ", strings.Repeat("x", contacts.MaxSearchLen+1)} {
		if _, err := s.Search(ctx, user, contacts.SearchOptions{Query: q}); !errors.Is(err, contacts.ErrInvalid) {
			t.Errorf("query %q: %v", q, err)
		}
	}
	p, err = s.Search(ctx, user, contacts.SearchOptions{Query: "zzzzqqqq"})
	if err != nil || p.Contacts == nil || len(p.Contacts) != 0 {
		t.Fatalf("no match: %+v, %v", p, err)
	}

	// Without either index, then without the extension: a clear error.
	if _, err := db.Exec(`DROP INDEX kith.contact_emails_user_search_idx`); err != nil {
		t.Fatal(err)
	}
	s3, _ := contacts.NewStore(db, contacts.Config{})
	if _, err := s3.Search(ctx, user, contacts.SearchOptions{Query: "Hamilton"}); !errors.Is(err, contacts.ErrSearchUnavailable) || !strings.Contains(err.Error(), "index") {
		t.Fatalf("no contact_emails index: %v", err)
	}
	if _, err := db.Exec(`DROP INDEX kith.contacts_user_search_idx`); err != nil {
		t.Fatal(err)
	}
	s2, _ := contacts.NewStore(db, contacts.Config{})
	if _, err := s2.Search(ctx, user, contacts.SearchOptions{Query: "Hamilton"}); !errors.Is(err, contacts.ErrSearchUnavailable) || !strings.Contains(err.Error(), "index") {
		t.Fatalf("no index: %v", err)
	}
	if _, err := db.Exec(`DROP EXTENSION pg_trgm`); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Search(ctx, user, contacts.SearchOptions{Query: "Hamilton"}); !errors.Is(err, contacts.ErrSearchUnavailable) || !strings.Contains(err.Error(), "pg_trgm") {
		t.Fatalf("no extension: %v", err)
	}
}

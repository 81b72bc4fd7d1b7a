package contacts

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/dbschema"
)

// ErrSearchUnavailable is returned by Search when the database cannot
// search: the pg_trgm extension is not installed (the migration creates it
// when its role may) or kith's search index is missing. The error says
// which.
var ErrSearchUnavailable = errors.New("contacts: search unavailable")

// MaxSearchLen bounds SearchOptions.Query, in characters.
const MaxSearchLen = 100

// SearchOptions asks Search for one page of matches.
type SearchOptions struct {
	// Query is what the user typed: 1 to MaxSearchLen characters after
	// trimming. Matching ignores case and tolerates typos.
	Query string
	// Limit is the page size: 0 means DefaultListLimit, at most
	// MaxListLimit.
	Limit int
	// PageToken is Page.NextPageToken of the previous page of the same
	// query, "" for the first page.
	PageToken string
	// Archived: ExcludeArchived (default), OnlyArchived, IncludeArchived.
	Archived ArchivedFilter
}

// Search returns one page of userID's contacts whose name or one of whose
// emails (Email or any of OtherEmails) is similar to opts.Query, best
// match first (ties by ID). An email is matched by its local part (the
// part before the @, against the query's part before its @, if any):
// every address at one provider shares the domain.
//
// Matching is pg_trgm's trigram similarity: the share of three-letter
// sequences the query and the name (or the email) have in common, case
// ignored, so "Margret Hamiltn" finds "Margaret Hamilton". A contact
// matches when its name or one of its emails reaches
// pg_trgm.similarity_threshold (0.3 unless the host changed it), and ranks
// by the best of these similarities. Accents are not folded: "Alvaro" is
// close to "Álvaro", not equal.
//
// Candidates come from two GiST indexes that lead with user_id: one on
// contacts (user_id, name), one on contact_emails (user_id, the local part
// of every normalized address, the primary's included).
// A search reads the user's matching contacts, never another user's, and
// costs about as much as they are many; pages are keyset pages over
// (similarity, ID) like List's, and a token is bound to its user and
// query. Without pg_trgm, or without either index, Search returns
// ErrSearchUnavailable.
func (s *Store) Search(ctx context.Context, userID uuid.UUID, opts SearchOptions) (Page, error) {
	if err := checkUser(userID); err != nil {
		return Page{}, err
	}
	q := strings.TrimSpace(opts.Query)
	if err := checkText("query", q, MaxSearchLen); err != nil {
		return Page{}, err
	}
	if q == "" {
		return Page{}, &FieldError{Field: "query", Reason: "required"}
	}
	lo := ListOptions{Limit: opts.Limit, Archived: opts.Archived}
	f, err := newListFilter(&lo)
	if err != nil {
		return Page{}, err
	}
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(q)))
	digest := h.Sum64()
	var start listKey
	if opts.PageToken != "" {
		tok, err := parseToken(opts.PageToken, true)
		if err != nil {
			return Page{}, err
		}
		switch {
		case tok.user != userID:
			return Page{}, badToken("the token belongs to another user")
		case tok.query != digest:
			return Page{}, badToken("the token is for another query")
		case tok.filter.archived != f.archived:
			return Page{}, badToken("the token is for another archived filter")
		}
		start = tok.key
	}
	trgm, err := s.searchSchema(ctx)
	if err != nil {
		return Page{}, err
	}
	sql := searchSQL(s.schema, trgm, f.archived)
	// Emails are matched by their local part: every address at one
	// provider shares the domain's trigrams.
	local, _, _ := strings.Cut(q, "@")
	query := func(user uuid.UUID, after listKey, limit int) (string, []any) {
		if !after.begun {
			return sql[0], []any{user, q, limit, local}
		}
		return sql[1], []any{user, q, limit, local, after.score, after.id}
	}
	return s.page(ctx, userID, lo.Limit, start, query, nil, func(k listKey) string {
		return listToken{search: true, query: digest, user: userID, filter: f, key: k}.String()
	})
}

// searchState caches where pg_trgm lives once it was found.
type searchState struct {
	mu     sync.Mutex
	schema string
}

// searchSchema returns the schema of pg_trgm's functions and operators, or
// ErrSearchUnavailable. A failed look-up is not cached: installing the
// extension (and the index) later makes search available.
func (s *Store) searchSchema(ctx context.Context) (string, error) {
	s.search.mu.Lock()
	defer s.search.mu.Unlock()
	if s.search.schema != "" {
		return s.search.schema, nil
	}
	var trgm *string
	var gist bool
	err := s.db.QueryRowContext(ctx, dbschema.Qualify(`SELECT
		(SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'),
		coalesce(to_regclass('kith.contacts_user_search_idx')::text, '') <> '' AND coalesce(to_regclass('kith.contact_emails_user_search_idx')::text, '') <> ''`, s.schema)).Scan(&trgm, &gist)
	switch {
	case err != nil:
		return "", fmt.Errorf("contacts: search: %w", err)
	case trgm == nil:
		return "", fmt.Errorf("%w: the pg_trgm extension is not installed in this database (CREATE EXTENSION pg_trgm needs the CREATE privilege on the database)", ErrSearchUnavailable)
	case !gist:
		return "", fmt.Errorf("%w: the search index is missing (pg_trgm or btree_gist was not installed when kith's schema was migrated)", ErrSearchUnavailable)
	case !utf8.ValidString(*trgm) || strings.ContainsRune(*trgm, '"'):
		return "", fmt.Errorf("%w: pg_trgm is installed in schema %q, which kith cannot name", ErrSearchUnavailable, *trgm)
	}
	s.search.schema = *trgm
	return *trgm, nil
}

// searchSQL returns the first page and the following pages' statements.
// $1 user, $2 query, $3 limit, $4 the query's local part, $5 the last
// score, $6 the last ID.
func searchSQL(schema, trgm string, archived ArchivedFilter) [2]string {
	t := `"` + trgm + `".`
	var arch string
	switch archived {
	case ExcludeArchived:
		arch = " AND NOT archived"
	case OnlyArchived:
		arch = " AND archived"
	}
	build := func(after string) string {
		// Candidates: contacts whose name matches (the contacts index),
		// and contacts with any matching address, the primary included
		// (the contact_emails index, then one primary-key look-up per
		// match: LATERAL keeps the planner from hashing all the user's
		// contacts); a contact found both ways counts once, with its best
		// score. A primary address similar enough to count is found by
		// the second branch too (email_keys holds its normalized form, and
		// trigrams ignore case), so the first branch's similarity of the
		// stored primary only repeats a score the second one gives.
		keys := `SELECT id, score FROM (SELECT id, max(score) AS score FROM (
			SELECT id, greatest(` + t + `similarity(name, $2), ` + t + `similarity(split_part(email, '@', 1), $4)) AS score
			FROM kith.contacts
			WHERE user_id = $1 AND name OPERATOR(` + t + `%) $2` + arch + `
			UNION ALL
			SELECT c.id, greatest(` + t + `similarity(c.name, $2), ` + t + `similarity(split_part(e.email, '@', 1), $4))
			FROM kith.contact_emails AS e CROSS JOIN LATERAL (
				SELECT id, name FROM kith.contacts WHERE user_id = $1 AND id = e.contact_id` + arch + ` LIMIT 1) AS c
			WHERE e.user_id = $1 AND split_part(e.email, '@', 1) OPERATOR(` + t + `%) $4
			) AS u GROUP BY id) AS s` +
			after + ` ORDER BY score DESC, id LIMIT $3`
		return dbschema.Qualify(`SELECT NULL::boolean, NULL::text, NULL::timestamptz, k.score::float8, c.* FROM (`+keys+
			`) AS k CROSS JOIN LATERAL (SELECT `+contactsql.Full.Columns()+` FROM kith.contacts AS r WHERE r.user_id = $1 AND r.id = k.id LIMIT 1) AS c
			ORDER BY k.score DESC, k.id`, schema)
	}
	return [2]string{build(""), build(` WHERE score < $5::real OR (score = $5::real AND id > $6)`)}
}

package contacts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/pgerr"
)

// A DeletePolicy says what a Google sync does with the contact of a person
// Google deleted (GooglePage.Deleted), or that a complete full pass no
// longer lists (Store.ReconcileGoogle). The zero value is ArchiveDeleted.
type DeletePolicy uint8

const (
	// ArchiveDeleted archives the contact and keeps its link, so that the
	// user's notes, frequency and history survive, and the contact comes
	// back (unarchived) if Google lists the person again under the same
	// resource name. A contact the user had archived already stays as it
	// is; one the sync archived is unarchived only by the sync, and a
	// user's own Archive or Unarchive after it makes the state theirs.
	ArchiveDeleted DeletePolicy = iota
	// DetachDeleted keeps the contact as a manual contact: its link to
	// Google (resource name, etag, last sync time, pass) is cleared, as
	// Store.Unlink does, and nothing else changes.
	DetachDeleted
	// RemoveDeleted deletes the contact, its group memberships and its
	// suggestions.
	RemoveDeleted
)

func (p DeletePolicy) String() string {
	switch p {
	case ArchiveDeleted:
		return "archive"
	case DetachDeleted:
		return "detach"
	case RemoveDeleted:
		return "delete"
	}
	return fmt.Sprintf("DeletePolicy(%d)", uint8(p))
}

func (p DeletePolicy) valid() bool { return p <= RemoveDeleted }

// A GooglePerson is one person of a People API page, mapped to a contact.
type GooglePerson struct {
	// Contact holds the fields Google owns, filled from the person: Name
	// (required), Email, OtherEmails, Phone, LinkedIn, Instagram, XHandle,
	// Location, GoogleResourceName (required) and GoogleETag. A person the
	// user does not have yet is stored with every field set here
	// (Notes, Tags, Source, ...; Source "" becomes "google"); for a
	// contact the user has, only the Google-owned fields are written.
	// ID, UserID, Version, GroupIDs, LastSyncedAt (GooglePage.SyncedAt is
	// used) and the timestamps are ignored.
	Contact
	// PreviousResourceNames are metadata.previousResourceNames: the
	// person's earlier resource names, whose stored contact moves to the
	// new name (ApplyGooglePage tells how).
	PreviousResourceNames []string
	// Groups are the resource names of the Google contact groups the
	// person belongs to (memberships[].contactGroupMembership.
	// contactGroupResourceName). Names of groups SyncGoogleGroups has not
	// linked to a kith group are ignored.
	Groups []string
}

// A GooglePage is one page of a People API sync, as ApplyGooglePage writes
// it.
type GooglePage struct {
	// People are the page's people that are not deleted, in any order.
	// At most MaxGooglePage; each resource name at most once.
	People []GooglePerson
	// Deleted are the resource names of the page's people whose
	// metadata.deleted is true; they follow Policy. A name also in People
	// is not deleted. At most MaxGooglePage.
	Deleted []string
	// Policy is what happens to the contacts of Deleted people.
	Policy DeletePolicy
	// Pass is the full-pass marker: 0 on an incremental pass; on a full
	// pass, a value (non-zero) that no earlier pass attempt of this user
	// used, such as the sync run's start time in nanoseconds. Every person
	// of the page is marked with it, unchanged ones included (without a
	// new Version); ReconcileGoogle then treats the linked contacts a
	// complete pass did not mark as deleted.
	Pass int64
	// SyncedAt is the time of the sync, stored as LastSyncedAt of the
	// contacts written; the zero time means the Store's clock.
	SyncedAt time.Time
}

// GooglePageOptions configures one ApplyGooglePage call. The zero value
// refuses a page holding any invalid person.
type GooglePageOptions struct {
	// SkipInvalid writes the valid people of a page and reports each
	// refused one in GooglePageResult.Rejected, instead of refusing the
	// whole page for one bad person.
	SkipInvalid bool
}

// MaxGooglePage is the most people, and the most deleted names, one
// ApplyGooglePage call takes. A People API page holds at most 1,000.
const MaxGooglePage = 10_000

// GooglePageResult counts what ApplyGooglePage did with a page. Every
// person of the page that was not rejected is counted once among Inserted,
// Updated, Unchanged and Linked.
type GooglePageResult struct {
	Inserted  int // new contacts
	Updated   int // contacts whose Google fields were written (new etag), or that came back from the sync's archive
	Unchanged int // etag equal: nothing written but the pass marker
	Linked    int // manual contacts matched by email and linked to their person instead of inserting one
	// Merged counts people whose stored contact moved from one of their
	// PreviousResourceNames to their resource name (they are counted as
	// Updated too); MergedAway counts the duplicate contacts folded into
	// another one and deleted (see ApplyGooglePage).
	Merged     int
	MergedAway int
	// Archived, Detached and Deleted count the contacts of Deleted people
	// the policy changed (a contact already archived is not archived
	// again).
	Archived int
	Detached int
	Deleted  int
	// MembershipsAdded and MembershipsRemoved count the changes of
	// membership in kith groups linked to Google groups.
	MembershipsAdded   int
	MembershipsRemoved int
	// Rejected lists the people refused under GooglePageOptions.SkipInvalid,
	// in page order (Row is the 1-based position in People); empty, never
	// nil, when none was.
	Rejected []RowError
}

// ApplyGooglePage writes one page of a Google People sync for userID: the
// page's people, the deletion of its deleted people by policy, merges,
// links to manual contacts, memberships of Google groups and the full-pass
// marker, in a few set-based statements (never one per person), all in one
// transaction: the caller's when the Store is over a transaction (the sync
// saves its sync token in the same one), else one of its own.
//
// People are keyed by (userID, GoogleResourceName):
//
//   - Merges. A person whose PreviousResourceNames name a stored contact
//     moves it to its resource name, every user field intact. When several
//     stored contacts belong to one person (its new name and an old one
//     both exist, or two old ones), the oldest (by created_at, then ID)
//     is kept and the others are folded into it, then deleted: their notes
//     are appended to its notes (blank line between, at most MaxNotesLen),
//     their tags added to its tags (at most MaxTags), the latest last
//     contact date kept, its empty frequency, circle (with its time and
//     confidence), suggested circle and time zone filled from theirs, their
//     other networks added, their group memberships added (at most
//     MaxGroupsPerContact), and it stays archived only if all were. Their
//     suggestions are deleted with them.
//   - Links. A person whose resource name the user does not have and one
//     of whose addresses (NormalizeEmail) is an address of a manual contact
//     of the user (no resource name; archived or not) is linked to that
//     contact instead of being inserted: the oldest such contact, and one
//     person per contact (the first in resource-name order). Linking
//     writes the Google-owned fields from Google (Name, Email, Phone,
//     LinkedIn, Instagram, XHandle, Location; a field Google leaves empty
//     keeps the user's value), the person's addresses first with the
//     user's other addresses after them in OtherEmails (up to
//     MaxOtherEmails), and the link; nothing else the user typed changes.
//     From then on the contact is synced: a later change of the person
//     replaces its Google-owned fields, as for any synced contact.
//   - Updates. A stored contact whose etag equals the person's non-empty
//     etag is left as it is (only the full-pass marker is written). Any
//     other gets its Google-owned fields (those above, OtherEmails and
//     GoogleETag) replaced, LastSyncedAt set and Version bumped. What the
//     user typed (notes, frequency, circle, tags, time zone, kith groups,
//     archived, last contact date) is never written by an update. A
//     contact the sync archived (ArchiveDeleted) whose person is listed
//     again is unarchived; one the user archived stays archived.
//   - Inserts. Any other person becomes a new contact.
//   - Groups. For the page's people, memberships of kith groups linked to
//     Google groups (Store.SyncGoogleGroups) are set to exactly the
//     person's Groups, added and removed in two statements; memberships of
//     the user's own groups are never touched. A contact stays in at most
//     MaxGroupsPerContact groups: Google groups beyond that are not added.
//   - Deletions. The stored contacts of Deleted follow page.Policy.
//
// Every person must be valid (as Validate, last-contact date at most
// Config.MaxFutureSkew ahead) with a GoogleResourceName unique within the
// page, and its other names non-empty and at most MaxGoogleLen characters.
// Otherwise, by default, the error is a *FieldError with Row set and
// nothing is written; with opts.SkipInvalid the others are written and
// each refused person is listed in Rejected.
//
// Two calls for one user never deadlock each other: each takes a
// transaction-scoped advisory lock of the user first, so they take turns,
// and rows are written in resource-name order. Against a host's own
// statements locking the same rows a deadlock remains possible; the Store
// over a pool then retries the page once, inside a host's transaction the
// error is returned (the transaction is aborted).
func (s *Store) ApplyGooglePage(ctx context.Context, userID uuid.UUID, page GooglePage, opts GooglePageOptions) (GooglePageResult, error) {
	res := GooglePageResult{Rejected: []RowError{}}
	if err := checkUser(userID); err != nil {
		return res, err
	}
	p, err := s.preparePage(&page, opts, &res)
	if err != nil {
		return GooglePageResult{Rejected: []RowError{}}, err
	}
	if p.empty() {
		return res, nil
	}
	err = s.inTx(ctx, func(db kith.DB) error {
		r := res
		r.Rejected = res.Rejected
		if err := s.applyPage(ctx, db, userID, p, &r); err != nil {
			return err
		}
		res = r
		return nil
	})
	if err != nil {
		return GooglePageResult{Rejected: []RowError{}}, fail(err, "apply google page of %d people", len(p.rows))
	}
	return res, nil
}

// preparedPage is a validated page as the statements read it.
type preparedPage struct {
	rows      []pageRow // sorted by resource name
	names     []string  // the rows' resource names, in the same order
	merges    []mergePair
	groups    map[string][]string // every person's Google groups, by resource name
	anyGroups bool                // some person has a group
	deleted   []string            // sorted, none of them in names
	policy    DeletePolicy
	pass      int64
}

func (p *preparedPage) empty() bool { return len(p.rows) == 0 && len(p.deleted) == 0 }

// pageRow is a person as the page's upsert reads it.
type pageRow struct {
	upsertRow
	Groups []string `json:"groups"`
}

type mergePair struct {
	New string `json:"new"`
	Old string `json:"old"`
	Ord int    `json:"ord"`
}

// preparePage validates page and returns it as the statements read it;
// refused people go to res.Rejected under opts.SkipInvalid.
func (s *Store) preparePage(page *GooglePage, opts GooglePageOptions, res *GooglePageResult) (*preparedPage, error) {
	if len(page.People) > MaxGooglePage {
		return nil, &FieldError{Field: "people", Reason: fmt.Sprintf("%d people, more than %d", len(page.People), MaxGooglePage), Len: len(page.People), Max: MaxGooglePage}
	}
	if len(page.Deleted) > MaxGooglePage {
		return nil, &FieldError{Field: "deleted", Reason: fmt.Sprintf("%d names, more than %d", len(page.Deleted), MaxGooglePage), Len: len(page.Deleted), Max: MaxGooglePage}
	}
	if !page.Policy.valid() {
		return nil, &FieldError{Field: "policy", Reason: fmt.Sprintf("unknown delete policy %d", uint8(page.Policy))}
	}
	synced := page.SyncedAt
	if synced.IsZero() {
		synced = s.now()
	}
	if err := checkDate("last_synced_at", synced); err != nil {
		return nil, err
	}
	type person struct {
		row    upsertRow
		prev   []string
		groups []string
	}
	people := make([]person, 0, len(page.People))
	seen := make(map[string]int, len(page.People))
	for i := range page.People {
		in := &page.People[i]
		c := in.Contact
		c.LastSyncedAt = &synced
		if c.Source == "" {
			c.Source = "google"
		}
		row, err := s.upsertRow(&c, i+1, seen)
		var prev, groups []string
		if err == nil {
			prev, err = googleNames("previous_resource_names", in.PreviousResourceNames, i+1, row.GoogleResourceName)
		}
		if err == nil {
			groups, err = googleNames("groups", in.Groups, i+1, "")
		}
		if err != nil {
			if !opts.SkipInvalid {
				return nil, err
			}
			res.Rejected = append(res.Rejected, RowError{Row: i + 1, GoogleResourceName: in.GoogleResourceName, Err: err})
			continue
		}
		people = append(people, person{row, prev, groups})
	}
	// One lock order for every caller: resource-name (byte) order.
	slices.SortFunc(people, func(a, b person) int { return strings.Compare(a.row.GoogleResourceName, b.row.GoogleResourceName) })
	p := &preparedPage{policy: page.Policy, pass: page.Pass,
		rows: make([]pageRow, len(people)), names: make([]string, len(people)), groups: make(map[string][]string, len(people))}
	listed := make(map[string]bool, len(people))
	for i, pr := range people {
		p.rows[i], p.names[i] = pageRow{pr.row, nonNil(pr.groups)}, pr.row.GoogleResourceName
		listed[pr.row.GoogleResourceName] = true
		for _, old := range pr.prev {
			p.merges = append(p.merges, mergePair{New: pr.row.GoogleResourceName, Old: old, Ord: i})
		}
		p.groups[pr.row.GoogleResourceName] = nonNil(pr.groups)
		p.anyGroups = p.anyGroups || len(pr.groups) > 0
	}
	for i, name := range page.Deleted {
		if err := checkGoogleName("deleted", name); err != nil {
			err.(*FieldError).Row = i + 1
			return nil, err
		}
		if !listed[name] {
			p.deleted = append(p.deleted, name)
		}
	}
	slices.Sort(p.deleted)
	p.deleted = slices.Compact(p.deleted)
	return p, nil
}

// googleNames checks a person's list of resource names (previous names,
// groups): each non-empty, at most MaxGoogleLen characters, not self. It
// returns them without repeats.
func googleNames(field string, names []string, row int, self string) ([]string, error) {
	var out []string
	for _, n := range names {
		if err := checkGoogleName(field, n); err != nil {
			err.(*FieldError).Row = row
			return nil, err
		}
		if n != self && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// checkGoogleName checks one resource name; the error is a *FieldError.
func checkGoogleName(field, name string) error {
	if name == "" {
		return &FieldError{Field: field, Reason: "empty resource name"}
	}
	return checkLine(field, name, MaxGoogleLen)
}

// applyPage runs a prepared page's statements on db, a transaction.
func (s *Store) applyPage(ctx context.Context, db kith.DB, userID uuid.UUID, p *preparedPage, res *GooglePageResult) error {
	if err := s.lockGoogle(ctx, db, userID); err != nil {
		return err
	}
	merged := map[string]bool{}
	if len(p.merges) > 0 {
		pairs, err := json.Marshal(p.merges)
		if err != nil {
			return err
		}
		all := make([]string, 0, 2*len(p.merges))
		for _, m := range p.merges {
			all = append(all, m.New, m.Old)
		}
		names, err := queryStrings(ctx, db, s.q.google.fold, userID, string(pairs), pgarray.Strings(all))
		if err != nil {
			return err
		}
		res.MergedAway = len(names)
		for _, n := range names {
			merged[n] = true
		}
		if names, err = queryStrings(ctx, db, s.q.google.rekey, userID, string(pairs)); err != nil {
			return err
		}
		for _, n := range names {
			merged[n] = true
		}
		res.Merged = len(merged)
	}
	if len(p.deleted) > 0 {
		n, err := s.applyPolicy(ctx, db, s.q.google.deleted[p.policy], userID, pgarray.Strings(p.deleted))
		if err != nil {
			return err
		}
		switch p.policy {
		case ArchiveDeleted:
			res.Archived = n
		case DetachDeleted:
			res.Detached = n
		case RemoveDeleted:
			res.Deleted = n
		}
	}
	if len(p.rows) == 0 {
		return nil
	}
	payload, err := json.Marshal(p.rows)
	if err != nil {
		return err
	}
	var inserted []uuid.UUID
	if err := db.QueryRowContext(ctx, s.q.google.upsert, userID, string(payload), p.pass).
		Scan(&res.Linked, &res.Inserted, &res.Updated, uuidArray{&inserted}); err != nil {
		return err
	}
	res.Unchanged = len(p.rows) - res.Linked - res.Inserted - res.Updated
	groups, err := json.Marshal(p.groups)
	if err != nil {
		return err
	}
	names := pgarray.Strings(p.names)
	r, err := db.ExecContext(ctx, s.q.google.removeMembers, userID, string(groups), names)
	if res.MembershipsRemoved, err = affected(r, err); err != nil {
		return err
	}
	if p.anyGroups {
		r, err := db.ExecContext(ctx, s.q.google.addMembers, userID, string(groups), names, MaxGroupsPerContact, pgarray.UUIDs(inserted))
		if res.MembershipsAdded, err = affected(r, err); err != nil {
			return err
		}
	}
	return nil
}

// applyPolicy runs one of the deletion statements and returns the rows it
// changed.
func (s *Store) applyPolicy(ctx context.Context, db kith.DB, query string, args ...any) (int, error) {
	return affected(db.ExecContext(ctx, query, args...))
}

// ReconcileGoogle ends a complete full pass of userID's Google sync: every
// contact linked to Google that the pass (every page applied with
// GooglePage.Pass = pass) did not mark follows policy, as GooglePage.Deleted
// does, and it returns how many contacts changed. Call it only after the
// last page of a full pass that listed every person, in that page's
// transaction: a pass that fails part way must never call it, or the
// people of its missing pages would be treated as deleted. pass must not
// be 0.
//
// With ArchiveDeleted a contact already archived (by the user or by an
// earlier reconcile) is left as it is and not counted.
func (s *Store) ReconcileGoogle(ctx context.Context, userID uuid.UUID, pass int64, policy DeletePolicy) (int, error) {
	if err := checkUser(userID); err != nil {
		return 0, err
	}
	if pass == 0 {
		return 0, &FieldError{Field: "pass", Reason: "0 is no full pass"}
	}
	if !policy.valid() {
		return 0, &FieldError{Field: "policy", Reason: fmt.Sprintf("unknown delete policy %d", uint8(policy))}
	}
	var n int
	err := s.inTx(ctx, func(db kith.DB) error {
		if err := s.lockGoogle(ctx, db, userID); err != nil {
			return err
		}
		var err error
		n, err = s.applyPolicy(ctx, db, s.q.google.unseen[policy], userID, pass)
		return err
	})
	if err != nil {
		return 0, fail(err, "reconcile google pass")
	}
	return n, nil
}

// lockGoogle takes the transaction-scoped advisory lock that makes the
// Google writes of one user take turns.
func (s *Store) lockGoogle(ctx context.Context, db kith.DB, userID uuid.UUID) error {
	_, err := db.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
		"kith/google-people/"+s.schema+"/"+userID.String())
	return err
}

// inTx runs f in a transaction: the Store's own when its handle is a
// transaction, else a new one, committed when f succeeds and tried once
// more after a deadlock or serialization failure.
func (s *Store) inTx(ctx context.Context, f func(db kith.DB) error) error {
	b, ok := s.db.(kith.Beginner)
	if !ok {
		return f(s.db)
	}
	for attempt := 1; ; attempt++ {
		err := func() error {
			tx, err := b.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := f(tx); err != nil {
				tx.Rollback()
				return err
			}
			return tx.Commit()
		}()
		if err == nil || attempt > 1 || !pgerr.Is(err, pgerr.SerializationFailure, pgerr.DeadlockDetected) {
			return err
		}
	}
}

// affected returns the rows an Exec changed.
func affected(r sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// queryStrings runs a query returning one text column.
func queryStrings(ctx context.Context, db kith.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

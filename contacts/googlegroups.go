package contacts

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/kithhq/kith"
	"golang.org/x/text/unicode/norm"
)

// A GoogleGroup is a Google contact group (contactGroups.list) as
// SyncGoogleGroups mirrors it.
type GoogleGroup struct {
	ResourceName string // "contactGroups/1a2b", at most MaxGoogleLen characters
	Name         string // the group's name as Google shows it (formattedName for system groups)
}

// GoogleGroupsResult counts what SyncGoogleGroups did.
type GoogleGroupsResult struct {
	Created   int // kith groups created for Google groups
	Renamed   int // linked groups whose name changed
	Unchanged int // linked groups left as they were
	Unlinked  int // linked groups whose Google group is no longer listed
}

// MaxGoogleGroups is the most groups one SyncGoogleGroups call takes.
const MaxGoogleGroups = 10_000

// googleGroupSuffix marks a linked group whose Google name another group
// of the user holds ignoring case.
const googleGroupSuffix = " (Google)"

// SyncGoogleGroups makes userID's kith groups linked to Google contact
// groups match groups, the complete list Google gives (contactGroups.list,
// every page): a Google group without a kith group gets one, linked by its
// resource name; a linked group whose Google name changed is renamed. The
// groups the user made are never renamed, deleted or linked.
//
// A Google name that another group of the user already holds (names are
// unique per user ignoring case) gets a distinct one: "Friends (Google)",
// then "Friends (Google 2)", ...; the next call gives the group its own
// name back once it is free. Names are normalized as CreateGroup does;
// bidi controls and NUL bytes are dropped, names longer than
// MaxGroupNameLen cut, and an empty name becomes "Google group".
//
// A linked group whose Google group is not in groups (Google deleted it)
// is unlinked: it stays, with its members, as a group of the user's own
// that no sync touches again. Nothing the user put in a group is lost;
// the user may delete it. So pass the complete list: a partial one
// unlinks the groups it misses.
//
// Call it before the pages of a sync, so their people's Groups find their
// kith groups; it runs in the Store's transaction (or its own), after the
// per-user lock ApplyGooglePage takes. A group the user creates between
// the read of their groups and the write, with a name chosen here, makes
// the call fail with ErrDuplicate; the next call succeeds.
func (s *Store) SyncGoogleGroups(ctx context.Context, userID uuid.UUID, groups []GoogleGroup) (GoogleGroupsResult, error) {
	if err := checkUser(userID); err != nil {
		return GoogleGroupsResult{}, err
	}
	if len(groups) > MaxGoogleGroups {
		return GoogleGroupsResult{}, &FieldError{Field: "groups", Reason: fmt.Sprintf("%d groups, more than %d", len(groups), MaxGoogleGroups), Len: len(groups), Max: MaxGoogleGroups}
	}
	seen := make(map[string]int, len(groups))
	for i, g := range groups {
		if err := checkGoogleName("google_resource_name", g.ResourceName); err != nil {
			err.(*FieldError).Row = i + 1
			return GoogleGroupsResult{}, err
		}
		if prev, dup := seen[g.ResourceName]; dup {
			return GoogleGroupsResult{}, &FieldError{Field: "google_resource_name", Row: i + 1, Reason: fmt.Sprintf("%q repeats row %d", g.ResourceName, prev)}
		}
		seen[g.ResourceName] = i + 1
	}
	sorted := slices.Clone(groups)
	slices.SortFunc(sorted, func(a, b GoogleGroup) int { return strings.Compare(a.ResourceName, b.ResourceName) })
	var res GoogleGroupsResult
	err := s.inTx(ctx, func(db kith.DB) error {
		if err := s.lockGoogle(ctx, db, userID); err != nil {
			return err
		}
		existing, err := s.googleGroupState(ctx, db, userID)
		if err != nil {
			return err
		}
		payload, err := json.Marshal(groupNames(sorted, existing))
		if err != nil {
			return err
		}
		var written int
		if err := db.QueryRowContext(ctx, s.q.google.syncGroups, userID, string(payload)).
			Scan(&res.Unlinked, &res.Created, &written); err != nil {
			return err
		}
		res.Renamed = written - res.Created
		res.Unchanged = len(sorted) - written
		return nil
	})
	if err != nil {
		return GoogleGroupsResult{}, fail(err, "sync %d google groups", len(groups))
	}
	return res, nil
}

// storedGroup is a group as SyncGoogleGroups reads it.
type storedGroup struct {
	id                    uuid.UUID
	name, key, googleName string
}

func (s *Store) googleGroupState(ctx context.Context, db kith.DB, userID uuid.UUID) ([]storedGroup, error) {
	rows, err := db.QueryContext(ctx, s.q.google.groups, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedGroup
	for rows.Next() {
		var g storedGroup
		if err := rows.Scan(&g.id, &g.name, &g.key, &g.googleName); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// syncedGroup is one Google group as the statement reads it.
type syncedGroup struct {
	ResourceName string `json:"rn"`
	Name         string `json:"name"`
	Key          string `json:"key"`
}

// groupNames chooses each Google group's kith name (groups sorted by
// resource name). A name is taken when any existing group other than the
// group's own holds its key, or an earlier group of this call chose it: so
// no renamed group takes a name another row still holds in the same
// statement, and swaps settle over two calls.
func groupNames(groups []GoogleGroup, existing []storedGroup) []syncedGroup {
	own := map[string]string{} // resource name → its current key
	taken := map[string]int{}  // key → how many existing groups hold it
	for _, g := range existing {
		taken[g.key]++
		if g.googleName != "" {
			own[g.googleName] = g.key
		}
	}
	chosen := map[string]bool{}
	free := func(rn, key string) bool {
		n := taken[key]
		if k, ok := own[rn]; ok && k == key {
			n--
		}
		return n == 0 && !chosen[key]
	}
	out := make([]syncedGroup, len(groups))
	for i, g := range groups {
		base := cleanGroupName(g.Name)
		name := base
		for n := 1; ; n++ {
			if n > 1 {
				suffix := googleGroupSuffix
				if n > 2 {
					suffix = fmt.Sprintf(" (Google %d)", n-1)
				}
				name = cutRunes(base, MaxGroupNameLen-utf8.RuneCountInString(suffix)) + suffix
			}
			if _, key, err := groupName(name); err == nil && free(g.ResourceName, key) {
				chosen[key] = true
				out[i] = syncedGroup{ResourceName: g.ResourceName, Name: name, Key: key}
				break
			}
		}
	}
	return out
}

// cleanGroupName makes a Google group's name a valid kith group name.
func cleanGroupName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if r == 0 || isBidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = cutRunes(strings.TrimSpace(norm.NFC.String(name)), MaxGroupNameLen)
	if name = strings.TrimSpace(name); name == "" {
		return "Google group"
	}
	return name
}

// cutRunes returns s cut to at most n runes.
func cutRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// syncGroupsSQL: $2 is a JSON array of {rn, name, key} sorted by resource
// name. Linked groups not in it are unlinked; the others are created or
// renamed. It returns the counts unlinked, created and written (created or
// renamed).
const syncGroupsSQL = `
WITH incoming AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (rn text, name text, key text)) WITH ORDINALITY AS i(rn, name, key, ord)
), unlinked AS (
    UPDATE kith.groups g SET google_resource_name = '', updated_at = now()
    WHERE g.user_id = $1 AND g.google_resource_name <> ''
      AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.rn = g.google_resource_name)
    RETURNING 1
), written AS (
    INSERT INTO kith.groups AS g (user_id, name, name_key, google_resource_name)
    SELECT $1, i.name, i.key, i.rn FROM incoming i ORDER BY i.ord
    ON CONFLICT (user_id, google_resource_name) WHERE google_resource_name <> ''
    DO UPDATE SET name = EXCLUDED.name, name_key = EXCLUDED.name_key, updated_at = now()
    WHERE g.name <> EXCLUDED.name
    RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT count(*) FROM unlinked), count(*) FILTER (WHERE inserted), count(*) FROM written`

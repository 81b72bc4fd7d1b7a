package contacts

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/kithhq/kith/internal/pgarray"
	"github.com/kithhq/kith/internal/pgerr"
)

// Groups returns userID's groups ordered by name.
func (s *Store) Groups(ctx context.Context, userID uuid.UUID) ([]Group, error) {
	if err := checkUser(userID); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q.groups, userID)
	if err != nil {
		return nil, fail(err, "list groups")
	}
	defer rows.Close()
	groups := []Group{}
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.UserID, &g.Name, &g.CreatedAt, &g.UpdatedAt); err != nil {
			return nil, fail(err, "list groups")
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(err, "list groups")
	}
	return groups, nil
}

// CreateGroup creates a group of userID. The name is trimmed and put in
// Unicode NFC; names are unique per user ignoring case ("Family" and
// "family" are one name): a second group with the same name is
// ErrDuplicate.
func (s *Store) CreateGroup(ctx context.Context, userID uuid.UUID, name string) (Group, error) {
	if err := checkUser(userID); err != nil {
		return Group{}, err
	}
	name, key, err := groupName(name)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = s.db.QueryRowContext(ctx, s.q.createGroup, userID, name, key).Scan(&g.ID, &g.UserID, &g.Name, &g.CreatedAt, &g.UpdatedAt)
	if err != nil {
		if pgerr.Is(err, pgerr.UniqueViolation) {
			return Group{}, fail(err, "create group %q: a group named %q exists", name, key)
		}
		return Group{}, fail(err, "create group %q", name)
	}
	return g, nil
}

// RenameGroup renames the group id of userID. A missing group is
// ErrNotFound; a name another of the user's groups has, ignoring case, is
// ErrDuplicate. The name is normalized as CreateGroup does.
func (s *Store) RenameGroup(ctx context.Context, userID, id uuid.UUID, name string) (Group, error) {
	if err := checkUser(userID); err != nil {
		return Group{}, err
	}
	name, key, err := groupName(name)
	if err != nil {
		return Group{}, err
	}
	var g Group
	err = s.db.QueryRowContext(ctx, s.q.renameGroup, userID, id, name, key).Scan(&g.ID, &g.UserID, &g.Name, &g.CreatedAt, &g.UpdatedAt)
	if err != nil {
		if pgerr.Is(err, pgerr.UniqueViolation) {
			return Group{}, fail(err, "rename group %s to %q: a group named %q exists", id, name, key)
		}
		return Group{}, fail(err, "rename group %s", id)
	}
	return g, nil
}

// DeleteGroup deletes the group id of userID; its contacts stay and lose
// the membership, in the same statement.
func (s *Store) DeleteGroup(ctx context.Context, userID, id uuid.UUID) error {
	if err := checkUser(userID); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.deleteGroup, userID, id)
	if err := affectedOne(res, err); err != nil {
		return fail(err, "delete group %s", id)
	}
	return nil
}

// AddToGroup makes the given contacts members of the group groupID. All of
// them and the group must be userID's, or nothing changes and the error is
// ErrNotFound. Adding a member twice is not an error. A contact belongs to
// at most MaxGroupsPerContact groups; more is ErrInvalid.
func (s *Store) AddToGroup(ctx context.Context, userID, groupID uuid.UUID, contactIDs ...uuid.UUID) error {
	if err := checkUser(userID); err != nil {
		return err
	}
	ids := distinct(contactIDs)
	var groups, found, added int
	err := s.db.QueryRowContext(ctx, s.q.addMembers, userID, groupID, pgarray.UUIDs(ids), len(ids)).Scan(&groups, &found, &added)
	switch {
	case err != nil:
		return fail(membershipError(err), "add to group %s", groupID)
	case groups == 0:
		return fail(ErrNotFound, "add to group %s: no such group", groupID)
	case found < len(ids):
		return fail(ErrNotFound, "add to group %s: %d of %d contacts", groupID, len(ids)-found, len(ids))
	}
	return nil
}

// RemoveFromGroup ends the given contacts' membership of groupID. IDs that
// are not members are ignored; a group that is not userID's is ErrNotFound.
func (s *Store) RemoveFromGroup(ctx context.Context, userID, groupID uuid.UUID, contactIDs ...uuid.UUID) error {
	if err := checkUser(userID); err != nil {
		return err
	}
	var groups, removed int
	err := s.db.QueryRowContext(ctx, s.q.removeMembers, userID, groupID, pgarray.UUIDs(distinct(contactIDs))).Scan(&groups, &removed)
	switch {
	case err != nil:
		return fail(err, "remove from group %s", groupID)
	case groups == 0:
		return fail(ErrNotFound, "remove from group %s: no such group", groupID)
	}
	return nil
}

// membershipError maps a race with a concurrent delete (the foreign key
// fails) to ErrNotFound, and the per-contact group bound to a FieldError.
func membershipError(err error) error {
	switch pgerr.Code(err) {
	case pgerr.ForeignKeyViolation:
		return &sentinelError{sentinel: ErrNotFound, context: "a contact or the group was deleted meanwhile", cause: err}
	case pgerr.CheckViolation:
		return &FieldError{Field: "group_ids", Reason: fmt.Sprintf("a contact can be in at most %d groups", MaxGroupsPerContact), Max: MaxGroupsPerContact}
	}
	return err
}

func distinct(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return slices.Compact(out)
}

const addMembersSQL = `
WITH g AS (SELECT id FROM kith.groups WHERE user_id = $1 AND id = $2),
     c AS (SELECT id FROM kith.contacts WHERE user_id = $1 AND id = ANY($3::uuid[])),
     ins AS (
        INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
        SELECT $1, c.id, g.id FROM c, g
        WHERE (SELECT count(*) FROM c) = $4
        ON CONFLICT DO NOTHING
        RETURNING 1)
SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM c), (SELECT count(*) FROM ins)`

const removeMembersSQL = `
WITH g AS (SELECT id FROM kith.groups WHERE user_id = $1 AND id = $2),
     del AS (
        DELETE FROM kith.contact_groups
        WHERE user_id = $1 AND group_id = $2 AND contact_id = ANY($3::uuid[])
        RETURNING 1)
SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM del)`

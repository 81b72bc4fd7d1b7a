package contacts

import (
	"fmt"
	"strings"

	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/dbschema"
)

// queries holds the Store's SQL, qualified for its schema once.
type queries struct {
	insert, get, update, version, setArchived, delete, count, markContacted string
	unlink, findByEmail                                                     string
	groups, createGroup, renameGroup, deleteGroup                           string
	addMembers, removeMembers                                               string
	bulk                                                                    bulkQueries
	google                                                                  googleQueries
}

// userColumns are the columns an app writes (Create, Update, Patch), in
// writeArgs order. The sync-owned columns (syncColumns) are not among
// them: only ApplyGooglePage and Unlink write those.
const userColumns = `name, email, other_emails, email_keys, phone, linkedin, instagram, x_handle,
	other_social, location, time_zone, notes, last_contact_date, frequency, tags, archived, source,
	circle, circle_assigned_at, circle_confidence, ai_suggested_circle`

// syncColumns are the columns the Google sync owns, in writeArgs order
// after userColumns.
const syncColumns = `google_resource_name, google_etag, last_synced_at`

// writableColumns are all the columns a new row can be given: an import
// (CreateMany) restores a synced contact's link too.
const writableColumns = userColumns + `, ` + syncColumns

// placeholders returns the bind parameters of cols, numbered from $first,
// each cast to its column's type where the driver's text would not do; a
// column in override gets that expression instead, %s standing for its
// parameter.
func placeholders(cols string, first int, override map[string]string) string {
	casts := map[string]string{"other_social": "::jsonb", "tags": "::text[]", "other_emails": "::text[]",
		"email_keys": "::text[]", "last_contact_date": "::timestamptz"}
	var b strings.Builder
	for i, col := range strings.Split(cols, ",") {
		col = strings.TrimSpace(col)
		if i > 0 {
			b.WriteString(", ")
		}
		p := fmt.Sprintf("$%d%s", first+i, casts[col])
		if o, ok := override[col]; ok {
			p = fmt.Sprintf(o, p)
		}
		b.WriteString(p)
	}
	return b.String()
}

// param returns the bind parameter of col among cols numbered from $first.
func param(cols string, first int, col string) string {
	for i, c := range strings.Split(cols, ",") {
		if strings.TrimSpace(c) == col {
			return fmt.Sprintf("$%d::boolean", first+i)
		}
	}
	panic("contacts: no column " + col)
}

func newQueries(schema string) queries {
	q := queries{
		insert: `INSERT INTO kith.contacts (user_id, ` + userColumns + `)
			VALUES ($1, ` + placeholders(userColumns, 2, nil) + `) RETURNING ` + contactsql.Full.Columns(),
		get: `SELECT ` + contactsql.Full.Columns() + ` FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		// The last contact date only moves forward: GREATEST ignores NULL,
		// so a copy without one keeps the stored date.
		// sync_archived (the sync archived the contact) survives only an
		// edit that leaves the archived flag as it is.
		update: `UPDATE kith.contacts SET (` + userColumns + `, version, updated_at, sync_archived) = (` +
			placeholders(userColumns, 4, map[string]string{"last_contact_date": "GREATEST(last_contact_date, %s)"}) +
			`, version + 1, now(), sync_archived AND archived = ` + param(userColumns, 4, "archived") + `)
			WHERE user_id = $1 AND id = $2 AND version = $3 RETURNING ` + contactsql.Full.Columns(),
		version: `SELECT version FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		setArchived: `UPDATE kith.contacts SET archived = $3, sync_archived = false, version = version + 1, updated_at = now()
			WHERE user_id = $1 AND id = $2`,
		delete: `DELETE FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		count:  `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND ($2 OR NOT archived)`,
		markContacted: `UPDATE kith.contacts SET last_contact_date = $3, version = version + 1, updated_at = now()
			WHERE user_id = $1 AND id = ANY($2::uuid[])
			  AND (last_contact_date IS NULL OR last_contact_date < $3)`,
		unlink: `UPDATE kith.contacts SET google_resource_name = '', google_etag = '', last_synced_at = NULL,
			google_pass = 0, sync_archived = false,
			version = version + 1, updated_at = now()
			WHERE user_id = $1 AND id = $2 RETURNING ` + contactsql.Full.Columns(),
		findByEmail: `SELECT ` + contactsql.Full.Columns() + ` FROM kith.contacts
			WHERE user_id = $1 AND id IN (SELECT contact_id FROM kith.contact_emails WHERE user_id = $1 AND email = $2)
			ORDER BY id`,
		groups:        `SELECT id, user_id, name, created_at, updated_at FROM kith.groups WHERE user_id = $1 ORDER BY name, id`,
		createGroup:   `INSERT INTO kith.groups (user_id, name, name_key) VALUES ($1, $2, $3) RETURNING id, user_id, name, created_at, updated_at`,
		renameGroup:   `UPDATE kith.groups SET name = $3, name_key = $4, updated_at = now() WHERE user_id = $1 AND id = $2 RETURNING id, user_id, name, created_at, updated_at`,
		deleteGroup:   `DELETE FROM kith.groups WHERE user_id = $1 AND id = $2`,
		addMembers:    addMembersSQL,
		removeMembers: removeMembersSQL,
		bulk:          newBulkQueries(schema),
		google:        newGoogleQueries(schema),
	}
	for _, p := range []*string{
		&q.insert, &q.get, &q.update, &q.version, &q.setArchived, &q.delete, &q.count, &q.markContacted,
		&q.unlink, &q.findByEmail,
		&q.groups, &q.createGroup, &q.renameGroup, &q.deleteGroup, &q.addMembers, &q.removeMembers,
	} {
		*p = dbschema.Qualify(*p, schema)
	}
	return q
}

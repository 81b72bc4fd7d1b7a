package contacts

import (
	"fmt"
	"strings"

	"github.com/kithhq/kith/internal/contactsql"
	"github.com/kithhq/kith/internal/dbschema"
)

// queries holds the Store's SQL, qualified for its schema once.
type queries struct {
	insert, get, update, setArchived, delete, count, markContacted string
	upsertGoogle                                                   string
	groups, createGroup, renameGroup, deleteGroup                  string
	addMembers, removeMembers                                      string
	bulk                                                           bulkQueries
}

// writableColumns are the columns a user writes, in writeArgs order.
const writableColumns = `name, email, phone, linkedin, instagram, x_handle, other_social,
	location, time_zone, notes, last_contact_date, frequency, tags, archived, source,
	google_resource_name, google_etag, last_synced_at, circle, circle_assigned_at,
	circle_confidence, ai_suggested_circle`

// writableValues are the placeholders of writableColumns, numbered from $first.
func writableValues(first int) string {
	casts := map[string]string{"other_social": "::jsonb", "tags": "::text[]"}
	var b strings.Builder
	for i, col := range strings.Split(writableColumns, ",") {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d%s", first+i, casts[strings.TrimSpace(col)])
	}
	return b.String()
}

func newQueries(schema string) queries {
	q := queries{
		insert: `INSERT INTO kith.contacts (user_id, ` + writableColumns + `)
			VALUES ($1, ` + writableValues(2) + `) RETURNING ` + contactsql.Full.Columns(),
		get: `SELECT ` + contactsql.Full.Columns() + ` FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		update: `UPDATE kith.contacts SET (` + writableColumns + `, updated_at) = (` + writableValues(3) + `, now())
			WHERE user_id = $1 AND id = $2 RETURNING ` + contactsql.Full.Columns(),
		setArchived: `UPDATE kith.contacts SET archived = $3, updated_at = now()
			WHERE user_id = $1 AND id = $2`,
		delete: `DELETE FROM kith.contacts WHERE user_id = $1 AND id = $2`,
		count:  `SELECT count(*) FROM kith.contacts WHERE user_id = $1 AND ($2 OR NOT archived)`,
		markContacted: `UPDATE kith.contacts SET last_contact_date = $3, updated_at = now()
			WHERE user_id = $1 AND id = ANY($2::uuid[])
			  AND (last_contact_date IS NULL OR last_contact_date < $3)`,
		upsertGoogle:  upsertGoogleSQL,
		groups:        `SELECT id, user_id, name, created_at, updated_at FROM kith.groups WHERE user_id = $1 ORDER BY name, id`,
		createGroup:   `INSERT INTO kith.groups (user_id, name) VALUES ($1, $2) RETURNING id, user_id, name, created_at, updated_at`,
		renameGroup:   `UPDATE kith.groups SET name = $3, updated_at = now() WHERE user_id = $1 AND id = $2 RETURNING id, user_id, name, created_at, updated_at`,
		deleteGroup:   `DELETE FROM kith.groups WHERE user_id = $1 AND id = $2`,
		addMembers:    addMembersSQL,
		removeMembers: removeMembersSQL,
		bulk:          newBulkQueries(schema),
	}
	for _, p := range []*string{
		&q.insert, &q.get, &q.update, &q.setArchived, &q.delete, &q.count, &q.markContacted, &q.upsertGoogle,
		&q.groups, &q.createGroup, &q.renameGroup, &q.deleteGroup, &q.addMembers, &q.removeMembers,
	} {
		*p = dbschema.Qualify(*p, schema)
	}
	return q
}

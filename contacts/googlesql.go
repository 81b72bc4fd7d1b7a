package contacts

import "github.com/kithhq/kith/internal/dbschema"

// googleQueries are the statements of a Google sync (ApplyGooglePage,
// ReconcileGoogle, SyncGoogleGroups). Each names the user and reaches its
// rows through an index leading with user_id. The partial indexes on
// google_resource_name <> ” are only chosen when a statement repeats
// their predicate, so every statement does.
type googleQueries struct {
	fold, rekey, upsert       string
	removeMembers, addMembers string
	deleted, unseen           [3]string // by DeletePolicy
	groups, syncGroups        string
}

func newGoogleQueries(schema string) googleQueries {
	q := googleQueries{
		fold: foldSQL, rekey: rekeySQL, upsert: applyUpsertSQL,
		removeMembers: removeGoogleMembersSQL, addMembers: addGoogleMembersSQL,
		groups:     `SELECT id, name, name_key, google_resource_name FROM kith.groups WHERE user_id = $1`,
		syncGroups: syncGroupsSQL,
	}
	// The contacts of deleted people ($2, resource names) and of the
	// linked contacts a full pass ($2) did not mark.
	for _, which := range []struct {
		dst   *[3]string
		where string
	}{
		{&q.deleted, `google_resource_name = ANY($2::text[])`},
		{&q.unseen, `google_pass <> $2`},
	} {
		where := `WHERE user_id = $1 AND google_resource_name <> '' AND ` + which.where
		which.dst[ArchiveDeleted] = `UPDATE kith.contacts SET archived = true, sync_archived = true,
			version = version + 1, updated_at = now() ` + where + ` AND NOT archived`
		which.dst[DetachDeleted] = `UPDATE kith.contacts SET google_resource_name = '', google_etag = '',
			last_synced_at = NULL, google_pass = 0, sync_archived = false, version = version + 1, updated_at = now() ` + where
		which.dst[RemoveDeleted] = `DELETE FROM kith.contacts ` + where
	}
	for _, p := range []*string{&q.fold, &q.rekey, &q.upsert, &q.removeMembers, &q.addMembers, &q.groups, &q.syncGroups,
		&q.deleted[0], &q.deleted[1], &q.deleted[2], &q.unseen[0], &q.unseen[1], &q.unseen[2]} {
		*p = dbschema.Qualify(*p, schema)
	}
	return q
}

// foldSQL: $2 is a JSON array of {new, old, ord}, one per previous name of
// a person (ord orders the people), $3 every name in it. It locks the stored contacts of those
// names in byte order of their names, groups them by the person they
// belong to (their own new name first), keeps the oldest contact of each
// group and folds the others into it: their user fields are merged into
// the survivor's, their memberships added, and they are deleted. It
// returns the new name of each folded contact.
const foldSQL = `
WITH pairs AS (
    SELECT * FROM jsonb_to_recordset($2::jsonb) AS p(new text, old text, ord int)
), locked AS (
    SELECT c.id, c.google_resource_name, c.created_at FROM kith.contacts c
    WHERE c.user_id = $1 AND c.google_resource_name <> '' AND c.google_resource_name = ANY ($3::text[])
    ORDER BY c.google_resource_name COLLATE "C"
    FOR UPDATE
), owned AS (
    SELECT DISTINCT ON (l.id) l.id, l.created_at, p.new
    FROM locked l JOIN pairs p ON l.google_resource_name IN (p.new, p.old)
    ORDER BY l.id, (l.google_resource_name = p.new) DESC, p.ord
), ranked AS (
    SELECT o.id, o.new, first_value(o.id) OVER (PARTITION BY o.new ORDER BY o.created_at, o.id) AS into_id
    FROM owned o
), moved AS (
    INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
    SELECT $1, m.into_id, m.group_id FROM (
        SELECT m.into_id, m.group_id,
               row_number() OVER (PARTITION BY m.into_id ORDER BY m.group_id) AS k, cardinality(s.group_ids) AS have
        FROM (SELECT DISTINCT r.into_id, cg.group_id FROM ranked r
              JOIN kith.contact_groups cg ON cg.user_id = $1 AND cg.contact_id = r.id
              WHERE r.id <> r.into_id) m
        JOIN kith.contacts s ON s.user_id = $1 AND s.id = m.into_id
        WHERE m.group_id <> ALL (s.group_ids)) m
    WHERE m.k <= ` + maxGroupsSQL + ` - m.have
    ORDER BY m.into_id, m.group_id
    ON CONFLICT DO NOTHING
    RETURNING 1
), gone AS (
    DELETE FROM kith.contacts c USING ranked r
    WHERE c.user_id = $1 AND c.id = r.id AND r.id <> r.into_id
    RETURNING r.into_id, r.new, c.id, c.created_at, c.notes, c.tags, c.last_contact_date, c.frequency, c.circle,
        c.circle_assigned_at, c.circle_confidence, c.ai_suggested_circle, c.time_zone, c.other_social,
        c.archived, c.sync_archived
), gone_tags AS (
    SELECT g.into_id, array_agg(t.tag ORDER BY g.created_at, g.id, t.n) AS tags
    FROM gone g CROSS JOIN LATERAL unnest(g.tags) WITH ORDINALITY AS t(tag, n) GROUP BY g.into_id
), gone_social AS (
    SELECT g.into_id, jsonb_object_agg(e.key, e.value ORDER BY g.created_at DESC, g.id DESC) AS social
    FROM gone g CROSS JOIN LATERAL jsonb_each(g.other_social) AS e GROUP BY g.into_id
), folded AS (
    SELECT g.into_id,
        string_agg(NULLIF(g.notes, ''), E'\n\n' ORDER BY g.created_at, g.id) AS notes,
        max(g.last_contact_date) AS last_contact_date,
        (array_agg(g.frequency ORDER BY g.created_at, g.id) FILTER (WHERE g.frequency <> ''))[1] AS frequency,
        (array_agg(g.id ORDER BY g.created_at, g.id) FILTER (WHERE g.circle <> ''))[1] AS circle_from,
        (array_agg(g.ai_suggested_circle ORDER BY g.created_at, g.id) FILTER (WHERE g.ai_suggested_circle <> ''))[1] AS ai_suggested_circle,
        (array_agg(g.time_zone ORDER BY g.created_at, g.id) FILTER (WHERE g.time_zone <> ''))[1] AS time_zone,
        bool_and(g.archived) AS archived, bool_and(g.sync_archived) AS sync_archived
    FROM gone g GROUP BY g.into_id
), survivors AS (
    UPDATE kith.contacts c SET
        notes = left(concat_ws(E'\n\n', NULLIF(c.notes, ''), f.notes), ` + maxNotesSQL + `),
        tags = CASE WHEN gt.tags IS NULL THEN c.tags ELSE ARRAY(
            SELECT u.tag FROM unnest(c.tags || gt.tags) WITH ORDINALITY AS u(tag, n)
            GROUP BY u.tag ORDER BY min(u.n) LIMIT ` + maxTagsSQL + `) END,
        last_contact_date = GREATEST(c.last_contact_date, f.last_contact_date),
        frequency = CASE WHEN c.frequency = '' THEN coalesce(f.frequency, '') ELSE c.frequency END,
        circle = CASE WHEN c.circle = '' AND f.circle_from IS NOT NULL THEN g.circle ELSE c.circle END,
        circle_assigned_at = CASE WHEN c.circle = '' AND f.circle_from IS NOT NULL THEN g.circle_assigned_at ELSE c.circle_assigned_at END,
        circle_confidence = CASE WHEN c.circle = '' AND f.circle_from IS NOT NULL THEN g.circle_confidence ELSE c.circle_confidence END,
        ai_suggested_circle = CASE WHEN c.ai_suggested_circle = '' THEN coalesce(f.ai_suggested_circle, '') ELSE c.ai_suggested_circle END,
        time_zone = CASE WHEN c.time_zone = '' THEN coalesce(f.time_zone, '') ELSE c.time_zone END,
        other_social = coalesce(gs.social, '{}') || c.other_social,
        archived = c.archived AND f.archived,
        sync_archived = c.sync_archived AND f.archived AND f.sync_archived,
        version = c.version + 1, updated_at = now()
    FROM folded f
    LEFT JOIN gone g ON g.id = f.circle_from
    LEFT JOIN gone_tags gt ON gt.into_id = f.into_id
    LEFT JOIN gone_social gs ON gs.into_id = f.into_id
    WHERE c.user_id = $1 AND c.id = f.into_id
    RETURNING 1
)
SELECT g.new FROM gone g`

// rekeySQL: $2 as for foldSQL. After the fold at most one stored contact
// belongs to each person: one under an old name moves to the new name
// (its etag cleared, so the page's upsert writes the person's fields). It
// returns the new names.
const rekeySQL = `
WITH pairs AS (
    SELECT DISTINCT ON (p.old) p.new, p.old
    FROM jsonb_to_recordset($2::jsonb) AS p(new text, old text, ord int)
    ORDER BY p.old, p.ord
)
UPDATE kith.contacts c SET google_resource_name = p.new, google_etag = '', version = c.version + 1, updated_at = now()
FROM pairs p
WHERE c.user_id = $1 AND c.google_resource_name <> '' AND c.google_resource_name = p.old
  AND NOT EXISTS (SELECT 1 FROM kith.contacts n
                  WHERE n.user_id = $1 AND n.google_resource_name <> '' AND n.google_resource_name = p.new)
RETURNING p.new`

// googleChanged is true in an upsert's DO UPDATE when the person's etag
// differs from the stored one (or is empty: no etag, always written).
const googleChanged = `(EXCLUDED.google_etag = '' OR c.google_etag <> EXCLUDED.google_etag)`

// googleTouched: the row is written beyond its pass marker.
const googleTouched = `(` + googleChanged + ` OR c.sync_archived)`

// applyUpsertSQL: $2 is the page's people as a JSON array sorted by
// resource name, $3 the pass (0: none). People whose resource name the
// user does not have are linked to the oldest manual contact sharing one of
// their addresses (one person per contact); the others are inserted, or
// update their stored contact. It returns the counts linked, inserted and
// updated, and the IDs of the inserted contacts.
const applyUpsertSQL = `
WITH incoming AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (
        name text, email text, other_emails text[], email_keys text[], phone text, linkedin text,
        instagram text, x_handle text, other_social jsonb, location text, time_zone text, notes text,
        last_contact_date timestamptz, frequency text, tags text[], archived boolean, source text,
        circle text, circle_assigned_at timestamptz, circle_confidence real, ai_suggested_circle text,
        google_resource_name text, google_etag text, last_synced_at timestamptz, groups text[])) WITH ORDINALITY AS r(
        name, email, other_emails, email_keys, phone, linkedin, instagram, x_handle, other_social,
        location, time_zone, notes, last_contact_date, frequency, tags, archived, source, circle,
        circle_assigned_at, circle_confidence, ai_suggested_circle, google_resource_name, google_etag,
        last_synced_at, groups, ord)
), fresh AS (
    -- A scalar subquery is never turned into a join: one probe of the
    -- (user, resource name) key per person, never a scan of the user's
    -- contacts, whatever the planner estimates.
    SELECT i.ord, i.email_keys FROM incoming i
    WHERE cardinality(i.email_keys) > 0 AND (
        SELECT 1 FROM kith.contacts c
        WHERE c.user_id = $1 AND c.google_resource_name <> '' AND c.google_resource_name = i.google_resource_name) IS NULL
), candidates AS (
    -- One look-up of the (user, address) key per address (OFFSET 0 keeps
    -- the subquery parameterized), never a scan of the user's addresses.
    SELECT DISTINCT ON (f.ord) f.ord, m.id
    FROM fresh f CROSS JOIN LATERAL unnest(f.email_keys) AS k(email)
    CROSS JOIN LATERAL (
        SELECT c.id, c.created_at FROM kith.contact_emails e
        JOIN kith.contacts c ON c.user_id = $1 AND c.id = e.contact_id
        WHERE e.user_id = $1 AND e.email = k.email AND c.google_resource_name = '' OFFSET 0) m
    ORDER BY f.ord, m.created_at, m.id
), picked AS (
    SELECT DISTINCT ON (id) id, ord FROM candidates ORDER BY id, ord
), linked AS (
    UPDATE kith.contacts c SET
        name = i.name, email = i.email,
        other_emails = i.other_emails || x.emails, email_keys = i.email_keys || x.keys,
        phone = coalesce(NULLIF(i.phone, ''), c.phone), linkedin = coalesce(NULLIF(i.linkedin, ''), c.linkedin),
        instagram = coalesce(NULLIF(i.instagram, ''), c.instagram), x_handle = coalesce(NULLIF(i.x_handle, ''), c.x_handle),
        location = coalesce(NULLIF(i.location, ''), c.location),
        google_resource_name = i.google_resource_name, google_etag = i.google_etag,
        last_synced_at = i.last_synced_at, google_pass = $3, sync_archived = false,
        version = c.version + 1, updated_at = now()
    FROM picked p
    JOIN incoming i ON i.ord = p.ord
    CROSS JOIN LATERAL (
        SELECT coalesce(array_agg(u.e ORDER BY u.n), '{}') AS emails, coalesce(array_agg(u.k ORDER BY u.n), '{}') AS keys
        FROM (SELECT u.e, u.k, u.n
              FROM kith.contacts m,
                   unnest(CASE WHEN m.email <> '' THEN ARRAY[m.email] ELSE '{}' END || m.other_emails, m.email_keys)
                       WITH ORDINALITY AS u(e, k, n)
              WHERE m.user_id = $1 AND m.id = p.id AND u.e IS NOT NULL AND u.k <> ALL (i.email_keys)
              ORDER BY u.n
              LIMIT GREATEST(0, ` + maxOtherEmailsSQL + ` - cardinality(i.other_emails))) u
    ) x
    WHERE c.user_id = $1 AND c.id = p.id AND c.google_resource_name = ''
    RETURNING 1
), written AS (
    INSERT INTO kith.contacts AS c (user_id, ` + userColumns + `, ` + syncColumns + `, google_pass, group_ids)
    SELECT $1, ` + userColumns + `, ` + syncColumns + `, $3,
        -- A new contact's memberships of Google groups, mirrored already:
        -- the membership rows added after it then leave it alone.
        ARRAY(SELECT g.id FROM kith.groups g
              WHERE g.user_id = $1 AND g.google_resource_name <> '' AND g.google_resource_name = ANY (i.groups)
              ORDER BY g.id LIMIT ` + maxGroupsSQL + `)
    FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM picked p WHERE p.ord = i.ord)
    ORDER BY ord
    ON CONFLICT (user_id, google_resource_name) WHERE google_resource_name <> ''
    DO UPDATE SET
        name = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.name ELSE c.name END,
        email = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.email ELSE c.email END,
        other_emails = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.other_emails ELSE c.other_emails END,
        email_keys = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.email_keys ELSE c.email_keys END,
        phone = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.phone ELSE c.phone END,
        linkedin = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.linkedin ELSE c.linkedin END,
        instagram = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.instagram ELSE c.instagram END,
        x_handle = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.x_handle ELSE c.x_handle END,
        location = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.location ELSE c.location END,
        google_etag = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.google_etag ELSE c.google_etag END,
        last_synced_at = CASE WHEN ` + googleChanged + ` THEN EXCLUDED.last_synced_at ELSE c.last_synced_at END,
        google_pass = CASE WHEN EXCLUDED.google_pass <> 0 THEN EXCLUDED.google_pass ELSE c.google_pass END,
        archived = c.archived AND NOT c.sync_archived,
        sync_archived = false,
        version = CASE WHEN ` + googleTouched + ` THEN c.version + 1 ELSE c.version END,
        updated_at = CASE WHEN ` + googleTouched + ` THEN now() ELSE c.updated_at END
    WHERE ` + googleTouched + ` OR (EXCLUDED.google_pass <> 0 AND c.google_pass <> EXCLUDED.google_pass)
    RETURNING c.id, (xmax = 0) AS inserted, c.updated_at = now() AS touched
)
SELECT (SELECT count(*) FROM linked), count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted AND touched),
    coalesce(array_agg(id) FILTER (WHERE inserted), '{}')
FROM written`

// googlePageGroupsSQL: the page's contacts ($3, resource names: one
// index scan of the (user, resource name) key), each with want, the IDs of
// the kith groups linked to the Google groups $2 gives it ($2 is a JSON
// object from resource name to Google group names, parsed once; a look-up
// per contact, no join the planner could turn quadratic). The contacts'
// group_ids mirror says which memberships exist, so a page whose
// memberships are right reads no membership row.
const googlePageGroupsSQL = `
input AS MATERIALIZED (
    SELECT $2::jsonb AS groups
), page AS (
    SELECT c.id, c.group_ids, ARRAY(
        SELECT g.id FROM kith.groups g
        WHERE g.user_id = $1 AND g.google_resource_name <> '' AND g.google_resource_name IN (
            SELECT jsonb_array_elements_text((SELECT groups FROM input) -> c.google_resource_name))) AS want
    FROM kith.contacts c
    WHERE c.user_id = $1 AND c.google_resource_name <> '' AND c.google_resource_name = ANY ($3::text[])
)`

// removeGoogleMembersSQL: memberships of the page's contacts in groups
// linked to Google that Google does not give, deleted by key.
const removeGoogleMembersSQL = `
WITH ` + googlePageGroupsSQL + `, linked AS (
    SELECT coalesce(array_agg(g.id), '{}') AS ids FROM kith.groups g
    WHERE g.user_id = $1 AND g.google_resource_name <> ''
), stale AS (
    SELECT p.id AS contact_id, gid AS group_id
    FROM page p CROSS JOIN LATERAL unnest(p.group_ids) AS gid
    WHERE gid = ANY ((SELECT ids FROM linked)::uuid[]) AND gid <> ALL (p.want)
)
DELETE FROM kith.contact_groups cg USING stale x
WHERE cg.user_id = $1 AND cg.contact_id = x.contact_id AND cg.group_id = x.group_id`

// addGoogleMembersSQL: the memberships Google gives that are missing, at
// most $4 groups per contact in all; $5 are the contacts the page
// inserted, whose group_ids mirror their Google groups already (their
// membership rows are still to add).
const addGoogleMembersSQL = `
WITH ` + googlePageGroupsSQL + `
INSERT INTO kith.contact_groups (user_id, contact_id, group_id)
SELECT $1, m.contact_id, m.group_id FROM (
    SELECT p.id AS contact_id, gid AS group_id, gid = ANY (p.group_ids) AS mirrored, cardinality(p.group_ids) AS have,
           row_number() OVER (PARTITION BY p.id, gid = ANY (p.group_ids) ORDER BY gid) AS k
    FROM page p CROSS JOIN LATERAL unnest(p.want) AS gid
    WHERE gid <> ALL (p.group_ids) OR p.id IN (SELECT unnest($5::uuid[]))) m
WHERE m.mirrored OR m.k <= $4::int - m.have
ORDER BY m.contact_id, m.group_id
ON CONFLICT DO NOTHING`

// Bounds spelled into SQL; TestGoogleSQLBounds checks them against the Go
// constants.
const (
	maxGroupsSQL      = `64`
	maxNotesSQL       = `100000`
	maxTagsSQL        = `100`
	maxOtherEmailsSQL = `99`
)

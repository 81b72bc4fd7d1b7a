-- kith 010: what a Google People sync page writes (contacts.Store.ApplyGooglePage,
-- ReconcileGoogle, SyncGoogleGroups).

-- google_pass: the full sync pass that last saw the contact's Google person
-- (0: none). A full pass marks every person it lists, and its end
-- (ReconcileGoogle) applies the deletion policy to the linked contacts it
-- did not mark: no in-memory set of seen people, however large the account.
-- sync_archived: the sync archived the contact because Google deleted its
-- person. Only then may the sync unarchive it when the person comes back;
-- a contact the user archived stays archived. Every app write of the
-- archived flag clears it.
ALTER TABLE kith.contacts
    ADD COLUMN google_pass   bigint  NOT NULL DEFAULT 0,
    ADD COLUMN sync_archived boolean NOT NULL DEFAULT false;

-- Google lists at most 100 addresses per person: the primary plus 99
-- others, so a page never drops one. NOT VALID: every existing row passed
-- the stricter bound of 007 (50 and 51), so checking them again would only
-- scan the table while it is locked; new and updated rows are checked.
ALTER TABLE kith.contacts
    DROP CONSTRAINT contacts_other_emails_check,
    DROP CONSTRAINT contacts_email_keys_check,
    ADD CONSTRAINT contacts_other_emails_check CHECK (cardinality(other_emails) <= 99) NOT VALID,
    ADD CONSTRAINT contacts_email_keys_check CHECK (cardinality(email_keys) <= 100) NOT VALID;

-- Groups mirrored from Google contact groups carry the group's resource
-- name ("contactGroups/1a2b"); '' marks a group the user made, which the
-- sync never renames, deletes or changes the members of. One kith group
-- per Google group and user.
ALTER TABLE kith.groups
    ADD COLUMN google_resource_name text NOT NULL DEFAULT ''
        CHECK (char_length(google_resource_name) <= 200);
CREATE UNIQUE INDEX groups_user_google_key
    ON kith.groups (user_id, google_resource_name) WHERE google_resource_name <> '';

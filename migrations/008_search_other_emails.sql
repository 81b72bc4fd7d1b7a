-- kith 008: search matches every email of a contact, not only the primary.
--
-- contact_emails (007) holds each address's normalized form by
-- (user_id, email, contact_id). Like 005's index on contacts, this GiST
-- index leads with user_id (btree_gist) and indexes the local part's
-- trigrams, so a search reads only the user's matching addresses. It is
-- created only where 005's index exists (pg_trgm and btree_gist are
-- installed); without it Search reports ErrSearchUnavailable.
DO $$
DECLARE
    trgm text;
BEGIN
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF to_regclass('kith.contacts_user_search_idx') IS NOT NULL THEN
        EXECUTE format('CREATE INDEX contact_emails_user_search_idx ON kith.contact_emails USING gist '
                       '(user_id, (split_part(email, ''@'', 1)) %1$I.gist_trgm_ops(siglen = 256))', trgm);
    END IF;
END
$$;

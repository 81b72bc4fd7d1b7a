-- kith 005: search matches an email by its local part.
--
-- 004 indexed whole addresses, and every address at one provider shares the
-- domain's trigrams: a search for one gmail.com address was similar to all
-- of them, so it read every such contact of the user (300 ms for 10,000
-- seeded contacts at one domain). The local part ("ada.lovelace" of
-- ada.lovelace@example.com) is what tells addresses apart.
DO $$
DECLARE
    trgm text;
BEGIN
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF to_regclass('kith.contacts_user_search_idx') IS NOT NULL THEN
        DROP INDEX kith.contacts_user_search_idx;
        EXECUTE format('CREATE INDEX contacts_user_search_idx ON kith.contacts USING gist '
                       '(user_id, name %1$I.gist_trgm_ops(siglen = 256), '
                       '(split_part(email, ''@'', 1)) %1$I.gist_trgm_ops(siglen = 256))', trgm);
    END IF;
END
$$;

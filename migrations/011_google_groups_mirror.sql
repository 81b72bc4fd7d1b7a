-- kith 011: a membership already mirrored in group_ids does not rewrite
-- its contact.
--
-- Every membership change rewrote its contact's row (group_ids is
-- INCLUDEd in the list indexes, so every index took a new entry): 1.4 ms
-- per membership, 3.5 of the 4.7 s a 1,000-person Google page with two
-- groups each took. contacts.Store.ApplyGooglePage now inserts a page's
-- new contacts with the IDs of their Google groups in group_ids, then
-- adds the membership rows: the trigger finds them mirrored and writes
-- nothing. The mirror stays a set (an ID at most once), as before.
CREATE OR REPLACE FUNCTION kith.contact_groups_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE kith.contacts SET group_ids = array_append(group_ids, NEW.group_id)
         WHERE user_id = NEW.user_id AND id = NEW.contact_id AND NOT (NEW.group_id = ANY (group_ids));
        RETURN NEW;
    END IF;
    UPDATE kith.contacts SET group_ids = array_remove(group_ids, OLD.group_id)
     WHERE user_id = OLD.user_id AND id = OLD.contact_id AND OLD.group_id = ANY (group_ids);
    RETURN OLD;
END
$$;

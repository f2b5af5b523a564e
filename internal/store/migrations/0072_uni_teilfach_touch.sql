-- A mehrfach Bewerbung changes when one of its Teilfächer leaves it, yet
-- the rows that remain keep their updated_at: the outbound sync, which
-- picks up changes by the newest updated_at of a uni_bewerbung and its
-- uni_teilfachbewerbung rows, would not see it. So a Teilfach removed
-- (the uni_bewerbungen import in mode remove, an operator's DELETE)
-- marks its Bewerbung changed, as the importer marks the rows it writes:
-- updated_at = now(). A Teilfach moved to another Bewerbung (only by hand:
-- the importer locates Teilfächer by hs_bewerbung_id) marks both.
--
-- Deletes are handled once per statement, each Bewerbung touched once
-- however many of its Teilfächer go. When the Bewerbung itself is being
-- deleted (ON DELETE CASCADE), its row is already gone and nothing is
-- touched.
CREATE FUNCTION uni_teilfach_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE uni_bewerbung SET updated_at = now()
    WHERE hs_bewerbung_id IN (SELECT hs_bewerbung_id FROM uni_teilfach_old);
    RETURN NULL;
END $$;

CREATE TRIGGER uni_teilfach_deleted AFTER DELETE ON uni_teilfachbewerbung
    REFERENCING OLD TABLE AS uni_teilfach_old
    FOR EACH STATEMENT EXECUTE FUNCTION uni_teilfach_deleted();

CREATE FUNCTION uni_teilfach_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE uni_bewerbung SET updated_at = now() WHERE hs_bewerbung_id IN (OLD.hs_bewerbung_id, NEW.hs_bewerbung_id);
    RETURN NULL;
END $$;

CREATE TRIGGER uni_teilfach_moved AFTER UPDATE OF hs_bewerbung_id ON uni_teilfachbewerbung
    FOR EACH ROW WHEN (OLD.hs_bewerbung_id IS DISTINCT FROM NEW.hs_bewerbung_id)
    EXECUTE FUNCTION uni_teilfach_moved();

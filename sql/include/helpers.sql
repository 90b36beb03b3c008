-- Helpers shared by the regression tests (included with \ir).
--
-- sqlstate_of(stmt) runs one statement and returns 'ok', or the error's
-- SQLSTATE and message, so that expected files show each error's code
-- without depending on source line numbers.
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$fn$;

-- catalog_state() summarizes the catalog, to show that a failed call
-- changed nothing: revisions with their checksums, version rows, log rows.
CREATE FUNCTION pg_temp.catalog_state() RETURNS text
LANGUAGE sql AS $fn$
    SELECT format('revisions=%s version=%s log=%s',
        (SELECT count(*) || '/' || coalesce(md5(string_agg(revision || checksum, ',' ORDER BY revision)), '-')
           FROM schemaver.revision),
        (SELECT coalesce(string_agg(revision, ',' ORDER BY revision), '<base>') FROM schemaver.version),
        (SELECT count(*) FROM schemaver.log))
$fn$;

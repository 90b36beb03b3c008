-- Helpers shared by the lint tests (included after helpers.sql).
--
-- lint(upgrade, downgrade) registers the text as the upgrade SQL of the
-- revision "lint_case" (replacing the previous one, which is never applied)
-- and returns schemaver_lint()'s findings for it, in its order, without
-- the hint (each rule's hint is shown once, in lint_setting) and with the
-- table's estimated rows (its size depends on the page layout and is only
-- checked to be there).  Its names are qualified: it also works with an
-- empty search_path.
CREATE FUNCTION pg_temp.lint(upgrade text, downgrade text DEFAULT 'SELECT 1')
RETURNS TABLE (stmt integer, rule text, severity text, message text,
               table_rows bigint, has_size boolean)
LANGUAGE plpgsql AS $fn$
BEGIN
    DELETE FROM schemaver.revision WHERE revision OPERATOR(pg_catalog.=) 'lint_case';
    PERFORM public.schemaver_add_revision('lint_case', NULL, upgrade, downgrade);
    RETURN QUERY
        SELECT l.statement, l.rule, l.severity, l.message, l.table_rows,
               l.table_bytes > 0
          FROM public.schemaver_lint('lint_case') l;
END
$fn$;

-- An empty search_path: everything the extension does works when nothing
-- but pg_catalog (always searched) is on the path, which proves that its
-- own SQL -- the extension script and every query it runs -- names its
-- objects with their schema.  The functions are called schema-qualified, as
-- a caller with such a path must; revision SQL qualifies its names too,
-- since it runs with the caller's (empty) path.
SET search_path = '';
CREATE EXTENSION schemaver SCHEMA public;
\i sql/include/helpers.sql
SHOW search_path;

-- Registering: new, unchanged, replaced, a merge, a dependency, a label.
SELECT public.schemaver_add_revision('es1', NULL, 'CREATE TABLE public.es_t (id int)',
                                     'DROP TABLE public.es_t', 'empty path base');
SELECT public.schemaver_add_revision('es2', 'es1', 'INSERT INTO public.es_t VALUES (2)',
                                     'DELETE FROM public.es_t WHERE id OPERATOR(pg_catalog.=) 2',
                                     branch_labels => ARRAY['esl']);
SELECT public.schemaver_add_revision('es3', 'es1', 'INSERT INTO public.es_t VALUES (3)',
                                     'DELETE FROM public.es_t WHERE id OPERATOR(pg_catalog.=) 3');
SELECT public.schemaver_add_revision('es4', ARRAY['es2', 'es3'], '', '', 'merge',
                                     depends_on => ARRAY['es1']);
SELECT public.schemaver_add_revision('es1', NULL, 'CREATE TABLE public.es_t (id int)',
                                     'DROP TABLE public.es_t', 'empty path base');
SELECT public.schemaver_add_revision('es3', 'es1', 'INSERT INTO public.es_t VALUES (3), (33)',
                                     'DELETE FROM public.es_t WHERE id OPERATOR(pg_catalog.>=) 3');

-- Looking.
SELECT * FROM public.schemaver_heads() ORDER BY 1;
SELECT * FROM public.schemaver_current() ORDER BY 1;
SELECT * FROM public.schemaver_verify() ORDER BY 1, 2;

-- Moving, and the previews of moving.
SELECT pg_catalog.length(public.schemaver_upgrade_sql('head')) OPERATOR(pg_catalog.>) 0 AS upgrade_sql;
SELECT revision, operation, message FROM public.schemaver_upgrade('es2');
SELECT revision, operation FROM public.schemaver_upgrade('head');
SELECT id FROM public.es_t ORDER BY id;
SELECT revision, down_revision, branch_labels, depends_on, is_head, is_current, applied, applied_by
  FROM public.schemaver_history() ORDER BY revision;
SELECT pg_catalog.length(public.schemaver_downgrade_sql('es1')) OPERATOR(pg_catalog.>) 0 AS downgrade_sql;
SELECT revision, operation FROM public.schemaver_downgrade('es3');
SELECT * FROM public.schemaver_current() ORDER BY 1;
SELECT revision, operation FROM public.schemaver_downgrade('esl@base');
SELECT pg_catalog.length(public.schemaver_downgrade_sql(1)) OPERATOR(pg_catalog.>) 0 AS downgrade_sql_steps;
SELECT revision, operation FROM public.schemaver_downgrade(1);
SELECT * FROM public.schemaver_current() ORDER BY 1;
SELECT id FROM public.es_t ORDER BY id;
SELECT revision, operation FROM public.schemaver_stamp('heads');
SELECT revision, operation FROM public.schemaver_stamp('es1');
CALL public.schemaver_upgrade_stepwise('head');
SELECT id FROM public.es_t ORDER BY id;
CALL public.schemaver_downgrade_stepwise('es1');
SELECT id FROM public.es_t ORDER BY id;
SELECT revision, operation, heads_before, heads_after FROM schemaver.log ORDER BY id;

-- Errors take the same paths.
SELECT pg_temp.sqlstate_of($$SELECT * FROM public.schemaver_upgrade('nosuch')$$);
SELECT pg_temp.sqlstate_of($$SELECT public.schemaver_add_revision('es1', NULL, 'SELECT 1')$$);
-- Revision SQL runs with the caller's path, which has no schema to create in.
SELECT public.schemaver_add_revision('es5', 'es4', 'CREATE TABLE es_nowhere (id int)', 'SELECT 1');
SELECT pg_temp.catalog_state() AS before_state \gset
SELECT revision FROM public.schemaver_upgrade('es5');
SELECT pg_temp.catalog_state() OPERATOR(pg_catalog.=) :'before_state' AS unchanged;
SHOW search_path;

-- Clean up.
SELECT revision FROM public.schemaver_downgrade('base') ORDER BY 1;
DROP EXTENSION schemaver;
RESET search_path;

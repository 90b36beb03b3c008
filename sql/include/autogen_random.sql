-- A generator of random schemas and random edits of them, for the
-- property test of autogenerate (sql/autogen_property.sql).  Included with
-- \i after autogen_harness.sql.
--
-- A schema is a jsonb model: enums, sequences, tables (columns, primary
-- key, unique and check constraints, indexes, foreign keys, partitions),
-- views over tables, SQL functions, trigger functions and triggers, and
-- comments.  pg_temp.pt_render() writes it as SQL (objects whose parts
-- are gone, such as a view over a dropped column, are left out, so that
-- every model renders to valid SQL); pg_temp.pt_edit() changes it at random.
-- Randomness comes from random(), so setseed() makes a run repeatable.

CREATE FUNCTION pg_temp.pt_rand(n integer) RETURNS integer
LANGUAGE sql AS $$ SELECT floor(random() * n)::integer $$;

CREATE FUNCTION pg_temp.pt_pick(a text[]) RETURNS text
LANGUAGE sql AS $$ SELECT a[1 + floor(random() * cardinality(a))::integer] $$;

-- a random column type (an enum of the model sometimes)
CREATE FUNCTION pg_temp.pt_type(m jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE e text;
BEGIN
    IF random() < 0.15 THEN
        SELECT k INTO e FROM jsonb_object_keys(m->'enums') k ORDER BY random() LIMIT 1;
        IF e IS NOT NULL THEN RETURN e; END IF;
    END IF;
    RETURN pg_temp.pt_pick(ARRAY['integer', 'bigint', 'text', 'character varying(20)', 'numeric(10,2)',
                                 'boolean', 'date', 'timestamp with time zone', 'jsonb', 'uuid',
                                 'integer[]', 'smallint', 'double precision']);
END $$;

-- a default for a type, or NULL
CREATE FUNCTION pg_temp.pt_default(m jsonb, t text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF random() < 0.6 THEN RETURN NULL; END IF;
    IF m->'enums' ? t THEN RETURN quote_literal(m->'enums'->t->>0); END IF;
    RETURN CASE
        WHEN t IN ('integer', 'bigint', 'smallint', 'numeric(10,2)', 'double precision') THEN pg_temp.pt_rand(100)::text
        WHEN t IN ('text', 'character varying(20)') THEN quote_literal('v' || pg_temp.pt_rand(10))
        WHEN t = 'boolean' THEN 'true'
        WHEN t = 'date' THEN 'CURRENT_DATE'
        WHEN t = 'timestamp with time zone' THEN 'now()'
        WHEN t = 'jsonb' THEN '''{}''::jsonb'
        WHEN t = 'uuid' THEN 'gen_random_uuid()'
        WHEN t = 'integer[]' THEN '''{}''::integer[]'
    END;
END $$;

-- a type another one can be changed to with a cast
CREATE FUNCTION pg_temp.pt_retype(t text) RETURNS text
LANGUAGE sql AS $$
    SELECT CASE
        WHEN t IN ('integer', 'bigint', 'smallint', 'numeric(10,2)', 'double precision')
            THEN pg_temp.pt_pick(ARRAY['integer', 'bigint', 'numeric(12,3)', 'text'])
        WHEN t IN ('text', 'character varying(20)') THEN pg_temp.pt_pick(ARRAY['text', 'character varying(40)'])
        ELSE 'text' END
$$;

CREATE FUNCTION pg_temp.pt_new_table(m jsonb, name text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    t jsonb := jsonb_build_object('cols', '{}'::jsonb, 'checks', '{}'::jsonb, 'idx', '{}'::jsonb,
                                  'fks', '{}'::jsonb, 'uniq', '{}'::jsonb, 'parts', '{}'::jsonb);
    n integer := 1 + pg_temp.pt_rand(5);
    ty text;
BEGIN
    t := jsonb_set(t, '{cols,id}', jsonb_build_object('type', 'integer', 'nn', true));
    t := t || jsonb_build_object('pk', 'id');
    FOR i IN 1 .. n LOOP
        ty := pg_temp.pt_type(m);
        t := jsonb_set(t, ARRAY['cols', 'c' || i],
                       jsonb_build_object('type', ty, 'nn', random() < 0.3, 'def', pg_temp.pt_default(m, ty)));
    END LOOP;
    IF random() < 0.15 THEN
        t := t || '{"pk": null, "part": true}';
        t := jsonb_set(t, '{parts,p1}', '"FROM (0) TO (100)"');
    END IF;
    RETURN jsonb_set(m, ARRAY['tables', name], t);
END $$;

-- a random schema
CREATE FUNCTION pg_temp.pt_gen() RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    m jsonb := '{"enums": {}, "seqs": {}, "tables": {}, "views": {}, "funcs": {}, "trigs": {}, "comments": {}, "n": 0}';
BEGIN
    IF random() < 0.5 THEN
        m := jsonb_set(m, '{enums,e1}', '["a", "b", "c"]');
    END IF;
    FOR i IN 1 .. 1 + pg_temp.pt_rand(3) LOOP
        m := pg_temp.pt_new_table(m, 't' || i);
    END LOOP;
    FOR i IN 1 .. 3 LOOP
        m := pg_temp.pt_edit1(m);
    END LOOP;
    RETURN m;
END $$;

-- one random edit
CREATE FUNCTION pg_temp.pt_edit1(m jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    c text;
    c2 text;
    ty text;
    r integer := pg_temp.pt_rand(24);
    n integer := (m->>'n')::integer + 1;
BEGIN
    m := jsonb_set(m, '{n}', to_jsonb(n));
    SELECT k INTO t FROM jsonb_object_keys(m->'tables') k ORDER BY random() LIMIT 1;
    IF t IS NOT NULL THEN
        SELECT k INTO c FROM jsonb_object_keys(m->'tables'->t->'cols') k WHERE k <> 'id' ORDER BY random() LIMIT 1;
        SELECT k INTO c2 FROM jsonb_object_keys(m->'tables'->t->'cols') k ORDER BY random() LIMIT 1;
    END IF;
    IF t IS NULL OR r = 0 THEN
        RETURN pg_temp.pt_new_table(m, 'tn' || n);
    END IF;
    CASE r
    WHEN 1 THEN   -- drop a table
        RETURN m #- ARRAY['tables', t];
    WHEN 2 THEN   -- add a column
        ty := pg_temp.pt_type(m);
        RETURN jsonb_set(m, ARRAY['tables', t, 'cols', 'cn' || n],
                         jsonb_build_object('type', ty, 'nn', false, 'def', pg_temp.pt_default(m, ty)));
    WHEN 3 THEN   -- drop a column
        IF c IS NOT NULL THEN RETURN m #- ARRAY['tables', t, 'cols', c]; END IF;
    WHEN 4 THEN   -- change a column's type
        IF c IS NOT NULL AND NOT m->'enums' ? (m->'tables'->t->'cols'->c->>'type') THEN
            ty := pg_temp.pt_retype(m->'tables'->t->'cols'->c->>'type');
            m := jsonb_set(m, ARRAY['tables', t, 'cols', c, 'def'], 'null');
            RETURN jsonb_set(m, ARRAY['tables', t, 'cols', c, 'type'], to_jsonb(ty));
        END IF;
    WHEN 5 THEN   -- NOT NULL
        IF c IS NOT NULL THEN
            RETURN jsonb_set(m, ARRAY['tables', t, 'cols', c, 'nn'],
                             to_jsonb(NOT (m->'tables'->t->'cols'->c->>'nn')::boolean));
        END IF;
    WHEN 6 THEN   -- default
        IF c IS NOT NULL THEN
            RETURN jsonb_set(m, ARRAY['tables', t, 'cols', c, 'def'],
                             COALESCE(to_jsonb(pg_temp.pt_default(m, m->'tables'->t->'cols'->c->>'type')), 'null'));
        END IF;
    WHEN 7 THEN   -- an index
        RETURN jsonb_set(m, ARRAY['tables', t, 'idx', t || '_i' || n],
                         jsonb_build_object('col', c2, 'unique', random() < 0.2,
                                            'where', CASE WHEN random() < 0.2 THEN c2 || ' IS NOT NULL' END,
                                            'desc', random() < 0.2));
    WHEN 8 THEN   -- drop an index
        RETURN jsonb_set(m, ARRAY['tables', t, 'idx'], '{}');
    WHEN 9 THEN   -- a check constraint
        IF (m->'tables'->t->'cols'->c2->>'type') IN ('integer', 'bigint', 'smallint') THEN
            RETURN jsonb_set(m, ARRAY['tables', t, 'checks', t || '_ck' || n],
                             to_jsonb(c2 || ' > ' || (pg_temp.pt_rand(3) - 1)));
        END IF;
    WHEN 10 THEN  -- a unique constraint
        RETURN jsonb_set(m, ARRAY['tables', t, 'uniq', t || '_uq' || n], to_jsonb(c2));
    WHEN 11 THEN  -- a foreign key to a table with a primary key
        DECLARE p text;
        BEGIN
            SELECT k INTO p FROM jsonb_object_keys(m->'tables') k
             WHERE m->'tables'->k->>'pk' IS NOT NULL ORDER BY random() LIMIT 1;
            IF p IS NOT NULL AND (m->'tables'->t->'cols'->c2->>'type') = 'integer' THEN
                RETURN jsonb_set(m, ARRAY['tables', t, 'fks', t || '_fk' || n],
                                 jsonb_build_object('col', c2, 'ref', p,
                                                    'action', pg_temp.pt_pick(ARRAY['', ' ON DELETE CASCADE', ' ON DELETE SET NULL', ' DEFERRABLE'])));
            END IF;
        END;
    WHEN 12 THEN  -- drop constraints
        RETURN jsonb_set(jsonb_set(jsonb_set(m, ARRAY['tables', t, 'checks'], '{}'),
                                   ARRAY['tables', t, 'fks'], '{}'), ARRAY['tables', t, 'uniq'], '{}');
    WHEN 13 THEN  -- a view
        RETURN jsonb_set(m, ARRAY['views', 'v' || n],
                         jsonb_build_object('t', t, 'cols', jsonb_build_array('id', c2),
                                            'where', CASE WHEN random() < 0.5 THEN 'id > ' || pg_temp.pt_rand(10) END));
    WHEN 14 THEN  -- drop or change a view
        SELECT k INTO c FROM jsonb_object_keys(m->'views') k ORDER BY random() LIMIT 1;
        IF c IS NOT NULL THEN
            IF random() < 0.5 THEN RETURN m #- ARRAY['views', c]; END IF;
            RETURN jsonb_set(m, ARRAY['views', c, 'where'], to_jsonb('id > ' || pg_temp.pt_rand(10)));
        END IF;
    WHEN 15 THEN  -- enums: a new one, a value added, a value removed or reordered
        SELECT k INTO c FROM jsonb_object_keys(m->'enums') k ORDER BY random() LIMIT 1;
        IF c IS NULL THEN
            RETURN jsonb_set(m, ARRAY['enums', 'e' || n], '["x", "y"]');
        ELSIF random() < 0.5 THEN
            RETURN jsonb_set(m, ARRAY['enums', c], (m->'enums'->c) || to_jsonb('n' || n));
        ELSE
            RETURN jsonb_set(m, ARRAY['enums', c],
                             (SELECT jsonb_agg(x ORDER BY random()) FROM jsonb_array_elements(m->'enums'->c) x));
        END IF;
    WHEN 16 THEN  -- a sequence used by a default, or its options changed
        SELECT k INTO c2 FROM jsonb_object_keys(m->'seqs') k ORDER BY random() LIMIT 1;
        IF c2 IS NULL OR random() < 0.5 THEN
            m := jsonb_set(m, ARRAY['seqs', 's' || n], jsonb_build_object('inc', 1, 'cycle', false));
            IF c IS NOT NULL AND (m->'tables'->t->'cols'->c->>'type') IN ('integer', 'bigint') THEN
                m := jsonb_set(m, ARRAY['tables', t, 'cols', c, 'def'], to_jsonb(format('nextval(%L)', 's' || n)));
            END IF;
            RETURN m;
        END IF;
        RETURN jsonb_set(m, ARRAY['seqs', c2], jsonb_build_object('inc', 1 + pg_temp.pt_rand(5), 'cycle', random() < 0.5));
    WHEN 17 THEN  -- SQL functions
        RETURN jsonb_set(m, ARRAY['funcs', 'f' || pg_temp.pt_rand(3)],
                         jsonb_build_object('k', pg_temp.pt_rand(5), 'ret', pg_temp.pt_pick(ARRAY['integer', 'bigint'])));
    WHEN 18 THEN  -- a trigger
        RETURN jsonb_set(m, ARRAY['trigs', 'tg' || n],
                         jsonb_build_object('t', t, 'when', pg_temp.pt_pick(ARRAY['BEFORE INSERT', 'AFTER UPDATE', 'BEFORE INSERT OR UPDATE'])));
    WHEN 19 THEN  -- drop a trigger or a function
        IF random() < 0.5 THEN RETURN jsonb_set(m, '{trigs}', '{}'); END IF;
        RETURN jsonb_set(m, '{funcs}', '{}');
    WHEN 20 THEN  -- comments
        IF random() < 0.7 THEN
            RETURN jsonb_set(m, ARRAY['comments', t], to_jsonb('table ' || t || ' v' || n));
        END IF;
        RETURN jsonb_set(m, '{comments}', '{}');
    WHEN 21 THEN  -- partitions
        IF (m->'tables'->t->>'part') IS NOT NULL THEN
            IF random() < 0.5 THEN
                RETURN jsonb_set(m, ARRAY['tables', t, 'parts', 'p' || n],
                                 to_jsonb(format('FROM (%s) TO (%s)', 100 * n, 100 * n + 100)));
            END IF;
            RETURN jsonb_set(m, ARRAY['tables', t, 'parts'], '{}');
        END IF;
    WHEN 22 THEN  -- rename a column (a drop and an add for autogenerate)
        IF c IS NOT NULL THEN
            m := jsonb_set(m, ARRAY['tables', t, 'cols', c || 'r' || n], m->'tables'->t->'cols'->c);
            RETURN m #- ARRAY['tables', t, 'cols', c];
        END IF;
    ELSE          -- primary key dropped or added
        IF (m->'tables'->t->>'part') IS NULL THEN
            IF (m->'tables'->t->>'pk') IS NULL THEN RETURN m || jsonb_build_object('tables', (m->'tables') || jsonb_build_object(t, (m->'tables'->t) || '{"pk": "id"}')); END IF;
            RETURN jsonb_set(m, ARRAY['tables', t, 'pk'], 'null');
        END IF;
    END CASE;
    RETURN m;
END $$;

-- one to four random edits
CREATE FUNCTION pg_temp.pt_edit(m jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 1 + pg_temp.pt_rand(4) LOOP
        m := pg_temp.pt_edit1(m);
    END LOOP;
    RETURN m;
END $$;

-- the model as SQL, valid whatever the edits left behind
CREATE FUNCTION pg_temp.pt_render(m jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    out text := '';
    k text;
    t text;
    c text;
    cols text;
    v jsonb;
    x jsonb;
BEGIN
    FOR k, v IN SELECT * FROM jsonb_each(m->'enums') ORDER BY 1 LOOP
        out := out || format(E'CREATE TYPE %I AS ENUM (%s);\n', k,
                             (SELECT string_agg(quote_literal(e), ', ') FROM jsonb_array_elements_text(v) e));
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(m->'seqs') ORDER BY 1 LOOP
        out := out || format(E'CREATE SEQUENCE %I INCREMENT BY %s %s;\n', k, v->>'inc',
                             CASE WHEN (v->>'cycle')::boolean THEN 'CYCLE' ELSE 'NO CYCLE' END);
    END LOOP;
    FOR t, v IN SELECT * FROM jsonb_each(m->'tables') ORDER BY 1 LOOP
        SELECT string_agg(format('%I %s%s%s', ck, cv->>'type',
                                 CASE WHEN (cv->>'nn')::boolean OR ck = v->>'pk' THEN ' NOT NULL' ELSE '' END,
                                 CASE WHEN cv->>'def' IS NOT NULL
                                       AND (NOT m->'enums' ? (cv->>'type')
                                            OR m->'enums'->(cv->>'type') ? trim(both '''' from cv->>'def'))
                                      THEN ' DEFAULT ' || (cv->>'def') ELSE '' END), ', ' ORDER BY ck)
          INTO cols
          FROM jsonb_each(v->'cols') AS e(ck, cv);
        IF (v->>'part') IS NOT NULL THEN
            out := out || format(E'CREATE TABLE %I (%s) PARTITION BY RANGE (id);\n', t, cols);
            FOR k, x IN SELECT * FROM jsonb_each(v->'parts') ORDER BY 1 LOOP
                out := out || format(E'CREATE TABLE %I PARTITION OF %I FOR VALUES %s;\n', t || '_' || k, t, x #>> '{}');
            END LOOP;
        ELSE
            out := out || format(E'CREATE TABLE %I (%s);\n', t, cols);
        END IF;
        IF v->>'pk' IS NOT NULL THEN
            out := out || format(E'ALTER TABLE %I ADD PRIMARY KEY (id);\n', t);
        END IF;
    END LOOP;
    -- constraints and indexes, once every table exists
    FOR t, v IN SELECT * FROM jsonb_each(m->'tables') ORDER BY 1 LOOP
        FOR k, x IN SELECT * FROM jsonb_each(v->'checks') ORDER BY 1 LOOP
            IF (v->'cols'->split_part(x #>> '{}', ' ', 1)->>'type') IN ('integer', 'bigint', 'smallint', 'numeric(12,3)') THEN
                out := out || format(E'ALTER TABLE %I ADD CONSTRAINT %I CHECK (%s);\n', t, k, x #>> '{}');
            END IF;
        END LOOP;
        FOR k, x IN SELECT * FROM jsonb_each(v->'uniq') ORDER BY 1 LOOP
            IF v->'cols' ? (x #>> '{}') AND (v->>'part') IS NULL
               AND (v->'cols'->(x #>> '{}')->>'type') NOT IN ('jsonb', 'integer[]') THEN
                out := out || format(E'ALTER TABLE %I ADD CONSTRAINT %I UNIQUE (%I);\n', t, k, x #>> '{}');
            END IF;
        END LOOP;
        FOR k, x IN SELECT * FROM jsonb_each(v->'idx') ORDER BY 1 LOOP
            IF v->'cols' ? (x->>'col') AND (v->'cols'->(x->>'col')->>'type') NOT IN ('jsonb', 'integer[]')
               AND ((v->>'part') IS NULL OR NOT (x->>'unique')::boolean) THEN
                out := out || format(E'CREATE %sINDEX %I ON %I (%I%s)%s;\n',
                                     CASE WHEN (x->>'unique')::boolean THEN 'UNIQUE ' ELSE '' END, k, t, x->>'col',
                                     CASE WHEN (x->>'desc')::boolean THEN ' DESC' ELSE '' END,
                                     COALESCE(' WHERE ' || (x->>'where'), ''));
            END IF;
        END LOOP;
        FOR k, x IN SELECT * FROM jsonb_each(v->'fks') ORDER BY 1 LOOP
            IF v->'cols' ? (x->>'col') AND (v->'cols'->(x->>'col')->>'type') = 'integer'
               AND m->'tables' ? (x->>'ref') AND (m->'tables'->(x->>'ref')->>'pk') IS NOT NULL
               AND ((x->>'action') <> ' ON DELETE SET NULL' OR NOT (v->'cols'->(x->>'col')->>'nn')::boolean) THEN
                out := out || format(E'ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %I%s;\n',
                                     t, k, x->>'col', x->>'ref', x->>'action');
            END IF;
        END LOOP;
        IF m->'comments' ? t THEN
            out := out || format(E'COMMENT ON TABLE %I IS %L;\n', t, m->'comments'->>t);
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(m->'views') ORDER BY 1 LOOP
        IF m->'tables' ? (v->>'t') AND m->'tables'->(v->>'t')->'cols' ? (v->'cols'->>1) THEN
            out := out || format(E'CREATE VIEW %I AS SELECT id, %I AS x FROM %I%s;\n', k, v->'cols'->>1, v->>'t',
                                 COALESCE(' WHERE ' || (v->>'where'), ''));
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(m->'funcs') ORDER BY 1 LOOP
        out := out || format(E'CREATE FUNCTION %I(a integer) RETURNS %s LANGUAGE sql IMMUTABLE AS %L;\n',
                             k, v->>'ret', 'SELECT a + ' || (v->>'k'));
    END LOOP;
    IF m->'trigs' <> '{}' THEN
        out := out || E'CREATE FUNCTION trgf() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN RETURN NEW; END$f$;\n';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(m->'trigs') ORDER BY 1 LOOP
        IF m->'tables' ? (v->>'t') THEN
            out := out || format(E'CREATE TRIGGER %I %s ON %I FOR EACH ROW EXECUTE FUNCTION trgf();\n',
                                 k, v->>'when', v->>'t');
        END IF;
    END LOOP;
    RETURN out;
END $$;

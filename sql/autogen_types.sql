-- Autogenerate, types: enum values added in place, an enum recreated when
-- values are removed or reordered (its columns converted, its other
-- dependants dropped and created again around it), domains with their
-- constraints, default and NOT NULL, composite and range types.
CREATE EXTENSION schemaver;
\set ECHO none
\i sql/include/helpers.sql
\i sql/include/autogen_harness.sql
\set ECHO all
SET client_min_messages = warning;
SET search_path = ag, public;

-- values added: ALTER TYPE ... ADD VALUE; the downgrade recreates the type
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE t (m mood, ms mood[]); $a$,
$b$ CREATE TYPE mood AS ENUM ('sad', 'meh', 'ok', 'happy'); CREATE TABLE t (m mood, ms mood[]); $b$);

-- reordered and removed values: the type is recreated both ways, the
-- default and the view that use it around it
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE TYPE mood AS ENUM ('sad', 'ok', 'gone'); CREATE TABLE t (m mood DEFAULT 'ok', n int);
    CREATE VIEW v AS SELECT m FROM t WHERE m <> 'sad'; $a$,
$b$ CREATE TYPE mood AS ENUM ('ok', 'sad', 'happy'); CREATE TABLE t (m mood DEFAULT 'ok', n int);
    CREATE VIEW v AS SELECT m FROM t WHERE m <> 'sad'; $b$);

-- a table with rows keeps them through the recreation
DROP SCHEMA ag CASCADE;
CREATE SCHEMA ag;
CREATE TYPE ag.mood AS ENUM ('sad', 'ok');
CREATE TABLE ag.t (m ag.mood);
INSERT INTO ag.t VALUES ('sad'), ('ok');
SELECT upgrade AS up FROM schemaver_autogenerate($b$ CREATE TYPE mood AS ENUM ('ok', 'sad'); CREATE TABLE t (m mood); $b$, '{ag}') \gset
:up
SELECT m AS value, m < 'sad' AS sorts_before_sad FROM ag.t ORDER BY 1;
DROP SCHEMA ag CASCADE;

-- domains, composite and range types
SELECT * FROM pg_temp.ag_roundtrip(
$a$ CREATE DOMAIN posint AS int CHECK (VALUE > 0); CREATE TYPE pair AS (a int, b text);
    CREATE TYPE fr AS RANGE (subtype = float8); CREATE TABLE t (p posint); $a$,
$b$ CREATE DOMAIN posint AS int NOT NULL DEFAULT 1 CONSTRAINT posint_check CHECK (VALUE > 0)
        CONSTRAINT small CHECK (VALUE < 100);
    CREATE TYPE pair AS (a int, b text, c date);
    CREATE TYPE fr AS RANGE (subtype = float8, subtype_diff = float8mi);
    CREATE DOMAIN email AS text COLLATE "C" CHECK (VALUE LIKE '%@%');
    CREATE TABLE t (p posint, q pair, e email); $b$);

DROP SCHEMA ag CASCADE;
DROP EXTENSION schemaver;

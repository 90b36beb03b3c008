-- The "Zero-downtime changes" recipes of README.md, as written there, on a
-- table that the lint counts as big: schemaver_lint() finds nothing of
-- severity error in them, schemaver.lint = error lets them through, they
-- apply with the stepwise procedure (each revision commits) and undo to
-- base, and they do what they say.
CREATE EXTENSION schemaver;
\i sql/include/helpers.sql

SET schemaver.lint_table_rows = 100;
SET schemaver.lint_table_size = -1;
CREATE TABLE owners (id int PRIMARY KEY) WITH (autovacuum_enabled = false);
INSERT INTO owners SELECT g FROM generate_series(1, 1000) g;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, balance int, owner_id int)
  WITH (autovacuum_enabled = false);
INSERT INTO accounts SELECT g, 'a' || g || '@example.invalid', g, g FROM generate_series(1, 1000) g;
ANALYZE owners, accounts;

-- Add a column: a constant default needs no rewrite; a volatile one goes
-- in as the default for new rows only, and the existing rows are filled in
-- a revision of their own.
SELECT schemaver_add_revision('z01_add_plan_and_token', NULL,
    upgrade => $up$
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';
ALTER TABLE accounts ADD COLUMN token uuid;
ALTER TABLE accounts ALTER COLUMN token SET DEFAULT gen_random_uuid();
$up$,
    downgrade => $down$
ALTER TABLE accounts DROP COLUMN token;
ALTER TABLE accounts DROP COLUMN plan;
$down$);
SELECT schemaver_add_revision('z02_fill_token', 'z01_add_plan_and_token',
    upgrade => $up$
UPDATE accounts SET token = gen_random_uuid() WHERE token IS NULL;
$up$,
    downgrade => '');

-- Add a NOT NULL column (continued): a check constraint NOT VALID, then,
-- in a later revision, VALIDATE (reads and writes go on) and SET NOT NULL
-- (which uses the valid check instead of a scan).
SELECT schemaver_add_revision('z03_token_not_null_check', 'z02_fill_token',
    upgrade => $up$
ALTER TABLE accounts ADD CONSTRAINT accounts_token_present CHECK (token IS NOT NULL) NOT VALID;
$up$,
    downgrade => $down$
ALTER TABLE accounts DROP CONSTRAINT accounts_token_present;
$down$);
SELECT schemaver_add_revision('z04_token_not_null', 'z03_token_not_null_check',
    upgrade => $up$
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_token_present;
ALTER TABLE accounts ALTER COLUMN token SET NOT NULL;
ALTER TABLE accounts DROP CONSTRAINT accounts_token_present;
$up$,
    downgrade => $down$
ALTER TABLE accounts ADD CONSTRAINT accounts_token_present CHECK (token IS NOT NULL) NOT VALID;
ALTER TABLE accounts ALTER COLUMN token DROP NOT NULL;
$down$);

-- Add an index: CREATE INDEX CONCURRENTLY in a non-transactional revision
-- of its own, which drops an INVALID index of a failed build first.
SELECT schemaver_add_revision('z05_email_index', 'z04_token_not_null',
    upgrade => $up$
-- schemaver: transaction=off lock_timeout=0
DROP INDEX CONCURRENTLY IF EXISTS accounts_email_idx;
CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);
$up$,
    downgrade => $down$
-- schemaver: transaction=off
DROP INDEX CONCURRENTLY IF EXISTS accounts_email_idx;
$down$);

-- Add a foreign key: NOT VALID, then VALIDATE in a later revision.
SELECT schemaver_add_revision('z06_owner_fk', 'z05_email_index',
    upgrade => $up$
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk
    FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;
$up$,
    downgrade => $down$
ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk;
$down$);
SELECT schemaver_add_revision('z07_validate_owner_fk', 'z06_owner_fk',
    upgrade => $up$
ALTER TABLE accounts VALIDATE CONSTRAINT accounts_owner_fk;
$up$,
    downgrade => '');

-- Change a type (balance: integer to bigint): a new column kept current by
-- a trigger, filled, then swapped by name in one revision; the old column
-- goes once no application reads it.
SELECT schemaver_add_revision('z08_balance_bigint_column', 'z07_validate_owner_fk',
    upgrade => $up$
ALTER TABLE accounts ADD COLUMN balance_new bigint;
CREATE FUNCTION accounts_balance_sync() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    NEW.balance_new := NEW.balance;
    RETURN NEW;
END
$f$;
CREATE TRIGGER accounts_balance_sync BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_balance_sync();
$up$,
    downgrade => $down$
DROP TRIGGER accounts_balance_sync ON accounts;
DROP FUNCTION accounts_balance_sync();
ALTER TABLE accounts DROP COLUMN balance_new;
$down$);
SELECT schemaver_add_revision('z09_fill_balance_bigint', 'z08_balance_bigint_column',
    upgrade => $up$
UPDATE accounts SET balance_new = balance WHERE balance_new IS DISTINCT FROM balance;
$up$,
    downgrade => '');
SELECT schemaver_add_revision('z10_swap_balance', 'z09_fill_balance_bigint',
    upgrade => $up$
DROP TRIGGER accounts_balance_sync ON accounts;
DROP FUNCTION accounts_balance_sync();
-- schemaver:lint-ignore rename-column -- the applications keep the name "balance"
ALTER TABLE accounts RENAME COLUMN balance TO balance_old;
-- schemaver:lint-ignore rename-column -- balance_new is no application's name
ALTER TABLE accounts RENAME COLUMN balance_new TO balance;
$up$,
    downgrade => $down$
ALTER TABLE accounts RENAME COLUMN balance TO balance_new;
ALTER TABLE accounts RENAME COLUMN balance_old TO balance;
CREATE FUNCTION accounts_balance_sync() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    NEW.balance_new := NEW.balance;
    RETURN NEW;
END
$f$;
CREATE TRIGGER accounts_balance_sync BEFORE INSERT OR UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_balance_sync();
$down$);
SELECT schemaver_add_revision('z11_drop_balance_old', 'z10_swap_balance',
    upgrade => $up$
-- schemaver:lint-ignore drop-column -- deployed: no application reads balance_old
ALTER TABLE accounts DROP COLUMN balance_old;
$up$,
    downgrade => $down$
ALTER TABLE accounts ADD COLUMN balance_old integer;
$down$);

-- Nothing to report, all pending at once (each revision linted against the
-- catalog as it is: a column that an earlier revision adds is not there
-- yet, and gets no finding) ...
SELECT revision, statement, rule, severity FROM schemaver_lint();
-- ... nor one at a time, each against what the ones before it left, with
-- schemaver.lint = error.
SET schemaver.lint = error;
CREATE TEMP TABLE recipe_findings AS SELECT * FROM schemaver_lint() WHERE false;
CREATE PROCEDURE apply_recipes(revisions text[]) LANGUAGE plpgsql AS $p$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY revisions
    LOOP
        INSERT INTO recipe_findings SELECT * FROM schemaver_lint(r);
        PERFORM schemaver_upgrade(r);
    END LOOP;
END
$p$;
CALL apply_recipes(ARRAY['z01_add_plan_and_token', 'z02_fill_token',
    'z03_token_not_null_check', 'z04_token_not_null']);
-- (the index is non-transactional: the stepwise procedure applies it)
INSERT INTO recipe_findings SELECT * FROM schemaver_lint('z05_email_index');
CALL schemaver_upgrade_stepwise('z05_email_index');
CALL apply_recipes(ARRAY['z06_owner_fk', 'z07_validate_owner_fk',
    'z08_balance_bigint_column', 'z09_fill_balance_bigint', 'z10_swap_balance',
    'z11_drop_balance_old']);
DROP PROCEDURE apply_recipes(text[]);
SELECT revision, statement, rule, severity FROM recipe_findings;
RESET schemaver.lint;
SELECT * FROM schemaver_current();

-- They did what they say.
SELECT column_name, data_type, is_nullable, column_default
  FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY ordinal_position;
SELECT count(*) FILTER (WHERE token IS NULL) AS tokens_missing,
       count(*) FILTER (WHERE balance <> id) AS balances_wrong FROM accounts;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype <> 'n' ORDER BY 1;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = 'accounts'::regclass ORDER BY 1;

-- And they undo, and apply again with the stepwise procedure, which
-- commits after each revision (as the recipes are meant to be applied).
CALL schemaver_downgrade_stepwise('base');
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_name = 'accounts' ORDER BY ordinal_position;
SET schemaver.lint = error;
CALL schemaver_upgrade_stepwise('head');
RESET schemaver.lint;
SELECT * FROM schemaver_current();

DROP TABLE accounts, owners;
DROP EXTENSION schemaver;

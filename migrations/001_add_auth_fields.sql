-- 001_add_auth_fields: user authentication fields on users.
--
-- Adds user_id, email, hashed_password, full_name and is_active, the unique
-- constraints uq_users_user_id and uq_users_email, and the index
-- ix_users_username.
--
-- The columns are added the progressive way, so that the revision works on
-- a table that already holds rows:
--   1. add the columns as nullable (no table rewrite, no long lock);
--   2. backfill the existing rows in a single UPDATE;
--   3. SET NOT NULL once every row has a value;
--   4. add the constraints and indexes.
--
-- Backfill:
--   user_id   a random UUID in text form: an opaque public id that cannot be
--             guessed from users.id. New rows get one from the column default,
--             so code that inserts users without a user_id keeps working.
--   email     <username>+<id>@example.invalid. The .invalid top-level domain
--             is reserved (RFC 2606): these placeholders can never receive
--             mail. Characters other than letters, digits, '.', '_' and '-'
--             in the username become '_'; the id keeps the addresses unique
--             even when two existing rows share a username.
--   hashed_password  stays NULL for existing rows: "no password set yet"
--             (they must go through a password reset). A made-up hash would be
--             worse than none, so the column stays nullable.
--   full_name stays NULL: optional.
--   is_active NOT NULL DEFAULT true: a constant default fills existing rows
--             without a rewrite (PostgreSQL 11+), so it needs no UPDATE.
--
-- Indexes: the seed asks for indexes on user_id, email and username. A unique
-- constraint is enforced by a unique btree index of the same name, so
-- uq_users_user_id and uq_users_email already are the indexes on user_id and
-- email; a second ix_users_user_id / ix_users_email on the same column would
-- only double the write cost. username is not unique, so it gets the plain
-- index ix_users_username.

SELECT schemaver_add_revision(
    revision      => '001_add_auth_fields',
    down_revision => '000_create_users',
    message       => 'add user authentication fields',
    upgrade       => $up$
-- 1. Add the new columns, nullable.
ALTER TABLE users
    ADD COLUMN user_id         text,
    ADD COLUMN email           text,
    ADD COLUMN hashed_password text,
    ADD COLUMN full_name       text,
    ADD COLUMN is_active       boolean NOT NULL DEFAULT true;

-- 2. Backfill the existing rows.
UPDATE users
   SET user_id = gen_random_uuid()::text,
       email   = lower(regexp_replace(username, '[^A-Za-z0-9._-]+', '_', 'g'))
                 || '+' || id::text || '@example.invalid';

-- 3. Make them required.
ALTER TABLE users
    ALTER COLUMN user_id SET NOT NULL,
    ALTER COLUMN user_id SET DEFAULT gen_random_uuid()::text,
    ALTER COLUMN email   SET NOT NULL;

-- 4. Constraints and indexes (uq_* are also the user_id and email indexes).
ALTER TABLE users
    ADD CONSTRAINT uq_users_user_id UNIQUE (user_id),
    ADD CONSTRAINT uq_users_email   UNIQUE (email);

CREATE INDEX ix_users_username ON users (username);
$up$,
    downgrade     => $down$
DROP INDEX ix_users_username;

ALTER TABLE users
    DROP CONSTRAINT uq_users_email,
    DROP CONSTRAINT uq_users_user_id;

ALTER TABLE users
    DROP COLUMN is_active,
    DROP COLUMN full_name,
    DROP COLUMN hashed_password,
    DROP COLUMN email,
    DROP COLUMN user_id;
$down$);

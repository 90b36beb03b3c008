-- Deploy voice_agent:auth-fields to pg
-- requires: users

BEGIN;

ALTER TABLE voice.users
    ADD COLUMN user_id         text,
    ADD COLUMN email           text,
    ADD COLUMN hashed_password text,
    ADD COLUMN full_name       text,
    ADD COLUMN is_active       boolean NOT NULL DEFAULT true;

UPDATE voice.users
   SET user_id = gen_random_uuid()::text,
       email   = username || '+' || id || '@example.invalid';

ALTER TABLE voice.users
    ALTER COLUMN user_id SET NOT NULL,
    ALTER COLUMN email   SET NOT NULL,
    ADD CONSTRAINT uq_users_user_id UNIQUE (user_id),
    ADD CONSTRAINT uq_users_email   UNIQUE (email);

COMMIT;

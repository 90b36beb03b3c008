-- Deploy voice_agent:auth-fields to pg
-- requires: auth-fields@v1.0

BEGIN;

UPDATE voice.users SET email = lower(email);
ALTER TABLE voice.users
    ADD CONSTRAINT ck_users_email_lower CHECK (email = lower(email));

COMMIT;

-- Revert voice_agent:auth-fields from pg

BEGIN;

ALTER TABLE voice.users DROP CONSTRAINT ck_users_email_lower;

COMMIT;

-- Revert voice_agent:auth-fields from pg

BEGIN;

ALTER TABLE voice.users
    DROP COLUMN is_active,
    DROP COLUMN full_name,
    DROP COLUMN hashed_password,
    DROP COLUMN email,
    DROP COLUMN user_id;

COMMIT;

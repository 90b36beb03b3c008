-- Revert voice_agent:users from pg

BEGIN;

DROP TABLE voice.users;

COMMIT;

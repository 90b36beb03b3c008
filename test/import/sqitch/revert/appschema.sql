-- Revert voice_agent:appschema from pg

BEGIN;

DROP SCHEMA voice;

COMMIT;

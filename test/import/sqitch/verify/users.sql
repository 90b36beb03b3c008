-- Verify voice_agent:users on pg

BEGIN;

SELECT id, username, created_at FROM voice.users WHERE FALSE;

ROLLBACK;

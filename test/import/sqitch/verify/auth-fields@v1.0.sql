-- Verify voice_agent:auth-fields on pg

BEGIN;

SELECT user_id, email, hashed_password, full_name, is_active FROM voice.users WHERE FALSE;

ROLLBACK;

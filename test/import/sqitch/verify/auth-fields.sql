-- Verify voice_agent:auth-fields on pg

BEGIN;

SELECT 1/count(*) FROM pg_catalog.pg_constraint WHERE conname = 'ck_users_email_lower';

ROLLBACK;

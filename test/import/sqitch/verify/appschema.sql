-- Verify voice_agent:appschema on pg

BEGIN;

SELECT pg_catalog.has_schema_privilege('voice', 'usage');

ROLLBACK;

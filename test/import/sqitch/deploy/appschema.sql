-- Deploy voice_agent:appschema to pg

BEGIN;

CREATE SCHEMA voice;

COMMIT;

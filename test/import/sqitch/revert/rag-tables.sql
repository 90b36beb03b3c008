-- Revert voice_agent:rag-tables from pg

BEGIN;

DROP TABLE voice.rag_chunks;
DROP TABLE voice.rag_corpora;

COMMIT;

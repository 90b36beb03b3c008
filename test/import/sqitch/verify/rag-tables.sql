-- Verify voice_agent:rag-tables on pg

BEGIN;

SELECT corpus_id FROM voice.rag_corpora WHERE FALSE;
SELECT chunk_id FROM voice.rag_chunks WHERE FALSE;

ROLLBACK;

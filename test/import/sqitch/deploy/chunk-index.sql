-- Deploy voice_agent:chunk-index to pg
-- requires: rag-tables

-- No BEGIN/COMMIT: CREATE INDEX CONCURRENTLY cannot run in a transaction.
CREATE INDEX CONCURRENTLY ix_rag_chunks_chunk_index ON voice.rag_chunks (chunk_index);

-- Revert voice_agent:chunk-index from pg

DROP INDEX CONCURRENTLY voice.ix_rag_chunks_chunk_index;

-- Verify voice_agent:chunk-index on pg

SELECT 'voice.ix_rag_chunks_chunk_index'::regclass;

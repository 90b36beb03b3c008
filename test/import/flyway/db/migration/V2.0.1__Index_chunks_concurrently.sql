CREATE INDEX CONCURRENTLY ix_rag_chunks_chunk_index ON rag_chunks (chunk_index);

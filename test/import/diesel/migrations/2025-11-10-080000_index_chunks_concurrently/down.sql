-- This file should undo anything in `up.sql`
DROP INDEX CONCURRENTLY ix_rag_chunks_chunk_index;

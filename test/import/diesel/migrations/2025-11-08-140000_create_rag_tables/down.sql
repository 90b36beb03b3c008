-- This file should undo anything in `up.sql`
DROP TABLE rag_chunks;
DROP TABLE rag_corpora;

DROP TABLE rag_chunks;
DROP TABLE rag_corpora;

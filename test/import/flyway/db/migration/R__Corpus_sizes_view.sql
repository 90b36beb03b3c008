CREATE OR REPLACE VIEW corpus_sizes AS
SELECT c.corpus_id, c.corpus_name, count(ch.chunk_id) AS chunks
  FROM rag_corpora c LEFT JOIN rag_chunks ch USING (corpus_id)
 GROUP BY c.corpus_id, c.corpus_name;

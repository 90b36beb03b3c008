ALTER TABLE rag_corpora ADD COLUMN description text;

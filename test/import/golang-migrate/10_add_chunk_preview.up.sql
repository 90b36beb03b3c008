ALTER TABLE rag_chunks ADD COLUMN text_preview text;
UPDATE rag_chunks SET text_preview = '';

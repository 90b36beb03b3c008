CREATE TABLE rag_corpora (
    corpus_id       bigserial PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    corpus_name     text NOT NULL,
    collection_name text NOT NULL UNIQUE,
    UNIQUE (user_id, corpus_name)
);
CREATE TABLE rag_chunks (
    chunk_id        bigserial PRIMARY KEY,
    corpus_id       bigint NOT NULL REFERENCES rag_corpora ON DELETE CASCADE,
    qdrant_point_id text NOT NULL UNIQUE,
    chunk_index     integer NOT NULL
);

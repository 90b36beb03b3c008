-- Your SQL goes here
CREATE TABLE rag_corpora (
    corpus_id       BIGSERIAL PRIMARY KEY,
    user_id         VARCHAR NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    corpus_name     VARCHAR NOT NULL,
    collection_name VARCHAR NOT NULL UNIQUE,
    UNIQUE (user_id, corpus_name)
);

CREATE TABLE rag_chunks (
    chunk_id        BIGSERIAL PRIMARY KEY,
    corpus_id       BIGINT NOT NULL REFERENCES rag_corpora ON DELETE CASCADE,
    qdrant_point_id VARCHAR NOT NULL UNIQUE,
    chunk_index     INTEGER NOT NULL
);

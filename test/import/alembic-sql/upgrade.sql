BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 0a1b2c3d4e5f

CREATE TABLE users (
    id SERIAL NOT NULL, 
    username VARCHAR(100) NOT NULL, 
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, 
    PRIMARY KEY (id)
);

INSERT INTO alembic_version (version_num) VALUES ('0a1b2c3d4e5f') RETURNING alembic_version.version_num;

-- Running upgrade 0a1b2c3d4e5f -> 1b2c3d4e5f60

ALTER TABLE users ADD COLUMN user_id VARCHAR(36);

ALTER TABLE users ADD COLUMN email VARCHAR(255);

ALTER TABLE users ADD COLUMN hashed_password VARCHAR(255);

ALTER TABLE users ADD COLUMN full_name VARCHAR(255);

ALTER TABLE users ADD COLUMN is_active BOOLEAN DEFAULT true NOT NULL;

UPDATE users SET user_id = gen_random_uuid()::text, email = username || '+' || id || '@example.invalid';

ALTER TABLE users ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE users ALTER COLUMN email SET NOT NULL;

ALTER TABLE users ADD CONSTRAINT uq_users_user_id UNIQUE (user_id);

ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email);

CREATE INDEX ix_users_username ON users (username);

UPDATE alembic_version SET version_num='1b2c3d4e5f60' WHERE alembic_version.version_num = '0a1b2c3d4e5f';

-- Running upgrade 1b2c3d4e5f60 -> 2c3d4e5f6071

CREATE TABLE rag_corpora (
    corpus_id BIGSERIAL NOT NULL, 
    user_id VARCHAR(36) NOT NULL, 
    corpus_name VARCHAR(255) NOT NULL, 
    collection_name VARCHAR(255) NOT NULL, 
    description TEXT, 
    PRIMARY KEY (corpus_id), 
    CONSTRAINT uq_rag_corpora_user_id_corpus_name UNIQUE (user_id, corpus_name), 
    CONSTRAINT uq_rag_corpora_collection_name UNIQUE (collection_name), 
    FOREIGN KEY(user_id) REFERENCES users (user_id) ON DELETE CASCADE
);

CREATE INDEX ix_rag_corpora_corpus_name ON rag_corpora (corpus_name);

CREATE TABLE rag_documents (
    doc_id BIGSERIAL NOT NULL, 
    corpus_id BIGINT NOT NULL, 
    filename VARCHAR(512) NOT NULL, 
    file_hash VARCHAR(64) NOT NULL, 
    file_size BIGINT NOT NULL, 
    mime_type VARCHAR(100), 
    metadata JSONB DEFAULT '{}' NOT NULL, 
    PRIMARY KEY (doc_id), 
    FOREIGN KEY(corpus_id) REFERENCES rag_corpora (corpus_id) ON DELETE CASCADE
);

CREATE INDEX ix_rag_documents_corpus_id ON rag_documents (corpus_id);

CREATE TABLE rag_chunks (
    chunk_id BIGSERIAL NOT NULL, 
    doc_id BIGINT NOT NULL, 
    qdrant_point_id VARCHAR(64) NOT NULL, 
    chunk_index INTEGER NOT NULL, 
    text_preview TEXT, 
    char_count INTEGER NOT NULL, 
    PRIMARY KEY (chunk_id), 
    CONSTRAINT uq_rag_chunks_qdrant_point_id UNIQUE (qdrant_point_id), 
    FOREIGN KEY(doc_id) REFERENCES rag_documents (doc_id) ON DELETE CASCADE
);

CREATE INDEX ix_rag_chunks_doc_id ON rag_chunks (doc_id);

UPDATE alembic_version SET version_num='2c3d4e5f6071' WHERE alembic_version.version_num = '1b2c3d4e5f60';

-- Running upgrade 2c3d4e5f6071 -> 4e5f60718293

ALTER TABLE rag_corpora ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL;

UPDATE alembic_version SET version_num='4e5f60718293' WHERE alembic_version.version_num = '2c3d4e5f6071';

-- Running upgrade 2c3d4e5f6071 -> 3d4e5f607182

COMMIT;

CREATE INDEX CONCURRENTLY ix_rag_chunks_chunk_index ON rag_chunks (chunk_index);

BEGIN;

INSERT INTO alembic_version (version_num) VALUES ('3d4e5f607182') RETURNING alembic_version.version_num;

-- Running upgrade 3d4e5f607182, 4e5f60718293 -> 5f6071829304

DELETE FROM alembic_version WHERE alembic_version.version_num = '3d4e5f607182';

UPDATE alembic_version SET version_num='5f6071829304' WHERE alembic_version.version_num = '4e5f60718293';

COMMIT;


BEGIN;

-- Running downgrade 5f6071829304 -> 3d4e5f607182, 4e5f60718293

INSERT INTO alembic_version (version_num) VALUES ('3d4e5f607182') RETURNING alembic_version.version_num;

UPDATE alembic_version SET version_num='4e5f60718293' WHERE alembic_version.version_num = '5f6071829304';

-- Running downgrade 3d4e5f607182 -> 2c3d4e5f6071

COMMIT;

DROP INDEX CONCURRENTLY ix_rag_chunks_chunk_index;

BEGIN;

DELETE FROM alembic_version WHERE alembic_version.version_num = '3d4e5f607182';

-- Running downgrade 4e5f60718293 -> 2c3d4e5f6071

ALTER TABLE rag_corpora DROP COLUMN updated_at;

UPDATE alembic_version SET version_num='2c3d4e5f6071' WHERE alembic_version.version_num = '4e5f60718293';

-- Running downgrade 2c3d4e5f6071 -> 1b2c3d4e5f60

DROP TABLE rag_chunks;

DROP TABLE rag_documents;

DROP TABLE rag_corpora;

UPDATE alembic_version SET version_num='1b2c3d4e5f60' WHERE alembic_version.version_num = '2c3d4e5f6071';

-- Running downgrade 1b2c3d4e5f60 -> 0a1b2c3d4e5f

DROP INDEX ix_users_username;

ALTER TABLE users DROP CONSTRAINT uq_users_email;

ALTER TABLE users DROP CONSTRAINT uq_users_user_id;

ALTER TABLE users DROP COLUMN is_active;

ALTER TABLE users DROP COLUMN full_name;

ALTER TABLE users DROP COLUMN hashed_password;

ALTER TABLE users DROP COLUMN email;

ALTER TABLE users DROP COLUMN user_id;

UPDATE alembic_version SET version_num='0a1b2c3d4e5f' WHERE alembic_version.version_num = '1b2c3d4e5f60';

-- Running downgrade 0a1b2c3d4e5f -> 

DROP TABLE users;

DELETE FROM alembic_version WHERE alembic_version.version_num = '0a1b2c3d4e5f';

DROP TABLE alembic_version;

COMMIT;


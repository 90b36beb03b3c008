BEGIN;

ALTER TABLE users
    DROP COLUMN is_active,
    DROP COLUMN hashed_password,
    DROP COLUMN email,
    DROP COLUMN user_id;

COMMIT;

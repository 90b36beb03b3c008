ALTER TABLE users DROP COLUMN is_active, DROP COLUMN email, DROP COLUMN user_id;

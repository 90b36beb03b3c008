-- Your SQL goes here
CREATE TABLE users (
    id         SERIAL PRIMARY KEY,
    username   VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

SELECT diesel_manage_updated_at('users');

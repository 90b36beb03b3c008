CREATE TABLE IF NOT EXISTS users (
    id         serial PRIMARY KEY,
    username   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The sample schema: what `dev-postgres sandbox start` loads, and the fixture
-- every live test creates in its own database. The SQL corpus's allowed reads
-- run against it inside BEGIN READ ONLY, so they name only objects defined here.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE users (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    deleted_at timestamptz,
    data jsonb NOT NULL DEFAULT '{}',
    tags text[] NOT NULL DEFAULT '{}',
    "delete" text,
    "drop" text,
    "Select" text,
    status text NOT NULL DEFAULT 'active',
    team text,
    score int NOT NULL DEFAULT 0,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    manager_id int REFERENCES users (id),
    amount numeric NOT NULL DEFAULT 1
);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    user_id int REFERENCES users (id),
    status text NOT NULL DEFAULT 'open',
    total numeric(12, 2),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz,
    notes text
);
CREATE TABLE items (
    id serial PRIMARY KEY,
    order_id int REFERENCES orders (id),
    sku text,
    qty int,
    price numeric(12, 2)
);
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, ts timestamptz DEFAULT now(), payload jsonb);
CREATE TABLE documents (id serial PRIMARY KEY, data jsonb, body text, tsv tsvector);
CREATE TABLE t (a int, b int, c text);
CREATE TABLE t2 (a int, b int, c text);
CREATE TABLE accounts (id int PRIMARY KEY, balance numeric, amount numeric);
CREATE TABLE sessions (id int, expires_at timestamptz);
CREATE TABLE update_log (id int, updated_by text, insert_count int, delete_flag boolean, drop_reason text);
CREATE TABLE "Mixed Case" ("Select" int, "from" text, "drop table" text);
CREATE SEQUENCE s;
CREATE SCHEMA analytics;
CREATE TABLE analytics.daily (day date, visits int, revenue numeric);
CREATE VIEW active_users AS SELECT * FROM users WHERE deleted_at IS NULL;
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE moods (id int, m mood);
CREATE INDEX documents_tsv_idx ON documents USING gin (tsv);
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + 1';

INSERT INTO users (name, email, data, tags, team, score, balance)
SELECT 'user' || g, 'user' || g || '@example.com',
       jsonb_build_object('active', g % 2 = 0, 'name', 'user' || g, 'tags', jsonb_build_array('a', 'b')),
       ARRAY['x', 'y'], 'team' || (g % 3), g * 10, g
FROM generate_series(1, 20) g;
INSERT INTO orders (user_id, status, total) SELECT (g % 20) + 1, CASE WHEN g % 2 = 0 THEN 'open' ELSE 'done' END, g * 1.5 FROM generate_series(1, 40) g;
INSERT INTO items (order_id, sku, qty, price) SELECT (g % 40) + 1, 'sku' || g, g % 5, g FROM generate_series(1, 80) g;
INSERT INTO events (kind, payload) SELECT 'kind' || (g % 4), jsonb_build_object('n', g) FROM generate_series(1, 30) g;
INSERT INTO documents (data, body, tsv) SELECT jsonb_build_object('active', true, 'title', 'doc ' || g), 'body ' || g, to_tsvector('english', 'body text ' || g) FROM generate_series(1, 10) g;
INSERT INTO t SELECT g, g * 2, 'c' || g FROM generate_series(1, 10) g;
INSERT INTO accounts SELECT g, g * 100, g FROM generate_series(1, 5) g;
INSERT INTO moods VALUES (1, 'happy'), (2, 'sad');
INSERT INTO analytics.daily SELECT current_date - g, g * 7, g * 3.5 FROM generate_series(1, 14) g;
REFRESH MATERIALIZED VIEW order_totals;

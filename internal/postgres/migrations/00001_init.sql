-- Initial schema. Times are BIGINT milliseconds since the Unix epoch (UTC).
-- Text keys use the "C" collation: they compare bytewise, like SQLite's
-- BINARY, whatever the database's locale, so paging orders agree between
-- backends and "id > $1" paging matches ORDER BY.

-- +goose Up
CREATE TABLE pools (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    doc        TEXT   NOT NULL, -- identity.Pool as JSON
    version    BIGINT NOT NULL, -- compare-and-swap counter, 1 on insert
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE TABLE identities (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_ms BIGINT  NOT NULL,
    updated_ms BIGINT  NOT NULL,
    UNIQUE (pool_id, id) -- paging within a pool; target of logins' foreign key
);

-- One login belongs to at most one identity per pool: the primary key.
-- The composite foreign key keeps a login in its identity's pool.
CREATE TABLE logins (
    pool_id     TEXT COLLATE "C" NOT NULL,
    provider    TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    identity_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, provider, subject),
    FOREIGN KEY (pool_id, identity_id) REFERENCES identities (pool_id, id) ON DELETE CASCADE
);

CREATE INDEX logins_by_identity ON logins (identity_id, provider, subject);

CREATE TABLE kv (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value      BYTEA  NOT NULL,
    version    BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- +goose Down
DROP TABLE kv;
DROP TABLE logins;
DROP TABLE identities;
DROP TABLE pools;

-- Initial schema. Times are BIGINT milliseconds since the Unix epoch (UTC).
-- Text keys compare bytewise (SQLite's BINARY collation), like the "C"
-- collation of the PostgreSQL schema, so paging orders agree between backends.

-- +goose Up
CREATE TABLE pools (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    doc        TEXT    NOT NULL, -- identity.Pool as JSON
    version    BIGINT  NOT NULL, -- compare-and-swap counter, 1 on insert
    created_ms BIGINT  NOT NULL,
    updated_ms BIGINT  NOT NULL
) WITHOUT ROWID;

CREATE TABLE identities (
    id         TEXT    NOT NULL PRIMARY KEY,
    pool_id    TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_ms BIGINT  NOT NULL,
    updated_ms BIGINT  NOT NULL,
    UNIQUE (pool_id, id) -- paging within a pool; target of logins' foreign key
) WITHOUT ROWID;

-- One login belongs to at most one identity per pool: the primary key.
-- The composite foreign key keeps a login in its identity's pool.
CREATE TABLE logins (
    pool_id     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    PRIMARY KEY (pool_id, provider, subject),
    FOREIGN KEY (pool_id, identity_id) REFERENCES identities (pool_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX logins_by_identity ON logins (identity_id, provider, subject);

CREATE TABLE kv (
    name       TEXT   NOT NULL PRIMARY KEY,
    value      BLOB   NOT NULL,
    version    BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE kv;
DROP TABLE logins;
DROP TABLE identities;
DROP TABLE pools;

-- +goose Up
-- People and their rights (package accounts, issue 13). An email is stored
-- lowercased, so it is unique whatever its case; password_hash is an argon2id
-- PHC string, or '' for a person who has not set one (invited, or signing
-- in with the identity provider only). Times are Unix seconds.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    admin         BOOLEAN NOT NULL DEFAULT FALSE,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

-- A person's role in a show.
CREATE TABLE memberships (
    show_id BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'contributor', 'viewer')),
    PRIMARY KEY (show_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- One-time links: an invitation (set a password, join) or a password reset.
-- Only the SHA-256 of the link's secret is stored.
CREATE TABLE invitations (
    hash       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('invite', 'reset')),
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX invitations_user ON invitations (user_id);

-- A token belongs to a person, may be limited to one show, to reading, and
-- in time; it never has more rights than its person.
ALTER TABLE tokens ADD COLUMN user_id BIGINT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE tokens ADD COLUMN show_id BIGINT REFERENCES shows (id) ON DELETE CASCADE;
ALTER TABLE tokens ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX tokens_user ON tokens (user_id);

-- The tokens of an instance from before accounts become the tokens of a
-- first admin, named after the oldest token, so an upgrade loses nothing.
INSERT INTO users (email, name, admin, created_at)
SELECT 'admin@lyssna.invalid', (SELECT name FROM tokens ORDER BY created_at, id LIMIT 1), TRUE,
       CAST(strftime('%s', 'now') AS INTEGER)
WHERE EXISTS (SELECT 1 FROM tokens);
UPDATE tokens SET user_id = (SELECT id FROM users WHERE email = 'admin@lyssna.invalid') WHERE user_id IS NULL;

-- Sessions belong to a person; one started with a token ends with it and has
-- no more rights than it.
CREATE TABLE sessions_new (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT REFERENCES tokens (hash) ON DELETE CASCADE,
    created_at BIGINT NOT NULL DEFAULT 0,
    user_agent TEXT NOT NULL DEFAULT '',
    client     TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL
);
INSERT INTO sessions_new (id_hash, user_id, token_hash, expires_at)
SELECT s.id_hash, t.user_id, s.token_hash, s.expires_at FROM sessions s JOIN tokens t ON t.hash = s.token_hash;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_token ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins are also counted per account (the lowercased email).
ALTER TABLE signin_failures ADD COLUMN account TEXT NOT NULL DEFAULT '';
CREATE INDEX signin_failures_account ON signin_failures (account, at);

-- +goose Down
DROP INDEX signin_failures_account;
ALTER TABLE signin_failures DROP COLUMN account;
CREATE TABLE sessions_old (
    id_hash    TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL REFERENCES tokens (hash) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
INSERT INTO sessions_old SELECT id_hash, token_hash, expires_at FROM sessions WHERE token_hash IS NOT NULL;
DROP TABLE sessions;
ALTER TABLE sessions_old RENAME TO sessions;
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_token ON sessions (token_hash);
DROP INDEX tokens_user;
ALTER TABLE tokens DROP COLUMN expires_at;
ALTER TABLE tokens DROP COLUMN read_only;
ALTER TABLE tokens DROP COLUMN show_id;
ALTER TABLE tokens DROP COLUMN user_id;
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE users;

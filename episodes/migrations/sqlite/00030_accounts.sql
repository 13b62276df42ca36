-- +goose Up
-- Producer UI sessions (package accounts). The cookie holds a random 256-bit
-- session ID; only its SHA-256 is stored, so reading this table does not let
-- anyone sign in. A session belongs to the token it was started with and ends
-- with it (ON DELETE CASCADE), at its expiry (Unix seconds), or at sign-out.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL REFERENCES tokens (hash) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_token ON sessions (token_hash);

-- revoked_tokens remembers the hash of every revoked token, so a revoked
-- secret (LYSSNA_ADMIN_TOKEN still set at a restart, say) is never stored again.
CREATE TABLE revoked_tokens (
    hash       TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL
);

-- signin_failures counts failed sign-ins per client (Unix seconds), shared by
-- every replica, so N replicas still allow one limit of tries, not N.
CREATE TABLE signin_failures (
    client TEXT NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX signin_failures_client ON signin_failures (client, at);
CREATE INDEX signin_failures_at ON signin_failures (at);

-- +goose Down
DROP TABLE signin_failures;
DROP TABLE revoked_tokens;
DROP TABLE sessions;

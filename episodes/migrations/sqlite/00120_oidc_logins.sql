-- +goose Up
-- OpenID Connect sign-ins in progress (package accounts/oidc), shared by
-- every replica: the browser that started one holds a random secret in a
-- cookie, from which the state, the nonce and the PKCE verifier are derived;
-- only the state's SHA-256 is stored, with what to do after signing in
-- (carry) and when the attempt lapses (Unix seconds). A row is deleted when
-- its callback arrives, so a callback is taken at most once.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    carry      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);

-- +goose Down
DROP TABLE oidc_logins;

-- +goose Up
-- LTI 1.3 (package lti). lti_platforms are the LMSs registered with
-- `lyssna lti add` or the producer UI, one row per issuer and client ID, with
-- the deployments each may launch from.
CREATE TABLE lti_platforms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    auth_url   TEXT NOT NULL,
    token_url  TEXT NOT NULL,
    jwks_url   TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (issuer, client_id)
);
CREATE TABLE lti_deployments (
    platform_id   BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    deployment_id TEXT NOT NULL,
    PRIMARY KEY (platform_id, deployment_id)
);

-- lti_keys are the tool's own RSA signing keys. The private key is sealed
-- (AES-256-GCM) with a key derived from LYSSNA_SECRET, which the database
-- never holds, so a copy of the database cannot sign as the tool. A retired
-- key stays published in /lti/jwks for a while after a rotation.
CREATE TABLE lti_keys (
    kid         TEXT PRIMARY KEY,
    public_jwk  TEXT NOT NULL,
    private_enc TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

-- lti_states are the login initiations in flight (Unix seconds), keyed by
-- the SHA-256 of the state sent through the browser, so every replica can
-- answer the launch that follows without a cookie.
CREATE TABLE lti_states (
    state_hash      TEXT PRIMARY KEY,
    platform_id     BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    nonce           TEXT NOT NULL,
    target_link_uri TEXT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX lti_states_expires ON lti_states (expires_at);

-- lti_nonces are the id_token nonces already used: a replayed launch finds
-- its nonce here, whichever replica it reaches.
CREATE TABLE lti_nonces (
    platform_id BIGINT NOT NULL,
    nonce       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (platform_id, nonce)
);
CREATE INDEX lti_nonces_expires ON lti_nonces (expires_at);

-- lti_deep_links are the Deep Linking requests waiting for the instructor's
-- pick; the picker form carries the random ID, of which only the SHA-256 is
-- stored, and it is used once.
CREATE TABLE lti_deep_links (
    id_hash       TEXT PRIMARY KEY,
    platform_id   BIGINT NOT NULL REFERENCES lti_platforms (id) ON DELETE CASCADE,
    deployment_id TEXT NOT NULL,
    return_url    TEXT NOT NULL,
    data          TEXT NOT NULL DEFAULT '',
    accept_types  TEXT NOT NULL DEFAULT '',
    accept_multiple BOOLEAN NOT NULL DEFAULT FALSE,
    frame_origins TEXT NOT NULL DEFAULT '',
    expires_at    BIGINT NOT NULL
);
CREATE INDEX lti_deep_links_expires ON lti_deep_links (expires_at);

-- lti_grants are what a resource link launch grants: the player of one show
-- (or one episode of it), private or not, for some hours, inside the frames
-- of the launching platform. The player's URL carries the random grant ID;
-- only its SHA-256 is stored.
CREATE TABLE lti_grants (
    id_hash       TEXT PRIMARY KEY,
    show_id       BIGINT NOT NULL REFERENCES shows (id) ON DELETE CASCADE,
    episode_id    BIGINT REFERENCES episodes (id) ON DELETE CASCADE,
    frame_origins TEXT NOT NULL DEFAULT '',
    expires_at    BIGINT NOT NULL
);
CREATE INDEX lti_grants_expires ON lti_grants (expires_at);

-- +goose Down
DROP TABLE lti_grants;
DROP TABLE lti_deep_links;
DROP TABLE lti_nonces;
DROP TABLE lti_states;
DROP TABLE lti_keys;
DROP TABLE lti_deployments;
DROP TABLE lti_platforms;

package lti

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ErrNoSecret means LYSSNA_SECRET is not set, so the tool has no way to
// seal or open its signing keys: LTI is off.
var ErrNoSecret = errors.New("lti: LTI needs LYSSNA_SECRET (or LYSSNA_SECRET_FILE): the tool's signing key is sealed with it")

// KeyRetention is how long a retired signing key stays published in
// /lti/jwks after a rotation, so platforms that cached it still verify
// what was signed with it (Deep Linking responses live minutes; platforms
// cache keys for hours).
const KeyRetention = 7 * 24 * time.Hour

// keyBits is the size of the tool's RSA keys.
const keyBits = 2048

// Keys are the tool's RSA signing keys, in the database but sealed with a
// key derived from LYSSNA_SECRET: the database alone yields the public
// keys, never a private one.
type Keys struct {
	db   *sql.DB
	now  func() time.Time
	aead cipher.AEAD // nil without a secret
}

// NewKeys keeps the tool's keys in db, sealed with secret (LYSSNA_SECRET);
// an empty secret leaves every operation failing with ErrNoSecret.
func NewKeys(db *sql.DB, secret string, now func() time.Time) (*Keys, error) {
	if now == nil {
		now = time.Now
	}
	k := &Keys{db: db, now: now}
	if secret == "" {
		return k, nil
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "lyssna lti tool key seal v1", 32)
	if err != nil {
		return nil, fmt.Errorf("lti: derive the key seal: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("lti: key seal: %w", err)
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("lti: key seal: %w", err)
	}
	return k, nil
}

// Enabled reports whether a secret was given.
func (k *Keys) Enabled() bool { return k.aead != nil }

// SigningKey is the tool's current private key with its key ID.
type SigningKey struct {
	KeyID string
	Key   *rsa.PrivateKey
}

// errSealedElsewhere means the newest key was sealed with another secret.
var errSealedElsewhere = errors.New("lti: the signing key was sealed with another LYSSNA_SECRET")

// Current returns the newest active key, making the first one when there
// is none, and a new one when the newest was sealed with another secret
// (LYSSNA_SECRET changed: the old public key stays published, and a key
// only this secret opens signs from now on). Two replicas making a key at
// once both succeed; both are published and the newer one signs.
func (k *Keys) Current(ctx context.Context) (*SigningKey, error) {
	if k.aead == nil {
		return nil, ErrNoSecret
	}
	sk, err := k.newest(ctx)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, errSealedElsewhere) {
		if _, err := k.Rotate(ctx); err != nil {
			return nil, err
		}
		sk, err = k.newest(ctx)
	}
	if err != nil {
		return nil, err
	}
	return sk, nil
}

func (k *Keys) newest(ctx context.Context) (*SigningKey, error) {
	var kid, sealed string
	err := k.db.QueryRowContext(ctx, `SELECT kid, private_enc FROM lti_keys WHERE retired_at IS NULL
		ORDER BY created_at DESC, kid DESC LIMIT 1`).Scan(&kid, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("lti: read the signing key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return nil, fmt.Errorf("lti: signing key %s is damaged in the database", kid)
	}
	der, err := k.aead.Open(nil, raw[:k.aead.NonceSize()], raw[k.aead.NonceSize():], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("%w (key %s)", errSealedElsewhere, kid)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("lti: signing key %s: %w", kid, err)
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("lti: signing key %s is not an RSA key", kid)
	}
	return &SigningKey{KeyID: kid, Key: rk}, nil
}

// Rotate makes a new signing key, which signs from now on, and retires the
// others; retired keys stay in JWKS for KeyRetention. It returns the new
// key's ID.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	if k.aead == nil {
		return "", ErrNoSecret
	}
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return "", fmt.Errorf("lti: make a signing key: %w", err)
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("lti: key thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return "", fmt.Errorf("lti: encode the public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("lti: encode the private key: %w", err)
	}
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	sealed := k.aead.Seal(nonce, nonce, der, []byte(pub.KeyID))
	now := k.now().Unix()
	tx, err := k.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("lti: rotate key: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE lti_keys SET retired_at = $1 WHERE retired_at IS NULL`, now); err != nil {
		return "", fmt.Errorf("lti: retire keys: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM lti_keys WHERE retired_at < $1`, now-int64(KeyRetention/time.Second)); err != nil {
		return "", fmt.Errorf("lti: drop old keys: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lti_keys (kid, public_jwk, private_enc, created_at) VALUES ($1, $2, $3, $4)`,
		pub.KeyID, string(pubJSON), base64.StdEncoding.EncodeToString(sealed), now); err != nil {
		return "", fmt.Errorf("lti: store the signing key: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("lti: rotate key: %w", err)
	}
	return pub.KeyID, nil
}

// PublicKey is a published key and whether it still signs.
type PublicKey struct {
	JWK       jose.JSONWebKey
	CreatedAt time.Time
	RetiredAt *time.Time
}

// Public returns the keys /lti/jwks publishes: the active ones and those
// retired less than KeyRetention ago, newest first.
func (k *Keys) Public(ctx context.Context) ([]PublicKey, error) {
	rows, err := k.db.QueryContext(ctx, `SELECT public_jwk, created_at, retired_at FROM lti_keys
		WHERE retired_at IS NULL OR retired_at >= $1 ORDER BY created_at DESC, kid DESC`,
		k.now().Add(-KeyRetention).Unix())
	if err != nil {
		return nil, fmt.Errorf("lti: list keys: %w", err)
	}
	defer rows.Close()
	var out []PublicKey
	for rows.Next() {
		var js string
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&js, &created, &retired); err != nil {
			return nil, fmt.Errorf("lti: read key: %w", err)
		}
		var pk PublicKey
		if err := json.Unmarshal([]byte(js), &pk.JWK); err != nil {
			return nil, fmt.Errorf("lti: a published key is damaged: %w", err)
		}
		pk.CreatedAt = time.Unix(created, 0).UTC()
		if retired.Valid {
			t := time.Unix(retired.Int64, 0).UTC()
			pk.RetiredAt = &t
		}
		out = append(out, pk)
	}
	return out, rows.Err()
}

// JWKS is the JSON Web Key Set of the published keys.
func (k *Keys) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	keys, err := k.Public(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, pk := range keys {
		set.Keys = append(set.Keys, pk.JWK)
	}
	return set, nil
}

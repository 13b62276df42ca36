package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/lyssna/lyssna/episodes"
)

// Password hashing: argon2id with OWASP's recommended minimum (19 MiB of
// memory, 2 passes, 1 lane), a 16-byte random salt and a 32-byte key,
// stored as a PHC string ("$argon2id$v=19$m=19456,t=2,p=1$SALT$KEY"), so
// the parameters can be raised later without breaking stored hashes.
// docs/security.md states them.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// MinPasswordLen is the fewest characters a password may have; there are no
// rules about which characters.
const MinPasswordLen = 12

// maxPasswordLen bounds the work one sign-in can ask for.
const maxPasswordLen = 1024

// checkPassword applies the password rules.
func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return episodes.Errorf(episodes.Invalid, "password", "must be at least %d characters (it has %d); a few words make a good one", MinPasswordLen, n)
	}
	if len(pw) > maxPasswordLen {
		return episodes.Errorf(episodes.Invalid, "password", "must be at most %d bytes", maxPasswordLen)
	}
	return nil
}

// hashPassword returns pw's argon2id PHC string.
func hashPassword(pw string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// idKeyFunc is argon2.IDKey's shape: the key derivation passwordMatches
// runs (a Store's, so a test can count that every refusal pays for one).
type idKeyFunc func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

// passwordMatches reports whether pw hashes to the PHC string stored, with
// idKey. A malformed or empty stored hash matches nothing, after the same
// work.
func passwordMatches(idKey idKeyFunc, stored, pw string) bool {
	parts := strings.Split(stored, "$")
	var m uint32
	var t uint32
	var p uint8
	var v int
	ok := len(parts) == 6 && parts[1] == "argon2id"
	if ok {
		_, err1 := fmt.Sscanf(parts[2], "v=%d", &v)
		_, err2 := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p)
		ok = err1 == nil && err2 == nil && v == argon2.Version && m > 0 && m <= 1<<21 && t > 0 && t <= 16 && p > 0
	}
	var salt, key []byte
	if ok {
		var err1, err2 error
		salt, err1 = base64.RawStdEncoding.DecodeString(parts[4])
		key, err2 = base64.RawStdEncoding.DecodeString(parts[5])
		ok = err1 == nil && err2 == nil && len(key) > 0
	}
	if !ok {
		// The same work as a real check, so a person without a password
		// takes as long to refuse as a wrong one.
		idKey([]byte(pw), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen)
		return false
	}
	got := idKey([]byte(pw), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Package password hashes and checks passwords with argon2id and generates strong ones.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Parameters at OWASP's argon2id minimum (19 MiB, 2 iterations, 1 lane): a hash takes tens of
// milliseconds on a laptop, which is what makes a stolen database expensive to crack.
const (
	memoryKiB   = 19 * 1024
	iterations  = 2
	parallelism = 1
	saltLen     = 16
	keyLen      = 32
)

// MinLength and MaxLength bound new passwords (OWASP ASVS 5.0 §6.2: at least 8, 15 advised;
// a maximum keeps hashing cost bounded).
const (
	MinLength = 12
	MaxLength = 256
)

// hashing bounds concurrent hashes so a burst of sign-ins cannot exhaust memory or CPU.
var hashing = make(chan struct{}, max(1, runtime.NumCPU()))

// Hash returns the PHC-formatted argon2id hash of pw, normalised (Normalize).
func Hash(pw string) (string, error) {
	pw = Normalize(pw)
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := derive(pw, salt, memoryKiB, iterations, parallelism, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, iterations,
		parallelism, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func derive(pw string, salt []byte, m, t uint32, p uint8, n uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey([]byte(pw), salt, t, m, p, n)
}

// Verify reports whether pw matches hash. A malformed or empty hash never matches, but still
// costs one hash so that timing does not tell a missing password from a wrong one. pw is
// compared normalised; a password hashed before normalisation (not in NFC) still matches as
// it was typed.
func Verify(hash, pw string) bool {
	if n := Normalize(pw); n != pw {
		return verify(hash, n) || verify(hash, pw)
	}
	return verify(hash, pw)
}

func verify(hash, pw string) bool {
	var v int
	var m, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return verifyDummy(pw)
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return verifyDummy(pw)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return verifyDummy(pw)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return verifyDummy(pw)
	}
	if len(want) > 64 {
		return verifyDummy(pw)
	}
	got := derive(pw, salt, m, t, p, uint32(len(want))) // #nosec G115 -- len(want) is 1..64, checked above
	return subtle.ConstantTimeCompare(got, want) == 1
}

var dummySalt = make([]byte, saltLen)

func verifyDummy(pw string) bool {
	derive(pw, dummySalt, memoryKiB, iterations, parallelism, keyLen)
	return false
}

const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Generate returns a random password of n characters without look-alike characters.
func Generate(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b.WriteByte(alphabet[k.Int64()])
	}
	return b.String()
}

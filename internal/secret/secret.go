// Package secret encrypts instance passwords at rest (AES-256-GCM) with a
// key from SENAITE_SYNC_SECRET_KEY, or, for standalone, a key generated once
// in the data directory with mode 0600. A secret never leaves this package
// in a form that could be logged: Box values print as "[redacted]".
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the AES-256 key length.
const KeySize = 32

// Key encrypts and decrypts secrets.
type Key struct {
	aead        cipher.AEAD
	fingerprint string
}

// ParseKey reads a base64 (standard or URL) 32-byte key.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil {
		return nil, errors.New("secret: SENAITE_SYNC_SECRET_KEY: not base64")
	}
	if len(raw) != KeySize {
		return nil, fmt.Errorf("secret: SENAITE_SYNC_SECRET_KEY: want %d bytes, got %d", KeySize, len(raw))
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	sum := sha256.Sum256(append([]byte("senaite-sync key fingerprint\x00"), raw...))
	return &Key{aead: aead, fingerprint: hex.EncodeToString(sum[:16])}, nil
}

// Fingerprint names the key without revealing it: the processes of one
// deployment compare theirs with the one recorded in PostgreSQL
// (store.ClaimKeyFingerprint), so that a process started without the
// deployment's key refuses to run instead of making one of its own.
func (k *Key) Fingerprint() string { return k.fingerprint }

// Opens tells whether sealed was sealed with this key.
func (k *Key) Opens(sealed []byte) bool {
	_, err := k.Open(sealed)
	return err == nil
}

// LoadOrCreate returns the key of the environment value if set, else the
// one in dir/secret.key, creating it (mode 0600) on first use.
func LoadOrCreate(envValue, dir string) (*Key, error) {
	if envValue != "" {
		return ParseKey(envValue)
	}
	path := filepath.Join(dir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		return ParseKey(string(b))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: data dir: %w", err)
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			// another process created it first: use theirs
			b, rerr := os.ReadFile(path)
			if rerr != nil {
				return nil, fmt.Errorf("secret: %w", rerr)
			}
			return ParseKey(string(b))
		}
		return nil, fmt.Errorf("secret: create %s: %w", path, err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("secret: write %s: %w", path, err)
	}
	return newKey(raw)
}

// Seal encrypts plaintext; the nonce is stored in front of the ciphertext.
func (k *Key) Seal(plaintext string) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return k.aead.Seal(nonce, nonce, []byte(plaintext), nil), nil
}

// ErrWrongKey means the ciphertext was not sealed with this key (or was
// altered): the operator changed SENAITE_SYNC_SECRET_KEY.
var ErrWrongKey = errors.New("secret: cannot decrypt: wrong SENAITE_SYNC_SECRET_KEY or damaged value")

// Open decrypts what Seal made.
func (k *Key) Open(sealed []byte) (Box, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return Box{}, ErrWrongKey
	}
	pt, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return Box{}, ErrWrongKey
	}
	return Box{v: string(pt)}, nil
}

// Box holds a decrypted secret; formatting it never shows the value.
type Box struct{ v string }

// NewBox wraps a secret read from a file or the environment.
func NewBox(v string) Box { return Box{v: v} }

// Reveal returns the secret, for the one place that needs it (an HTTP
// Authorization header).
func (b Box) Reveal() string { return b.v }

// Empty tells whether there is no secret.
func (b Box) Empty() bool { return b.v == "" }

// String keeps secrets out of logs and error messages.
func (b Box) String() string { return "[redacted]" }

// GoString keeps secrets out of %#v.
func (b Box) GoString() string { return "secret.Box{[redacted]}" }

// MarshalJSON keeps secrets out of API answers.
func (b Box) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

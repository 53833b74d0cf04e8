// Package keyring stores account keys in a node or wallet home.
//
// Two backends, as in Cosmos chains:
//   - "file": each key encrypted with a passphrase (scrypt + XChaCha20-Poly1305)
//     in <home>/keyring-file/<name>.json;
//   - "test": unencrypted in <home>/keyring-test/<name>.json, for scripts and
//     local networks only.
package keyring

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"

	"github.com/pastelchain/pastel/crypto/secp256k1"
)

// Backends.
const (
	BackendFile = "file"
	BackendTest = "test"
)

var (
	ErrNotFound      = errors.New("keyring: no such key")
	ErrExists        = errors.New("keyring: a key with this name already exists")
	ErrBadName       = errors.New("keyring: key names are 1-64 letters, digits, '.', '_' or '-'")
	ErrBadPassphrase = errors.New("keyring: wrong passphrase or corrupt key file")
	ErrBadBackend    = errors.New("keyring: backend must be \"file\" or \"test\"")
)

var nameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Record is a stored key as written to disk.
type Record struct {
	Name    string  `json:"name"`
	Address string  `json:"address"`
	PubKey  string  `json:"pub_key"`
	PrivKey string  `json:"priv_key,omitempty"` // test backend only (hex)
	Crypto  *sealed `json:"crypto,omitempty"`   // file backend
}

type sealed struct {
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       string `json:"salt"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

// Keyring is one backend in one home.
type Keyring struct {
	dir        string
	backend    string
	passphrase func(confirm bool) (string, error)
}

// Open returns the keyring of home for backend. passphrase is asked for
// when the file backend needs one; confirm asks twice for a new key.
func Open(home, backend string, passphrase func(confirm bool) (string, error)) (*Keyring, error) {
	if backend != BackendFile && backend != BackendTest {
		return nil, fmt.Errorf("%w, not %q", ErrBadBackend, backend)
	}
	dir := filepath.Join(home, "keyring-"+backend)
	return &Keyring{dir: dir, backend: backend, passphrase: passphrase}, nil
}

func (k *Keyring) path(name string) (string, error) {
	if !nameRe.MatchString(name) {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return filepath.Join(k.dir, name+".json"), nil
}

// Add generates a new key under name.
func (k *Keyring) Add(name string) (*Record, error) {
	key, err := secp256k1.GenPrivKey()
	if err != nil {
		return nil, err
	}
	return k.Import(name, key)
}

// Import stores an existing private key under name.
func (k *Keyring) Import(name string, key secp256k1.PrivKey) (*Record, error) {
	p, err := k.path(name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err == nil {
		return nil, fmt.Errorf("%w: %q (delete it first, or pick another name)", ErrExists, name)
	}
	pub := key.PubKey()
	rec := &Record{Name: name, Address: pub.Address().String(), PubKey: hex.EncodeToString(pub.Bytes())}
	if k.backend == BackendTest {
		rec.PrivKey = hex.EncodeToString(key.Bytes())
	} else {
		pass, err := k.passphrase(true)
		if err != nil {
			return nil, err
		}
		if rec.Crypto, err = seal(key.Bytes(), pass); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return nil, err
	}
	bz, _ := json.MarshalIndent(rec, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, bz, 0o600); err != nil {
		return nil, err
	}
	return rec, os.Rename(tmp, p)
}

// Get returns the public record of name.
func (k *Keyring) Get(name string) (*Record, error) {
	p, err := k.path(name)
	if err != nil {
		return nil, err
	}
	bz, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q in the %s keyring (list them with `pasteld keys list --keyring-backend %s`)", ErrNotFound, name, k.backend, k.backend)
	}
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(bz, &rec); err != nil {
		return nil, fmt.Errorf("keyring: %s is corrupt: %w", p, err)
	}
	return &rec, nil
}

// PrivKey unlocks the private key of name.
func (k *Keyring) PrivKey(name string) (secp256k1.PrivKey, error) {
	rec, err := k.Get(name)
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	return k.Unlock(rec)
}

// Unlock decrypts a record (asking for the passphrase if it is sealed).
func (k *Keyring) Unlock(rec *Record) (secp256k1.PrivKey, error) {
	var raw []byte
	if rec.Crypto == nil {
		b, err := hex.DecodeString(rec.PrivKey)
		if err != nil {
			return secp256k1.PrivKey{}, fmt.Errorf("keyring: key %q is corrupt: %w", rec.Name, err)
		}
		raw = b
	} else {
		pass, err := k.passphrase(false)
		if err != nil {
			return secp256k1.PrivKey{}, err
		}
		if raw, err = open(rec.Crypto, pass); err != nil {
			return secp256k1.PrivKey{}, err
		}
	}
	key, err := secp256k1.PrivKeyFromBytes(raw)
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	if key.PubKey().Address().String() != rec.Address {
		return secp256k1.PrivKey{}, fmt.Errorf("keyring: key %q does not match its address", rec.Name)
	}
	return key, nil
}

// List returns every record, sorted by name.
func (k *Keyring) List() ([]*Record, error) {
	entries, err := os.ReadDir(k.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !nameRe.MatchString(name) {
			continue
		}
		rec, err := k.Get(name)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete removes name.
func (k *Keyring) Delete(name string) error {
	p, err := k.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	} else {
		return err
	}
}

// Export returns name's key sealed with passphrase, as JSON another
// keyring can Import.
func (k *Keyring) Export(name, passphrase string) ([]byte, error) {
	key, err := k.PrivKey(name)
	if err != nil {
		return nil, err
	}
	rec, _ := k.Get(name)
	out := &Record{Name: rec.Name, Address: rec.Address, PubKey: rec.PubKey}
	if out.Crypto, err = seal(key.Bytes(), passphrase); err != nil {
		return nil, err
	}
	return json.MarshalIndent(out, "", "  ")
}

// OpenExport decrypts an exported key.
func OpenExport(data []byte, passphrase string) (secp256k1.PrivKey, error) {
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil || rec.Crypto == nil {
		return secp256k1.PrivKey{}, fmt.Errorf("keyring: not an exported key file")
	}
	raw, err := open(rec.Crypto, passphrase)
	if err != nil {
		return secp256k1.PrivKey{}, err
	}
	return secp256k1.PrivKeyFromBytes(raw)
}

const scryptN, scryptR, scryptP = 1 << 15, 8, 1

func seal(secret []byte, pass string) (*sealed, error) {
	if pass == "" {
		return nil, errors.New("keyring: the passphrase must not be empty")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	key, err := scrypt.Key([]byte(pass), salt, scryptN, scryptR, scryptP, 32)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ct := aead.Seal(nil, nonce, secret, nil)
	return &sealed{KDF: "scrypt", N: scryptN, R: scryptR, P: scryptP, Salt: hex.EncodeToString(salt), Nonce: hex.EncodeToString(nonce), Ciphertext: hex.EncodeToString(ct)}, nil
}

func open(s *sealed, pass string) ([]byte, error) {
	if s.KDF != "scrypt" || s.N <= 1 || s.N > 1<<20 || s.R <= 0 || s.R > 32 || s.P <= 0 || s.P > 16 {
		return nil, fmt.Errorf("keyring: unsupported key derivation %q n=%d r=%d p=%d", s.KDF, s.N, s.R, s.P)
	}
	salt, err1 := hex.DecodeString(s.Salt)
	nonce, err2 := hex.DecodeString(s.Nonce)
	ct, err3 := hex.DecodeString(s.Ciphertext)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("keyring: corrupt key file: %w", err)
	}
	key, err := scrypt.Key([]byte(pass), salt, s.N, s.R, s.P, 32)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(nonce) != aead.NonceSize() {
		return nil, ErrBadPassphrase
	}
	pt, err := aead.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, ErrBadPassphrase
	}
	return pt, nil
}

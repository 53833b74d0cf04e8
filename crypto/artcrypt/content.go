package artcrypt

import (
	"errors"
	"fmt"
	"io"

	"github.com/minio/sio"
)

// ErrDecrypt: the ciphertext does not decrypt under the key (another key,
// or altered, reordered or truncated ciphertext).
var ErrDecrypt = errors.New("artcrypt: the archive does not decrypt with the content key (wrong key, or altered or truncated ciphertext)")

func config(k Key, rand io.Reader) sio.Config {
	return sio.Config{Key: k[:], MinVersion: sio.Version20, MaxVersion: sio.Version20, Rand: rand}
}

// EncryptedSize is the ciphertext size of a plaintext of n bytes.
func EncryptedSize(n int64) (int64, error) {
	if n < 0 {
		return 0, fmt.Errorf("artcrypt: negative size %d", n)
	}
	s, err := sio.EncryptedSize(uint64(n))
	return int64(s), err
}

// Encrypt writes src sealed under k to dst and returns the bytes written;
// rand draws the stream's nonce (nil: crypto/rand).
// An empty src is refused: DARE writes nothing for it, and nothing does not
// decrypt.
func Encrypt(dst io.Writer, src io.Reader, k Key, rand io.Reader) (int64, error) {
	n, err := sio.Encrypt(dst, src, config(k, rand))
	if err == nil && n == 0 {
		err = errors.New("artcrypt: nothing to encrypt")
	}
	return n, err
}

// DecryptReader returns the plaintext of src as a stream. A read fails with
// ErrDecrypt as soon as a package does not authenticate, and at the end if
// the stream was cut short: nothing unauthenticated is returned.
func DecryptReader(src io.Reader, k Key) (io.Reader, error) {
	r, err := sio.DecryptReader(src, config(k, nil))
	if err != nil {
		return nil, err
	}
	return decryptErrors{r}, nil
}

type decryptErrors struct{ r io.Reader }

func (d decryptErrors) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	var se sio.Error
	if errors.As(err, &se) {
		return n, fmt.Errorf("%w: %v", ErrDecrypt, err)
	}
	return n, err
}

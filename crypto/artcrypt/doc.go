// Package artcrypt is how an art is kept owner-only: its archive is
// encrypted on the artist's machine with a fresh content key before it is
// erasure coded, and the content key travels only wrapped to the public
// keys of those allowed to read it (edition owners, and the attesters who
// must see the image to fingerprint it).
//
// Content (content.go): the DARE format of github.com/minio/sio, version
// 2.0 — the stream cut into 64 KiB packages, each sealed with AES-256-GCM
// or ChaCha20-Poly1305 under the content key, with sequence numbers and a
// final flag, so packages cannot be altered, reordered, dropped or the
// stream truncated without the decryption failing. Memory is one package.
// Masternodes store, prove, heal and re-mint the ciphertext; none needs
// the key.
//
// Key wrap (wrap.go): ECIES over secp256k1. The wallet draws an ephemeral
// key e, derives a wrapping key with HKDF-SHA256 from the x coordinate of
// e·P (P the recipient's public key), salted with both public keys and
// bound by its info to the art id, and seals the 32-byte content key with
// ChaCha20-Poly1305 (the wrapping key is used once, so the nonce is zero):
//
//	wrap = 0x01 (version) || e·G (33, compressed) || sealed key (32 + 16 tag)
//
// The chain checks what it can without the key (the format, that the
// ephemeral point is on the curve, that the wrap names the recipient's
// key, that it was not used before for the art). The recipient's wallet
// checks the rest: the wrap opens with its key, and the key it yields
// matches the ticket's KeyCheck, a SHA3-256 commitment to the content key.
//
// What it does not do: a previous owner who kept the key or the file
// cannot be made to forget them, and the attesters of an art see it.
package artcrypt

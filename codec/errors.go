package codec

import "errors"

// Sentinel errors. Functions wrap them with the particulars (which stripe, which
// field, what was expected), so test with errors.Is and show err.Error() to people.
var (
	// ErrBadParams reports coding parameters outside the supported range.
	ErrBadParams = errors.New("codec: invalid coding parameters")

	// ErrBadHeader reports a chunk header that is not a well-formed version 1 header
	// (bad magic, checksum, reserved bytes, or fields inconsistent with the layout).
	ErrBadHeader = errors.New("codec: malformed chunk header")

	// ErrUnknownVersion reports a chunk or proof in a format version this code does
	// not know.
	ErrUnknownVersion = errors.New("codec: unknown format version")

	// ErrTruncated reports a chunk shorter than its header says.
	ErrTruncated = errors.New("codec: truncated chunk")

	// ErrBadChunk reports a chunk whose length does not match its header for reasons
	// other than truncation (trailing bytes).
	ErrBadChunk = errors.New("codec: malformed chunk")

	// ErrIDMismatch reports a chunk whose payload does not hash to the expected id,
	// or whose header names a different id than the manifest has for its position.
	ErrIDMismatch = errors.New("codec: chunk id mismatch")

	// ErrForeign reports a chunk of another archive, or of another stripe than asked.
	ErrForeign = errors.New("codec: chunk belongs to another archive")

	// ErrDuplicate reports a second chunk for a (stripe, index) already held.
	ErrDuplicate = errors.New("codec: duplicate chunk")

	// ErrTooFewChunks reports a stripe with fewer than k good chunks.
	ErrTooFewChunks = errors.New("codec: too few chunks")

	// ErrArchiveHash reports reassembled or streamed bytes whose SHA3-256 is not
	// the archive hash they were supposed to have.
	ErrArchiveHash = errors.New("codec: archive hash mismatch")

	// ErrArchiveSize reports an archive stream longer or shorter than declared.
	ErrArchiveSize = errors.New("codec: archive size mismatch")

	// ErrBadManifest reports a manifest inconsistent with its own parameters.
	ErrBadManifest = errors.New("codec: invalid manifest")

	// ErrBadProof reports a Merkle range proof that is malformed, out of bounds, or
	// does not lead to the chunk id.
	ErrBadProof = errors.New("codec: invalid proof")

	// ErrBadArchive reports an archive that is not a canonical Pastel archive.
	ErrBadArchive = errors.New("codec: malformed archive")

	// ErrArchiveTooLarge reports an archive whose content exceeds the configured limit.
	ErrArchiveTooLarge = errors.New("codec: archive exceeds size limit")

	// ErrUnsafeName reports a file name that could escape the output directory or is
	// otherwise not allowed in an archive.
	ErrUnsafeName = errors.New("codec: unsafe file name")
)

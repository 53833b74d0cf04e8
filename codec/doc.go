// Package codec turns an artwork into erasure-coded, individually verifiable
// chunks and back: the storage format of Pastel (DESIGN.md §4).
//
// # Pipeline
//
//	files + metadata ──WriteArchive──▶ archive (tar+zstd, deterministic)
//	archive ──SHA3-256──▶ archive hash (identifies the art)
//	archive ──EncodeStream──▶ chunks (+ Manifest: every chunk id, in order)
//	any k chunks per stripe ──Decoder──▶ archive ──ReadArchive──▶ files + metadata
//	any k chunks of a stripe ──Mint──▶ a lost chunk, byte for byte
//	chunk payload ──ProveRange / VerifyRange──▶ storage-challenge proofs
//
// # Layout
//
// The archive is cut into stripes of up to MaxK = floor(256/redundancy) pieces
// of ChunkSize bytes (21 pieces of 2 MiB at the default redundancy 12). A stripe
// of k pieces is Reed-Solomon coded (systematic, Cauchy matrix over GF(2^8),
// via klauspost/reedsolomon) into n = k·redundancy chunks: chunk i < k is piece i
// itself, the others are parity. Any k distinct chunks of a stripe rebuild it:
// the code is MDS, so there is no reception overhead. The last stripe's bytes are
// spread evenly over its pieces and only its last piece is zero-padded (see
// Layout). Each chunk is a 128-byte header (see HeaderSize) and its payload.
//
// # Chunk ids and proofs
//
// A chunk's id is the SHA3-256 Merkle root of its payload in 1 KiB leaves, with
// domain-separated leaf (0x00) and node (0x01) hashes, in the shape of RFC 6962
// (see MerkleRoot). A range proof shows leaves [i, j) belong to a chunk id
// without the rest of the payload (see Proof); VerifyRange is what validators
// run on storage-challenge answers, with work bounded by MaxProofLeaves and
// MaxProofSiblings.
//
// # Whom to believe
//
// Chunks arrive from untrusted peers. With a Manifest (the on-chain ticket's
// chunk ids), a chunk is used only if its payload hashes to the id listed for its
// (stripe, index). Without one (nil), a chunk is used if it is self-consistent:
// its header checksum holds and its payload hashes to the id in its header; that
// suits offline copies, and the final archive-hash check still catches a forgery.
// Damaged, truncated, duplicate and foreign chunks are skipped, and a stripe
// short of chunks is reported as "stripe 2 has 3 of 4 needed chunks".
//
// # Example
//
//	archive, hash, err := codec.BuildArchive(codec.Metadata{Title: "Mona"},
//		[]codec.ArchiveFile{codec.FileFromPath("mona.png")})
//	m, chunks, err := codec.Encode(archive, codec.DefaultParams())
//	// ... store the chunks, record m (hash, size, parameters, chunk ids) on chain,
//	// lose most of the chunks ...
//	got, err := codec.Decode(m, survivors) // checks every id and the archive hash
//	meta, files, err := codec.ExtractArchive(got, codec.ExtractLimits{})
//
// For large inputs, write the archive to a file while hashing it, then call
// EncodeStream (memory: one stripe) and feed Decoder stripe by stripe with Flush.
//
// # Determinism
//
// Archives, chunks, ids and proofs are byte-identical on every machine for the
// same input: fixed tar layout, single-threaded zstd at a fixed level, a pinned
// coding matrix, and hashing that does not depend on GOMAXPROCS or the CPU
// (the AVX-512 Merkle kernel is checked against crypto/sha3).
package codec

// Package fingerprint computes perceptual fingerprints of images and finds
// registered fingerprints near a new one: the originality check of
// DESIGN.md §4.
//
// # Fingerprint
//
// A fingerprint is a 64-bit DCT hash (pHash) computed with integers only,
// so every masternode gets the same bits from the same file:
//
//  1. Decode with a fixed set of decoders: PNG, JPEG and GIF from the
//     standard library, WebP, BMP and TIFF from golang.org/x/image. The
//     header is read first and an image of more than maxPixels pixels is
//     refused before its pixels are allocated (Decode).
//  2. Luminance per pixel (ITU-R BT.601 weights, the ones JPEG uses),
//     transparent pixels composited over white.
//  3. The canonical window is the central 80% of the image (10% trimmed
//     from each side). It is reduced to 32×32 cells by an exact box
//     filter: each pixel counts in proportion to the area it shares with a
//     cell, so resizing changes the cells by rounding only.
//  4. The mean is removed and a raised-cosine taper is applied to the
//     outer fifth of each side, so content that a crop moves across the
//     window edge counts little.
//  5. A 2-D DCT-II with a 14-bit integer cosine table, computed exactly in
//     int64; of its 8×8 lowest frequencies (DC included: after the taper
//     it says whether the centre is brighter than the edges), each of the 64
//     sets one bit when above their median. Coefficient k, counted by
//     u+v then v, lands on bit 16·(k mod 4) + k/4, so each 16-bit band
//     mixes low and high frequencies (see the index below).
//
// Compute does all of this from an io.Reader; FromImage starts at step 2.
// The result depends on the decoders: every masternode must run the same
// Go release and the golang.org/x/image version of go.mod. TestGolden pins
// the fingerprints and the exact DCT coefficients of images in every
// format, so a change anywhere shows.
//
// # Threshold and crops
//
// Threshold (6) is the largest distance at which two fingerprints are the
// same picture. Resizing, recompression and format conversion change few
// bits: measured on the test corpus (TestRobustness, -v prints it: 240
// synthetic photographs of 512 to 1024 pixels in five styles, 60 of them
// edited 17 ways), the canonical fingerprints of copies resized to 50%,
// 75% or 150%, recompressed as JPEG at quality 50 to 90, or converted
// PNG→JPEG→PNG are at most 4 from the original (means below 0.5), while
// no two distinct images are closer than 8 (0.1% of the 28,680 pairs are
// at 16 or less, 1% at 20 or less, median 32).
//
// Crops are harder for any hash of the whole frame: cutting 5% from each
// side rescales everything by 11%, which moves the DCT's basis against the
// picture. Canonical fingerprints of copies cropped 2% per side are up to
// 8 away (mean 3.2), 5% per side up to 14 (mean 7), 5% from two adjacent
// sides up to 28 (mean 11); no threshold separates those from distinct
// images; a 10% crop is up to 34 away. So a duplicate search uses Probes:
// the canonical fingerprint plus those of the 1296 windows (left, top,
// right and bottom trimmed by 0, 2.2, 4.2, 6.1, 7.9 or 9.6% each) in which
// the original's canonical window lies if the image is a copy cropped by
// up to 10% on any side, and, for a copy in a plain frame (a border added
// around it), the canonical fingerprint of what is inside the frame
// (contentBounds). An image has many probes, and each is a chance for an
// unrelated picture to come close, so a probe matches at ProbeThreshold
// (4), stricter than Threshold. On the test corpus (TestRobustness, 17
// edits) every one of the 1020 cropped or framed copies has a probe within
// 4 of the original: crops of 2%, 5% and 10% per side, 5% from two
// adjacent sides, 2 to 5% and 5 to 10% per side at random, 3% combined
// with resizing to 75% and JPEG at 70, and a 5% white border through JPEG
// at 80. The nearest probe of one image to another image's fingerprint is
// at least 6 over all 57,360 ordered pairs (0.1% at 12 or less): none
// within 4. The earlier set of 1 + 3^4 probes (trims of 6.1, 7.9 and 9.6%
// only, matching at Threshold) missed a third of the 10% crops and a fifth
// of the framed copies of Debian's wallpapers (make originality-report);
// the larger set costs 7× the time to compute (290 ms instead of 39 ms
// for a 3000×2500 image, BenchmarkProbes) and 16× the lookups, which the
// node answers from an in-memory Index (storage.FingerprintMirror).
// TestChooseParams (-eval) prints the alternatives considered for the
// canonical fingerprint: the classic whole-frame pHash without taper (no
// probes; crops up to 24, distinct images down to 10), the centre window
// without taper, and the chosen one.
//
// What the corpus cannot show is the false-match rate at a million
// registered images: its closest distinct pair is at 8, so it bounds the
// chance that two unrelated pictures are within 6 only by about 1 in
// 57,000 per pair. Pictures that share a composition (two portraits
// centred the same way) come closest; a larger threshold catches more
// crops canonically and more innocent images as well.
//
// # Index
//
// Index finds every stored fingerprint within a distance of a query with
// exact recall, by multi-index hashing: the hash is four bands of 16 bits,
// a query searches band values near its own, and candidates are checked
// against the whole hash (bands.go has the pigeonhole argument;
// TestNearMatchesBruteForce and TestIndexOperations compare with a scan).
// At 10^6 random fingerprints a lookup takes about 20 µs at distance 6,
// 0.1 ms at 10 and 0.3 ms at 12 (BenchmarkNear1M, 2-core machine; building
// the index takes under a second); the 1297 probes of an image 2.2 ms at 6
// (0.36 s through the store's IAVL: iavl/probes).
// Computing the fingerprint of a 3000×2500 image takes 25 ms after
// decoding (a 20 MB PNG decodes in about 0.25 s), its probes 290 ms
// (BenchmarkCompute, BenchmarkProbes).
//
// The chain keeps the same index in its store: BandKeys gives four keys
// per (fingerprint, id), AddToStore and RemoveFromStore write them, and
// NearInStore answers like Index.Near with a few dozen prefix scans at
// distance 6 (a few hundred at 10), in key order, so its result is a
// function of the store alone. On an in-memory IAVL tree of 10^6
// fingerprints (4·10^6 keys) a lookup takes about 0.9 ms at distance 6
// and 6 ms at 10, nearly all of it in IAVL's iterators (about 10 µs a seek
// and 0.6 µs a key); a node that wants microseconds keeps an Index beside
// its store.
//
// # How the chain uses it
//
//   - The wallet puts Compute(image) in the art ticket.
//   - Each attesting masternode rebuilds the archive, decodes the image
//     with Decode (bounded by maxPixels) and checks FromImage against the
//     ticket; it then looks up Probes(image) with Index.NearAny (or
//     NearAnyInStore) at ProbeThreshold over all registered fingerprints and
//     attests either "original" or "near-duplicate of art X at distance d".
//     The chain needs two of three to agree.
//   - The chain itself, in consensus, checks the ticket's fingerprint with
//     NearInStore at its distance parameter (Threshold by default) over the
//     index under its prefix, which catches resized and recompressed
//     copies without trusting anyone, and calls AddToStore when a ticket
//     becomes pending or active and RemoveFromStore when it is dropped.
//     The chain never decodes images.
//
// Degenerate images: a flat image (every pixel the same luminance) has
// fingerprint 0, as do all flat images.
package fingerprint

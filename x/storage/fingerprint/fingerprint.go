package fingerprint

import "image"

// chosen is the definition of the fingerprint. See the package
// documentation for why these values.
var chosen = params{
	trim:   0,
	coeffs: lowFrequencies(),
}

// lowFrequencies is the top-left 8×8 block of the DCT without the DC
// term (the mean brightness, which carries no shape), in row order.
func lowFrequencies() []freq {
	var fs []freq
	for v := range 8 {
		for u := range 8 {
			if u != 0 || v != 0 {
				fs = append(fs, freq{u, v})
			}
		}
	}
	return fs
}

// FromImage returns the fingerprint of a decoded image. Compute is the
// bounded way to get from bytes to a fingerprint; FromImage is for callers
// that already hold an image.
func FromImage(img image.Image) Hash {
	if img.Bounds().Empty() {
		return 0
	}
	return hashImage(img, chosen)
}

package fingerprint_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"github.com/pastelchain/pastel/store"
	"github.com/pastelchain/pastel/x/storage/fingerprint"
)

// A picture and a recompressed copy of it: the copy is found, in memory
// and in the chain's store.
func Example() {
	img := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x * y / 256), 255})
		}
	}
	var original, copied bytes.Buffer
	png.Encode(&original, img)
	jpeg.Encode(&copied, img, &jpeg.Options{Quality: 60})

	const maxPixels = 50_000_000
	h, err := fingerprint.Compute(&original, maxPixels)
	if err != nil {
		panic(err)
	}
	var idx fingerprint.Index
	idx.Add(h, "art-1")
	kv := store.NewMemTree()
	fingerprint.AddToStore(kv, h, []byte("art-1"))

	c, err := fingerprint.Decode(&copied, maxPixels)
	if err != nil {
		panic(err)
	}
	for _, m := range idx.NearAny(fingerprint.Probes(c), fingerprint.Threshold) {
		fmt.Println("probes: near-duplicate of", m.ID)
	}
	ms, err := fingerprint.NearInStore(kv, fingerprint.FromImage(c), fingerprint.Threshold)
	if err != nil {
		panic(err)
	}
	fmt.Println("store:", len(ms), "match")
	// Output:
	// probes: near-duplicate of art-1
	// store: 1 match
}

package picture

import (
	"image/color"
	"slices"
	"testing"
)

// TestNoColourSeparatesInk is hole 10: a program took the digits and
// the strike-through, the ink, out of the noise by keeping one palette
// index. For many pictures it checks, knowing which pixels the renderer
// drew as ink, that no single colour and no darkness threshold picks out
// the ink: each such set either misses most of it or carries a lot of
// noise along. The old picture's ink index had an intersection over union
// with the ink of 0.93; this one's colours stay under 0.5, its darkness
// thresholds under 0.75.
func TestNoColourSeparatesInk(t *testing.T) {
	const maxIndexIoU, maxDarkIoU = 0.6, 0.8
	worstIndex, worstDark := 0.0, 0.0
	for seed := range uint64(200) {
		digits := []byte{byte(seed % 10), byte(seed / 10 % 10), byte(seed * 7 % 10), byte(seed * 3 % 10)}
		m, ink, err := draw(digits, seed, true)
		if err != nil {
			t.Fatal(err)
		}
		nInk := 0
		for _, b := range ink {
			if b {
				nInk++
			}
		}
		if nInk < len(ink)/20 {
			t.Fatalf("seed %d: only %d ink pixels", seed, nInk)
		}
		// iou returns the intersection over union of the ink and the
		// pixels whose index is in keep.
		iou := func(keep func(c uint8) bool) float64 {
			both, union := 0, 0
			for i, c := range m.Pix {
				k := keep(c)
				if k && ink[i] {
					both++
				}
				if k || ink[i] {
					union++
				}
			}
			return float64(both) / float64(union)
		}
		for c := range len(m.Palette) {
			if v := iou(func(x uint8) bool { return int(x) == c }); v > worstIndex {
				worstIndex = v
				if v >= maxIndexIoU {
					t.Errorf("seed %d: palette index %d alone separates the ink (IoU %.2f)", seed, c, v)
				}
			}
		}
		// Every darkness threshold: keep the indexes at most as light as
		// each colour in turn.
		lum := make([]float64, len(m.Palette))
		for i, c := range m.Palette {
			lum[i] = luma(c)
		}
		levels := slices.Clone(lum)
		slices.Sort(levels)
		for _, th := range levels {
			if v := iou(func(x uint8) bool { return lum[x] <= th }); v > worstDark {
				worstDark = v
				if v >= maxDarkIoU {
					t.Errorf("seed %d: a darkness threshold separates the ink (IoU %.2f)", seed, v)
				}
			}
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("worst IoU with the ink: one index %.2f, a darkness threshold %.2f", worstIndex, worstDark)
}

// TestPaletteShuffled checks the palette's order tells nothing: over
// many pictures, the background and the ink land on many indexes.
func TestPaletteShuffled(t *testing.T) {
	bgAt, inkAt := map[uint8]bool{}, map[uint8]bool{}
	for seed := range uint64(60) {
		m, ink, err := draw([]byte{1, 2, 3, 4}, seed, true)
		if err != nil {
			t.Fatal(err)
		}
		var count [256]int
		for i, c := range m.Pix {
			count[c]++
			if ink[i] {
				inkAt[c] = true
			}
		}
		bg := 0
		for c := range count {
			if count[c] > count[bg] {
				bg = c
			}
		}
		bgAt[uint8(bg)] = true
	}
	if len(bgAt) < 15 || len(inkAt) < 25 {
		t.Errorf("over 60 pictures the background took %d indexes and the ink %d, want the order shuffled (at least 15 and 25 of 32)", len(bgAt), len(inkAt))
	}
}

// luma is a colour's brightness, Rec. 601 weights, 0-1.
func luma(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 0xffff
}

package picture

import (
	"image"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/draw"
)

// resize computes the filter of x/image/draw's CatmullRom in fixed point;
// its results must agree with that reference to within rounding, for
// shrink ratios from barely to many times, on opaque and translucent
// pictures, and on a sub-rectangle.
func TestResizeMatchesCatmullRom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	src := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			i := src.PixOffset(x, y)
			a := uint8(255)
			if x > 320 {
				a = uint8(y / 2) // a gradient of alpha on the right half
			}
			// Smooth content with noise; premultiplied.
			for c := 0; c < 3; c++ {
				v := (x*(c+1) + y*(3-c) + r.IntN(40)) % 256
				src.Pix[i+c] = uint8(v * int(a) / 255)
			}
			src.Pix[i+3] = a
		}
	}
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i%640/3 + r.IntN(20))
	}
	for i := range ycc.Cb {
		ycc.Cb[i], ycc.Cr[i] = uint8(64+i%320/3), uint8(200-i%320/4)
	}
	ycc422 := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio422)
	copy(ycc422.Y, ycc.Y)
	for i := range ycc422.Cb {
		ycc422.Cb[i], ycc422.Cr[i] = uint8(100+i%320/4), uint8(30+i%320/2)
	}
	nrgba := image.NewNRGBA(src.Rect)
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(i*7/4 + r.IntN(9))
	}
	for _, tt := range []struct {
		name string
		src  image.Image
		r    image.Rectangle
		w, h int
		// worst is the largest difference allowed. A YCbCr source is
		// filtered plane by plane with its chroma interpolated at its own
		// positions, where x/image/draw repeats each chroma sample over its
		// luma pixels: a few levels apart where the chroma changes.
		worst int
	}{
		{"rgba 1.25", src, src.Rect, 512, 384, 2},
		{"rgba 2", src, src.Rect, 320, 240, 2},
		{"rgba 7.3", src, src.Rect, 87, 65, 2},
		{"rgba crop", src, image.Rect(80, 0, 560, 480), 320, 320, 2},
		{"rgba one axis", src, src.Rect, 640, 100, 2},
		{"ycbcr 3", ycc, ycc.Rect, 213, 160, 6},
		{"ycbcr 1.9", ycc, ycc.Rect, 337, 253, 6},
		{"ycbcr odd crop", ycc, image.Rect(81, 3, 561, 479), 320, 317, 6},
		{"ycbcr 422", ycc422, ycc422.Rect, 300, 200, 6},
		{"nrgba", nrgba, nrgba.Rect, 300, 200, 2},
		{"ycbcr sub-image", ycc.SubImage(image.Rect(33, 17, 600, 470)), image.Rect(35, 21, 591, 469), 300, 200, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			resize(got, tt.src, tt.r)
			want := image.NewRGBA(got.Rect)
			draw.CatmullRom.Scale(want, want.Rect, tt.src, tt.r, draw.Src, nil)
			// At the edges x/image/draw drops the taps outside the picture
			// and resize repeats the edge pixel; compare the inside, where
			// both filter the same pixels.
			var sum, worst, n int
			for y := 2; y < tt.h-2; y++ {
				for x := 2; x < tt.w-2; x++ {
					for c := 0; c < 4; c++ {
						i := got.PixOffset(x, y) + c
						d := int(got.Pix[i]) - int(want.Pix[i])
						d = max(d, -d)
						sum += d
						worst = max(worst, d)
						n++
					}
				}
			}
			mean := float64(sum) / float64(n)
			if mean > 0.4 || worst > tt.worst {
				t.Errorf("differs from draw.CatmullRom: mean %.2f, worst %d", mean, worst)
			}
			t.Logf("mean %.3f, worst %d", mean, worst)
		})
	}
}

// A flat picture stays exactly flat, to its edges: the filter's weights sum
// to one and the edge pixels are repeated, not faded out.
func TestResizeFlat(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 333, 251))
	for i := range src.Pix {
		src.Pix[i] = []uint8{90, 160, 20, 255}[i%4]
	}
	for _, wh := range [][2]int{{333, 100}, {100, 251}, {47, 31}, {1, 1}, {332, 250}} {
		got := image.NewRGBA(image.Rect(0, 0, wh[0], wh[1]))
		resize(got, src, src.Rect)
		for i, v := range got.Pix {
			if want := src.Pix[i%4]; v != want {
				t.Fatalf("%v: byte %d = %d, want %d", wh, i, v, want)
			}
		}
	}
}

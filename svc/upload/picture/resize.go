package picture

import (
	"image"
	"image/draw"
	"math"
)

// resize scales the part r of src down into the whole of dst, which must be
// no larger than r in either direction, with a Catmull-Rom filter widened by
// the shrink ratio: the quality of golang.org/x/image/draw's CatmullRom
// (little aliasing, sharp), computed in fixed point, separably, on 8-bit
// premultiplied RGBA rows. BenchmarkResize measures it beside x/image/draw's
// kernels: about the speed of ApproxBiLinear, which aliases badly.
//
// The source is converted to RGBA one row at a time as the filter needs it
// and only a window of rows is kept, so resizing allocates no copy of the
// source.
func resize(dst *image.RGBA, src image.Image, r image.Rectangle) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sw, sh := r.Dx(), r.Dy()
	if dw == sw && dh == sh {
		draw.Draw(dst, dst.Rect, src, r.Min, draw.Src)
		return
	}
	xs := makeFilter(sw, dw)
	ys := makeFilter(sh, dh)

	// Vertical first: each output row is a weighted sum of whole source
	// rows (a contiguous, cheap loop), and only dh rows are then filtered
	// horizontally (the gathering loop), instead of all sh.
	ring := make([][]uint8, ys.taps) // source rows, as RGBA
	rgba, isRGBA := src.(*image.RGBA)
	var rows []image.RGBA // ring's rows as images, for draw.Draw
	if !isRGBA {
		rows = make([]image.RGBA, len(ring))
		for i := range ring {
			ring[i] = make([]uint8, 4*sw)
			rows[i] = image.RGBA{Pix: ring[i], Stride: 4 * sw, Rect: image.Rect(0, 0, sw, 1)}
		}
	}
	next := 0 // the next source row to put into ring
	load := func(y int) {
		if isRGBA {
			o := rgba.PixOffset(r.Min.X, r.Min.Y+y)
			ring[y%len(ring)] = rgba.Pix[o : o+4*sw]
			return
		}
		// image/draw converts YCbCr, Gray, CMYK, NRGBA and Paletted rows to
		// premultiplied RGBA with fast paths.
		row := &rows[y%len(ring)]
		draw.Draw(row, row.Rect, src, image.Pt(r.Min.X, r.Min.Y+y), draw.Src)
	}
	acc := make([]int32, 4*sw)
	mid := make([]int32, 4*sw)
	for oy := 0; oy < dh; oy++ {
		idx := ys.idx[oy*ys.taps : (oy+1)*ys.taps]
		w := ys.w[oy*ys.taps : (oy+1)*ys.taps]
		for last := int(idx[len(idx)-1]); next <= last; next++ {
			load(next)
		}
		clear(acc)
		// Two rows a pass halve the loads and stores of acc.
		t := 0
		for ; t+1 < len(idx); t += 2 {
			w0, w1 := w[t], w[t+1]
			r0 := ring[int(idx[t])%len(ring)]
			r1 := ring[int(idx[t+1])%len(ring)]
			a := acc[:len(r0)]
			r1 = r1[:len(r0)]
			for i, v := range r0 {
				a[i] += w0*int32(v) + w1*int32(r1[i])
			}
		}
		if t < len(idx) {
			w0 := w[t]
			r0 := ring[int(idx[t])%len(ring)]
			a := acc[:len(r0)]
			for i, v := range r0 {
				a[i] += w0 * int32(v)
			}
		}
		// Keep midBits of fraction and the overshoot of the negative
		// lobes for the horizontal pass: clamping here would differ from
		// filtering in two dimensions at once.
		for i, v := range acc {
			mid[i] = (v + 1<<(weightBits-midBits-1)) >> (weightBits - midBits)
		}
		xs.apply(dst.Pix[oy*dst.Stride:oy*dst.Stride+4*dw], mid)
	}
}

// filter holds, for each output pixel along one axis, the taps source
// indices (clamped to the edges) and their fixed-point weights.
type filter struct {
	taps int
	idx  []int32
	w    []int32
}

const (
	weightBits = 14 // fraction bits of the weights
	midBits    = 6  // fraction bits of the vertically filtered rows
)

func makeFilter(srcLen, dstLen int) filter {
	scale := float64(srcLen) / float64(dstLen)
	// Catmull-Rom is 2 wide in output pixels when shrinking (in source
	// pixels when enlarging, which Process never asks for).
	ks := max(scale, 1)
	support := 2 * ks
	taps := int(math.Ceil(2*support)) + 1
	f := filter{taps: taps, idx: make([]int32, dstLen*taps), w: make([]int32, dstLen*taps)}
	fw := make([]float64, taps)
	for i := 0; i < dstLen; i++ {
		centre := (float64(i)+0.5)*scale - 0.5
		first := int(math.Ceil(centre - support))
		var sum float64
		for t := range fw {
			fw[t] = catmullRom((float64(first+t) - centre) / ks)
			sum += fw[t]
		}
		idx := f.idx[i*taps : (i+1)*taps]
		w := f.w[i*taps : (i+1)*taps]
		var isum int32
		big := 0
		for t := range fw {
			idx[t] = int32(min(max(first+t, 0), srcLen-1))
			w[t] = int32(math.Round(fw[t] / sum * (1 << weightBits)))
			isum += w[t]
			if w[t] > w[big] {
				big = t
			}
		}
		w[big] += 1<<weightBits - isum // the weights sum to exactly one
	}
	return f
}

func catmullRom(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1:
		return (1.5*x-2.5)*x*x + 1
	case x < 2:
		return ((-0.5*x+2.5)*x-4)*x + 2
	}
	return 0
}

// apply filters one vertically filtered row (midBits of fraction) into dst,
// a premultiplied RGBA row.
func (f filter) apply(dst []uint8, src []int32) {
	for o := 0; o*4 < len(dst); o++ {
		idx := f.idx[o*f.taps : (o+1)*f.taps]
		w := f.w[o*f.taps : (o+1)*f.taps]
		w = w[:len(idx)]
		var r, g, b, a int32
		for t, sx := range idx {
			p := src[4*sx : 4*sx+4 : 4*sx+4]
			wt := w[t]
			r += wt * p[0]
			g += wt * p[1]
			b += wt * p[2]
			a += wt * p[3]
		}
		storePremul(dst[4*o:4*o+4:4*o+4], r, g, b, a)
	}
}

// storePremul rounds the fixed-point sums into p, clamped to a valid
// premultiplied pixel: the filter's negative lobes can overshoot, and no
// colour may exceed its alpha.
func storePremul(p []uint8, r, g, b, a int32) {
	const shift = weightBits + midBits
	const half = 1 << (shift - 1)
	a8 := clamp8((a + half) >> shift)
	p[0] = min(clamp8((r+half)>>shift), a8)
	p[1] = min(clamp8((g+half)>>shift), a8)
	p[2] = min(clamp8((b+half)>>shift), a8)
	p[3] = a8
}

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

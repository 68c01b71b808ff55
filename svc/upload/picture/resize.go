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
// rows. BenchmarkResize measures it beside x/image/draw's kernels.
//
// A YCbCr source (every opaque JPEG) is filtered plane by plane, which
// touches 1.5 bytes a pixel instead of 4 and converts only the result to
// RGBA: the conversion is affine, so filtering before it is the same as
// after. Other sources are converted to premultiplied RGBA one row at a time
// as the filter needs them. Either way only a window of rows is kept, so
// resizing allocates no copy of the source.
func resize(dst *image.RGBA, src image.Image, r image.Rectangle) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sw, sh := r.Dx(), r.Dy()
	if dw == sw && dh == sh {
		draw.Draw(dst, dst.Rect, src, r.Min, draw.Src)
		return
	}
	switch s := src.(type) {
	case *image.YCbCr:
		resizeYCbCr(dst, s, r)
	case *image.RGBA:
		scale(dst.Pix, dst.Stride, dw, dh, 4, sw, sh, func(y int, _ []uint8) []uint8 {
			o := s.PixOffset(r.Min.X, r.Min.Y+y)
			return s.Pix[o : o+4*sw]
		})
	default:
		scale(dst.Pix, dst.Stride, dw, dh, 4, sw, sh, func(y int, buf []uint8) []uint8 {
			// image/draw converts YCbCr, Gray, CMYK, NRGBA and Paletted
			// rows to premultiplied RGBA with fast paths.
			row := &image.RGBA{Pix: buf, Stride: 4 * sw, Rect: image.Rect(0, 0, sw, 1)}
			draw.Draw(row, row.Rect, src, image.Pt(r.Min.X, r.Min.Y+y), draw.Src)
			return buf
		})
	}
}

// resizeYCbCr filters each plane of the part r of src into a full-resolution
// YCbCr picture of dst's size, then converts that into dst.
func resizeYCbCr(dst *image.RGBA, src *image.YCbCr, r image.Rectangle) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	out := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio444)
	scale(out.Y, out.YStride, dw, dh, 1, r.Dx(), r.Dy(), func(y int, _ []uint8) []uint8 {
		o := src.YOffset(r.Min.X, r.Min.Y+y)
		return src.Y[o : o+r.Dx()]
	})
	// The chroma samples that cover r, found as image.YCbCr finds them.
	o0 := src.COffset(r.Min.X, r.Min.Y)
	cw := src.COffset(r.Max.X-1, r.Min.Y) - o0 + 1
	ch := (src.COffset(r.Min.X, r.Max.Y-1)-o0)/src.CStride + 1
	for _, p := range []struct{ dst, src []uint8 }{{out.Cb, src.Cb}, {out.Cr, src.Cr}} {
		scale(p.dst, out.CStride, dw, dh, 1, cw, ch, func(y int, _ []uint8) []uint8 {
			o := o0 + y*src.CStride
			return p.src[o : o+cw]
		})
	}
	draw.Draw(dst, dst.Rect, out, image.Point{}, draw.Src)
}

// scale filters an sw × sh picture of n-byte pixels (n is 1, or 4 for
// premultiplied RGBA), whose rows row returns, into the dw × dh picture
// dst. row may return a slice of the source or fill buf (4·sw bytes, its
// own for each row scale holds at once) and return that.
func scale(dst []uint8, dstStride, dw, dh, n, sw, sh int, row func(y int, buf []uint8) []uint8) {
	xs := makeFilter(sw, dw)
	ys := makeFilter(sh, dh)

	// Vertical first: each output row is a weighted sum of whole source
	// rows (a contiguous, cheap loop), and only dh rows are then filtered
	// horizontally (the gathering loop), instead of all sh.
	ring := make([][]uint8, ys.taps) // source rows
	bufs := make([][]uint8, ys.taps)
	next := 0 // the next source row to put into ring
	acc := make([]int32, n*sw)
	mid := make([]int32, n*sw)
	for oy := 0; oy < dh; oy++ {
		idx := ys.idx[oy*ys.taps : (oy+1)*ys.taps]
		w := ys.w[oy*ys.taps : (oy+1)*ys.taps]
		for last := int(idx[len(idx)-1]); next <= last; next++ {
			i := next % len(ring)
			if bufs[i] == nil {
				bufs[i] = make([]uint8, n*sw)
			}
			ring[i] = row(next, bufs[i])[:n*sw]
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
		out := dst[oy*dstStride : oy*dstStride+n*dw]
		if n == 4 {
			xs.apply4(out, mid)
		} else {
			xs.apply1(out, mid)
		}
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

// apply1 filters one vertically filtered row of one byte a pixel (midBits of
// fraction) into dst.
func (f filter) apply1(dst []uint8, src []int32) {
	const shift = weightBits + midBits
	for o := range dst {
		idx := f.idx[o*f.taps : (o+1)*f.taps]
		w := f.w[o*f.taps : (o+1)*f.taps]
		w = w[:len(idx)]
		var v int32
		for t, sx := range idx {
			v += w[t] * src[sx]
		}
		dst[o] = clamp8((v + 1<<(shift-1)) >> shift)
	}
}

// apply4 filters one vertically filtered row (midBits of fraction) into dst,
// a premultiplied RGBA row.
func (f filter) apply4(dst []uint8, src []int32) {
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

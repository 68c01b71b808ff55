// Package picture draws captcha pictures: digits written with a round pen,
// each digit scaled, rotated and sheared on its own, the whole picture bent
// by a random wave field, crossed by a curve in the digits' own colour and
// covered in noise, then encoded as a small palette PNG.
//
// It uses only the standard library's image packages. A picture depends
// only on its digits and seed, so a captcha served twice looks the same and
// cannot be averaged over many renderings to wash the noise out.
package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"sync"
)

// The picture's size in pixels, the old site's size.
const (
	Width  = 160
	Height = 80
)

// Palette layout. More than 16 colours make image/png write 8-bit rows,
// which it copies straight from Pix; with 16 or fewer it packs pixels into
// 4-bit rows one interface call at a time, which costs more than
// compressing the longer rows.
const (
	background = 0 // the zero index, so a fresh image is already filled
	ink        = 1 // digits and the strike-through curve
	firstNoise = 2 // indexes firstNoise.. are noise colours
	paletteLen = 32
)

// Draw returns the picture of digits, each in 0-9, using seed for every
// random choice. The same digits and seed always give the same picture.
func Draw(digits []byte, seed uint64) (*image.Paletted, error) {
	for i, d := range digits {
		if d > 9 {
			return nil, fmt.Errorf("draw captcha: digit %d is %d, want 0-9", i, d)
		}
	}
	if len(digits) == 0 || len(digits) > 6 {
		return nil, fmt.Errorf("draw captcha: %d digits, want 1-6", len(digits))
	}
	p := &painter{
		rng: rand.New(rand.NewPCG(seed, 0x6b696e2d63617074)), // "kin-capt"
		m:   image.NewPaletted(image.Rect(0, 0, Width, Height), nil),
	}
	p.m.Palette = p.palette()
	p.wave = p.newWave()
	p.backgroundNoise()
	p.digits(digits)
	p.strikeThrough()
	p.foregroundNoise()
	return p.m, nil
}

// painter holds the state of drawing one picture.
type painter struct {
	rng  *rand.Rand
	m    *image.Paletted
	wave wave
}

// between returns a uniformly random float in [lo, hi).
func (p *painter) between(lo, hi float64) float64 { return lo + (hi-lo)*p.rng.Float64() }

// noiseColor returns a random noise palette index.
func (p *painter) noiseColor() uint8 { return uint8(firstNoise + p.rng.IntN(paletteLen-firstNoise)) }

// palette picks a light background, a dark ink and noise colours mixed
// between the two, some close to the ink so that no colour threshold
// separates digits from noise cleanly.
func (p *painter) palette() color.Palette {
	bg := color.RGBA{uint8(215 + p.rng.IntN(41)), uint8(215 + p.rng.IntN(41)), uint8(215 + p.rng.IntN(41)), 0xff}
	fg := color.RGBA{uint8(p.rng.IntN(110)), uint8(p.rng.IntN(110)), uint8(p.rng.IntN(110)), 0xff}
	pal := make(color.Palette, paletteLen)
	pal[background] = bg
	pal[ink] = fg
	mix := func(a, b uint8, t float64) uint8 {
		v := float64(a) + (float64(b)-float64(a))*t + p.between(-18, 18)
		return uint8(math.Max(0, math.Min(255, v)))
	}
	for i := firstNoise; i < paletteLen; i++ {
		t := p.between(0.15, 0.85)
		pal[i] = color.RGBA{mix(fg.R, bg.R, t), mix(fg.G, bg.G, t), mix(fg.B, bg.B, t), 0xff}
	}
	return pal
}

// A wave is a smooth random displacement field applied to everything the
// pen draws, bending digits and curve together so that they cannot be
// straightened one by one. It is the sum of sine ripples along each axis,
// tabulated once per picture at whole pixels and interpolated between them.
type wave struct {
	dxOfY [Height + 2*margin + 1]float32 // horizontal shift as a function of y
	dxOfX [Width + 2*margin + 1]float32  // horizontal squeeze and stretch along x
	dyOfX [Width + 2*margin + 1]float32  // vertical shift as a function of x
}

// margin is how far outside the picture the wave is tabulated, for pen
// positions that start off-canvas (the strike-through runs past the edges).
const margin = 24

func (p *painter) newWave() wave {
	k := func(lo, hi float64) float64 { return 2 * math.Pi / p.between(lo, hi) }
	ph := func() float64 { return p.between(0, 2*math.Pi) }
	// Amplitudes and wavelengths in pixels: a long vertical swell, a
	// shorter ripple on top of it, and horizontal waves in both directions.
	// The steepest slopes (amplitude times wavenumber) stay under about
	// 0.6, so that strokes bend and lean but digits keep their shape.
	ax, kx, fx := p.between(2.5, 5), k(70, 130), ph()
	axx, kxx, fxx := p.between(1, 2.5), k(60, 100), ph()
	ay, ky, fy := p.between(4, 8), k(80, 180), ph()
	ay2, ky2, fy2 := p.between(1, 2), k(35, 60), ph()
	var w wave
	for i := range w.dxOfY {
		y := float64(i - margin)
		w.dxOfY[i] = float32(ax * math.Sin(y*kx+fx))
	}
	for i := range w.dyOfX {
		x := float64(i - margin)
		w.dxOfX[i] = float32(axx * math.Sin(x*kxx+fxx))
		w.dyOfX[i] = float32(ay*math.Sin(x*ky+fy) + ay2*math.Sin(x*ky2+fy2))
	}
	return w
}

// lerp reads table t at position v (in pixels, offset by margin), linearly
// interpolated and clamped to the table's ends.
func lerp(t []float32, v float64) float64 {
	v += margin
	if v <= 0 {
		return float64(t[0])
	}
	i := int(v)
	if i >= len(t)-1 {
		return float64(t[len(t)-1])
	}
	f := v - float64(i)
	return float64(t[i]) + (float64(t[i+1])-float64(t[i]))*f
}

// apply moves the point (x, y) by the wave.
func (w *wave) apply(x, y float64) (float64, float64) {
	return x + lerp(w.dxOfY[:], y) + lerp(w.dxOfX[:], x), y + lerp(w.dyOfX[:], x)
}

// A pen stamps filled discs of one radius. Stamps are placed at whole
// pixels from a precomputed span table, and a stamp on the pixel the pen
// last stamped is skipped, so dense stroke sampling costs little.
type pen struct {
	half         []int // half[dy+r] is the disc's half-width in row dy
	r            int
	lastX, lastY int
}

func newPen(radius float64) *pen {
	r := int(math.Ceil(radius))
	pn := &pen{half: make([]int, 2*r+1), r: r, lastX: math.MinInt, lastY: math.MinInt}
	for dy := -r; dy <= r; dy++ {
		h := radius*radius - float64(dy*dy)
		if h < 0 {
			pn.half[dy+r] = -1
			continue
		}
		pn.half[dy+r] = int(math.Sqrt(h) + 0.25)
	}
	return pn
}

// lift makes the pen's next stamp unconditional, as when a new stroke
// starts.
func (pn *pen) lift() { pn.lastX, pn.lastY = math.MinInt, math.MinInt }

// stamp fills the pen's disc centred on the pixel nearest (fx, fy) in m
// with colour index c.
func (pn *pen) stamp(m *image.Paletted, fx, fy float64, c uint8) {
	cx, cy := int(math.Floor(fx+0.5)), int(math.Floor(fy+0.5))
	if cx == pn.lastX && cy == pn.lastY {
		return
	}
	pn.lastX, pn.lastY = cx, cy
	for dy := -pn.r; dy <= pn.r; dy++ {
		y := cy + dy
		h := pn.half[dy+pn.r]
		if y < 0 || y >= Height || h < 0 {
			continue
		}
		x0, x1 := max(cx-h, 0), min(cx+h, Width-1)
		if x0 > x1 {
			continue
		}
		row := m.Pix[y*m.Stride+x0 : y*m.Stride+x1+1]
		for i := range row {
			row[i] = c
		}
	}
}

// disc fills a disc of radius r centred on (cx, cy) with colour index c.
// It is for one-off blobs; strokes use a pen.
func (p *painter) disc(cx, cy, r float64, c uint8) {
	newPen(r).stamp(p.m, cx, cy, c)
}

// digits writes each digit with its own size, slant, rotation and offset.
// The slant is mostly shared, as in handwriting, so that neighbours leaning
// towards each other do not run into one blot.
func (p *painter) digits(digits []byte) {
	n := float64(len(digits))
	advance := p.between(29, 33) * 4 / max(n, 4)
	x := (Width-advance*(n-1))/2 + p.between(-5, 5)
	pn := newPen(p.between(1.7, 2.4))
	slant := p.between(-0.25, 0.25)
	for _, d := range digits {
		w := p.between(19, 24)
		h := p.between(34, 44)
		rot := p.between(-0.2, 0.2)
		shear := slant + p.between(-0.12, 0.12)
		cx := x + p.between(-2, 2)
		cy := Height/2 + p.between(-5, 5)
		sin, cos := math.Sincos(rot)
		for _, pts := range glyphs[d] {
			pn.lift()
			for _, pt := range pts {
				lx := (pt.x - 0.5) * w
				ly := (pt.y - 0.5) * h
				lx -= shear * ly
				gx, gy := p.wave.apply(cx+lx*cos-ly*sin, cy+lx*sin+ly*cos)
				pn.stamp(p.m, gx, gy, ink)
			}
		}
		x += advance
	}
}

// strikeThrough draws a curve across the whole picture through the digits'
// middle band, in the ink colour and about the digits' pen width, so that
// neither colour nor stroke width tells it apart from the digits.
func (p *painter) strikeThrough() {
	y0 := p.between(Height*0.38, Height*0.62)
	amp := p.between(5, 16)
	k := 2 * math.Pi / p.between(70, 160)
	ph := p.between(0, 2*math.Pi)
	slope := p.between(-0.12, 0.12)
	pn := newPen(p.between(1.4, 2.0))
	for x := -8.0; x < Width+8; x += 0.5 {
		y := y0 + amp*math.Sin(x*k+ph) + slope*(x-Width/2)
		gx, gy := p.wave.apply(x, y)
		pn.stamp(p.m, gx, gy, ink)
	}
}

// backgroundNoise scatters large soft blobs behind the digits and a thin
// distracting curve.
func (p *painter) backgroundNoise() {
	for range 10 {
		p.disc(p.between(0, Width), p.between(0, Height), p.between(3, 9), p.noiseColor())
	}
	y0 := p.between(10, Height-10)
	amp := p.between(8, 20)
	k := 2 * math.Pi / p.between(60, 140)
	ph := p.between(0, 2*math.Pi)
	c := p.noiseColor()
	pn := newPen(1.1)
	for x := 0.0; x < Width; x += 0.5 {
		pn.stamp(p.m, x, y0+amp*math.Sin(x*k+ph), c)
	}
}

// foregroundNoise covers the picture with small blobs that bite into the
// strokes and with single-pixel speckle, some of it in the ink colour.
func (p *painter) foregroundNoise() {
	for range 14 {
		p.disc(p.between(0, Width), p.between(0, Height), p.between(1.5, 3.5), p.noiseColor())
	}
	pix := p.m.Pix
	for range 500 {
		c := p.noiseColor()
		if p.rng.IntN(3) == 0 {
			c = ink
		}
		pix[p.rng.IntN(len(pix))] = c
	}
}

// An Encoder writes pictures as PNG. It reuses its compression buffers
// between pictures and is safe for concurrent use.
type Encoder struct {
	enc png.Encoder
	out sync.Pool // *[]byte, WritePNG's encoding buffers
}

// NewEncoder returns an Encoder tuned for captcha pictures: fast
// compression, which costs a few hundred bytes on a picture this size and
// saves most of the time.
func NewEncoder() *Encoder {
	return &Encoder{enc: png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: new(bufferPool)}}
}

// AppendPNG draws the picture of digits with seed (see Draw) and appends
// its PNG encoding to dst.
func (e *Encoder) AppendPNG(dst []byte, digits []byte, seed uint64) ([]byte, error) {
	m, err := Draw(digits, seed)
	if err != nil {
		return dst, err
	}
	buf := bytes.NewBuffer(dst)
	if err := e.enc.Encode(buf, m); err != nil {
		return dst, fmt.Errorf("encode captcha png: %w", err)
	}
	return buf.Bytes(), nil
}

// WritePNG draws the picture of digits with seed (see Draw) and writes it
// to w as PNG in a single Write.
func (e *Encoder) WritePNG(w io.Writer, digits []byte, seed uint64) error {
	bp, _ := e.out.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer e.out.Put(bp)
	b, err := e.AppendPNG((*bp)[:0], digits, seed)
	*bp = b
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write captcha png: %w", err)
	}
	return nil
}

// bufferPool lets png.Encoder keep its zlib writer and row buffers.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *bufferPool) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// Package picture draws captcha pictures: digits written with a round pen,
// each digit scaled, rotated and sheared a little on its own, the whole
// picture bent gently by a random wave field, crossed by a curve and
// covered in noise, then encoded as a small palette PNG.
//
// Colour tells nothing: every picture has one set of stroke colours, and
// each digit, the strike-through curve and much of the noise (broken
// strokes, blobs, speckle) picks its colour from that set, in a palette
// whose order is shuffled. A person reads the digits by their shape and
// the pen's width, as on paper.
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

// Palette layout before shuffling: the background, the stroke colours
// and the soft colours of the blobs behind the digits. More than 16
// colours make image/png write 8-bit rows, which it copies straight from
// Pix; with 16 or fewer it packs pixels into 4-bit rows one interface call
// at a time, which costs more than compressing the longer rows.
const (
	nInks      = 5
	paletteLen = 32
)

// Draw returns the picture of digits, each in 0-9, using seed for every
// random choice. The same digits and seed always give the same picture.
func Draw(digits []byte, seed uint64) (*image.Paletted, error) {
	m, _, err := draw(digits, seed, false)
	return m, err
}

// draw is Draw; with track, it also returns which pixels show ink (a
// digit or the strike-through) in the finished picture, for tests that
// check the noise hides it.
func draw(digits []byte, seed uint64, track bool) (*image.Paletted, []bool, error) {
	for i, d := range digits {
		if d > 9 {
			return nil, nil, fmt.Errorf("draw captcha: digit %d is %d, want 0-9", i, d)
		}
	}
	if len(digits) == 0 || len(digits) > 6 {
		return nil, nil, fmt.Errorf("draw captcha: %d digits, want 1-6", len(digits))
	}
	p := &painter{
		rng: rand.New(rand.NewPCG(seed, 0x6b696e2d63617074)), // "kin-capt"
		m:   image.NewPaletted(image.Rect(0, 0, Width, Height), nil),
	}
	if track {
		p.mask = make([]bool, Width*Height)
	}
	p.palette()
	if p.bg != 0 {
		for i := range p.m.Pix {
			p.m.Pix[i] = p.bg
		}
	}
	p.wave = p.newWave()
	p.backgroundNoise()
	p.digits(digits)
	p.strikeThrough()
	p.foregroundNoise()
	return p.m, p.mask, nil
}

// painter holds the state of drawing one picture.
type painter struct {
	rng  *rand.Rand
	m    *image.Paletted
	wave wave

	bg   uint8        // background index
	inks [nInks]uint8 // indexes of the stroke colours
	soft []uint8      // indexes of the light blob colours
	mask []bool       // when tracking: pixels last painted as ink
}

// between returns a uniformly random float in [lo, hi).
func (p *painter) between(lo, hi float64) float64 { return lo + (hi-lo)*p.rng.Float64() }

// ink returns a random stroke colour index.
func (p *painter) ink() uint8 { return p.inks[p.rng.IntN(nInks)] }

// softColor returns a random light blob colour index.
func (p *painter) softColor() uint8 { return p.soft[p.rng.IntN(len(p.soft))] }

// anyColor returns a stroke colour two times in three, else a soft one.
func (p *painter) anyColor() uint8 {
	if p.rng.IntN(3) != 0 {
		return p.ink()
	}
	return p.softColor()
}

// palette makes the picture's palette in a random order: a light
// background; nInks dark stroke colours of different hues but alike in
// darkness, so that no threshold on brightness keeps one and drops
// another; and soft colours between them and the background.
func (p *painter) palette() {
	pal := make(color.Palette, paletteLen)
	order := p.rng.Perm(paletteLen)
	h0 := p.between(0, 360)
	pal[order[0]] = hsl(h0, p.between(0.2, 0.6), p.between(0.9, 0.96))
	p.bg = uint8(order[0])
	var inks [nInks]color.RGBA
	hue := p.between(0, 360)
	for i := range nInks {
		hue += 360/nInks + p.between(-15, 15)
		inks[i] = darken(hsl(hue, p.between(0.45, 0.8), 0.3), p.between(0.12, 0.32))
		pal[order[1+i]] = inks[i]
		p.inks[i] = uint8(order[1+i])
	}
	bg := pal[order[0]].(color.RGBA)
	mix := func(a, b uint8, t float64) uint8 {
		return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t))
	}
	for _, i := range order[1+nInks:] {
		ink := inks[p.rng.IntN(nInks)]
		t := p.between(0.35, 0.8)
		pal[i] = color.RGBA{mix(ink.R, bg.R, t), mix(ink.G, bg.G, t), mix(ink.B, bg.B, t), 0xff}
		p.soft = append(p.soft, uint8(i))
	}
	p.m.Palette = pal
}

// hsl returns the colour of hue h (degrees), saturation s and lightness l
// (0-1).
func hsl(h, s, l float64) color.RGBA {
	h = math.Mod(h, 360)
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	v := func(f float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, f+m)))) }
	return color.RGBA{v(r), v(g), v(b), 0xff}
}

// darken scales c down to the luma y (Rec. 601, 0-1) if it is lighter:
// the stroke colours vary in darkness, but every one stays dark enough
// to read on the light background.
func darken(c color.RGBA, y float64) color.RGBA {
	cur := (0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)) / 255
	if cur <= y {
		return c
	}
	f := y / cur
	s := func(v uint8) uint8 { return uint8(math.Round(float64(v) * f)) }
	return color.RGBA{s(c.R), s(c.G), s(c.B), 0xff}
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
	// 0.3: people misread digits bent further (a 4 for a 9, a 6 for an 8),
	// and the bend was never what stopped programs.
	ax, kx, fx := p.between(1.5, 3), k(80, 130), ph()
	axx, kxx, fxx := p.between(0.5, 1.5), k(60, 100), ph()
	ay, ky, fy := p.between(2.5, 5), k(100, 180), ph()
	ay2, ky2, fy2 := p.between(0.5, 1), k(35, 60), ph()
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

// stamp fills pen pn's disc centred on the pixel nearest (fx, fy) with
// colour index c; ink says whether it draws a digit or the strike-through,
// for the mask.
func (p *painter) stamp(pn *pen, fx, fy float64, c uint8, ink bool) {
	cx, cy := int(math.Floor(fx+0.5)), int(math.Floor(fy+0.5))
	if cx == pn.lastX && cy == pn.lastY {
		return
	}
	pn.lastX, pn.lastY = cx, cy
	m := p.m
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
		i0 := y*m.Stride + x0
		row := m.Pix[i0 : i0+x1-x0+1]
		for i := range row {
			row[i] = c
		}
		if p.mask != nil {
			for i := range row {
				p.mask[i0+i] = ink
			}
		}
	}
}

// disc fills a disc of radius r centred on (cx, cy) with colour index c.
// It is for one-off blobs; strokes use a pen.
func (p *painter) disc(cx, cy, r float64, c uint8) {
	p.stamp(newPen(r), cx, cy, c, false)
}

// digits writes each digit in its own stroke colour, with its own size,
// slant, rotation and offset. Neighbours are spaced to not touch: digits
// run together were what people misread most. The slant is mostly
// shared, as in handwriting.
func (p *painter) digits(digits []byte) {
	n := float64(len(digits))
	advance := p.between(33, 36) * 4 / max(n, 4)
	x := (Width-advance*(n-1))/2 + p.between(-3, 3)
	pn := newPen(p.between(2.0, 2.5))
	slant := p.between(-0.18, 0.18)
	colors := p.rng.Perm(nInks)
	for i, d := range digits {
		c := p.inks[colors[i%nInks]]
		w := p.between(19, 23)
		h := p.between(38, 46)
		rot := p.between(-0.12, 0.12)
		shear := slant + p.between(-0.06, 0.06)
		cx := x + p.between(-1.5, 1.5)
		cy := Height/2 + p.between(-4, 4)
		sin, cos := math.Sincos(rot)
		for _, pts := range glyphs[d] {
			pn.lift()
			for _, pt := range pts {
				lx := (pt.x - 0.5) * w
				ly := (pt.y - 0.5) * h
				lx -= shear * ly
				gx, gy := p.wave.apply(cx+lx*cos-ly*sin, cy+lx*sin+ly*cos)
				p.stamp(pn, gx, gy, c, true)
			}
		}
		x += advance
	}
}

// strikeThrough draws a curve across the whole picture through the digits'
// middle band, in one of the stroke colours and a little thinner than the
// digits' pen, so that colour does not tell it apart from the digits
// while a person still sees it pass over them.
func (p *painter) strikeThrough() {
	y0 := p.between(Height*0.38, Height*0.62)
	amp := p.between(5, 14)
	k := 2 * math.Pi / p.between(80, 160)
	ph := p.between(0, 2*math.Pi)
	slope := p.between(-0.12, 0.12)
	pn := newPen(p.between(1.3, 1.7))
	c := p.ink()
	for x := -8.0; x < Width+8; x += 0.5 {
		y := y0 + amp*math.Sin(x*k+ph) + slope*(x-Width/2)
		gx, gy := p.wave.apply(x, y)
		p.stamp(pn, gx, gy, c, true)
	}
}

// backgroundNoise scatters large soft blobs behind the digits, and a thin
// curve and broken strokes in the stroke colours: behind the digits, so
// that they do not hide the digits' shapes, but as dark as the digits.
func (p *painter) backgroundNoise() {
	for range 9 {
		p.disc(p.between(0, Width), p.between(0, Height), p.between(3, 8), p.softColor())
	}
	y0 := p.between(10, Height-10)
	amp := p.between(8, 20)
	k := 2 * math.Pi / p.between(60, 140)
	ph := p.between(0, 2*math.Pi)
	c := p.ink()
	pn := newPen(1.1)
	for x := 0.0; x < Width; x += 0.5 {
		p.stamp(pn, x, y0+amp*math.Sin(x*k+ph), c, false)
	}
	p.scribbles(14, 1.0, 1.5)
}

// scribbles draws n short curved strokes in the stroke colours, with a
// pen of radius between lo and hi: pieces that look like bits of digits,
// so that keeping the stroke colours keeps them too.
func (p *painter) scribbles(n int, lo, hi float64) {
	for range n {
		pn := newPen(p.between(lo, hi))
		c := p.ink()
		ax, ay := p.between(0, Width), p.between(0, Height)
		ang := p.between(0, 2*math.Pi)
		l := p.between(10, 22)
		bx, by := ax+l*math.Cos(ang), ay+l*math.Sin(ang)
		bend := p.between(-0.6, 0.6) * l
		qx, qy := (ax+bx)/2-bend*math.Sin(ang), (ay+by)/2+bend*math.Cos(ang)
		for t := 0.0; t <= 1; t += 0.5 / l {
			u := 1 - t
			x := u*u*ax + 2*u*t*qx + t*t*bx
			y := u*u*ay + 2*u*t*qy + t*t*by
			p.stamp(pn, x, y, c, false)
		}
	}
}

// foregroundNoise covers the picture with thin broken strokes, small
// blobs that bite into the strokes and single-pixel speckle, in the
// stroke and the soft colours alike.
func (p *painter) foregroundNoise() {
	p.scribbles(3, 0.7, 1.0)
	for range 14 {
		p.disc(p.between(0, Width), p.between(0, Height), p.between(1.2, 2.8), p.anyColor())
	}
	pix := p.m.Pix
	for range 600 {
		i := p.rng.IntN(len(pix))
		pix[i] = p.anyColor()
		if p.mask != nil {
			p.mask[i] = false
		}
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

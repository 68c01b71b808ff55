package picture

import "math"

// A point is a position in glyph space: the unit box, x to the right and
// y downwards, (0,0) at the top left of the digit.
type point struct{ x, y float64 }

// A stroke is one pen movement of a digit's skeleton, drawn later with a
// round pen. Strokes are described by their geometry here and flattened into
// dense point lists once, at package initialization.
type stroke interface {
	// at returns the stroke's position at t in [0,1].
	at(t float64) point
	// length returns the stroke's approximate length in glyph units.
	length() float64
}

type line struct{ a, b point }

func (l line) at(t float64) point {
	return point{l.a.x + (l.b.x-l.a.x)*t, l.a.y + (l.b.y-l.a.y)*t}
}

func (l line) length() float64 { return math.Hypot(l.b.x-l.a.x, l.b.y-l.a.y) }

// arc is part of an axis-aligned ellipse; angles are in degrees, 0 pointing
// right and 90 pointing down, and the pen moves from start to end.
type arc struct {
	c          point
	rx, ry     float64
	start, end float64
}

func (a arc) at(t float64) point {
	th := (a.start + (a.end-a.start)*t) * math.Pi / 180
	return point{a.c.x + a.rx*math.Cos(th), a.c.y + a.ry*math.Sin(th)}
}

func (a arc) length() float64 {
	// Ramanujan's perimeter approximation, scaled to the swept fraction.
	h := (a.rx - a.ry) * (a.rx - a.ry) / ((a.rx + a.ry) * (a.rx + a.ry))
	p := math.Pi * (a.rx + a.ry) * (1 + 3*h/(10+math.Sqrt(4-3*h)))
	return p * math.Abs(a.end-a.start) / 360
}

// quad is a quadratic Bézier curve from a to b pulled towards c.
type quad struct{ a, c, b point }

func (q quad) at(t float64) point {
	u := 1 - t
	return point{
		u*u*q.a.x + 2*u*t*q.c.x + t*t*q.b.x,
		u*u*q.a.y + 2*u*t*q.c.y + t*t*q.b.y,
	}
}

func (q quad) length() float64 {
	// The control polygon bounds the length; its mean with the chord is
	// close enough to choose a sampling density.
	chord := math.Hypot(q.b.x-q.a.x, q.b.y-q.a.y)
	poly := math.Hypot(q.c.x-q.a.x, q.c.y-q.a.y) + math.Hypot(q.b.x-q.c.x, q.b.y-q.c.y)
	return (chord + poly) / 2
}

// skeletons are the digits 0-9 as pen strokes in the unit box. They are
// drawn for this package: plain, legible shapes a person reads at once,
// which the per-digit transform and the picture's warp then disguise.
var skeletons = [10][]stroke{
	0: {arc{point{0.5, 0.5}, 0.4, 0.48, 0, 360}},
	// 1 has a short flag and a foot, so that no slant makes it a 7.
	1: {
		line{point{0.26, 0.24}, point{0.55, 0.02}},
		line{point{0.55, 0.02}, point{0.55, 0.98}},
		line{point{0.24, 0.98}, point{0.86, 0.98}},
	},
	2: {
		arc{point{0.5, 0.3}, 0.38, 0.28, 190, 400},
		line{point{0.79, 0.48}, point{0.1, 0.98}},
		line{point{0.1, 0.98}, point{0.92, 0.98}},
	},
	3: {
		arc{point{0.5, 0.27}, 0.36, 0.25, 200, 450},
		arc{point{0.5, 0.75}, 0.4, 0.23, 270, 520},
	},
	// 4 is open at the top, so that a bend cannot close it into a 9.
	4: {
		line{point{0.2, 0.02}, point{0.1, 0.64}},
		line{point{0.1, 0.64}, point{0.95, 0.64}},
		line{point{0.72, 0.02}, point{0.72, 0.98}},
	},
	5: {
		line{point{0.86, 0.02}, point{0.22, 0.02}},
		line{point{0.22, 0.02}, point{0.17, 0.47}},
		arc{point{0.5, 0.69}, 0.4, 0.29, 222, 520},
	},
	// 6's stem stays well clear of its loop, so that it is not an 8.
	6: {
		quad{point{0.82, 0.04}, point{0.18, 0.1}, point{0.13, 0.68}},
		arc{point{0.5, 0.72}, 0.37, 0.26, 180, 540},
	},
	// 7 has a bar across its stem, as written in much of Europe, so that
	// it is never a 1.
	7: {
		line{point{0.08, 0.02}, point{0.92, 0.02}},
		line{point{0.92, 0.02}, point{0.38, 0.98}},
		line{point{0.42, 0.52}, point{0.86, 0.52}},
	},
	8: {
		arc{point{0.5, 0.26}, 0.32, 0.24, 90, 450},
		arc{point{0.5, 0.74}, 0.4, 0.26, 270, 630},
	},
	// 9 is a round loop on a straight stem: not a 4, and not a 6
	// upside down.
	9: {
		arc{point{0.5, 0.29}, 0.37, 0.27, 0, 360},
		quad{point{0.87, 0.29}, point{0.86, 0.75}, point{0.74, 0.98}},
	},
}

// samplesPerUnit is how many points a stroke gets per glyph unit. Digits
// are drawn at most about 55 pixels tall, so this keeps neighbouring pen
// positions well under a pixel apart and the strokes gap-free.
const samplesPerUnit = 90

// glyphs holds every digit's strokes flattened into point lists.
var glyphs = func() (g [10][][]point) {
	for d, strokes := range skeletons {
		for _, s := range strokes {
			n := int(math.Ceil(s.length()*samplesPerUnit)) + 1
			pts := make([]point, n)
			for i := range pts {
				pts[i] = s.at(float64(i) / float64(n-1))
			}
			g[d] = append(g[d], pts)
		}
	}
	return g
}()

package picture

import (
	"encoding/binary"
	"image"
)

// jpegOrientation returns the EXIF Orientation (1 to 8) of the JPEG whose
// leading bytes are b, or 1 if it has none or it cannot be read. It walks the
// marker segments before the first frame and parses only the first IFD of an
// "Exif" APP1 segment; every offset is checked against the segment's length,
// so a hostile segment can only make it answer 1.
func jpegOrientation(b []byte) int {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(b) {
		if b[p] != 0xFF {
			return 1
		}
		marker := b[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			p += 2 // markers without a length
			continue
		}
		if marker == 0xDA || marker == 0xD9 || (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
			return 1 // start of scan, end of image or a frame: no EXIF came first
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return 1
		}
		seg := b[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation returns the Orientation tag of the first IFD of the TIFF
// structure t, or 0 if there is none or it is malformed.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 { // Orientation
			continue
		}
		// SHORT, count 1: the value sits in the first two bytes of the
		// value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}

// orient returns m turned as EXIF orientation o says, so that it displays
// upright without any metadata: 2 mirrors, 3 turns 180°, 4 flips, 5
// transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90° counter-
// clockwise. m's bounds must start at the origin.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// Source column and row of destination pixel (x, y), as
	// sx = ax·x + bx·y + cx and sy = ay·x + by·y + cy.
	var ax, bx, cx, ay, by, cy int
	switch o {
	case 2:
		ax, cx, by = -1, w-1, 1
	case 3:
		ax, cx, by, cy = -1, w-1, -1, h-1
	case 4:
		ax, by, cy = 1, -1, h-1
	case 5:
		bx, ay = 1, 1
	case 6:
		bx, ay, cy = 1, -1, h-1
	case 7:
		bx, cx, ay, cy = -1, w-1, -1, h-1
	case 8:
		bx, cx, ay = -1, w-1, 1
	}
	stepX := ay*m.Stride + 4*ax // source bytes per destination column
	stepY := by*m.Stride + 4*bx // and per destination row
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// In tiles, so that a turn, which reads the source down its columns,
	// stays within the cache.
	const tile = 32
	for ty := 0; ty < dh; ty += tile {
		for tx := 0; tx < dw; tx += tile {
			for y := ty; y < min(ty+tile, dh); y++ {
				s := cy*m.Stride + 4*cx + y*stepY + tx*stepX
				row := d.Pix[y*d.Stride+4*tx : y*d.Stride+4*min(tx+tile, dw)]
				for x := 0; x+4 <= len(row); x += 4 {
					binary.LittleEndian.PutUint32(row[x:], binary.LittleEndian.Uint32(m.Pix[s:]))
					s += stepX
				}
			}
		}
	}
	return d
}

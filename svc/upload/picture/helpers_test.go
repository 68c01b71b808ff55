package picture

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// gradient returns an opaque w × h picture with smooth colour changes and
// some texture, like a photograph as far as the encoders are concerned.
func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := m.PixOffset(x, y)
			m.Pix[i+0] = uint8(x * 255 / max(1, w-1))
			m.Pix[i+1] = uint8(y * 255 / max(1, h-1))
			m.Pix[i+2] = uint8((x*7 + y*13) % 256)
			m.Pix[i+3] = 0xff
		}
	}
	return m
}

// withAlpha returns an NRGBA picture whose left half is transparent.
func withAlpha(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(0xff)
			if x < w/2 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{R: 200, G: 30, B: 30, A: a})
		}
	}
	return m
}

func encJPEG(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encGIF encodes m with the Plan 9 palette; if transparent, palette entry 0
// is made transparent and the top-left quarter uses it.
func encGIF(t testing.TB, m image.Image, transparent bool, frames int) []byte {
	t.Helper()
	b := m.Bounds()
	pal := append(color.Palette(nil), palette.Plan9...)
	if transparent {
		pal[0] = color.NRGBA{}
	}
	g := &gif.GIF{}
	for f := 0; f < frames; f++ {
		p := image.NewPaletted(b, pal)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if transparent && x < b.Dx()/2 && y < b.Dy()/2 {
					p.SetColorIndex(x, y, 0)
					continue
				}
				p.SetColorIndex(x, y, uint8(1+p.Palette[1:].Index(m.At(x, y))))
			}
		}
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 10)
	}
	var out bytes.Buffer
	if err := gif.EncodeAll(&out, g); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withAPP1 inserts an APP1 segment carrying payload right after the SOI of
// the JPEG j, where cameras put their EXIF.
func withAPP1(j, payload []byte) []byte {
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

// ifdEntry is one 12-byte TIFF directory entry; value holds the four value
// bytes (inline value or offset), already in the file's byte order.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    [4]byte
}

// exifPayload builds an APP1 "Exif" payload with an IFD0 holding Make
// ("SECRETCAM"), Orientation o and a pointer to a GPS IFD with a latitude and
// a longitude, in byte order bo.
func exifPayload(o int, bo binary.ByteOrder) []byte {
	const (
		ifd0Off = 8
		ifd0Len = 2 + 3*12 + 4
		gpsOff  = ifd0Off + ifd0Len
		gpsLen  = 2 + 4*12 + 4
		dataOff = gpsOff + gpsLen
		makeOff = dataOff
		latOff  = makeOff + 10
		lonOff  = latOff + 24
	)
	u16 := func(v uint16) (b [4]byte) { bo.PutUint16(b[:], v); return }
	u32 := func(v uint32) (b [4]byte) { bo.PutUint32(b[:], v); return }
	ascii := func(s string) (b [4]byte) { copy(b[:], s); return }

	var t bytes.Buffer
	if bo == binary.LittleEndian {
		t.WriteString("II*\x00")
	} else {
		t.WriteString("MM\x00*")
	}
	binary.Write(&t, bo, uint32(ifd0Off))
	writeIFD := func(es []ifdEntry) {
		binary.Write(&t, bo, uint16(len(es)))
		for _, e := range es {
			binary.Write(&t, bo, e.tag)
			binary.Write(&t, bo, e.typ)
			binary.Write(&t, bo, e.count)
			t.Write(e.value[:])
		}
		binary.Write(&t, bo, uint32(0))
	}
	writeIFD([]ifdEntry{
		{0x010F, 2, 10, u32(makeOff)},  // Make
		{0x0112, 3, 1, u16(uint16(o))}, // Orientation
		{0x8825, 4, 1, u32(gpsOff)},    // GPSInfo
	})
	writeIFD([]ifdEntry{
		{0x0001, 2, 2, ascii("N")},  // GPSLatitudeRef
		{0x0002, 5, 3, u32(latOff)}, // GPSLatitude
		{0x0003, 2, 2, ascii("E")},  // GPSLongitudeRef
		{0x0004, 5, 3, u32(lonOff)}, // GPSLongitude
	})
	t.WriteString("SECRETCAM\x00")
	for _, v := range []uint32{51, 1, 30, 1, 4242, 100, 7, 1, 12, 1, 9999, 100} {
		binary.Write(&t, bo, v)
	}
	return append([]byte("Exif\x00\x00"), t.Bytes()...)
}

// pngChunk returns a PNG chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngHeader returns the start of a PNG claiming w × h pixels of the given
// bit depth and colour type, followed by a tiny IDAT: a bomb's header.
func pngHeader(w, h uint32, depth, colorType byte) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colorType
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1})...)
	return append(b, pngChunk("IEND", nil)...)
}

// insertPNGChunk inserts a chunk right after the IHDR of the PNG p.
func insertPNGChunk(p []byte, typ string, data []byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, pngChunk(typ, data)...)
	return append(out, p[afterIHDR:]...)
}

// jpegHeader returns a JPEG's SOI, a baseline SOF0 claiming w × h pixels and
// an SOS (where image/jpeg's DecodeConfig stops), then an EOI.
func jpegHeader(w, h uint16) []byte {
	sof := []byte{0xFF, 0xC0, 0, 17, 8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
	binary.BigEndian.PutUint16(sof[5:], h)
	binary.BigEndian.PutUint16(sof[7:], w)
	b := append([]byte{0xFF, 0xD8}, sof...)
	sos := []byte{0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0}
	b = append(b, sos...)
	return append(b, 0xFF, 0xD9)
}

// jpegMarkers lists the markers of the JPEG j up to its first scan.
func jpegMarkers(t *testing.T, j []byte) []byte {
	t.Helper()
	var ms []byte
	p := 2
	for p+4 <= len(j) {
		if j[p] != 0xFF {
			t.Fatalf("no marker at %d", p)
		}
		m := j[p+1]
		ms = append(ms, m)
		if m == 0xDA {
			return ms
		}
		p += 2 + int(binary.BigEndian.Uint16(j[p+2:]))
	}
	return ms
}

// pngChunks lists the chunk types of the PNG p.
func pngChunks(t *testing.T, p []byte) []string {
	t.Helper()
	var cs []string
	for i := 8; i+8 <= len(p); {
		n := int(binary.BigEndian.Uint32(p[i:]))
		cs = append(cs, string(p[i+4:i+8]))
		i += 12 + n
	}
	return cs
}

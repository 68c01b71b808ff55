package picture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"
)

const limit = 20 << 20

func process(t *testing.T, b []byte, kind Kind) Result {
	t.Helper()
	res, err := Process(bytes.NewReader(b), limit, kind)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return res
}

// decodeSize decodes a stored size with the decoder of its declared format,
// checking that the bytes are what Format says.
func decodeSize(t *testing.T, s Size) image.Image {
	t.Helper()
	var m image.Image
	var err error
	switch s.Format {
	case JPEG:
		m, err = jpeg.Decode(bytes.NewReader(s.Bytes))
	case PNG:
		m, err = png.Decode(bytes.NewReader(s.Bytes))
	default:
		t.Fatalf("size %s: output format %q", s.Name, s.Format)
	}
	if err != nil {
		t.Fatalf("size %s: decode %s: %v", s.Name, s.Format, err)
	}
	if b := m.Bounds(); b.Dx() != s.Width || b.Dy() != s.Height {
		t.Fatalf("size %s: says %d×%d, is %d×%d", s.Name, s.Width, s.Height, b.Dx(), b.Dy())
	}
	return m
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		source  Format
		out     Format
		w, h    int
		opaqueX int // a pixel column that must be opaque in every size
	}{
		{"jpeg", encJPEG(t, gradient(300, 200), 90), JPEG, JPEG, 300, 200, 0},
		{"png opaque", encPNG(t, gradient(300, 200)), PNG, JPEG, 300, 200, 0},
		{"png alpha", encPNG(t, withAlpha(300, 200)), PNG, PNG, 300, 200, 299},
		{"png gray16", encPNG(t, image.NewGray16(image.Rect(0, 0, 40, 30))), PNG, JPEG, 40, 30, 0},
		{"gif", encGIF(t, gradient(120, 80), false, 1), GIF, JPEG, 120, 80, 0},
		{"gif transparent", encGIF(t, gradient(120, 80), true, 1), GIF, PNG, 120, 80, 119},
		{"gif animated keeps first frame", encGIF(t, gradient(120, 80), false, 5), GIF, JPEG, 120, 80, 0},
		{"jpeg progressive", readTestdata(t, "progressive.jpg"), JPEG, JPEG, 96, 64, 0},
		{"jpeg cmyk", readTestdata(t, "cmyk.jpg"), JPEG, JPEG, 96, 64, 0},
		{"jpeg gray", readTestdata(t, "gray.jpg"), JPEG, JPEG, 96, 64, 0},
		{"webp lossy", readTestdata(t, "lossy.webp"), WebP, JPEG, 96, 64, 0},
		{"webp lossless", readTestdata(t, "lossless.webp"), WebP, JPEG, 96, 64, 0},
		{"webp alpha", readTestdata(t, "alpha.webp"), WebP, PNG, 96, 64, 48},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if f, err := Sniff(tt.in); err != nil || f != tt.source {
				t.Fatalf("Sniff = %q, %v; want %q", f, err, tt.source)
			}
			res := process(t, tt.in, Post)
			if res.Source != tt.source || res.Width != tt.w || res.Height != tt.h {
				t.Errorf("Result = %s %d×%d; want %s %d×%d", res.Source, res.Width, res.Height, tt.source, tt.w, tt.h)
			}
			if len(res.Sizes) != 3 {
				t.Fatalf("%d sizes, want 3", len(res.Sizes))
			}
			for i, s := range res.Sizes {
				if s.Name != sizeBounds[i].name {
					t.Errorf("size %d named %q, want %q", i, s.Name, sizeBounds[i].name)
				}
				if s.Format != tt.out {
					t.Errorf("size %s: format %s, want %s", s.Name, s.Format, tt.out)
				}
				f, err := Sniff(s.Bytes)
				if err != nil || f != tt.out {
					t.Errorf("size %s: bytes sniff as %q, %v; want %s", s.Name, f, err, tt.out)
				}
				m := decodeSize(t, s)
				b := m.Bounds()
				x := tt.opaqueX * s.Width / tt.w
				if _, _, _, a := m.At(b.Min.X+x, b.Min.Y+b.Dy()/2).RGBA(); a != 0xffff {
					t.Errorf("size %s: pixel (%d, mid) alpha %#x, want opaque", s.Name, x, a)
				}
				if tt.out == PNG {
					if _, _, _, a := m.At(b.Min.X, b.Min.Y).RGBA(); a != 0 {
						t.Errorf("size %s: top-left alpha %#x, want transparent", s.Name, a)
					}
				}
			}
		})
	}
}

func TestRefused(t *testing.T) {
	ftyp := func(brand string) []byte {
		b := []byte{0, 0, 0, 24, 'f', 't', 'y', 'p'}
		b = append(b, brand...)
		return append(b, "\x00\x00\x00\x00mif1heic"...)
	}
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00secret.txt")
	tests := []struct {
		name   string
		in     []byte
		reason Reason
		msg    string // a part of the message
	}{
		{"heic", ftyp("heic"), Unsupported, "HEIC"},
		{"heif mif1", ftyp("mif1"), Unsupported, "HEIC"},
		{"avif", ftyp("avif"), Unsupported, "AVIF"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), Unsupported, "SVG"},
		{"svg with prolog", []byte("\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg>\n<SVG onload=\"x()\">"), Unsupported, "SVG"},
		{"html", []byte("<!doctype html><p>hi"), Unsupported, "JPEG, PNG, GIF or WebP"},
		{"zip named .jpg", zip, Unsupported, "JPEG, PNG, GIF or WebP"},
		{"bmp", []byte("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00"), Unsupported, "not a picture"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), Unsupported, "not a picture"},
		{"empty", nil, Unreadable, "empty"},
		{"animated webp", readTestdata(t, "animated.webp"), Unreadable, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tt.in), limit, Post)
			checkRefused(t, err, tt.reason, tt.msg)
			if tt.reason == Unsupported {
				_, err := Sniff(tt.in)
				checkRefused(t, err, tt.reason, tt.msg)
			}
		})
	}
}

func checkRefused(t *testing.T, err error, reason Reason, msg string) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if pe.Reason != reason {
		t.Errorf("Reason = %d, want %d (%v)", pe.Reason, reason, err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("message %q does not mention %q", err, msg)
	}
	if reason == Unsupported && !strings.Contains(err.Error(), "JPEG, PNG, GIF or WebP") {
		t.Errorf("message %q does not say which formats work", err)
	}
}

func TestBombs(t *testing.T) {
	vp8x := func(w, h uint32) []byte {
		b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00")
		b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
		binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
		return b
	}
	gifScreen := func(w, h uint16) []byte {
		b := []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00;")
		binary.LittleEndian.PutUint16(b[6:], w)
		binary.LittleEndian.PutUint16(b[8:], h)
		return b
	}
	tests := []struct {
		name   string
		in     []byte
		reason Reason // TooManyPixels unless set
	}{
		{"png 30000×30000", pngHeader(30000, 30000, 8, 6), 0},
		// image/png refuses dimensions whose product overflows itself.
		{"png 2^31×2^31", pngHeader(1<<31-1, 1<<31-1, 8, 2), Unreadable},
		{"png 7100×7100 (50.4 MP)", pngHeader(7100, 7100, 8, 2), 0},
		{"png 20000×10 (too long a side)", pngHeader(20000, 10, 8, 2), 0},
		{"png 16-bit 6000×6000", pngHeader(6000, 6000, 16, 6), 0},
		{"jpeg 30000×30000", jpegHeader(30000, 30000), 0},
		{"jpeg 65535×65535 after EXIF", withAPP1(jpegHeader(65535, 65535), exifPayload(6, binary.BigEndian)), 0},
		{"gif 65535×65535", gifScreen(65535, 65535), 0},
		{"webp 16384×16384", vp8x(16384, 16384), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Process(bytes.NewReader(tt.in), limit, Post)
			runtime.ReadMemStats(&after)
			if tt.reason == 0 {
				checkRefused(t, err, TooManyPixels, "megapixels")
			} else {
				checkRefused(t, err, tt.reason, "")
			}
			// The decoded picture would take gigabytes; refusing it from
			// the header costs a few small buffers.
			n := after.TotalAlloc - before.TotalAlloc
			if n > 1<<20 {
				t.Errorf("refusing allocated %d bytes, want < 1 MiB", n)
			}
			t.Logf("refused after allocating %d bytes", n)
		})
	}
}

func TestWithinBoundsAccepted(t *testing.T) {
	// At exactly MaxSide a picture is accepted (and a 1-pixel-high strip
	// still has sizes at least 1 pixel high).
	m := image.NewGray(image.Rect(0, 0, MaxSide, 2))
	res := process(t, encPNG(t, m), Post)
	for _, s := range res.Sizes {
		if s.Height < 1 || s.Width != sizeBounds[indexOf(s.Name)].bound {
			t.Errorf("size %s: %d×%d", s.Name, s.Width, s.Height)
		}
	}
}

func indexOf(name string) int {
	for i, sb := range sizeBounds {
		if sb.name == name {
			return i
		}
	}
	return -1
}

func TestUnreadable(t *testing.T) {
	j := encJPEG(t, gradient(200, 150), 90)
	p := encPNG(t, gradient(200, 150))
	g := encGIF(t, gradient(200, 150), false, 1)
	w := readTestdata(t, "lossy.webp")

	corruptPNG := append([]byte{}, p...)
	corruptPNG[len(p)/2] ^= 0xff // IDAT's CRC no longer matches
	corruptJPEG := append([]byte{}, j...)
	// Wreck the first Huffman table.
	if k := bytes.Index(corruptJPEG, []byte{0xFF, 0xC4}); k > 0 {
		for i := k + 4; i < k+40; i++ {
			corruptJPEG[i] = 0xff
		}
	}
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"jpeg cut in the header", j[:300], "ends before its header"},
		{"jpeg cut in the data", j[:len(j)/2], "ends before its picture data"},
		{"jpeg cut before EOI", j[:len(j)-2], "ends before its picture data"},
		{"jpeg corrupt huffman table", corruptJPEG, "not valid JPEG"},
		{"png cut in the header", p[:20], "ends before its header"},
		{"png cut in the data", p[:len(p)/2], "ends before its picture data"},
		{"png corrupt", corruptPNG, "not valid PNG"},
		{"gif cut", g[:len(g)/2], "cannot be read"},
		{"webp cut", w[:len(w)-20], "cannot be read"},
		{"jpeg with too many scans", manyScans(j, 101), "more than 100 JPEG scans"},
		{"jpeg magic then zip", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, "PK\x03\x04 a zip archive follows"...), "cannot be read"},
		{"png magic then garbage", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0x42}, 100)...), "cannot be read"},
		{"webp header claims 0×0", []byte("RIFF\x12\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff"), "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tt.in), limit, Post)
			checkRefused(t, err, Unreadable, tt.msg)
			if !strings.HasPrefix(err.Error(), "this picture cannot be read: ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

// A polyglot that decodes as a picture (here a PNG or a JPEG with a ZIP
// appended) is accepted: its re-encoded sizes contain nothing of the ZIP.
func TestPolyglotReencoded(t *testing.T) {
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00 payload.html <script>alert(1)</script>")
	for _, in := range [][]byte{
		append(encPNG(t, gradient(64, 64)), zip...),
		append(encJPEG(t, gradient(64, 64), 90), zip...),
	} {
		res := process(t, in, Post)
		for _, s := range res.Sizes {
			if bytes.Contains(s.Bytes, []byte("PK\x03\x04")) || bytes.Contains(s.Bytes, []byte("<script")) {
				t.Errorf("size %s carries the appended archive", s.Name)
			}
		}
	}
}

func TestLimit(t *testing.T) {
	in := encPNG(t, gradient(64, 64))
	if _, err := Process(bytes.NewReader(in), int64(len(in)), Post); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	// The limit is hit while the decoder still needs bytes.
	_, err := Process(bytes.NewReader(in), int64(len(in)-1), Post)
	checkRefused(t, err, TooLarge, "larger than")
	// A header larger than the limit.
	_, err = Process(bytes.NewReader(in), 100, Post)
	checkRefused(t, err, TooLarge, "larger than 100 bytes")
}

type failingReader struct{ after []byte }

var errNetwork = errors.New("connection reset")

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.after) == 0 {
		return 0, errNetwork
	}
	n := copy(p, f.after)
	f.after = f.after[n:]
	return n, nil
}

// A failure of the reader is the service's problem, not the picture's: it
// must not come back as an *Error that would blame the upload.
func TestReaderError(t *testing.T) {
	in := encPNG(t, gradient(64, 64))
	for _, n := range []int{0, 100, len(in) / 2} {
		_, err := Process(&failingReader{after: in[:n]}, limit, Post)
		var pe *Error
		if !errors.Is(err, errNetwork) || errors.As(err, &pe) {
			t.Errorf("cut after %d bytes: err = %v (%T), want the reader's error", n, err, err)
		}
	}
}

func TestSizesBoundedAspectKept(t *testing.T) {
	tests := []struct {
		w, h int
		kind Kind
		want [3][2]int
	}{
		{3000, 1000, Post, [3][2]int{{2048, 683}, {1024, 341}, {320, 107}}},
		{1000, 3000, Post, [3][2]int{{683, 2048}, {341, 1024}, {107, 320}}},
		{1500, 1200, Post, [3][2]int{{1500, 1200}, {1024, 819}, {320, 256}}},
		{100, 50, Post, [3][2]int{{100, 50}, {100, 50}, {100, 50}}},
		{3000, 1000, Avatar, [3][2]int{{1000, 1000}, {1000, 1000}, {320, 320}}},
		{2500, 4000, Avatar, [3][2]int{{2048, 2048}, {1024, 1024}, {320, 320}}},
		{80, 60, Avatar, [3][2]int{{60, 60}, {60, 60}, {60, 60}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d×%d/%d", tt.w, tt.h, tt.kind), func(t *testing.T) {
			res := process(t, encJPEG(t, gradient(tt.w, tt.h), 80), tt.kind)
			for i, s := range res.Sizes {
				if got := [2]int{s.Width, s.Height}; got != tt.want[i] {
					t.Errorf("size %s = %v, want %v", s.Name, got, tt.want[i])
				}
				decodeSize(t, s)
			}
		})
	}
}

// An avatar is the centre square: a picture whose centre square is green
// and whose sides are red comes back green to its edges.
func TestAvatarCentreSquare(t *testing.T) {
	const w, h = 900, 500
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 0, 0, 255}
			if x >= (w-h)/2 && x < (w+h)/2 {
				c = color.RGBA{0, 200, 0, 255}
			}
			m.SetRGBA(x, y, c)
		}
	}
	res := process(t, encPNG(t, m), Avatar)
	for _, s := range res.Sizes {
		if s.Width != s.Height {
			t.Errorf("size %s is %d×%d, not square", s.Name, s.Width, s.Height)
		}
		d := decodeSize(t, s)
		for _, x := range []int{2, s.Width / 2, s.Width - 3} {
			r, g, _, _ := d.At(x, s.Height/2).RGBA()
			if r>>8 > 60 || g>>8 < 150 {
				t.Errorf("size %s: pixel %d is (%d, %d, …), want green", s.Name, x, r>>8, g>>8)
			}
		}
	}
}

// TestOrientation stores, for each EXIF orientation, the pixels a camera
// would write for one upright picture, and checks that every size shows
// that picture upright. The stored layouts are written out by hand from the
// EXIF specification, not computed with the code under test.
func TestOrientation(t *testing.T) {
	var (
		red   = color.RGBA{230, 20, 20, 255}
		green = color.RGBA{20, 200, 20, 255}
		blue  = color.RGBA{20, 20, 230, 255}
		white = color.RGBA{250, 250, 250, 255}
	)
	// Upright: 160×80, red top-left, green top-right, blue bottom-left,
	// white bottom-right. Each row: the stored picture's quadrants.
	stored := map[int][4]color.RGBA{ // TL, TR, BL, BR
		1: {red, green, blue, white},
		2: {green, red, white, blue},
		3: {white, blue, green, red},
		4: {blue, white, red, green},
		5: {red, blue, green, white},
		6: {green, white, red, blue},
		7: {white, green, blue, red},
		8: {blue, red, white, green},
	}
	const W, H = 160, 80
	for o := 1; o <= 8; o++ {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			q := stored[o]
			sw, sh := W, H
			if o >= 5 {
				sw, sh = H, W
			}
			m := image.NewRGBA(image.Rect(0, 0, sw, sh))
			for y := 0; y < sh; y++ {
				for x := 0; x < sw; x++ {
					i := 0
					if x >= sw/2 {
						i++
					}
					if y >= sh/2 {
						i += 2
					}
					m.SetRGBA(x, y, q[i])
				}
			}
			bo := binary.ByteOrder(binary.LittleEndian)
			if o%2 == 0 {
				bo = binary.BigEndian
			}
			in := withAPP1(encJPEG(t, m, 95), exifPayload(o, bo))
			if got := jpegOrientation(in); got != o {
				t.Fatalf("jpegOrientation = %d, want %d", got, o)
			}
			for _, kind := range []Kind{Post, Avatar} {
				res := process(t, in, kind)
				if res.Width != W || res.Height != H {
					t.Errorf("Result %d×%d, want %d×%d", res.Width, res.Height, W, H)
				}
				s := res.Sizes[0]
				d := decodeSize(t, s)
				if kind == Avatar {
					// The centre square of the upright picture: red and
					// green above, blue and white below, each a half.
					if s.Width != H || s.Height != H {
						t.Fatalf("avatar %d×%d", s.Width, s.Height)
					}
				} else if s.Width != W || s.Height != H {
					t.Fatalf("size %d×%d, want %d×%d", s.Width, s.Height, W, H)
				}
				for i, c := range []color.RGBA{red, green, blue, white} {
					x := s.Width/4 + (i%2)*s.Width/2
					y := s.Height/4 + (i/2)*s.Height/2
					if !near(d.At(x, y), c) {
						t.Errorf("kind %d: quadrant %d is %v, want %v", kind, i, d.At(x, y), c)
					}
				}
			}
		})
	}
}

func near(a color.Color, b color.RGBA) bool {
	r, g, bl, _ := a.RGBA()
	d := func(x uint32, y uint8) bool { return int(x>>8)-int(y) < 40 && int(y)-int(x>>8) < 40 }
	return d(r, b.R) && d(g, b.G) && d(bl, b.B)
}

// TestMetadataGone: a JPEG carrying EXIF with GPS and a PNG carrying text,
// EXIF and ICC chunks come back with none of it in any size.
func TestMetadataGone(t *testing.T) {
	exif := exifPayload(1, binary.LittleEndian)
	j := withAPP1(encJPEG(t, gradient(2500, 1800), 85), exif)
	j = withAPP1(j, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>SECRETCAM GPS 51.30</x:xmpmeta>"))
	// A COM segment too.
	com := append([]byte{0xFF, 0xFE, 0, 13}, "SECRETCAM!!"...)
	j = append(append(append([]byte{}, j[:2]...), com...), j[2:]...)

	p := encPNG(t, withAlpha(2500, 1800))
	p = insertPNGChunk(p, "tEXt", []byte("Comment\x00SECRETCAM"))
	p = insertPNGChunk(p, "eXIf", exif[6:])
	p = insertPNGChunk(p, "iCCP", []byte("SECRETCAM\x00\x00\x78\x9c\x03\x00\x00\x00\x00\x01"))

	for _, in := range []struct {
		name string
		b    []byte
	}{{"jpeg", j}, {"png", p}} {
		t.Run(in.name, func(t *testing.T) {
			if !bytes.Contains(in.b, []byte("SECRETCAM")) {
				t.Fatal("test input has no metadata")
			}
			res := process(t, in.b, Post)
			for _, s := range res.Sizes {
				for _, bad := range []string{"Exif", "SECRETCAM", "GPS", "xmpmeta", "II*\x00", "MM\x00*"} {
					if bytes.Contains(s.Bytes, []byte(bad)) {
						t.Errorf("size %s contains %q", s.Name, bad)
					}
				}
				switch s.Format {
				case JPEG:
					for _, m := range jpegMarkers(t, s.Bytes) {
						if m >= 0xE0 && m <= 0xEF || m == 0xFE {
							t.Errorf("size %s has an APP%d/COM segment (%#x)", s.Name, m-0xE0, m)
						}
					}
				case PNG:
					for _, c := range pngChunks(t, s.Bytes) {
						if c != "IHDR" && c != "IDAT" && c != "IEND" {
							t.Errorf("size %s has a %s chunk", s.Name, c)
						}
					}
				}
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"\xFF\xD8\xFF\xE0", JPEG},
		{"\x89PNG\r\n\x1a\n", PNG},
		{"GIF87a", GIF},
		{"GIF89a", GIF},
		{"RIFF\x00\x00\x00\x00WEBP", WebP},
		{"RIFF\x00\x00\x00\x00WAVE", ""},
		{"\xFF\xD8", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := Sniff([]byte(tt.in))
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("Sniff(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestJPEGOrientationMalformed(t *testing.T) {
	good := exifPayload(6, binary.BigEndian)
	tests := map[string][]byte{
		"no exif":          jpegHeader(10, 10),
		"short segment":    {0xFF, 0xD8, 0xFF, 0xE1, 0x00},
		"length past end":  {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f', 0, 0},
		"length under two": {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 'E', 'x', 'i', 'f', 0, 0},
		"ifd offset past":  withAPP1(jpegHeader(1, 1), append([]byte("Exif\x00\x00MM\x00*"), 0xff, 0xff, 0xff, 0xf0)),
		"huge entry count": withAPP1(jpegHeader(1, 1), append([]byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08"), 0xff, 0xff)),
		"wrong type":       withAPP1(jpegHeader(1, 1), bytes.Replace(good, []byte{0x01, 0x12, 0x00, 0x03}, []byte{0x01, 0x12, 0x00, 0x04}, 1)),
		"value 9":          withAPP1(jpegHeader(1, 1), bytes.Replace(good, []byte{0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6}, []byte{0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 9}, 1)),
		"after the frame":  append(jpegHeader(1, 1)[:21], withAPP1([]byte{0xFF, 0xD8}, good)[2:]...),
		"not exif":         withAPP1(jpegHeader(1, 1), append([]byte("Exig\x00\x00"), good[6:]...)),
	}
	for name, in := range tests {
		if got := jpegOrientation(in); got != 1 {
			t.Errorf("%s: jpegOrientation = %d, want 1", name, got)
		}
	}
	// The same payload, well formed, is read.
	if got := jpegOrientation(withAPP1(jpegHeader(1, 1), good)); got != 6 {
		t.Errorf("well formed: %d, want 6", got)
	}
}

// FuzzProcess checks that no input panics Process and that every refusal
// is an *Error (the inputs come from memory, so the reader never fails).
func FuzzProcess(f *testing.F) {
	f.Add(encJPEG(f, gradient(16, 16), 80))
	f.Add(withAPP1(encJPEG(f, gradient(16, 8), 80), exifPayload(6, binary.LittleEndian)))
	f.Add(encPNG(f, withAlpha(16, 16)))
	f.Add(encGIF(f, gradient(16, 16), true, 2))
	f.Add(readTestdata(f, "alpha.webp"))
	f.Add(pngHeader(30000, 30000, 8, 6))
	f.Fuzz(func(t *testing.T, in []byte) {
		res, err := Process(bytes.NewReader(in), 1<<20, Post)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %v (%T) is not an *Error", err, err)
			}
			return
		}
		if len(res.Sizes) != 3 {
			t.Fatalf("%d sizes", len(res.Sizes))
		}
	})
}

func FuzzJPEGOrientation(f *testing.F) {
	f.Add(withAPP1(jpegHeader(1, 1), exifPayload(3, binary.BigEndian)))
	f.Fuzz(func(t *testing.T, in []byte) {
		if o := jpegOrientation(in); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}

// A GIF's first frame may cover part of the logical screen: the frame is
// the picture. A frame reaching outside the screen is refused by image/gif.
func TestGIFFrameSmallerThanScreen(t *testing.T) {
	p := image.NewPaletted(image.Rect(10, 20, 110, 70), color.Palette{color.Black, color.White})
	var b bytes.Buffer
	g := &gif.GIF{Image: []*image.Paletted{p}, Delay: []int{0},
		Config: image.Config{Width: 300, Height: 200, ColorModel: p.Palette}}
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	res := process(t, b.Bytes(), Post)
	if res.Width != 100 || res.Height != 50 || res.Sizes[0].Width != 100 {
		t.Errorf("Result %d×%d, size %d×%d; want the 100×50 frame", res.Width, res.Height, res.Sizes[0].Width, res.Sizes[0].Height)
	}
}

// manyScans returns the JPEG j with its scan repeated until it has n.
func manyScans(j []byte, n int) []byte {
	k := bytes.Index(j, []byte{0xFF, 0xDA})
	scan := j[k : len(j)-2]
	out := append([]byte{}, j[:k]...)
	for range n {
		out = append(out, scan...)
	}
	return append(out, 0xFF, 0xD9)
}

func TestScansWithinLimit(t *testing.T) {
	// image/jpeg accepts repeated baseline scans; 100 are allowed.
	process(t, manyScans(encJPEG(t, gradient(64, 48), 80), 100), Post)
}

// The colours of progressive, CMYK (Adobe, inverted) and grayscale JPEGs
// come through: each file is a vertical gradient, red to blue or white to
// black.
func TestJPEGColourSpaces(t *testing.T) {
	for _, tt := range []struct {
		file        string
		top, bottom color.RGBA
	}{
		{"progressive.jpg", color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}},
		{"cmyk.jpg", color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}},
		{"gray.jpg", color.RGBA{255, 255, 255, 255}, color.RGBA{0, 0, 0, 255}},
	} {
		res := process(t, readTestdata(t, tt.file), Post)
		m := decodeSize(t, res.Sizes[0])
		if c := m.At(48, 1); !near(c, tt.top) {
			t.Errorf("%s: top %v, want about %v", tt.file, c, tt.top)
		}
		if c := m.At(48, 62); !near(c, tt.bottom) {
			t.Errorf("%s: bottom %v, want about %v", tt.file, c, tt.bottom)
		}
	}
}

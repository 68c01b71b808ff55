// Package picture turns an uploaded picture into the few re-encoded sizes
// Kin stores and serves.
//
// Nothing a user uploads is served as it came: the format is identified by
// content (magic bytes, never a name or a declared type), the dimensions are
// read from the header and bounded before any pixel is decoded, the JPEG EXIF
// orientation is applied, and every size is encoded afresh, which drops EXIF,
// GPS, ICC, comments, text chunks and anything appended to the file.
//
// Decisions:
//
//   - Accepted: JPEG, PNG, GIF and WebP (lossy, lossless and with alpha).
//     HEIC, AVIF and SVG are refused with a message naming the formats that
//     work; SVG because it can carry script.
//   - A GIF keeps its first frame only: an animation's later frames are not
//     read, so a many-frame GIF costs no more than a still one. Animated WebP
//     is not decodable by golang.org/x/image/webp and is refused as unreadable.
//   - Output is JPEG at quality 85 for opaque pictures and PNG for pictures
//     with any transparency (WebP encoding is not in golang.org/x/image, and
//     JPEG and PNG are read by every client).
//   - Bytes after a complete image (a PNG with trailing junk, a JPEG with a
//     ZIP appended) are not read: the re-encoded sizes cannot contain them, so
//     such a polyglot is harmless once processed and is accepted. A file that
//     does not decode (truncated, corrupt, a ZIP named .jpg) is refused.
//   - Only the JPEG EXIF orientation is honoured; PNG eXIf and WebP EXIF
//     chunks are dropped without being applied, as most clients do.
//   - Resizing is a Catmull-Rom filter widened by the shrink ratio, the
//     filter of golang.org/x/image/draw's CatmullRom, computed here in fixed
//     point on 8-bit rows, plane by plane for YCbCr (resize.go): it measures
//     as CatmullRom does on a zone plate, while x/image/draw's own took
//     0.6-0.9 s to shrink 12 MP to 2,048 px here against our 0.1 s, and its
//     ApproxBiLinear, 0.08 s, aliases 12 dB worse (BenchmarkResize).
//     The largest size is made from the decoded picture and each smaller one
//     from the size above it, which keeps one decoded picture in memory at a
//     time and costs little.
//   - Pictures are never enlarged: a size is the picture bounded to its long
//     side, so a small picture yields three sizes of the same dimensions.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// Format is a picture format that Sniff recognises.
type Format string

// The formats Kin accepts as input. JPEG and PNG are also the output formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
)

// ContentType returns the MIME type to serve a picture of format f with.
func (f Format) ContentType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case GIF:
		return "image/gif"
	case WebP:
		return "image/webp"
	}
	return "application/octet-stream"
}

// Kind says how a picture is cut into its sizes.
type Kind int

const (
	// Post is a picture of a post, a chat or a logo: each size keeps the
	// picture's aspect ratio.
	Post Kind = iota
	// Avatar is a person's picture: the largest centred square is cut out
	// before resizing, so every size is square.
	Avatar
)

// Limits on what Process accepts.
const (
	// MaxPixels bounds width × height of an accepted picture.
	MaxPixels = 50_000_000
	// MaxSide bounds the width and the height of an accepted picture, so
	// that a 50-megapixel strip cannot shrink to sizes zero pixels high.
	MaxSide = 16_384
	// maxDecodedBytes bounds the memory of the decoded picture; it is
	// MaxPixels at 4 bytes a pixel, so a 16-bit-per-channel PNG may have half
	// as many pixels.
	maxDecodedBytes = MaxPixels * 4
	// SniffLen is how many leading bytes Sniff needs to tell every format
	// apart, SVG included (an XML prolog and comments may precede <svg).
	SniffLen = 512
	// jpegQuality is the quality of the JPEG sizes: indistinguishable from
	// the source at viewing size, about a tenth of the bytes of quality 100.
	jpegQuality = 85
)

// The names of the sizes Process returns, largest first, and their bounds on
// the long side (the side of the square for an Avatar).
const (
	SizeOriginal = "original" // at most 2,048 px
	SizeLarge    = "large"    // at most 1,024 px
	SizeThumb    = "thumb"    // at most 320 px
)

var sizeBounds = []struct {
	name  string
	bound int
}{
	{SizeOriginal, 2048},
	{SizeLarge, 1024},
	{SizeThumb, 320},
}

// Size is one stored rendition of a picture.
type Size struct {
	// Name is SizeOriginal, SizeLarge or SizeThumb.
	Name string
	// Width and Height are the rendition's dimensions in pixels, after
	// orientation: the picture as it is meant to be seen.
	Width, Height int
	// Format is JPEG or PNG.
	Format Format
	// Bytes is the encoded rendition, free of any metadata of the upload.
	Bytes []byte
}

// Result is what Process made of a picture.
type Result struct {
	// Source is the format the picture was uploaded in.
	Source Format
	// Width and Height are the uploaded picture's dimensions after
	// orientation (before any crop or resize).
	Width, Height int
	// Sizes holds the renditions, largest first: SizeOriginal, SizeLarge,
	// SizeThumb.
	Sizes []Size
}

// Reason classifies why a picture was refused.
type Reason int

const (
	// Unsupported: the content is not one of the accepted formats (HEIC,
	// SVG, a ZIP, text, ...). A service answers 415 or 400.
	Unsupported Reason = iota + 1
	// TooManyPixels: the header claims more pixels or a longer side than the
	// limits allow. A service answers 400 (or 413).
	TooManyPixels
	// TooLarge: the upload has more bytes than the limit given to Process.
	// A service answers 413.
	TooLarge
	// Unreadable: the picture does not decode: truncated, corrupt, or not
	// the format its magic bytes claim. A service answers 400.
	Unreadable
)

// Error is the error Process and Sniff return for a picture they refuse. Its
// message is meant for the person who uploaded it and says what is wrong and,
// where it helps, what to do; a service maps Reason to a status and returns
// the message as it is. An error of the reader Process is given is not the
// picture's fault and is never an *Error.
type Error struct {
	// Reason says what is wrong, for choosing the status.
	Reason Reason
	msg    string
	err    error
}

// Error returns the message for the person who uploaded the picture.
func (e *Error) Error() string { return e.msg }

// Unwrap returns the decoder's error, if any, for logs.
func (e *Error) Unwrap() error { return e.err }

const accepted = "send a JPEG, PNG, GIF or WebP picture"

func refuse(r Reason, err error, format string, args ...any) *Error {
	return &Error{Reason: r, msg: fmt.Sprintf(format, args...), err: err}
}

func unreadable(err error, what string) *Error {
	return refuse(Unreadable, err, "this picture cannot be read: %s", what)
}

// Sniff identifies a picture's format from its first bytes (SniffLen of them,
// or the whole file if shorter), so that an upload service can refuse a
// wrong file before storing the rest of it. It returns an *Error with Reason
// Unsupported for anything but JPEG, PNG, GIF and WebP, with a message that
// names HEIC and SVG when it sees them.
func Sniff(header []byte) (Format, error) {
	h := header
	switch {
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return GIF, nil
	case len(h) >= 12 && string(h[:4]) == "RIFF" && string(h[8:12]) == "WEBP":
		return WebP, nil
	case isHEIF(h):
		return "", refuse(Unsupported, nil, "HEIC and AVIF pictures are not accepted: %s (on an iPhone, set Camera > Formats to Most Compatible, or export the picture as JPEG)", accepted)
	case isSVG(h):
		return "", refuse(Unsupported, nil, "SVG pictures are not accepted, because they can carry script: %s", accepted)
	}
	return "", refuse(Unsupported, nil, "this file is not a picture Kin can read: %s", accepted)
}

// isHEIF reports whether h starts an ISO BMFF file whose major brand is one
// of the HEIF family (HEIC, HEIF, AVIF).
func isHEIF(h []byte) bool {
	if len(h) < 12 || string(h[4:8]) != "ftyp" {
		return false
	}
	switch string(h[8:12]) {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis":
		return true
	}
	return false
}

// isSVG reports whether h looks like the start of an SVG document: after
// an optional byte-order mark and white space, an XML declaration, a comment,
// a doctype or the svg element itself, with "<svg" somewhere in the header.
func isSVG(h []byte) bool {
	t := bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF"))
	t = bytes.TrimLeft(t, " \t\r\n")
	if !bytes.HasPrefix(t, []byte("<")) {
		return false
	}
	return bytes.Contains(bytes.ToLower(t), []byte("<svg"))
}

// limitReader returns at most n bytes of r and then an *Error with Reason
// TooLarge if r has more; unlike io.LimitReader it tells a file of exactly
// n bytes from a longer one.
type limitReader struct {
	r     io.Reader
	n     int64 // bytes still allowed
	limit int64
	eof   bool  // r has reported io.EOF
	err   error // the first other error returned: r's, or TooLarge

	// JPEG start-of-scan markers seen (FF DA cannot occur in entropy-coded
	// data, where FF is always followed by 00 or a restart marker), and the
	// most allowed, or 0 for no check.
	sos, maxSOS int
	prevFF      bool
}

// maxScans bounds the scans of a JPEG. image/jpeg reworks the whole picture
// for each scan of a progressive JPEG, so a file of many tiny scans would
// cost minutes of CPU; encoders write at most a dozen or so.
const maxScans = 100

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err // sticky: image/jpeg drops an error that comes with data
	}
	n, err := l.read(p)
	for _, c := range p[:n] {
		if l.prevFF && c == 0xDA {
			l.sos++
		}
		l.prevFF = c == 0xFF
	}
	if l.maxSOS > 0 && l.sos > l.maxSOS && err == nil {
		err = unreadable(nil, fmt.Sprintf("it has more than %d JPEG scans", l.maxSOS))
	}
	return n, l.note(err)
}

func (l *limitReader) read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte: only an actual extra byte is too much.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			err = refuse(TooLarge, nil, "this picture is larger than %d bytes: send a smaller one", l.limit)
		}
		return 0, err
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func (l *limitReader) note(err error) error {
	if err == io.EOF {
		l.eof = true
	} else if err != nil && l.err == nil {
		l.err = err
	}
	return err
}

// recorder keeps a copy of the bytes read through it, so that the header
// image.DecodeConfig consumed can be replayed to the decoder and searched for
// EXIF, without holding the rest of the file.
type recorder struct {
	r   io.Reader
	buf bytes.Buffer
}

func (rec *recorder) Read(p []byte) (int, error) {
	n, err := rec.r.Read(p)
	rec.buf.Write(p[:n])
	return n, err
}

// Process reads a picture of at most limit bytes from r, checks it, and
// returns its sizes for kind, re-encoded. It reads no further than the end of
// the image data, so bytes appended after it are ignored. A picture it
// refuses yields an *Error (see Reason); an error reading r is returned
// wrapped, as it is not the picture's fault.
//
// Memory is bounded by the decoded picture (at most about 200 MB at
// MaxPixels) plus its largest size; callers should bound how many pictures
// are processed at once.
func Process(r io.Reader, limit int64, kind Kind) (Result, error) {
	lr := &limitReader{r: r, n: limit, limit: limit}
	rec := &recorder{r: lr}

	var head [SniffLen]byte
	n, _ := io.ReadFull(rec, head[:])
	if lr.err != nil {
		return Result{}, inputErr(lr.err, "read picture header")
	}
	if n == 0 {
		return Result{}, unreadable(nil, "the file is empty")
	}
	format, err := Sniff(head[:n])
	if err != nil {
		return Result{}, err
	}
	if format == JPEG {
		lr.maxSOS = maxScans
	}

	decodeConfig, decode := decoders(format)
	cfg, err := decodeConfig(bytes.NewReader(head[:n]))
	if err != nil && n == len(head) {
		// The header did not fit in the sniffed bytes (a JPEG's EXIF can
		// be 64 KiB): read on, recording what the decoder takes.
		cfg, err = decodeConfig(io.MultiReader(bytes.NewReader(head[:n]), rec))
	}
	if err != nil {
		return Result{}, decodeErr(err, lr, format, "its header")
	}
	if err := checkBounds(cfg); err != nil {
		return Result{}, err
	}

	orientation := 1
	if format == JPEG {
		orientation = jpegOrientation(rec.buf.Bytes())
	}

	// Replay what was read so far, then read the rest of the file.
	src, err := decode(io.MultiReader(bytes.NewReader(rec.buf.Bytes()), lr))
	rec.buf = bytes.Buffer{}
	if err != nil {
		return Result{}, decodeErr(err, lr, format, "its picture data")
	}
	if lr.err != nil { // an error the decoder did not pass on
		return Result{}, inputErr(lr.err, "read picture data")
	}
	// A GIF's first frame may cover only part of its logical screen; the
	// frame is the picture then. Any other mismatch is a corrupt file.
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if b := src.Bounds(); b.Empty() || !b.In(screen) || (format != GIF && b != screen) {
		return Result{}, unreadable(nil, "its picture data does not match its header")
	}
	return render(src, format, orientation, kind)
}

func inputErr(err error, doing string) error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// decodeErr tells a refused picture (the decoder's complaint) from an error
// of the reader underneath (a dropped connection, the size limit). atEOF says
// whether the whole file had been read when the decoder gave up: the
// decoders report a truncated file in many ways, "unexpected EOF" among them.
func decodeErr(err error, lr *limitReader, f Format, part string) error {
	// The decoders may wrap or replace their reader's error; lr remembers it.
	if lr.err != nil {
		return inputErr(lr.err, "read "+part)
	}
	atEOF := lr.eof
	if atEOF {
		return unreadable(err, fmt.Sprintf("the file ends before %s is complete (was the upload cut short?)", part))
	}
	return unreadable(err, fmt.Sprintf("%s is not valid %s", part, formatName(f)))
}

func formatName(f Format) string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case GIF:
		return "GIF"
	case WebP:
		return "WebP"
	}
	return string(f)
}

func decoders(f Format) (func(io.Reader) (image.Config, error), func(io.Reader) (image.Image, error)) {
	switch f {
	case JPEG:
		return jpeg.DecodeConfig, jpeg.Decode
	case PNG:
		return png.DecodeConfig, png.Decode
	case GIF:
		// gif.Decode reads the first frame and stops.
		return gif.DecodeConfig, gif.Decode
	default:
		return webp.DecodeConfig, webp.Decode
	}
}

// checkBounds refuses a picture whose header claims too many pixels, before
// anything is allocated for them.
func checkBounds(cfg image.Config) error {
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w <= 0 || h <= 0 {
		return unreadable(nil, "its header gives it no pixels")
	}
	if w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return refuse(TooManyPixels, nil, "this picture is %d × %d pixels; at most %d megapixels and %d pixels a side are accepted: send a smaller one", w, h, MaxPixels/1_000_000, MaxSide)
	}
	if w*h*bytesPerPixel(cfg.ColorModel) > maxDecodedBytes {
		return refuse(TooManyPixels, nil, "this picture is %d × %d pixels at 16 bits a channel; at most %d megapixels are accepted at that depth: send a smaller one", w, h, maxDecodedBytes/8/1_000_000)
	}
	return nil
}

func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	return 4
}

// render orients, crops and resizes src into the stored sizes. src is
// released as soon as the largest size exists.
func render(src image.Image, format Format, orientation int, kind Kind) (Result, error) {
	b := src.Bounds()
	res := Result{Source: format, Width: b.Dx(), Height: b.Dy()}
	if orientation >= 5 {
		res.Width, res.Height = res.Height, res.Width
	}
	out := JPEG
	if !isOpaque(src) {
		out = PNG
	}

	// Work in the source's own (unoriented) coordinates and orient only the
	// resized result: rotating 2,048 px is far cheaper than 12 megapixels.
	crop := b
	if kind == Avatar {
		crop = centreSquare(b)
	}
	// Every size is fitted from the oriented crop's dimensions, not from
	// the size above it, so that rounding does not accumulate.
	cw, ch := crop.Dx(), crop.Dy()
	if orientation >= 5 {
		cw, ch = ch, cw
	}
	w, h := fit(cw, ch, sizeBounds[0].bound)
	if orientation >= 5 {
		w, h = h, w
	}
	big := image.NewRGBA(image.Rect(0, 0, w, h))
	resize(big, src, crop)
	src = nil // the decoded picture may be collected from here on
	top := orient(big, orientation)
	big = nil

	// Each size is made from the one above it: as sharp (the one above is
	// at least twice as large) and cheaper than from the largest.
	for _, sb := range sizeBounds {
		tb := top.Bounds()
		img := top
		if w, h := fit(cw, ch, sb.bound); w != tb.Dx() || h != tb.Dy() {
			img = image.NewRGBA(image.Rect(0, 0, w, h))
			resize(img, top, tb)
		}
		top = img
		enc, err := encode(img, out)
		if err != nil {
			return Result{}, fmt.Errorf("encode %s size: %w", sb.name, err)
		}
		res.Sizes = append(res.Sizes, Size{Name: sb.name, Width: img.Rect.Dx(), Height: img.Rect.Dy(), Format: out, Bytes: enc})
	}
	return res, nil
}

// fit returns w × h scaled down, aspect kept, so that neither side exceeds
// bound; it never enlarges and never returns a side of zero.
func fit(w, h, bound int) (int, int) {
	if w <= bound && h <= bound {
		return w, h
	}
	if w >= h {
		return bound, max(1, (h*bound+w/2)/w)
	}
	return max(1, (w*bound+h/2)/h), bound
}

func centreSquare(b image.Rectangle) image.Rectangle {
	s := min(b.Dx(), b.Dy())
	x := b.Min.X + (b.Dx()-s)/2
	y := b.Min.Y + (b.Dy()-s)/2
	return image.Rect(x, y, x+s, y+s)
}

// isOpaque reports whether every pixel of m is fully opaque. Decoders return
// types whose Opaque method answers that, scanning only when the format can
// carry alpha.
func isOpaque(m image.Image) bool {
	if o, ok := m.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	_, _, _, a := m.At(m.Bounds().Min.X, m.Bounds().Min.Y).RGBA()
	if a != 0xffff {
		return false
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := m.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

func encode(m image.Image, f Format) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if f == PNG {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, m)
	} else {
		err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: jpegQuality})
	}
	return buf.Bytes(), err
}

// Package video checks uploaded videos before Kin serves them as they came.
//
// Kin does not transcode, so a video is accepted only after its container has been
// walked and found consistent: MP4 (ISO base media file format) or WebM (Matroska's
// web profile), every box or element inside its parent and the file, a video track,
// and dimensions and duration within [Limits]. The check reads only the container's
// structure through an [io.ReaderAt]: the media data (MP4's mdat, WebM's frames) is
// skipped by offset, so a 300 MiB upload costs a few kilobytes of reads, and a hard
// budget bounds what any file, however crafted, can make it read. (A WebM that
// states no duration has the few bytes before each frame that carry its timestamp
// read, since its length is known only from its last frame.)
//
// Reads are small and many (a few dozen for an MP4; for a WebM without a Duration
// element, one or two per frame), so a reader where each ReadAt is a request, such
// as an S3 object, should be wrapped in one that fetches ahead.
package video

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// Container names a video container format Kin accepts.
type Container string

// The containers Kin accepts.
const (
	MP4  Container = "mp4"  // ISO base media file format (.mp4, .m4v)
	WebM Container = "webm" // Matroska with DocType "webm"
)

// MIME returns the media type the container is served with.
func (c Container) MIME() string {
	switch c {
	case MP4:
		return "video/mp4"
	case WebM:
		return "video/webm"
	}
	return ""
}

// Info describes a video that passed [Check].
type Info struct {
	// Container is the file's format.
	Container Container
	// Width and Height are the first video track's size in pixels as the container
	// states it (MP4: the track header's presentation size; WebM: PixelWidth and
	// PixelHeight).
	Width, Height int
	// Duration is the presentation's length. For a WebM without a Duration element
	// (a live or MediaRecorder stream) it is the last frame's timestamp.
	Duration time.Duration
	// HasAudio reports whether the file also has an audio track.
	HasAudio bool
	// MIME is the Content-Type to serve the file with: "video/mp4" or "video/webm".
	MIME string
}

// Limits bound what [Check] accepts and how much work a file can cause. A zero
// field takes its value from [DefaultLimits].
type Limits struct {
	// MaxWidth and MaxHeight bound the video's size in either orientation: the
	// longer side may be at most the larger of the two and the shorter side at
	// most the smaller, so 3840×2160 also admits a 2160×3840 portrait video.
	MaxWidth, MaxHeight int
	// MaxDuration bounds the video's length.
	MaxDuration time.Duration
	// MaxHeaderBytes bounds the bytes read from the file in all: box and element
	// headers and the few payloads that are parsed, never media data.
	MaxHeaderBytes int64
	// MaxDepth bounds the nesting of boxes or elements.
	MaxDepth int
	// MaxElements bounds the number of boxes or elements visited.
	MaxElements int
}

// DefaultLimits returns the limits of issue 8: 4K (3840×2160, either orientation)
// and 10 minutes. The read budget of 4 MiB and the 200,000 elements cover a
// ten-minute WebM without a Duration element, whose frame headers (about 20 bytes
// each, some 100 a second with audio) must be walked to find its length; an MP4
// needs a few hundred bytes.
func DefaultLimits() Limits {
	return Limits{
		MaxWidth:       3840,
		MaxHeight:      2160,
		MaxDuration:    10 * time.Minute,
		MaxHeaderBytes: 4 << 20,
		MaxDepth:       16,
		MaxElements:    200_000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxWidth <= 0 {
		l.MaxWidth = d.MaxWidth
	}
	if l.MaxHeight <= 0 {
		l.MaxHeight = d.MaxHeight
	}
	if l.MaxDuration <= 0 {
		l.MaxDuration = d.MaxDuration
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	return l
}

// Error is a refusal: the file is not a video Kin accepts. It is the client's
// mistake, so the service answers it with 400 and the error's text, which says what
// is wrong and what works. Any other error from [Check] is a failure to read.
type Error struct {
	// Reason says what is wrong with the file, e.g. "it has no video track".
	Reason string
	// Limits are the limits the file was checked against, for the hint.
	Limits Limits
}

// Error returns the reason followed by what Kin accepts.
func (e *Error) Error() string {
	return "the video was refused: " + e.Reason + "; " + e.Hint()
}

// Hint says what Kin accepts, for a client to show.
func (e *Error) Hint() string {
	l := e.Limits.withDefaults()
	long, short := max(l.MaxWidth, l.MaxHeight), min(l.MaxWidth, l.MaxHeight)
	return fmt.Sprintf("upload an MP4 or WebM file with a video track, at most %d×%d pixels (either orientation) and %s long",
		long, short, humanDuration(l.MaxDuration))
}

func humanDuration(d time.Duration) string {
	switch {
	case d%time.Minute == 0 && d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d seconds", d/time.Second)
	}
	return d.String()
}

// Sniff reports which accepted container a file's first bytes announce: an MP4
// whose first box is ftyp with an accepted brand, or an EBML header whose DocType
// is webm. It is a quick look for routing and content types; only [Check] accepts a
// file. A header of 4 KiB is enough for any file Check accepts.
func Sniff(header []byte) (Container, bool) {
	s := newSource(bytes.NewReader(header), int64(len(header)), DefaultLimits())
	if len(header) >= 8 && string(header[4:8]) == "ftyp" {
		if _, err := s.mp4FileType(); err == nil {
			return MP4, true
		}
		return "", false
	}
	if len(header) >= 4 && string(header[:4]) == ebmlMagic {
		if _, err := s.ebmlHeader(); err == nil {
			return WebM, true
		}
	}
	return "", false
}

// Check walks the container of the video of size bytes that r holds and returns
// what it found. It returns an [*Error] when the file is not an MP4 or WebM with a
// consistent structure, a video track, and dimensions and duration within lim, and
// a wrapped read error when r fails. It reads at most lim.MaxHeaderBytes, never the
// media data, and allocates in proportion to what it reads, not to what the file
// claims.
func Check(r io.ReaderAt, size int64, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	s := newSource(r, size, lim)
	if size < 8 {
		return Info{}, s.refuse("it is too short to be a video")
	}
	head, err := s.read(0, 8)
	if err != nil {
		return Info{}, err
	}
	var info Info
	switch {
	case string(head[4:8]) == "ftyp":
		info, err = s.mp4()
	case string(head[:4]) == ebmlMagic:
		info, err = s.webm()
	default:
		return Info{}, s.refuse("it is not an MP4 or WebM file")
	}
	if err != nil {
		return Info{}, err
	}
	info.MIME = info.Container.MIME()
	if err := s.bound(info); err != nil {
		return Info{}, err
	}
	return info, nil
}

// bound checks what was read against the limits.
func (s *source) bound(info Info) error {
	if info.Width <= 0 || info.Height <= 0 {
		return s.refuse("its video track has no dimensions")
	}
	long, short := max(info.Width, info.Height), min(info.Width, info.Height)
	if long > max(s.lim.MaxWidth, s.lim.MaxHeight) || short > min(s.lim.MaxWidth, s.lim.MaxHeight) {
		return s.refuse(fmt.Sprintf("it is %d×%d pixels", info.Width, info.Height))
	}
	if info.Duration > s.lim.MaxDuration {
		return s.refuse(fmt.Sprintf("it is %s long", info.Duration.Round(time.Second)))
	}
	return nil
}

// source reads a file's structure within the limits.
type source struct {
	r      io.ReaderAt
	size   int64
	lim    Limits
	budget int64 // bytes left to read
	elems  int   // boxes or elements left to visit

	// scratch holds small reads, so that walking many headers does not allocate
	// for each; what read returns in it is valid until the next read.
	scratch [128]byte
}

func newSource(r io.ReaderAt, size int64, lim Limits) *source {
	lim = lim.withDefaults()
	return &source{r: r, size: size, lim: lim, budget: lim.MaxHeaderBytes, elems: lim.MaxElements}
}

func (s *source) refuse(reason string) error {
	return &Error{Reason: reason, Limits: s.lim}
}

// read returns n bytes at off, which must lie within the file and the read budget.
// A result of up to len(scratch) bytes is overwritten by the next read.
func (s *source) read(off int64, n int) ([]byte, error) {
	if n < 0 || off < 0 || off > s.size || int64(n) > s.size-off {
		return nil, s.refuse("it is truncated: a part runs past the end of the file")
	}
	if int64(n) > s.budget {
		return nil, s.refuse(fmt.Sprintf("its structure needs more than %d bytes of headers to read", s.lim.MaxHeaderBytes))
	}
	s.budget -= int64(n)
	var buf []byte
	if n <= len(s.scratch) {
		buf = s.scratch[:n]
	} else {
		buf = make([]byte, n)
	}
	got, err := s.r.ReadAt(buf, off)
	if got == n {
		return buf, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("read video at offset %d: %w", off, err)
}

// visit counts one box or element against the limits.
func (s *source) visit(depth int) error {
	if depth > s.lim.MaxDepth {
		return s.refuse(fmt.Sprintf("its boxes or elements nest deeper than %d", s.lim.MaxDepth))
	}
	s.elems--
	if s.elems < 0 {
		return s.refuse(fmt.Sprintf("it has more than %d boxes or elements", s.lim.MaxElements))
	}
	return nil
}

package video

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
	"testing"
)

// This file holds the tests' tiny writers of ISO BMFF boxes and EBML elements, and
// a ReaderAt that watches what Check reads.

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// bx is an MP4 box with a 32-bit size.
func bx(typ string, body ...[]byte) []byte {
	b := cat(body...)
	return cat(be32(uint32(8+len(b))), []byte(typ), b)
}

// bxLarge is an MP4 box with a 64-bit size.
func bxLarge(typ string, body ...[]byte) []byte {
	b := cat(body...)
	return cat(be32(1), []byte(typ), be64(uint64(16+len(b))), b)
}

// bxRaw is an MP4 box header with any size, followed by body.
func bxRaw(size uint32, typ string, body ...[]byte) []byte {
	return cat(be32(size), []byte(typ), cat(body...))
}

func ftyp(major string, compatible ...string) []byte {
	b := cat([]byte(major), be32(0x200))
	for _, c := range compatible {
		b = append(b, c...)
	}
	return bx("ftyp", b)
}

func mvhd(version byte, timescale uint32, duration uint64) []byte {
	var b []byte
	if version == 1 {
		b = cat([]byte{1, 0, 0, 0}, be64(0), be64(0), be32(timescale), be64(duration))
	} else {
		b = cat([]byte{version, 0, 0, 0}, be32(0), be32(0), be32(timescale), be32(uint32(duration)))
	}
	// rate, volume, reserved, matrix, pre_defined, next_track_ID
	return bx("mvhd", b, be32(0x00010000), be16(0x0100), make([]byte, 10), make([]byte, 36), make([]byte, 24), be32(2))
}

func tkhd(version byte, width, height uint32) []byte {
	var b []byte
	if version == 1 {
		b = cat([]byte{1, 0, 0, 7}, be64(0), be64(0), be32(1), be32(0), be64(0))
	} else {
		b = cat([]byte{version, 0, 0, 7}, be32(0), be32(0), be32(1), be32(0), be32(0))
	}
	return bx("tkhd", b, make([]byte, 8), make([]byte, 8), make([]byte, 36), be32(width<<16), be32(height<<16))
}

func mdhd() []byte {
	return bx("mdhd", []byte{0, 0, 0, 0}, be32(0), be32(0), be32(1000), be32(5000), be16(0x55c4), be16(0))
}

func hdlr(handler string) []byte {
	return bx("hdlr", []byte{0, 0, 0, 0}, be32(0), []byte(handler), make([]byte, 12), []byte("handler\x00"))
}

func trak(handler string, width, height uint32) []byte {
	return bx("trak", tkhd(0, width, height), bx("mdia", mdhd(), hdlr(handler), bx("minf", bx("stbl", bx("stsd", be32(0), be32(0))))))
}

// trun is a track run with the given flags, sample count and per-sample fields.
func trun(flags uint32, count uint32, fields ...uint32) []byte {
	b := cat([]byte{0}, be32(flags)[1:], be32(count))
	for _, f := range fields {
		b = append(b, be32(f)...)
	}
	return bx("trun", b)
}

// fragmented is an MP4 whose moov states no duration, with one fragment of track 1
// holding boxes after its tfhd, whose default sample duration is 100 (of 1000 a
// second, the track's mdhd timescale).
func fragmented(boxes ...[]byte) []byte { return fragmentedTrack(1, boxes...) }

func fragmentedTrack(id uint32, boxes ...[]byte) []byte {
	tfhd := bx("tfhd", []byte{0, 0x02, 0, 0x08}, be32(id), be32(100))
	return cat(ftyp("iso6", "iso6", "dash"),
		bx("moov", mvhd(0, 1000, 0), trak("vide", 640, 360), bx("mvex", bx("trex", be32(0), be32(1), be32(1), be32(40), be32(0), be32(0)))),
		bx("moof", bx("mfhd", be32(0), be32(1)), bx("traf", tfhd, cat(boxes...))), bx("mdat", make([]byte, 8)))
}

// mp4File is a small valid MP4: 1280×720, 5 s, a video and an audio track.
func mp4File() []byte {
	return cat(ftyp("isom", "isom", "mp41"),
		bx("moov", mvhd(0, 1000, 5000), trak("vide", 1280, 720), trak("soun", 0, 0)),
		bx("mdat", make([]byte, 100)))
}

// ebmlID is an element ID as the specification writes it, marker included.
func ebmlID(id uint32) []byte {
	switch {
	case id > 0xFFFFFF:
		return be32(id)
	case id > 0xFFFF:
		return be32(id)[1:]
	case id > 0xFF:
		return be16(uint16(id))
	}
	return []byte{byte(id)}
}

// ebmlSize is the shortest vint for n.
func ebmlSize(n uint64) []byte {
	for l := 1; l <= 8; l++ {
		if n < 1<<(7*l)-1 {
			b := be64(n | 1<<(7*l))
			return b[8-l:]
		}
	}
	panic("size too large")
}

// unknownSize is the 8-byte vint for "unknown".
var unknownSize = []byte{0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func el(id uint32, body ...[]byte) []byte {
	b := cat(body...)
	return cat(ebmlID(id), ebmlSize(uint64(len(b))), b)
}

func elUnknown(id uint32, body ...[]byte) []byte {
	return cat(ebmlID(id), unknownSize, cat(body...))
}

func elUint(id uint32, v uint64) []byte {
	b := be64(v)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return el(id, b)
}

func elFloat(id uint32, f float64) []byte { return el(id, be64(math.Float64bits(f))) }

func ebmlHead(docType string) []byte {
	return el(idEBML, elUint(0x4286, 1), elUint(idEBMLReadVersion, 1), elUint(idEBMLMaxIDLength, 4),
		elUint(idEBMLMaxSizeLength, 8), el(idDocType, []byte(docType)), elUint(0x4287, 4), elUint(idDocTypeReadVersion, 2))
}

func webmInfo(ms float64) []byte {
	return el(idInfo, elUint(idTimecodeScale, 1_000_000), el(0x4D80, []byte("kin test")), elFloat(idDuration, ms))
}

func trackEl(number, kind uint64, width, height uint64) []byte {
	parts := [][]byte{elUint(0xD7, number), elUint(idTrackType, kind)}
	if kind == 1 {
		parts = append(parts, el(0x86, []byte("V_VP9")), el(idVideo, elUint(idPixelWidth, width), elUint(idPixelHeight, height)))
	} else {
		parts = append(parts, el(0x86, []byte("A_OPUS")), el(0xE1, elFloat(0xB5, 48000)))
	}
	return el(idTrackEntry, parts...)
}

// simpleBlock is a keyframe of track 1 at rel ms after its cluster.
func simpleBlock(rel int16) []byte {
	return el(idSimpleBlock, []byte{0x81}, be16(uint16(rel)), []byte{0x80}, make([]byte, 20))
}

func webmCluster(timecode uint64, rels ...int16) []byte {
	parts := [][]byte{elUint(idTimecode, timecode)}
	for _, r := range rels {
		parts = append(parts, simpleBlock(r))
	}
	return el(idCluster, parts...)
}

// webmFile is a small valid WebM: 1280×720, 5 s, a video and an audio track.
func webmFile() []byte {
	return cat(ebmlHead("webm"), el(idSegment,
		webmInfo(5000),
		el(idTracks, trackEl(1, 1, 1280, 720), trackEl(2, 2, 0, 0)),
		webmCluster(0, 0, 40, 80)))
}

// watcher is a ReaderAt over data that records what is read and fails the test
// on any read outside the file.
type watcher struct {
	t    testing.TB
	data io.ReaderAt
	size int64

	mu      sync.Mutex
	reads   int
	total   int64
	maxRead int
	ranges  [][2]int64 // every read, as [start, end)
}

func watch(t testing.TB, data []byte) *watcher {
	return watchAt(t, bytes.NewReader(data), int64(len(data)))
}

func watchAt(t testing.TB, r io.ReaderAt, size int64) *watcher {
	return &watcher{t: t, data: r, size: size}
}

func (w *watcher) ReadAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	w.reads++
	w.total += int64(len(p))
	w.maxRead = max(w.maxRead, len(p))
	w.ranges = append(w.ranges, [2]int64{off, off + int64(len(p))})
	w.mu.Unlock()
	if off < 0 || off+int64(len(p)) > w.size {
		w.t.Errorf("read of %d bytes at %d, outside the file of %d bytes", len(p), off, w.size)
	}
	return w.data.ReadAt(p, off)
}

// zeros is a ReaderAt of n zero bytes, which allocates nothing.
type zeros int64

func (z zeros) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(z) {
		return 0, io.EOF
	}
	n := min(int64(len(p)), int64(z)-off)
	clear(p[:n])
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// joined is a ReaderAt over several ReaderAts one after another.
type joined struct {
	parts []io.ReaderAt
	sizes []int64
}

func join(parts ...any) *joined {
	j := &joined{}
	for _, p := range parts {
		switch p := p.(type) {
		case []byte:
			j.parts, j.sizes = append(j.parts, bytes.NewReader(p)), append(j.sizes, int64(len(p)))
		case zeros:
			j.parts, j.sizes = append(j.parts, p), append(j.sizes, int64(p))
		default:
			panic(fmt.Sprintf("join: %T", p))
		}
	}
	return j
}

func (j *joined) size() (n int64) {
	for _, s := range j.sizes {
		n += s
	}
	return n
}

func (j *joined) ReadAt(p []byte, off int64) (int, error) {
	done := 0
	for i, r := range j.parts {
		if len(p) == 0 {
			break
		}
		if off >= j.sizes[i] {
			off -= j.sizes[i]
			continue
		}
		n := min(int64(len(p)), j.sizes[i]-off)
		if _, err := r.ReadAt(p[:n], off); err != nil && err != io.EOF {
			return done, err
		}
		done += int(n)
		p = p[n:]
		off = 0
	}
	if len(p) > 0 {
		return done, io.EOF
	}
	return done, nil
}

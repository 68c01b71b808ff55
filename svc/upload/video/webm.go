package video

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// ebmlMagic is the ID of the EBML header that starts every Matroska file.
const ebmlMagic = "\x1a\x45\xdf\xa3"

// Matroska element IDs, with their length marker as the specification writes them.
const (
	idEBML               = 0x1A45DFA3
	idEBMLReadVersion    = 0x42F7
	idEBMLMaxIDLength    = 0x42F2
	idEBMLMaxSizeLength  = 0x42F3
	idDocType            = 0x4282
	idDocTypeReadVersion = 0x4285
	idSegment            = 0x18538067
	idSeekHead           = 0x114D9B74
	idInfo               = 0x1549A966
	idTimecodeScale      = 0x2AD7B1
	idDuration           = 0x4489
	idTracks             = 0x1654AE6B
	idTrackEntry         = 0xAE
	idTrackType          = 0x83
	idVideo              = 0xE0
	idPixelWidth         = 0xB0
	idPixelHeight        = 0xBA
	idCluster            = 0x1F43B675
	idTimecode           = 0xE7
	idSimpleBlock        = 0xA3
	idBlockGroup         = 0xA0
	idBlock              = 0xA1
	idCues               = 0x1C53BB6B
	idChapters           = 0x1043A770
	idTags               = 0x1254C367
	idAttachments        = 0x1941A469
	idVoid               = 0xEC
	idCRC32              = 0xBF
)

// segmentLevel are the IDs that may follow a cluster of unknown size and so end it.
var segmentLevel = map[uint32]bool{
	idSeekHead: true, idInfo: true, idTracks: true, idCluster: true, idCues: true,
	idChapters: true, idTags: true, idAttachments: true, idEBML: true, idSegment: true,
}

// clusterLevel are the children a cluster of unknown size may have.
var clusterLevel = map[uint32]bool{
	idTimecode: true, 0x5854: true, 0xA7: true, 0xAB: true, idSimpleBlock: true,
	idBlockGroup: true, 0xAF: true, idVoid: true, idCRC32: true,
}

// maxDocType bounds the DocType string; the ones we know are a few bytes.
const maxDocType = 32

// elem is one EBML element and where its header and payload lie.
type elem struct {
	id        uint32
	off, body int64
	end       int64 // first byte after the element; the parent's end if unknown
	unknown   bool  // the size is "unknown": the element ends where its parent's next child begins
}

// element reads the element header at off within a parent ending at end.
func (s *source) element(off, end int64, depth int) (elem, error) {
	if err := s.visit(depth); err != nil {
		return elem{}, err
	}
	if end-off < 2 {
		return elem{}, s.refuse(fmt.Sprintf("an element header at offset %d runs past its parent", off))
	}
	h, err := s.read(off, int(min(12, end-off)))
	if err != nil {
		return elem{}, err
	}
	idLen := bits.LeadingZeros8(h[0]) + 1
	if idLen > 4 {
		return elem{}, s.refuse(fmt.Sprintf("an element at offset %d has an invalid ID", off))
	}
	if idLen >= len(h) {
		return elem{}, s.refuse(fmt.Sprintf("an element header at offset %d runs past its parent", off))
	}
	var id uint32
	for _, c := range h[:idLen] {
		id = id<<8 | uint32(c)
	}
	sizeLen := bits.LeadingZeros8(h[idLen]) + 1
	if sizeLen > 8 {
		return elem{}, s.refuse(fmt.Sprintf("element %X at offset %d has an invalid size", id, off))
	}
	if idLen+sizeLen > len(h) {
		return elem{}, s.refuse(fmt.Sprintf("element %X at offset %d has a size that runs past its parent", id, off))
	}
	size := uint64(h[idLen] & (0xff >> sizeLen))
	for _, c := range h[idLen+1 : idLen+sizeLen] {
		size = size<<8 | uint64(c)
	}
	e := elem{id: id, off: off, body: off + int64(idLen+sizeLen)}
	if size == 1<<(7*sizeLen)-1 {
		e.unknown, e.end = true, end
		return e, nil
	}
	if size > uint64(end-e.body) {
		return elem{}, s.refuse(fmt.Sprintf("element %X at offset %d claims %d bytes, past the end of its parent", id, off, size))
	}
	e.end = e.body + int64(size)
	return e, nil
}

// children calls fn for each child of the element of known size between start and
// end. A child of unknown size is refused unless fn resolves it: fn returns the
// offset where the child ends, or 0 to take the child's stated end.
func (s *source) children(start, end int64, depth int, fn func(e elem) (int64, error)) error {
	for off := start; off < end; {
		e, err := s.element(off, end, depth)
		if err != nil {
			return err
		}
		next, err := fn(e)
		if err != nil {
			return err
		}
		switch {
		case next > off:
			off = next
		case e.unknown:
			return s.refuse(fmt.Sprintf("element %X at offset %d has an unknown size, which only a segment or cluster may have", e.id, e.off))
		default:
			off = e.end
		}
	}
	return nil
}

// uintValue reads an unsigned integer element.
func (s *source) uintValue(e elem) (uint64, error) {
	n := e.end - e.body
	if e.unknown || n > 8 {
		return 0, s.refuse(fmt.Sprintf("element %X at offset %d is not a valid integer", e.id, e.off))
	}
	p, err := s.read(e.body, int(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range p {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// floatValue reads a float element of 0, 4 or 8 bytes.
func (s *source) floatValue(e elem) (float64, error) {
	n := e.end - e.body
	if e.unknown || (n != 0 && n != 4 && n != 8) {
		return 0, s.refuse(fmt.Sprintf("element %X at offset %d is not a valid float", e.id, e.off))
	}
	p, err := s.read(e.body, int(n))
	if err != nil {
		return 0, err
	}
	switch n {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	}
	return 0, nil
}

// ebmlHeader checks the EBML header at the start of the file: DocType webm,
// readable by an EBML version 1 reader, with IDs and sizes Matroska allows.
func (s *source) ebmlHeader() (elem, error) {
	h, err := s.element(0, s.size, 0)
	if err != nil {
		return elem{}, err
	}
	if h.id != idEBML || h.unknown {
		return elem{}, s.refuse("it is not a WebM file: it has no EBML header")
	}
	docType := ""
	err = s.children(h.body, h.end, 1, func(e elem) (int64, error) {
		switch e.id {
		case idDocType:
			if e.unknown || e.end-e.body > maxDocType {
				return 0, s.refuse("its DocType is malformed")
			}
			p, err := s.read(e.body, int(e.end-e.body))
			if err != nil {
				return 0, err
			}
			// Strings may be padded with zero bytes.
			for len(p) > 0 && p[len(p)-1] == 0 {
				p = p[:len(p)-1]
			}
			docType = string(p)
		case idEBMLReadVersion, idEBMLMaxIDLength, idEBMLMaxSizeLength, idDocTypeReadVersion:
			v, err := s.uintValue(e)
			if err != nil {
				return 0, err
			}
			limit := map[uint32]uint64{idEBMLReadVersion: 1, idEBMLMaxIDLength: 4, idEBMLMaxSizeLength: 8, idDocTypeReadVersion: 4}[e.id]
			if v > limit {
				return 0, s.refuse(fmt.Sprintf("its EBML header asks for a reader this check is not (element %X is %d)", e.id, v))
			}
		}
		return 0, nil
	})
	if err != nil {
		return elem{}, err
	}
	if docType != "webm" {
		return elem{}, s.refuse(fmt.Sprintf("it is Matroska with DocType %q, not WebM", docType))
	}
	return h, nil
}

// webmTrack is what one TrackEntry says.
type webmTrack struct {
	kind          uint64
	width, height uint64
}

// webm checks a WebM file.
func (s *source) webm() (Info, error) {
	h, err := s.ebmlHeader()
	if err != nil {
		return Info{}, err
	}
	var (
		segments, infos, trackLists, clusters int
		scale                                 uint64 = 1_000_000 // TimecodeScale's default: ms
		duration                              float64
		hasDuration                           bool
		tracks                                []webmTrack
		last                                  uint64 // the latest frame timestamp, in TimecodeScale units
	)
	segment := func(seg elem) error {
		return s.children(seg.body, seg.end, 1, func(e elem) (int64, error) {
			switch e.id {
			case idInfo:
				infos++
				if infos > 1 {
					return 0, s.refuse("it has more than one Info element")
				}
				return 0, s.children(e.body, e.end, 2, func(c elem) (int64, error) {
					var err error
					switch c.id {
					case idTimecodeScale:
						scale, err = s.uintValue(c)
						if err == nil && scale == 0 {
							err = s.refuse("its TimecodeScale is 0")
						}
					case idDuration:
						duration, err = s.floatValue(c)
						hasDuration = true
					}
					return 0, err
				})
			case idTracks:
				trackLists++
				if trackLists > 1 {
					return 0, s.refuse("it has more than one Tracks element")
				}
				return 0, s.children(e.body, e.end, 2, func(c elem) (int64, error) {
					if c.id != idTrackEntry {
						return 0, nil
					}
					t, err := s.trackEntry(c)
					tracks = append(tracks, t)
					return 0, err
				})
			case idCluster:
				clusters++
				if e.unknown || !hasDuration {
					// Frames are walked only when they must be: to find the end of
					// a cluster of unknown size or a duration the file does not state.
					return s.cluster(e, &last)
				}
			}
			return 0, nil
		})
	}
	err = s.children(h.end, s.size, 0, func(e elem) (int64, error) {
		switch e.id {
		case idSegment:
			segments++
			if segments > 1 {
				return 0, s.refuse("it has more than one Segment")
			}
			if err := segment(e); err != nil {
				return 0, err
			}
			return e.end, nil
		case idEBML:
			return 0, s.refuse("it has a second EBML header")
		}
		return 0, nil
	})
	if err != nil {
		return Info{}, err
	}
	switch {
	case segments == 0:
		return Info{}, s.refuse("it has no Segment")
	case infos == 0:
		return Info{}, s.refuse("it has no Info element")
	case trackLists == 0:
		return Info{}, s.refuse("it has no Tracks element")
	case clusters == 0:
		return Info{}, s.refuse("it has no frames (no Cluster element)")
	}
	info := Info{Container: WebM}
	video := false
	for _, t := range tracks {
		switch t.kind {
		case 1:
			w, h := clampInt(t.width), clampInt(t.height)
			if !video {
				info.Width, info.Height, video = w, h, true
			} else if err := s.bound(Info{Width: w, Height: h}); err != nil {
				return Info{}, err
			}
		case 2:
			info.HasAudio = true
		}
	}
	if !video {
		return Info{}, s.refuse("it has no video track")
	}
	ns := float64(last) * float64(scale)
	if hasDuration {
		if math.IsNaN(duration) || duration < 0 {
			return Info{}, s.refuse("its Duration is not a valid number")
		}
		ns = duration * float64(scale)
	}
	if ns > float64(s.lim.MaxDuration) {
		return Info{}, s.refuse(fmt.Sprintf("it is longer than %s", humanDuration(s.lim.MaxDuration)))
	}
	info.Duration = time.Duration(ns)
	return info, nil
}

// clampInt converts a stated dimension to an int that bound can refuse.
func clampInt(v uint64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(v)
}

// trackEntry reads a TrackEntry's type and, for video, its pixel size.
func (s *source) trackEntry(t elem) (webmTrack, error) {
	var w webmTrack
	err := s.children(t.body, t.end, 3, func(c elem) (int64, error) {
		var err error
		switch c.id {
		case idTrackType:
			w.kind, err = s.uintValue(c)
		case idVideo:
			err = s.children(c.body, c.end, 4, func(v elem) (int64, error) {
				var err error
				switch v.id {
				case idPixelWidth:
					w.width, err = s.uintValue(v)
				case idPixelHeight:
					w.height, err = s.uintValue(v)
				}
				return 0, err
			})
		}
		return 0, err
	})
	return w, err
}

// cluster walks a cluster's children, raising *last to the latest frame timestamp,
// and returns where the cluster ends: its stated end, or for a cluster of unknown
// size the first element that cannot be its child.
func (s *source) cluster(c elem, last *uint64) (int64, error) {
	var base uint64
	off := c.body
	for off < c.end {
		e, err := s.element(off, c.end, 2)
		if err != nil {
			return 0, err
		}
		if c.unknown && !clusterLevel[e.id] {
			if segmentLevel[e.id] {
				s.elems++ // counted again as the segment's child
				return off, nil
			}
			return 0, s.refuse(fmt.Sprintf("element %X at offset %d cannot follow a cluster of unknown size", e.id, off))
		}
		if e.unknown {
			return 0, s.refuse(fmt.Sprintf("element %X at offset %d has an unknown size inside a cluster", e.id, off))
		}
		switch e.id {
		case idTimecode:
			if base, err = s.uintValue(e); err != nil {
				return 0, err
			}
		case idSimpleBlock:
			if err := s.blockTime(e, base, last); err != nil {
				return 0, err
			}
		case idBlockGroup:
			err := s.children(e.body, e.end, 3, func(b elem) (int64, error) {
				if b.id == idBlock {
					return 0, s.blockTime(b, base, last)
				}
				return 0, nil
			})
			if err != nil {
				return 0, err
			}
		}
		off = e.end
	}
	return c.end, nil
}

// blockTime reads a block's timestamp, relative to its cluster's, from the track
// number and 16-bit offset that start it.
func (s *source) blockTime(b elem, base uint64, last *uint64) error {
	n := b.end - b.body
	p, err := s.read(b.body, int(min(n, 10)))
	if err != nil {
		return err
	}
	l := 0
	if len(p) > 0 {
		l = bits.LeadingZeros8(p[0]) + 1
	}
	if len(p) == 0 || l > 8 || l+2 > len(p) {
		return s.refuse(fmt.Sprintf("a block at offset %d is malformed", b.off))
	}
	rel := int64(int16(binary.BigEndian.Uint16(p[l:])))
	t := int64(base) + rel
	if base > math.MaxInt64/2 {
		t = math.MaxInt64 / 2 // absurd, and refused as too long
	}
	if t > 0 && uint64(t) > *last {
		*last = uint64(t)
	}
	return nil
}

package video

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// mp4Brands are the ftyp brands of MP4 files browsers play. QuickTime ("qt  ") and
// 3GPP are not among them: served as uploaded, they would not play everywhere.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "mp71": true,
	"avc1": true, "av01": true, "hvc1": true, "M4V ": true, "M4VH": true, "M4VP": true,
	"dash": true, "msdh": true, "msix": true, "cmfc": true, "cmf2": true, "mmp4": true,
}

// mp4Containers are the boxes whose payload is nothing but boxes, walked so that
// every size is checked within its parent.
var mp4Containers = map[string]bool{
	"moov": true, "trak": true, "mdia": true, "minf": true, "stbl": true, "edts": true,
	"dinf": true, "mvex": true, "moof": true, "traf": true, "mfra": true, "udta": true,
}

// maxFtyp bounds the ftyp box; real ones list a handful of brands.
const maxFtyp = 1024

// box is one ISO BMFF box: its type and where its header and payload lie.
type box struct {
	typ       string
	off, body int64 // start of the box and of its payload
	end       int64 // first byte after the box
}

// boxes calls fn for each box between start and end, checking every size against
// the parent and the file; depth 0 is the top level.
func (s *source) boxes(start, end int64, depth int, fn func(b box) error) error {
	for off := start; off < end; {
		if err := s.visit(depth); err != nil {
			return err
		}
		if end-off < 8 {
			return s.refuse(fmt.Sprintf("a box header at offset %d runs past its parent", off))
		}
		h, err := s.read(off, 8)
		if err != nil {
			return err
		}
		size := int64(binary.BigEndian.Uint32(h))
		b := box{typ: string(h[4:8]), off: off, body: off + 8}
		if !boxType(h[4:8]) {
			return s.refuse(fmt.Sprintf("a box at offset %d has no valid type", off))
		}
		switch size {
		case 0:
			// Size 0 means "to the end of the file", which only a top-level box
			// can mean.
			if depth != 0 {
				return s.refuse(fmt.Sprintf("box %q at offset %d has size 0 inside another box", b.typ, off))
			}
			size = end - off
		case 1:
			if end-off < 16 {
				return s.refuse(fmt.Sprintf("box %q at offset %d has a 64-bit size that runs past its parent", b.typ, off))
			}
			l, err := s.read(off+8, 8)
			if err != nil {
				return err
			}
			large := binary.BigEndian.Uint64(l)
			if large < 16 {
				return s.refuse(fmt.Sprintf("box %q at offset %d has a 64-bit size smaller than its header", b.typ, off))
			}
			if large > uint64(end-off) {
				return s.refuse(fmt.Sprintf("box %q at offset %d claims %d bytes, past the end of its parent", b.typ, off, large))
			}
			size = int64(large)
			b.body += 8
		default:
			if size < 8 {
				return s.refuse(fmt.Sprintf("box %q at offset %d has size %d, smaller than its header", b.typ, off, size))
			}
		}
		if size > end-off {
			return s.refuse(fmt.Sprintf("box %q at offset %d claims %d bytes, past the end of its parent", b.typ, off, size))
		}
		b.end = off + size
		if b.typ == "uuid" {
			b.body += 16
			if b.body > b.end {
				return s.refuse(fmt.Sprintf("uuid box at offset %d is shorter than its identifier", off))
			}
		}
		if mp4Containers[b.typ] {
			// Walk every container, known to us or not, so that every size is
			// checked; fn sees the box before its children.
			if err := fn(b); err != nil {
				return err
			}
			if err := s.boxes(b.body, b.end, depth+1, fn); err != nil {
				return err
			}
		} else if err := fn(b); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

// boxType reports whether t is a plausible box type: printable ASCII, or © as
// QuickTime metadata uses.
func boxType(t []byte) bool {
	for _, c := range t {
		if (c < 0x20 || c > 0x7e) && c != 0xa9 {
			return false
		}
	}
	return true
}

// payload reads up to n bytes of b's payload, refusing it when shorter than min.
func (s *source) payload(b box, min, n int) ([]byte, error) {
	have := b.end - b.body
	if have < int64(min) {
		return nil, s.refuse(fmt.Sprintf("box %q at offset %d is too short", b.typ, b.off))
	}
	if int64(n) > have {
		n = int(have)
	}
	return s.read(b.body, n)
}

// mp4FileType checks the first box: ftyp with an accepted brand.
func (s *source) mp4FileType() (box, error) {
	var ftyp box
	err := s.boxes(0, s.size, 0, func(b box) error {
		ftyp = b
		return errStop
	})
	if err != errStop {
		return box{}, err
	}
	if ftyp.typ != "ftyp" {
		return box{}, s.refuse("it is not an MP4 file: its first box is not ftyp")
	}
	if ftyp.end-ftyp.body > maxFtyp || (ftyp.end-ftyp.body)%4 != 0 {
		return box{}, s.refuse("its ftyp box is malformed")
	}
	p, err := s.payload(ftyp, 8, maxFtyp)
	if err != nil {
		return box{}, err
	}
	if mp4Brands[string(p[:4])] {
		return ftyp, nil
	}
	for i := 8; i+4 <= len(p); i += 4 {
		if mp4Brands[string(p[i:i+4])] {
			return ftyp, nil
		}
	}
	return box{}, s.refuse(fmt.Sprintf("its brand %q is not an MP4 brand browsers play", p[:4]))
}

// errStop ends a walk early; it never leaves the package.
var errStop = fmt.Errorf("stop")

// mp4Track is what one trak says.
type mp4Track struct {
	handler       string
	width, height int
	tkhd, hdlr    int    // how many of each were seen
	id            uint32 // track_ID, which fragments refer to
	timescale     uint32 // the media's time unit (mdhd), for fragments' durations
	end           uint64 // where the track's fragments end, in timescale units
}

// mp4Fragment is what the traf being walked says.
type mp4Fragment struct {
	track *mp4Track
	dur   uint32 // default sample duration
	at    uint64 // the next sample's decode time
}

// addSat adds without overflowing: a sum that would is absurd anyway and refused as
// too long.
func addSat(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// mp4 checks an ISO BMFF file.
func (s *source) mp4() (Info, error) {
	if _, err := s.mp4FileType(); err != nil {
		return Info{}, err
	}
	// The whole file is walked from the start so that the top level is checked
	// end to end; mdat and every other leaf are skipped by their size.
	var (
		first              = true
		moov, mvhd, mdat   int
		mehd               bool
		timescale          uint32
		duration, fragment uint64
		tracks             []*mp4Track
		cur                *mp4Track
		trex               = map[uint32]uint32{} // track_ID → default sample duration
		byID               = map[uint32]*mp4Track{}
		frag               mp4Fragment
		fragments          bool
		trakEnd            int64
		parents            []box
	)
	err := s.boxes(0, s.size, 0, func(b box) error {
		for len(parents) > 0 && b.off >= parents[len(parents)-1].end {
			parents = parents[:len(parents)-1]
		}
		parent := ""
		if len(parents) > 0 {
			parent = parents[len(parents)-1].typ
		}
		if mp4Containers[b.typ] {
			defer func() { parents = append(parents, b) }()
		}
		if cur != nil && b.off >= trakEnd {
			cur = nil
		}
		if first {
			first = false
			return nil // ftyp, checked above
		}
		switch {
		case b.typ == "ftyp" && parent == "":
			return s.refuse("it has more than one ftyp box")
		case b.typ == "mdat" && parent == "":
			mdat++
		case b.typ == "moov" && parent == "":
			moov++
			if moov > 1 {
				return s.refuse("it has more than one moov box")
			}
		case b.typ == "mvhd" && parent == "moov":
			mvhd++
			if mvhd > 1 {
				return s.refuse("it has more than one mvhd box")
			}
			p, err := s.payload(b, 4, 32)
			if err != nil {
				return err
			}
			switch p[0] {
			case 0:
				if len(p) < 20 {
					return s.refuse("its mvhd box is too short")
				}
				timescale = binary.BigEndian.Uint32(p[12:])
				duration = uint64(binary.BigEndian.Uint32(p[16:]))
				if duration == math.MaxUint32 {
					duration = 0 // unknown
				}
			case 1:
				if len(p) < 32 {
					return s.refuse("its mvhd box is too short")
				}
				timescale = binary.BigEndian.Uint32(p[20:])
				duration = binary.BigEndian.Uint64(p[24:])
				if duration == math.MaxUint64 {
					duration = 0
				}
			default:
				return s.refuse(fmt.Sprintf("its mvhd box has unknown version %d", p[0]))
			}
			if timescale == 0 {
				return s.refuse("its mvhd box has a timescale of 0")
			}
		case b.typ == "mehd" && parent == "mvex":
			p, err := s.payload(b, 8, 12)
			if err != nil {
				return err
			}
			mehd = true
			if p[0] == 1 {
				if len(p) < 12 {
					return s.refuse("its mehd box is too short")
				}
				fragment = binary.BigEndian.Uint64(p[4:])
			} else {
				fragment = uint64(binary.BigEndian.Uint32(p[4:]))
			}
		case b.typ == "trak" && parent == "moov":
			cur = &mp4Track{}
			trakEnd = b.end
			tracks = append(tracks, cur)
		case b.typ == "tkhd" && parent == "trak" && cur != nil:
			cur.tkhd++
			p, err := s.payload(b, 84, 96)
			if err != nil {
				return err
			}
			var at int
			switch p[0] {
			case 0:
				at = 4 + 20 + 8 + 8 + 36
			case 1:
				at = 4 + 32 + 8 + 8 + 36
				if len(p) < 96 {
					return s.refuse("its tkhd box is too short")
				}
			default:
				return s.refuse(fmt.Sprintf("its tkhd box has unknown version %d", p[0]))
			}
			cur.width = int(binary.BigEndian.Uint32(p[at:]) >> 16)
			cur.height = int(binary.BigEndian.Uint32(p[at+4:]) >> 16)
			cur.id = binary.BigEndian.Uint32(p[12+8*int(p[0]):])
			if byID[cur.id] == nil {
				byID[cur.id] = cur
			}
		case b.typ == "mdhd" && parent == "mdia" && cur != nil:
			p, err := s.payload(b, 16, 24)
			if err != nil {
				return err
			}
			if p[0] == 1 && len(p) < 24 {
				return s.refuse("its mdhd box is too short")
			}
			cur.timescale = binary.BigEndian.Uint32(p[12+8*int(p[0]&1):])
			if cur.timescale == 0 {
				return s.refuse("its mdhd box has a timescale of 0")
			}
		case b.typ == "trex" && parent == "mvex":
			p, err := s.payload(b, 24, 24)
			if err != nil {
				return err
			}
			trex[binary.BigEndian.Uint32(p[4:])] = binary.BigEndian.Uint32(p[12:])
		case b.typ == "traf" && parent == "moof":
			frag = mp4Fragment{}
		case b.typ == "tfhd" && parent == "traf":
			p, err := s.payload(b, 8, 40)
			if err != nil {
				return err
			}
			flags := uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
			id := binary.BigEndian.Uint32(p[4:])
			// A map, not a scan of the tracks: a file may have many of both.
			frag = mp4Fragment{track: byID[id]}
			if frag.track == nil {
				return s.refuse(fmt.Sprintf("a fragment refers to track %d, which the moov box does not describe", id))
			}
			frag.dur, frag.at = trex[id], frag.track.end
			at := 8
			if flags&0x1 != 0 {
				at += 8
			}
			if flags&0x2 != 0 {
				at += 4
			}
			if flags&0x8 != 0 {
				if len(p) < at+4 {
					return s.refuse("its tfhd box is too short")
				}
				frag.dur = binary.BigEndian.Uint32(p[at:])
			}
		case b.typ == "tfdt" && parent == "traf":
			p, err := s.payload(b, 8, 12)
			if err != nil {
				return err
			}
			if p[0] == 1 {
				if len(p) < 12 {
					return s.refuse("its tfdt box is too short")
				}
				frag.at = binary.BigEndian.Uint64(p[4:])
			} else {
				frag.at = uint64(binary.BigEndian.Uint32(p[4:]))
			}
		case b.typ == "trun" && parent == "traf":
			if frag.track == nil {
				return s.refuse("a fragment has a trun box before its tfhd box")
			}
			fragments = true
			return s.trun(b, &frag)
		case b.typ == "hdlr" && parent == "mdia" && cur != nil:
			cur.hdlr++
			p, err := s.payload(b, 12, 12)
			if err != nil {
				return err
			}
			cur.handler = string(p[8:12])
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	switch {
	case moov == 0:
		return Info{}, s.refuse("it has no moov box, so it cannot be played")
	case mvhd == 0:
		return Info{}, s.refuse("its moov box has no mvhd box")
	case mdat == 0:
		return Info{}, s.refuse("it has no media data (mdat box)")
	}
	info := Info{Container: MP4}
	video := false
	for _, t := range tracks {
		if t.tkhd != 1 || t.hdlr != 1 {
			return Info{}, s.refuse("a track lacks its tkhd or hdlr box, or has two")
		}
		switch t.handler {
		case "vide":
			if !video {
				info.Width, info.Height = t.width, t.height
				video = true
			} else if err := s.bound(Info{Width: t.width, Height: t.height}); err != nil {
				return Info{}, err
			}
		case "soun":
			info.HasAudio = true
		}
	}
	if !video {
		return Info{}, s.refuse("it has no video track")
	}
	if duration == 0 && mehd {
		duration = fragment
	}
	d, ok := scaled(duration, uint64(timescale))
	if duration == 0 && fragments {
		// A fragmented file written as it was recorded states no duration
		// anywhere: it is where the last fragment of the longest track ends.
		for _, t := range tracks {
			if t.timescale == 0 {
				continue
			}
			td, tok := scaled(t.end, uint64(t.timescale))
			ok = ok && tok
			d = max(d, td)
		}
	}
	if d == 0 && ok {
		return Info{}, s.refuse("its duration is zero or not stated")
	}
	if !ok || d > s.lim.MaxDuration {
		return Info{}, s.refuse(fmt.Sprintf("it is longer than %s", humanDuration(s.lim.MaxDuration)))
	}
	info.Duration = d
	return info, nil
}

// trun adds the durations of a track fragment run's samples to the fragment's
// time and the track's end. Per-sample durations are read in chunks within the
// read budget; the run's stated sample count must fit in its box.
func (s *source) trun(b box, f *mp4Fragment) error {
	p, err := s.payload(b, 8, 8)
	if err != nil {
		return err
	}
	flags := uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	count := uint64(binary.BigEndian.Uint32(p[4:]))
	at := b.body + 8
	if flags&0x1 != 0 { // data_offset
		at += 4
	}
	if flags&0x4 != 0 { // first_sample_flags
		at += 4
	}
	entry := uint64(4 * bits.OnesCount32(flags&0xF00))
	if at > b.end || count*entry > uint64(b.end-at) {
		return s.refuse(fmt.Sprintf("trun box at offset %d claims more samples than it holds", b.off))
	}
	if flags&0x100 == 0 { // every sample lasts the default duration
		f.at = addSat(f.at, count*uint64(f.dur))
	} else {
		const chunk = 256
		for done := uint64(0); done < count; {
			n := min(count-done, chunk)
			q, err := s.read(at+int64(done*entry), int(n*entry))
			if err != nil {
				return err
			}
			for i := uint64(0); i < n; i++ {
				f.at = addSat(f.at, uint64(binary.BigEndian.Uint32(q[i*entry:])))
			}
			done += n
		}
	}
	f.track.end = max(f.track.end, f.at)
	return nil
}

// scaled converts units of 1/timescale seconds to a Duration, reporting false when
// it would overflow.
func scaled(units, timescale uint64) (time.Duration, bool) {
	secs := units / timescale
	if secs > uint64(math.MaxInt64/int64(time.Second))-1 {
		return 0, false
	}
	rest := units % timescale
	// rest < timescale < 2^32, so rest*1e9 fits in 64 bits.
	return time.Duration(secs)*time.Second + time.Duration(rest*uint64(time.Second)/timescale), true
}

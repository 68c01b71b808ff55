package video

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckAccepts(t *testing.T) {
	portrait := cat(ftyp("mp42"), bx("moov", mvhd(1, 90000, 90000*3), trak("vide", 2160, 3840)), bx("mdat"))
	tests := []struct {
		name string
		file []byte
		lim  Limits
		want Info
	}{
		{"built mp4", mp4File(), Limits{}, Info{MP4, 1280, 720, 5 * time.Second, true, "video/mp4"}},
		{"built webm", webmFile(), Limits{}, Info{WebM, 1280, 720, 5 * time.Second, true, "video/webm"}},
		{"mp4 portrait 4K, mvhd version 1", portrait, Limits{}, Info{MP4, 2160, 3840, 3 * time.Second, false, "video/mp4"}},
		{"mp4 moov after mdat, mdat of size 0 to the end", cat(ftyp("isom"), bx("moov", mvhd(0, 600, 600*61), trak("vide", 640, 480)), bxRaw(0, "mdat", make([]byte, 50))),
			Limits{}, Info{MP4, 640, 480, 61 * time.Second, false, "video/mp4"}},
		{"mp4 moov after a 64-bit mdat", cat(ftyp("avc1"), bx("free"), bxLarge("mdat", make([]byte, 9)), bx("moov", mvhd(0, 1000, 1500), trak("vide", 3840, 2160))),
			Limits{}, Info{MP4, 3840, 2160, 1500 * time.Millisecond, false, "video/mp4"}},
		{"mp4 with an uncommon major brand and a compatible one", cat(ftyp("XAVC", "XAVC", "mp42"), bx("moov", mvhd(0, 1000, 1000), bx("udta", bx("\xa9too", []byte("x"))), trak("vide", 10, 10)), bx("mdat")),
			Limits{}, Info{MP4, 10, 10, time.Second, false, "video/mp4"}},
		{"fragmented mp4 with mehd", cat(ftyp("iso6", "iso6", "dash"), bx("moov", mvhd(0, 1000, 0), trak("vide", 640, 360), bx("mvex", bx("mehd", be32(0), be32(2500)))), bx("moof", bx("mfhd", be32(0), be32(1))), bx("mdat", make([]byte, 8))),
			Limits{}, Info{MP4, 640, 360, 2500 * time.Millisecond, false, "video/mp4"}},
		{"webm with unknown-size segment and cluster, no Duration", cat(ebmlHead("webm"), elUnknown(idSegment,
			el(idInfo, elUint(idTimecodeScale, 1_000_000)),
			el(idTracks, trackEl(1, 1, 640, 480)),
			elUnknown(idCluster, elUint(idTimecode, 0), simpleBlock(0), simpleBlock(33)),
			elUnknown(idCluster, elUint(idTimecode, 66), simpleBlock(0), simpleBlock(34)),
			el(idCues))), Limits{}, Info{WebM, 640, 480, 100 * time.Millisecond, false, "video/webm"}},
		{"webm with a BlockGroup and a longer scale", cat(ebmlHead("webm"), el(idSegment,
			el(idInfo, elUint(idTimecodeScale, 10_000_000)),
			el(idTracks, trackEl(1, 1, 100, 100)),
			el(idCluster, elUint(idTimecode, 100), el(idBlockGroup, el(idBlock, []byte{0x81}, be16(50), []byte{0}, []byte("frame")), elUint(0x9B, 10))))),
			Limits{}, Info{WebM, 100, 100, 1500 * time.Millisecond, false, "video/webm"}},
		{"smaller limits still admit what fits", mp4File(), Limits{MaxWidth: 1280, MaxHeight: 720, MaxDuration: 5 * time.Second}, Info{MP4, 1280, 720, 5 * time.Second, true, "video/mp4"}},
		{"ffmpeg mp4, faststart", readTestdata(t, "testsrc.mp4"), Limits{}, Info{MP4, 320, 240, time.Second, true, "video/mp4"}},
		{"ffmpeg mp4, moov last, portrait", readTestdata(t, "testsrc-moovlast.mp4"), Limits{}, Info{MP4, 240, 320, time.Second, false, "video/mp4"}},
		{"ffmpeg fragmented mp4", readTestdata(t, "testsrc-fragmented.mp4"), Limits{}, Info{MP4, 320, 240, 2 * time.Second, false, "video/mp4"}},
		{"fragmented mp4 without a duration", fragmented(trun(0x301, 2, 0, 100, 4, 200, 4), trun(0x300, 1, 300, 4)), Limits{}, Info{MP4, 640, 360, 600 * time.Millisecond, false, "video/mp4"}},
		{"fragmented mp4 with default durations", fragmented(bx("tfdt", []byte{1, 0, 0, 0}, be64(1000)), trun(0x001, 10, 0)), Limits{}, Info{MP4, 640, 360, 2 * time.Second, false, "video/mp4"}},
		{"ffmpeg webm", readTestdata(t, "testsrc.webm"), Limits{}, Info{WebM, 320, 240, 1008 * time.Millisecond, true, "video/webm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := watch(t, tt.file)
			got, err := Check(w, int64(len(tt.file)), tt.lim)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got != tt.want {
				t.Errorf("Check = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A stream written to a pipe states neither the segment's size nor a duration: the
// duration is the last frame's timestamp.
func TestCheckStreamedWebM(t *testing.T) {
	b := readTestdata(t, "testsrc-stream.webm")
	if !bytes.Contains(b[:64], cat(ebmlID(idSegment), unknownSize)) {
		t.Fatal("testsrc-stream.webm no longer has an unknown-size segment; remake it as testdata/README.md says")
	}
	got, err := Check(bytes.NewReader(b), int64(len(b)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Container != WebM || got.Width != 320 || got.Height != 240 || got.HasAudio {
		t.Errorf("Check = %+v, want a 320×240 WebM without audio", got)
	}
	if bytes.Contains(b, ebmlID(idDuration)) {
		t.Fatal("testsrc-stream.webm has a Duration element; remake it in live mode as testdata/README.md says")
	}
	// Ten frames at 10 a second: the last starts at 0.9 s.
	if got.Duration != 900*time.Millisecond {
		t.Errorf("Duration = %s, want 900ms", got.Duration)
	}
}

func TestCheckRefuses(t *testing.T) {
	jpeg := cat([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16}, []byte("JFIF\x00"), make([]byte, 200), []byte{0xFF, 0xD9})
	zip := cat([]byte("PK\x03\x04"), make([]byte, 26), []byte("video.mp4"), make([]byte, 100))
	deep := bx("free")
	for range 20 {
		deep = bx("udta", deep)
	}
	moovWith := func(boxes ...[]byte) []byte {
		return cat(ftyp("isom"), bx("moov", boxes...), bx("mdat", make([]byte, 10)))
	}
	segWith := func(children ...[]byte) []byte { return cat(ebmlHead("webm"), el(idSegment, children...)) }
	videoTracks := el(idTracks, trackEl(1, 1, 640, 480))
	manyFree := ftyp("isom")
	for range 2000 {
		manyFree = append(manyFree, bx("free")...)
	}
	tests := []struct {
		name   string
		file   []byte
		lim    Limits
		reason string // a part of the refusal's reason
	}{
		{"empty", nil, Limits{}, "too short"},
		{"jpeg named .mp4", jpeg, Limits{}, "not an MP4 or WebM"},
		{"zip named .mp4", zip, Limits{}, "not an MP4 or WebM"},
		{"text", []byte("this is not a video, honest"), Limits{}, "not an MP4 or WebM"},
		{"quicktime brand", cat(ftyp("qt  ", "qt  "), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("mdat")), Limits{}, "brand"},
		{"3gp brand", cat(ftyp("3gp4", "3gp4"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("mdat")), Limits{}, "brand"},
		{"ftyp not first", cat(bx("free"), ftyp("isom"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("mdat")), Limits{}, "not an MP4 or WebM"},
		{"ftyp too short", cat(bx("ftyp", []byte("isom")), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("mdat")), Limits{}, "ftyp"},
		{"audio-only mp4", moovWith(mvhd(0, 1000, 1000), trak("soun", 0, 0)), Limits{}, "no video track"},
		{"ffmpeg audio-only m4a", readTestdata(t, "audio-only.m4a"), Limits{}, "no video track"},
		{"no moov", cat(ftyp("isom"), bx("mdat", make([]byte, 10))), Limits{}, "no moov"},
		{"no mvhd", moovWith(trak("vide", 10, 10)), Limits{}, "no mvhd"},
		{"no mdat", cat(ftyp("isom"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10))), Limits{}, "no media data"},
		{"two moov", cat(ftyp("isom"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("moov"), bx("mdat")), Limits{}, "more than one moov"},
		{"two ftyp", cat(ftyp("isom"), ftyp("isom"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bx("mdat")), Limits{}, "more than one ftyp"},
		{"track without tkhd", moovWith(mvhd(0, 1000, 1000), bx("trak", bx("mdia", hdlr("vide")))), Limits{}, "tkhd"},
		{"tkhd too short", moovWith(mvhd(0, 1000, 1000), bx("trak", bx("tkhd", make([]byte, 40)), bx("mdia", hdlr("vide")))), Limits{}, "too short"},
		{"mvhd timescale 0", moovWith(mvhd(0, 0, 1000), trak("vide", 10, 10)), Limits{}, "timescale"},
		{"mvhd version 2", moovWith(mvhd(2, 1000, 1000), trak("vide", 10, 10)), Limits{}, "version"},
		{"duration unknown", moovWith(mvhd(0, 1000, 0xFFFFFFFF), trak("vide", 10, 10)), Limits{}, "duration"},
		{"video without dimensions", moovWith(mvhd(0, 1000, 1000), trak("vide", 0, 0)), Limits{}, "no dimensions"},
		{"mp4 duration 10 min 1 s", moovWith(mvhd(0, 1000, 601_000), trak("vide", 10, 10)), Limits{}, "longer than 10 minutes"},
		{"mp4 duration that overflows", moovWith(mvhd(1, 1, 1<<62), trak("vide", 10, 10)), Limits{}, "longer than 10 minutes"},
		{"mp4 over a smaller limit", mp4File(), Limits{MaxDuration: 4 * time.Second}, "longer than 4 seconds"},
		{"mp4 8K", moovWith(mvhd(0, 1000, 1000), trak("vide", 7680, 4320)), Limits{}, "7680×4320"},
		{"mp4 one pixel over 4K", moovWith(mvhd(0, 1000, 1000), trak("vide", 3840, 2161)), Limits{}, "3840×2161"},
		{"mp4 portrait one pixel over", moovWith(mvhd(0, 1000, 1000), trak("vide", 2161, 3840)), Limits{}, "2161×3840"},
		{"mp4 second video track 8K", moovWith(mvhd(0, 1000, 1000), trak("vide", 10, 10), trak("vide", 7680, 4320)), Limits{}, "7680×4320"},
		{"box size past the end", cat(ftyp("isom"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10)), bxRaw(1<<30, "mdat", make([]byte, 10))), Limits{}, "past the end"},
		{"child past its parent", moovWith(mvhd(0, 1000, 1000), bxRaw(4000, "trak", tkhd(0, 10, 10))), Limits{}, "past the end of its parent"},
		{"size 0 inside moov", moovWith(mvhd(0, 1000, 1000), bxRaw(0, "trak")), Limits{}, "size 0"},
		{"size 4", cat(ftyp("isom"), bxRaw(4, "free")), Limits{}, "smaller than its header"},
		{"size 1 with largesize 8", cat(ftyp("isom"), bxRaw(1, "mdat", be64(8))), Limits{}, "smaller than its header"},
		{"size 1 with huge largesize", cat(ftyp("isom"), bxRaw(1, "mdat", be64(1<<63))), Limits{}, "past the end"},
		{"size 1 without room for largesize", cat(ftyp("isom"), bxRaw(1, "mdat")), Limits{}, "64-bit size"},
		{"trailing bytes shorter than a box header", cat(mp4File(), []byte{0, 0, 0}), Limits{}, "runs past"},
		{"box type not text", cat(ftyp("isom"), bxRaw(8, "\x00\x01\x02\x03")), Limits{}, "no valid type"},
		{"nested too deep", moovWith(mvhd(0, 1000, 1000), trak("vide", 10, 10), deep), Limits{}, "nest deeper than 16"},
		{"too many boxes", manyFree, Limits{MaxElements: 1000}, "more than 1000 boxes"},
		{"header budget", mp4File(), Limits{MaxHeaderBytes: 100}, "more than 100 bytes"},
		{"fragment of an unknown track", fragmentedTrack(9, trun(0, 1)), Limits{}, "track 9"},
		{"trun claiming more samples than it holds", fragmented(trun(0x300, 1000, 1, 1)), Limits{}, "more samples"},
		{"fragments past 10 minutes", fragmented(bx("tfdt", []byte{0, 0, 0, 0}, be32(1000*601)), trun(0, 1)), Limits{}, "longer than 10 minutes"},
		{"trun before tfhd", cat(ftyp("iso6"), bx("moov", mvhd(0, 1000, 0), trak("vide", 640, 360)), bx("moof", bx("traf", trun(0, 1))), bx("mdat")), Limits{}, "before its tfhd"},
		{"truncated mp4", mp4File()[:len(mp4File())-1], Limits{}, "past the end"},

		{"matroska doctype", cat(ebmlHead("matroska"), el(idSegment, webmInfo(1000), videoTracks, webmCluster(0, 0))), Limits{}, `DocType "matroska"`},
		{"EBML header of unknown size", cat(elUnknown(idEBML), el(idSegment)), Limits{}, "no EBML header"},
		{"EBML read version 2", cat(el(idEBML, elUint(idEBMLReadVersion, 2), el(idDocType, []byte("webm"))), el(idSegment)), Limits{}, "reader"},
		{"no segment", ebmlHead("webm"), Limits{}, "no Segment"},
		{"two segments", cat(webmFile(), el(idSegment)), Limits{}, "more than one Segment"},
		{"no info", segWith(videoTracks, webmCluster(0, 0)), Limits{}, "no Info"},
		{"no tracks", segWith(webmInfo(1000), webmCluster(0, 0)), Limits{}, "no Tracks"},
		{"no cluster", segWith(webmInfo(1000), videoTracks), Limits{}, "no frames"},
		{"audio-only webm", segWith(webmInfo(1000), el(idTracks, trackEl(1, 2, 0, 0)), webmCluster(0, 0)), Limits{}, "no video track"},
		{"webm video without pixels", segWith(webmInfo(1000), el(idTracks, trackEl(1, 1, 0, 0)), webmCluster(0, 0)), Limits{}, "no dimensions"},
		{"webm 8K", segWith(webmInfo(1000), el(idTracks, trackEl(1, 1, 7680, 4320)), webmCluster(0, 0)), Limits{}, "7680×4320"},
		{"webm absurd width", segWith(webmInfo(1000), el(idTracks, trackEl(1, 1, 1<<60, 10)), webmCluster(0, 0)), Limits{}, "pixels"},
		{"webm duration 11 min", segWith(webmInfo(11*60*1000), videoTracks, webmCluster(0, 0)), Limits{}, "longer than 10 minutes"},
		{"webm duration NaN", segWith(el(idInfo, el(idDuration, []byte{0x7f, 0xc0, 0, 0})), videoTracks, webmCluster(0, 0)), Limits{}, "Duration"},
		{"webm duration of 3 bytes", segWith(el(idInfo, el(idDuration, []byte{1, 2, 3})), videoTracks, webmCluster(0, 0)), Limits{}, "float"},
		{"webm TimecodeScale 0", segWith(el(idInfo, elUint(idTimecodeScale, 0)), videoTracks, webmCluster(0, 0)), Limits{}, "TimecodeScale"},
		{"webm frames past 10 min", cat(ebmlHead("webm"), elUnknown(idSegment, el(idInfo), videoTracks, elUnknown(idCluster, elUint(idTimecode, 600_000), simpleBlock(1)))), Limits{}, "longer than 10 minutes"},
		{"webm over a smaller limit", readTestdata(t, "testsrc.webm"), Limits{MaxDuration: time.Second}, "longer than 1 second"},
		{"unknown-size Info", cat(ebmlHead("webm"), el(idSegment, elUnknown(idInfo))), Limits{}, "unknown size"},
		{"unknown-size cluster followed by a stray element", cat(ebmlHead("webm"), elUnknown(idSegment, webmInfo(1000), videoTracks, elUnknown(idCluster, elUint(idTimecode, 0), el(idTrackEntry)))), Limits{}, "cannot follow a cluster"},
		{"element past its parent", segWith(el(idInfo, cat(ebmlID(idDuration), []byte{0x88}, be32(0)))), Limits{}, "past the end of its parent"},
		{"huge claimed element", cat(ebmlHead("webm"), ebmlID(idSegment), []byte{0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}), Limits{}, "past the end"},
		{"huge DocType", cat(ebmlID(idEBML), ebmlSize(1<<20+5), ebmlID(idDocType), ebmlSize(1<<20), make([]byte, 1<<20)), Limits{}, "DocType is malformed"},
		{"invalid element ID", cat(ebmlHead("webm"), []byte{0x00, 0x81, 0x00}), Limits{}, "invalid ID"},
		{"invalid element size", cat(ebmlHead("webm"), ebmlID(idSegment), []byte{0x00, 0x00}), Limits{}, "invalid size"},
		{"malformed block", segWith(el(idInfo), videoTracks, el(idCluster, el(idSimpleBlock, []byte{0x81}))), Limits{}, "block"},
		{"truncated webm", webmFile()[:len(webmFile())-1], Limits{}, "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := watch(t, tt.file)
			info, err := Check(w, int64(len(tt.file)), tt.lim)
			var refusal *Error
			if !errors.As(err, &refusal) {
				t.Fatalf("Check = %+v, %v; want a refusal (*Error)", info, err)
			}
			if !strings.Contains(refusal.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", refusal.Reason, tt.reason)
			}
			if info != (Info{}) {
				t.Errorf("Check returned %+v with its refusal", info)
			}
			if w.maxRead > 1024 {
				t.Errorf("Check read %d bytes at once; nothing it parses is that long", w.maxRead)
			}
		})
	}
}

// Every prefix of a valid file with stated sizes is refused, without a read past
// its end (the watcher fails the test on one).
func TestCheckRefusesEveryTruncation(t *testing.T) {
	for name, file := range map[string][]byte{
		"built mp4": mp4File(), "built webm": webmFile(),
		"ffmpeg mp4": readTestdata(t, "testsrc.mp4"), "ffmpeg webm": readTestdata(t, "testsrc.webm"),
	} {
		for n := range len(file) {
			_, err := Check(watch(t, file[:n]), int64(n), Limits{})
			var refusal *Error
			if !errors.As(err, &refusal) {
				t.Fatalf("%s cut to %d of %d bytes: Check = %v, want a refusal", name, n, len(file), err)
			}
		}
	}
}

// The moov of a 300 MiB file comes after its mdat: Check reaches it by offset and
// never reads the media data.
func TestCheckSkipsMediaData(t *testing.T) {
	const mdatSize = 300 << 20
	head := cat(ftyp("isom", "isom", "mp41"), be32(1), []byte("mdat"), be64(16+mdatSize))
	tail := bx("moov", mvhd(0, 1000, 9*60*1000), trak("vide", 1920, 1080), trak("soun", 0, 0))
	r := join(head, zeros(mdatSize), tail)
	w := watchAt(t, r, r.size())
	got, err := Check(w, r.size(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := Info{MP4, 1920, 1080, 9 * time.Minute, true, "video/mp4"}
	if got != want {
		t.Errorf("Check = %+v, want %+v", got, want)
	}
	start, end := int64(len(head)), int64(len(head))+mdatSize
	for _, rg := range w.ranges {
		if rg[0] < end && rg[1] > start {
			t.Errorf("Check read [%d, %d), inside the mdat [%d, %d)", rg[0], rg[1], start, end)
		}
	}
	if w.total > 4096 {
		t.Errorf("Check read %d bytes of a file whose structure is %d bytes", w.total, len(head)+len(tail))
	}
	t.Logf("%d reads, %d bytes of a %d-byte file", w.reads, w.total, r.size())
}

// A claimed size, however large, costs no allocation in proportion to it.
func TestCheckHugeSizesDoNotAllocate(t *testing.T) {
	files := [][]byte{
		cat(ftyp("isom"), bxRaw(1, "moov", be64(1<<62))),
		cat(ftyp("isom"), bx("moov", bxRaw(0xFFFFFFF0, "trak"))),
		cat(ebmlHead("webm"), ebmlID(idSegment), []byte{0x01, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
		cat(ebmlHead("webm"), el(idSegment, cat(ebmlID(idInfo), []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}))),
	}
	for i, f := range files {
		allocs := testing.AllocsPerRun(10, func() { _, _ = Check(bytes.NewReader(f), int64(len(f)), Limits{}) })
		if allocs > 100 {
			t.Errorf("file %d: %v allocations", i, allocs)
		}
		var refusal *Error
		if _, err := Check(bytes.NewReader(f), int64(len(f)), Limits{}); !errors.As(err, &refusal) {
			t.Errorf("file %d: Check = %v, want a refusal", i, err)
		}
	}
}

// brokenReader fails every read, as a store might.
type brokenReader struct{}

var errStore = errors.New("store unavailable")

func (brokenReader) ReadAt([]byte, int64) (int, error) { return 0, errStore }

// A failing store is not the client's mistake: its error is passed on, not refused.
func TestCheckReadErrors(t *testing.T) {
	_, err := Check(brokenReader{}, 1000, Limits{})
	var refusal *Error
	if errors.As(err, &refusal) || !errors.Is(err, errStore) {
		t.Errorf("Check = %v, want the store's error and no refusal", err)
	}
	// A size larger than what the reader holds is the caller's inconsistency too.
	f := mp4File()
	_, err = Check(bytes.NewReader(f), int64(len(f))+100, Limits{})
	if errors.As(err, &refusal) {
		// The walk may stop at a structural refusal before reaching the missing
		// bytes; what it must not do is succeed.
		return
	}
	if err == nil {
		t.Error("Check accepted a file shorter than its stated size")
	}
}

func TestErrorSaysWhatWorks(t *testing.T) {
	_, err := Check(bytes.NewReader([]byte("GIF89a...........")), 17, Limits{})
	for _, want := range []string{"not an MP4 or WebM", "MP4 or WebM", "video track", "3840×2160", "10 minutes"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	e := &Error{Reason: "x", Limits: Limits{MaxWidth: 720, MaxHeight: 1280, MaxDuration: 90 * time.Second}}
	if got, want := e.Hint(), "at most 1280×720 pixels (either orientation) and 90 seconds long"; !strings.Contains(got, want) {
		t.Errorf("Hint = %q, want it to contain %q", got, want)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want Container
		ok   bool
	}{
		{"mp4", mp4File()[:64], MP4, true},
		{"ffmpeg mp4", readTestdata(t, "testsrc.mp4")[:4096], MP4, true},
		{"webm", webmFile()[:64], WebM, true},
		{"ffmpeg webm", readTestdata(t, "testsrc.webm")[:4096], WebM, true},
		{"streamed webm", readTestdata(t, "testsrc-stream.webm")[:4096], WebM, true},
		{"quicktime", ftyp("qt  ", "qt  "), "", false},
		{"matroska", ebmlHead("matroska"), "", false},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F'}, "", false},
		{"short", []byte("ftyp"), "", false},
		{"nothing", nil, "", false},
	}
	for _, tt := range tests {
		got, ok := Sniff(tt.head)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: Sniff = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if MP4.MIME() != "video/mp4" || WebM.MIME() != "video/webm" || Container("avi").MIME() != "" {
		t.Error("MIME types are wrong")
	}
}

// tenMinuteStream is a WebM as MediaRecorder writes it, just under ten minutes
// long: no Duration, unknown sizes, a cluster a second with 100 frames each.
func tenMinuteStream() []byte {
	parts := [][]byte{el(idInfo, elUint(idTimecodeScale, 1_000_000)), el(idTracks, trackEl(1, 1, 1920, 1080), trackEl(2, 2, 0, 0))}
	for s := range 600 {
		c := [][]byte{elUint(idTimecode, uint64(s)*1000)}
		for f := range 100 {
			c = append(c, simpleBlock(int16(f*10)))
		}
		parts = append(parts, elUnknown(idCluster, c...))
	}
	return cat(ebmlHead("webm"), elUnknown(idSegment, parts...))
}

// The default limits admit the longest WebM whose frames must be walked.
func TestCheckTenMinuteStreamWithinDefaults(t *testing.T) {
	file := tenMinuteStream()
	w := watch(t, file)
	got, err := Check(w, int64(len(file)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := 10*time.Minute - 10*time.Millisecond; got.Duration != want || got.Width != 1920 || !got.HasAudio {
		t.Errorf("Check = %+v, want 1920 wide with audio and %s", got, want)
	}
	t.Logf("%d bytes: %d reads, %d bytes read (budget %d)", len(file), w.reads, w.total, DefaultLimits().MaxHeaderBytes)
}

// The same on a sparse 300 MiB file on disk, through an *os.File.
func TestCheckSparseFile(t *testing.T) {
	const mdatSize = 300 << 20
	head := cat(ftyp("mp42"), bx("free", make([]byte, 8)), be32(1), []byte("mdat"), be64(16+mdatSize))
	tail := bx("moov", mvhd(1, 90000, 90000*599), trak("vide", 3840, 2160))
	name := filepath.Join(t.TempDir(), "sparse.mp4")
	if err := os.WriteFile(name, head, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(tail, int64(len(head))+mdatSize); err != nil {
		t.Fatal(err)
	}
	size := int64(len(head)) + mdatSize + int64(len(tail))
	w := watchAt(t, f, size)
	got, err := Check(w, size, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Info{MP4, 3840, 2160, 599 * time.Second, false, "video/mp4"}); got != want {
		t.Errorf("Check = %+v, want %+v", got, want)
	}
	for _, rg := range w.ranges {
		if rg[0] < int64(len(head))+mdatSize && rg[1] > int64(len(head)) {
			t.Errorf("Check read [%d, %d), inside the mdat", rg[0], rg[1])
		}
	}
}

// A file with thousands of tracks and fragments is walked within the default
// limits. Each fragment's track is found through a map, so the walk is linear; the
// log shows its time (no timed assertion, as the house rules say).
func TestCheckManyTracksAndFragments(t *testing.T) {
	var traks, trafs [][]byte
	for range 5000 {
		traks = append(traks, trak("soun", 0, 0))
	}
	for range 20000 {
		trafs = append(trafs, bx("traf", bx("tfhd", []byte{0, 0, 0, 0}, be32(1))))
	}
	file := cat(ftyp("iso6"), bx("moov", mvhd(0, 1000, 1000), trak("vide", 10, 10), cat(traks...)), bx("moof", trafs...), bx("mdat"))
	w := watch(t, file)
	start := time.Now()
	got, err := Check(w, int64(len(file)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.HasAudio || got.Width != 10 {
		t.Errorf("Check = %+v", got)
	}
	t.Logf("%d bytes, %d reads in %s", len(file), w.reads, time.Since(start))
}

package video

import (
	"errors"
	"testing"
	"time"
)

// FuzzCheck runs Check on arbitrary files: it must not panic, read outside the
// file (the watcher fails the test) or beyond its budget, and what it accepts must
// be within the limits.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"testsrc.mp4", "testsrc-moovlast.mp4", "testsrc.webm", "testsrc-stream.webm", "testsrc-fragmented.mp4", "audio-only.m4a"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(mp4File())
	f.Add(webmFile())
	f.Add(cat(ebmlHead("webm"), elUnknown(idSegment, el(idInfo), el(idTracks, trackEl(1, 1, 64, 64)),
		elUnknown(idCluster, elUint(idTimecode, 5), simpleBlock(3)), el(idCues))))
	lim := Limits{MaxHeaderBytes: 1 << 20, MaxElements: 20_000}
	f.Fuzz(func(t *testing.T, file []byte) {
		w := watch(t, file)
		info, err := Check(w, int64(len(file)), lim)
		if w.total > lim.MaxHeaderBytes {
			t.Fatalf("read %d bytes, over the budget of %d", w.total, lim.MaxHeaderBytes)
		}
		if err != nil {
			var refusal *Error
			if !errors.As(err, &refusal) {
				t.Fatalf("Check = %v, want a refusal: the reader does not fail", err)
			}
			return
		}
		if info.Container != MP4 && info.Container != WebM || info.MIME != info.Container.MIME() {
			t.Fatalf("accepted %+v", info)
		}
		if info.Width <= 0 || info.Height <= 0 || max(info.Width, info.Height) > 3840 || min(info.Width, info.Height) > 2160 {
			t.Fatalf("accepted %d×%d", info.Width, info.Height)
		}
		if info.Duration < 0 || info.Duration > 10*time.Minute {
			t.Fatalf("accepted a duration of %s", info.Duration)
		}
		if c, ok := Sniff(file); !ok || c != info.Container {
			t.Fatalf("Check accepted %s but Sniff says %q, %v", info.Container, c, ok)
		}
	})
}

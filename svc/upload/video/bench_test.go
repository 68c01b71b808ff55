package video

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// bigMP4 writes a sparse MP4 of 300 MiB whose moov follows the mdat, as a camera
// or ffmpeg without faststart writes it.
func bigMP4(b *testing.B) string {
	const mdatSize = 300 << 20
	name := filepath.Join(b.TempDir(), "big.mp4")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	head := cat(ftyp("isom", "isom", "mp41"), be32(1), []byte("mdat"), be64(16+mdatSize))
	tail := bx("moov", mvhd(0, 1000, 9*60*1000), trak("vide", 1920, 1080), trak("soun", 0, 0))
	if _, err := f.Write(head); err != nil {
		b.Fatal(err)
	}
	if _, err := f.WriteAt(tail, int64(len(head))+mdatSize); err != nil {
		b.Fatal(err)
	}
	return name
}

// BenchmarkCheck checks a 300 MiB MP4 on disk; BenchmarkReadFirstMiB, the
// baseline, reads the first MiB of the same file, which is what a checker that
// buffered the start of the upload would do at the least. CheckFfmpegWebM and
// CheckTenMinuteWebMStream show a WebM whose Duration is stated and one whose
// 60,000 frame headers must be walked because it is not.
func BenchmarkCheck(b *testing.B) {
	name := bigMP4(b)
	b.Run("Check300MiB", func(b *testing.B) {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Check(f, st.Size(), Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadFirstMiB", func(b *testing.B) {
		buf := make([]byte, 1<<20)
		b.ReportAllocs()
		for b.Loop() {
			f, err := os.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(f, buf); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("CheckFfmpegWebM", func(b *testing.B) {
		f, err := os.Open(filepath.Join("testdata", "testsrc.webm"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Check(f, st.Size(), Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckTenMinuteWebMStream", func(b *testing.B) {
		name := filepath.Join(b.TempDir(), "stream.webm")
		if err := os.WriteFile(name, tenMinuteStream(), 0o600); err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Check(f, st.Size(), Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

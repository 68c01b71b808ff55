package picture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/draw"
)

// The baseline: Debian's ImageMagick. /usr/local/bin/convert may be another
// program of the same name, so the path is explicit.
const imageMagick = "/usr/bin/convert"

var photo12MP = sync.OnceValue(func() []byte {
	// 4,000 × 3,000 with gradients and noise, so the JPEG is about the
	// size a phone's is, plus EXIF asking for a 90° turn, as phones write.
	m := gradient(4000, 3000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range m.Pix {
		if i%4 != 3 {
			m.Pix[i] = uint8(min(255, max(0, int(m.Pix[i])+r.IntN(33)-16)))
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return withAPP1(b.Bytes(), exifPayload(6, binary.BigEndian))
})

// BenchmarkProcess12MP is the target: decode, orient, three sizes,
// encode, for a 12-megapixel JPEG (run with -cpu 1: under 400 ms).
func BenchmarkProcess12MP(b *testing.B) {
	in := photo12MP()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	start := cpuTime(syscall.RUSAGE_SELF)
	for b.Loop() {
		if _, err := Process(bytes.NewReader(in), 64<<20, Post); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpuTime(syscall.RUSAGE_SELF)-start)
}

// cpuTime returns the user and system CPU time used so far by the process
// or its waited-for children. On a shared machine the wall-clock ns/op
// includes time waiting for a core; CPU time does not.
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, d time.Duration) {
	b.ReportMetric(float64(d.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkConvert12MP is the baseline beside BenchmarkProcess12MP:
// ImageMagick on one thread doing the same work on the same file.
func BenchmarkConvert12MP(b *testing.B) {
	if _, err := os.Stat(imageMagick); err != nil {
		b.Skipf("no baseline: %s is missing (apt-get install imagemagick): %v", imageMagick, err)
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "in.jpg")
	if err := os.WriteFile(src, photo12MP(), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{src, "-auto-orient", "-strip", "-quality", "85",
		"-resize", "2048x2048>", "-write", filepath.Join(dir, "original.jpg"),
		"-resize", "1024x1024>", "-write", filepath.Join(dir, "large.jpg"),
		"-resize", "320x320>", filepath.Join(dir, "thumb.jpg")}
	b.SetBytes(int64(len(photo12MP())))
	start := cpuTime(syscall.RUSAGE_CHILDREN)
	for b.Loop() {
		cmd := exec.Command(imageMagick, args...)
		cmd.Env = append(os.Environ(), "MAGICK_THREAD_LIMIT=1", "OMP_NUM_THREADS=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", imageMagick, err, out)
		}
	}
	reportCPU(b, cpuTime(syscall.RUSAGE_CHILDREN)-start)
}

// BenchmarkDecode12MP is the part of BenchmarkProcess12MP that no choice of
// kernel can change.
func BenchmarkDecode12MP(b *testing.B) {
	in := photo12MP()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// scalers are the ways of shrinking BenchmarkResize compares.
var scalers = []struct {
	name  string
	scale func(dst *image.RGBA, src image.Image)
}{
	{"NearestNeighbor", kernel(draw.NearestNeighbor)},
	{"ApproxBiLinear", kernel(draw.ApproxBiLinear)},
	{"CatmullRom", kernel(draw.CatmullRom)},
	{"Kin", func(dst *image.RGBA, src image.Image) { resize(dst, src, src.Bounds()) }},
}

func kernel(k draw.Interpolator) func(*image.RGBA, image.Image) {
	return func(dst *image.RGBA, src image.Image) {
		k.Scale(dst, dst.Rect, src, src.Bounds(), draw.Src, nil)
	}
}

// BenchmarkResize measures each way's cost of the largest resize of
// BenchmarkProcess12MP (the decoded 12-megapixel YCbCr to 2,048 px) and its
// quality on a zone plate (a pattern of every frequency up to the limit)
// shrunk by a factor of 1.95, as from 12 MP to 2,048 px, and of 4.3, as from
// 50 MP: alias-dB is the noise left where the frequencies too fine for the
// result should have become flat grey (more negative is better: aliasing is
// the artefact that matters when shrinking), and pass-dB is the PSNR where
// they are coarse enough to keep (higher is better: sharpness).
func BenchmarkResize(b *testing.B) {
	src, err := jpeg.Decode(bytes.NewReader(photo12MP()))
	if err != nil {
		b.Fatal(err)
	}
	const n = 1200
	zone := zonePlate(n)
	for _, sc := range scalers {
		b.Run(sc.name, func(b *testing.B) {
			dst := image.NewRGBA(image.Rect(0, 0, 2048, 1536))
			for b.Loop() {
				sc.scale(dst, src)
			}
			for _, f := range []float64{1.95, 4.3} {
				m := int(float64(n) / f)
				got := image.NewRGBA(image.Rect(0, 0, m, m))
				sc.scale(got, zone)
				alias, pass := zoneQuality(got, n)
				b.ReportMetric(alias, fmt.Sprintf("alias-dB@%.2f", f))
				b.ReportMetric(pass, fmt.Sprintf("pass-dB@%.2f", f))
			}
		})
	}
}

// zonePlate returns an n × n grey zone plate cos(π r² / n), whose local
// frequency r/n cycles a pixel grows from 0 at the centre to ½ at n/2.
func zonePlate(n int) *image.Gray {
	z := image.NewGray(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			z.Pix[y*z.Stride+x] = uint8(math.Round(zoneAt(float64(x)+0.5, float64(y)+0.5, n)))
		}
	}
	return z
}

func zoneAt(x, y float64, n int) float64 {
	dx, dy := x-float64(n)/2, y-float64(n)/2
	return 127.5 + 127.5*math.Cos(math.Pi*(dx*dx+dy*dy)/float64(n))
}

// zoneQuality compares got, a zone plate of side n shrunk, with the ideal:
// flat grey beyond 1.2 times the result's Nyquist radius (alias-dB: the RMS
// deviation from grey relative to full scale) and the plate itself within
// half of it (pass-dB: PSNR).
func zoneQuality(got *image.RGBA, n int) (alias, pass float64) {
	m := got.Rect.Dx()
	s := float64(n) / float64(m)
	nyq := float64(n) / (2 * s) // radius, in source pixels, of the new Nyquist
	var aSum, pSum float64
	var aN, pN int
	for y := 0; y < m; y++ {
		for x := 0; x < m; x++ {
			sx, sy := (float64(x)+0.5)*s, (float64(y)+0.5)*s
			r := math.Hypot(sx-float64(n)/2, sy-float64(n)/2)
			v := float64(got.Pix[got.PixOffset(x, y)])
			switch {
			case r > 1.2*nyq && r < float64(n)/2:
				aSum += (v - 127.5) * (v - 127.5)
				aN++
			case r < 0.5*nyq:
				d := v - zoneAt(sx, sy, n)
				pSum += d * d
				pN++
			}
		}
	}
	alias = 10 * math.Log10(aSum/float64(aN)/(255*255))
	pass = 10 * math.Log10(255*255/(pSum/float64(pN)))
	return alias, pass
}

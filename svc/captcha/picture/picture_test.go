package picture

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dchest/captcha"
)

var samples = flag.String("samples", "", "write sample pictures into this directory, to look at them")

func TestDrawRejectsBadDigits(t *testing.T) {
	for _, digits := range [][]byte{nil, {}, {1, 2, 10, 3}, {'1', '2', '3', '4'}, {1, 2, 3, 4, 5, 6, 7}} {
		if _, err := Draw(digits, 1); err == nil {
			t.Errorf("Draw(%v) succeeded, want an error", digits)
		}
	}
}

func TestDrawIsDeterministic(t *testing.T) {
	a, err := Draw([]byte{1, 9, 8, 4}, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Draw([]byte{1, 9, 8, 4}, 42)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("same digits and seed gave different pictures")
	}
	c, _ := Draw([]byte{1, 9, 8, 4}, 43)
	if bytes.Equal(a.Pix, c.Pix) {
		t.Error("different seeds gave the same picture")
	}
	d, _ := Draw([]byte{1, 9, 8, 5}, 42)
	if bytes.Equal(a.Pix, d.Pix) {
		t.Error("different digits gave the same picture")
	}
}

// TestInkCoverage checks every digit in many positions leaves a plausible
// amount of ink inside the picture: a glyph drawn off the canvas, or a
// stroke too thin to read, would show up as too little.
func TestInkCoverage(t *testing.T) {
	for d := range byte(10) {
		for seed := range uint64(50) {
			_, mask, err := draw([]byte{d, d, d, d}, seed, true)
			if err != nil {
				t.Fatal(err)
			}
			ink := 0
			for _, b := range mask {
				if b {
					ink++
				}
			}
			// Four digits plus the strike-through, out of 12800 pixels.
			if frac := float64(ink) / float64(len(mask)); frac < 0.08 || frac > 0.45 {
				t.Errorf("digit %d seed %d: ink covers %.2f of the picture, want 0.08-0.45", d, seed, frac)
			}
		}
	}
}

func TestWritePNG(t *testing.T) {
	e := NewEncoder()
	var buf bytes.Buffer
	w := &countingWriter{w: &buf}
	if err := e.WritePNG(w, []byte{0, 7, 3, 5}, 7); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 {
		t.Errorf("WritePNG wrote in %d calls, want 1", w.writes)
	}
	m, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	pm, ok := m.(*image.Paletted)
	if !ok {
		t.Fatalf("decoded %T, want *image.Paletted", m)
	}
	if got := pm.Bounds(); got != image.Rect(0, 0, Width, Height) {
		t.Errorf("bounds %v, want 160x80", got)
	}
	want, _ := Draw([]byte{0, 7, 3, 5}, 7)
	if !bytes.Equal(pm.Pix, want.Pix) {
		t.Error("decoded pixels differ from the drawn picture")
	}
	if err := e.WritePNG(io.Discard, []byte{11}, 1); err == nil {
		t.Error("WritePNG accepted digit 11")
	}
	if *samples != "" {
		if err := os.MkdirAll(*samples, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 12 {
			var b bytes.Buffer
			digits := []byte{byte(i % 10), byte((i*3 + 1) % 10), byte((i*7 + 2) % 10), byte((i + 5) % 10)}
			if err := e.WritePNG(&b, digits, uint64(i)); err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(*samples, fmt.Sprintf("%d%d%d%d.png", digits[0], digits[1], digits[2], digits[3]))
			if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// dchest/captcha's picture of the same size, for comparison.
		var b bytes.Buffer
		if _, err := captcha.NewImage("sample", []byte{1, 9, 8, 4}, Width, Height).WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*samples, "dchest-1984.png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncoderConcurrent(t *testing.T) {
	e := NewEncoder()
	want := make([][]byte, 8)
	for i := range want {
		var b bytes.Buffer
		if err := e.WritePNG(&b, []byte{1, 2, 3, byte(i)}, uint64(i)); err != nil {
			t.Fatal(err)
		}
		want[i] = b.Bytes()
	}
	errs := make(chan error, len(want))
	for i := range want {
		go func() {
			for range 20 {
				var b bytes.Buffer
				if err := e.WritePNG(&b, []byte{1, 2, 3, byte(i)}, uint64(i)); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(b.Bytes(), want[i]) {
					errs <- fmt.Errorf("picture %d differs when encoded concurrently", i)
					return
				}
			}
			errs <- nil
		}()
	}
	for range want {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

type countingWriter struct {
	w         io.Writer
	writes, n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	c.n += len(p)
	return c.w.Write(p)
}

// BenchmarkPNG measures drawing and encoding one 160x80, 4-digit picture.
func BenchmarkPNG(b *testing.B) {
	e := NewEncoder()
	digits := []byte{3, 1, 4, 1}
	b.ReportAllocs()
	var seed uint64
	w := &countingWriter{w: io.Discard}
	for b.Loop() {
		seed++
		if err := e.WritePNG(w, digits, seed); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n)/float64(w.writes), "bytes/png")
}

// BenchmarkDchestPNG is the baseline: the old site's library drawing and
// encoding a picture of the same size and digit count.
func BenchmarkDchestPNG(b *testing.B) {
	digits := []byte{3, 1, 4, 1}
	b.ReportAllocs()
	w := &countingWriter{w: io.Discard}
	for b.Loop() {
		if _, err := captcha.NewImage("benchmark", digits, Width, Height).WriteTo(w); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n)/float64(w.writes), "bytes/png")
}

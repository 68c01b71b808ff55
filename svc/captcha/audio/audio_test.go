package audio

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var samples = flag.String("samples", "", "write sample clips into this directory, to listen to them")

// wav is a parsed WAV file.
type wav struct {
	format, channels, bits uint16
	rate                   uint32
	data                   []byte
}

// parseWAV checks b is a canonical RIFF/WAVE file whose sizes add up.
func parseWAV(t *testing.T, b []byte) wav {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || string(b[36:40]) != "data" {
		t.Fatalf("not a canonical WAV header: % x", b[:min(len(b), 44)])
	}
	if got := le.Uint32(b[4:]); int(got) != len(b)-8 {
		t.Errorf("RIFF size %d, want %d", got, len(b)-8)
	}
	if got := le.Uint32(b[16:]); got != 16 {
		t.Errorf("fmt chunk size %d, want 16", got)
	}
	w := wav{format: le.Uint16(b[20:]), channels: le.Uint16(b[22:]), rate: le.Uint32(b[24:]), bits: le.Uint16(b[34:]), data: b[44:]}
	if got := le.Uint32(b[40:]); int(got) != len(w.data) {
		t.Errorf("data size %d, want %d", got, len(w.data))
	}
	if got := le.Uint32(b[28:]); got != w.rate*uint32(w.channels)*uint32(w.bits)/8 {
		t.Errorf("byte rate %d does not match the format", got)
	}
	if got := le.Uint16(b[32:]); got != w.channels*w.bits/8 {
		t.Errorf("block align %d does not match the format", got)
	}
	return w
}

func TestAppendWAV(t *testing.T) {
	v, err := voice()
	if err != nil {
		t.Fatal(err)
	}
	for _, digits := range [][]byte{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 8, 9}, {7, 7, 7, 7}, {1}} {
		b, err := AppendWAV([]byte("prefix"), digits)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatal("AppendWAV lost dst")
		}
		w := parseWAV(t, b[len("prefix"):])
		if w.format != 1 || w.channels != 1 || w.bits != 8 || w.rate != SampleRate {
			t.Errorf("format %d, %d channels, %d bits, %d Hz; want PCM, mono, 8 bits, %d Hz", w.format, w.channels, w.bits, w.rate, SampleRate)
		}
		// The length is that of these digits' words with pauses between
		// them: not a fixed length, and not one digit short.
		lo, hi := bounds(v, digits)
		if n := len(w.data); n < lo || n > hi {
			t.Errorf("%v: %d samples (%.2f s), want %d-%d", digits, n, float64(n)/SampleRate, lo, hi)
		}
	}
}

// TestClipsDiffer checks the same digits never give the same clip, and
// that the stored words do not appear sample for sample in it.
func TestClipsDiffer(t *testing.T) {
	a, err := AppendWAV(nil, []byte{3, 1, 4, 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := AppendWAV(nil, []byte{3, 1, 4, 1})
	if bytes.Equal(a, b) {
		t.Fatal("two clips of the same digits are identical")
	}
	v, _ := voice()
	var word []byte
	for _, x := range v[4][1000:1100] {
		word = append(word, byte(128+int(math.Round(float64(x*128)))))
	}
	if bytes.Contains(a, word) {
		t.Error("the recording of 4 appears unchanged in the clip")
	}
}

// TestLevels checks the clip is loud enough to hear and that the words
// stand out from the noise: the loudest tenth of the clip, which is
// speech, is well above the quietest tenth, the pauses.
func TestLevels(t *testing.T) {
	b, err := AppendWAV(nil, []byte{2, 0, 2, 6})
	if err != nil {
		t.Fatal(err)
	}
	w := parseWAV(t, b)
	const win = SampleRate / 20 // 50 ms
	var rms []float64
	for i := 0; i+win <= len(w.data); i += win {
		sum := 0.0
		for _, b := range w.data[i : i+win] {
			x := (float64(b) - 128) / 128
			sum += x * x
		}
		rms = append(rms, math.Sqrt(sum/win))
	}
	sorted := append([]float64(nil), rms...)
	for i := range sorted { // insertion sort: a few dozen windows
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	quiet, loud := sorted[len(sorted)/10], sorted[len(sorted)*9/10]
	if loud < 0.1 {
		t.Errorf("speech RMS %.3f, want at least 0.1 of full scale", loud)
	}
	if quiet < 0.01 {
		t.Errorf("pauses RMS %.3f: no noise between the words", quiet)
	}
	ratio := 20 * math.Log10(loud/quiet)
	if ratio < 10 || ratio > 30 {
		t.Errorf("speech is %.1f dB over the noise, want 10-30 dB (audible, and not clean)", ratio)
	}
	t.Logf("speech RMS %.3f, pauses %.3f: %.1f dB over the noise", loud, quiet, ratio)
}

// TestULaw checks the decoder against sox's: the expected values are
// what "sox -e u-law -b 8 ... -e signed-integer -b 16" writes for them.
func TestULaw(t *testing.T) {
	for _, tt := range []struct {
		b    byte
		want int
	}{{0xff, 0}, {0x7f, 0}, {0x80, 32124}, {0x00, -32124}, {0xfe, 8}, {0xef, 132}, {0x70, -120}, {0x55, -716}} {
		if got := ulaw(tt.b); got != tt.want {
			t.Errorf("ulaw(%#x) = %d, want %d", tt.b, got, tt.want)
		}
	}
}

func TestAppendWAVRejects(t *testing.T) {
	for _, digits := range [][]byte{nil, {1, 2, 10, 3}, {'1'}, {1, 2, 3, 4, 5, 6, 7}} {
		if _, err := AppendWAV(nil, digits); err == nil {
			t.Errorf("AppendWAV(%v) succeeded, want an error", digits)
		}
	}
}

// TestVoiceSize keeps the embedded recordings small.
func TestVoiceSize(t *testing.T) {
	total := 0
	for d := range 10 {
		b, err := digitFiles.ReadFile(fmt.Sprintf("digits/%d.pcm.gz", d))
		if err != nil {
			t.Fatal(err)
		}
		total += len(b)
	}
	if total > 200<<10 {
		t.Errorf("embedded digits are %d bytes, want under 200 KB", total)
	}
}

// TestWriteSamples writes clips to listen to with -samples DIR.
func TestWriteSamples(t *testing.T) {
	if *samples == "" {
		t.Skip("no -samples directory")
	}
	if err := os.MkdirAll(*samples, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		digits := []byte{byte(i % 10), byte((i*3 + 1) % 10), byte((i*7 + 2) % 10), byte((i + 5) % 10)}
		b, err := AppendWAV(nil, digits)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(*samples, fmt.Sprintf("%d%d%d%d.wav", digits[0], digits[1], digits[2], digits[3]))
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkAppendWAV(b *testing.B) {
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = AppendWAV(buf[:0], []byte{3, 1, 4, 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/wav")
}

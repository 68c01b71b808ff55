// Package audio speaks captchas, for people who cannot see the picture
// (WCAG 2.2 success criterion 3.3.8 asks for an alternative to a test of
// sight). It mixes recordings of the ten digit words, made offline with a
// speech synthesizer (see README.md), into a WAV file with noise.
//
// Every clip differs from every other, even for the same digits: each
// digit is spoken at a random speed and pitch and loudness, the pauses
// between digits vary, and the noise and its murmur of backwards speech
// are new each time, so that a program cannot recognise a digit by
// matching the stored recording sample for sample.
package audio

import (
	"compress/gzip"
	crand "crypto/rand"
	"embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// SampleRate is the clips' sample rate in Hz. Telephone speech (8000 Hz)
// loses the hiss of f, s and th above 4 kHz, which tells "five" from
// "nine" and "six" from "eight" in noise; 16000 Hz keeps it. Samples are
// 8-bit on the wire: the quantization noise, 48 dB down, is far below
// the noise mixed in on purpose, and the clip is half the size.
const SampleRate = 16000

// Timing of a clip, in seconds: silence before the first digit, between
// digits and after the last.
const (
	leadMin, leadMax = 0.3, 0.6
	gapMin, gapMax   = 0.35, 0.7
	tailMin, tailMax = 0.2, 0.4
)

// Each digit is resampled by a random factor: faster and higher, or
// slower and deeper.
const speedMin, speedMax = 0.9, 1.12

//go:embed digits/*.pcm.gz
var digitFiles embed.FS

// voice holds the ten digit recordings as samples in [-1, 1].
var voice = sync.OnceValues(func() ([10][]float32, error) {
	var v [10][]float32
	for d := range v {
		name := fmt.Sprintf("digits/%d.pcm.gz", d)
		f, err := digitFiles.Open(name)
		if err != nil {
			return v, fmt.Errorf("load captcha voice: %w", err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			return v, fmt.Errorf("load captcha voice %s: %w", name, err)
		}
		raw, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			return v, fmt.Errorf("load captcha voice %s: %w", name, err)
		}
		if len(raw) < SampleRate/10 {
			return v, fmt.Errorf("load captcha voice %s: %d samples, want at least 0.1 s", name, len(raw))
		}
		s := make([]float32, len(raw))
		for i, b := range raw {
			s[i] = float32(ulaw(b)) / 32768
		}
		v[d] = s
	}
	return v, nil
})

// ulaw decodes a G.711 mu-law byte to a 16-bit linear sample.
func ulaw(b byte) int {
	b = ^b
	exp := (b >> 4) & 7
	mag := (int(b&0x0f)<<3+0x84)<<exp - 0x84
	if b&0x80 != 0 {
		return -mag
	}
	return mag
}

// bounds returns the shortest and longest a clip of digits can be, in
// samples, however the random choices fall.
func bounds(v [10][]float32, digits []byte) (lo, hi int) {
	words := 0
	for _, d := range digits {
		words += len(v[d])
	}
	n := float64(len(digits))
	lo = int((leadMin+tailMin+(n-1)*gapMin)*SampleRate + float64(words)/speedMax)
	hi = int((leadMax+tailMax+(n-1)*gapMax)*SampleRate+float64(words)/speedMin) + 1
	return lo - len(digits) - 2, hi + len(digits) + 2 // rounding of each part
}

// AppendWAV appends to dst a WAV file (PCM, 8-bit, mono, SampleRate)
// of digits, each 0-9, spoken with noise.
func AppendWAV(dst []byte, digits []byte) ([]byte, error) {
	if len(digits) == 0 || len(digits) > 6 {
		return dst, fmt.Errorf("speak captcha: %d digits, want 1-6", len(digits))
	}
	for i, d := range digits {
		if d > 9 {
			return dst, fmt.Errorf("speak captcha: digit %d is %d, want 0-9", i, d)
		}
	}
	v, err := voice()
	if err != nil {
		return dst, err
	}
	var seed [32]byte
	crand.Read(seed[:])
	m := mixer{rng: rand.New(rand.NewChaCha8(seed))}
	return appendWAV(dst, m.mix(v, digits)), nil
}

// A mixer makes one clip. Its generator is its own, seeded from
// crypto/rand, so that concurrent clips do not contend for the global
// one and no clip's noise can be predicted from another's.
type mixer struct{ rng *rand.Rand }

// between returns a uniformly random float in [lo, hi).
func (m *mixer) between(lo, hi float64) float64 { return lo + (hi-lo)*m.rng.Float64() }

func seconds(s float64) int { return int(s * SampleRate) }

// mix lays out the digits with random pauses and speeds and adds noise.
func (m *mixer) mix(v [10][]float32, digits []byte) []float32 {
	type placed struct {
		clip  []float32
		at    int
		speed float64
		gain  float32
	}
	words := make([]placed, len(digits))
	pos := seconds(m.between(leadMin, leadMax))
	for i, d := range digits {
		if i > 0 {
			pos += seconds(m.between(gapMin, gapMax))
		}
		w := placed{clip: v[d], at: pos, speed: m.between(speedMin, speedMax), gain: float32(m.between(0.7, 1))}
		words[i] = w
		pos += int(float64(len(w.clip)) / w.speed)
	}
	out := make([]float32, pos+seconds(m.between(tailMin, tailMax)))
	for _, w := range words {
		resample(out[w.at:], w.clip, w.speed, w.gain, false)
	}

	// A murmur: other digits spoken backwards, quietly, anywhere. It
	// sounds like speech, so a program cannot tell words from noise by
	// its loudness or spectrum alone, while a listener hears it as
	// background.
	for range 3 + m.rng.IntN(3) {
		clip := v[m.rng.IntN(10)]
		speed := m.between(0.8, 1.25)
		at := m.rng.IntN(max(1, len(out)-len(clip)/2))
		resample(out[at:], clip, speed, float32(m.between(0.1, 0.2)), true)
	}

	// Hiss: white noise through a one-pole low-pass filter, so that it
	// is softer than plain white noise, with a slowly wandering loudness.
	level := m.between(0.05, 0.09)
	alpha := float32(m.between(0.3, 0.6))
	wobble := 2 * math.Pi * m.between(0.3, 1.2) / SampleRate
	phase := m.between(0, 2*math.Pi)
	var lp float32
	const block = 64 // the loudness changes slowly: set it per block
	for b := 0; b < len(out); b += block {
		amp := float32(level * (1 + 0.4*math.Sin(float64(b)*wobble+phase)))
		for i := b; i < min(b+block, len(out)); i++ {
			// Uniform noise in [-1.7, 1.7) has about a normal's power.
			white := float32(m.rng.Uint32())/(1<<32)*3.4 - 1.7
			lp += alpha * (white - lp)
			out[i] += lp * amp
		}
	}
	return out
}

// resample adds clip, played at speed (2 is twice as fast and an octave
// higher) and scaled by gain, into dst from its start, linearly
// interpolated; reversed plays it backwards. It stops at dst's end.
func resample(dst, clip []float32, speed float64, gain float32, reversed bool) {
	n := int(float64(len(clip)-1) / speed)
	for i := 0; i < n && i < len(dst); i++ {
		x := float64(i) * speed
		j := int(x)
		f := float32(x - float64(j))
		a, b := clip[j], clip[min(j+1, len(clip)-1)]
		if reversed {
			a, b = clip[len(clip)-1-j], clip[max(len(clip)-2-j, 0)]
		}
		dst[i] += gain * (a + (b-a)*f)
	}
}

// appendWAV appends samples, in [-1, 1] and clipped to it, as an 8-bit
// PCM WAV file. A peak over 1 is rare and short (noise on top of a loud
// vowel), so clipping it is inaudible and cheaper than scaling the whole
// clip down.
func appendWAV(dst []byte, samples []float32) []byte {
	const header = 44
	le := binary.LittleEndian
	var h [header]byte
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], uint32(header-8+len(samples)))
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)         // fmt chunk size
	le.PutUint16(h[20:], 1)          // PCM
	le.PutUint16(h[22:], 1)          // mono
	le.PutUint32(h[24:], SampleRate) // samples per second
	le.PutUint32(h[28:], SampleRate) // bytes per second
	le.PutUint16(h[32:], 1)          // bytes per sample frame
	le.PutUint16(h[34:], 8)          // bits per sample
	copy(h[36:], "data")
	le.PutUint32(h[40:], uint32(len(samples)))
	dst = slices.Grow(dst, header+len(samples))
	dst = append(dst, h[:]...)
	for _, x := range samples {
		// 8-bit WAV samples are unsigned, silence at 128.
		dst = append(dst, byte(128+int(math.Round(float64(max(-1, min(x, 127.0/128))*128)))))
	}
	return dst
}

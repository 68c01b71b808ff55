package tus

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var benchSize = flag.Int64("tus.size", 1<<30, "bytes of BenchmarkUpload's file")

const benchChunk = 8 << 20

// BenchmarkUpload sends one file of -tus.size bytes (1 GiB) through the
// handler over loopback in 8 MiB PATCHes, beside io.Copy of the same
// bytes between two files on the same disk. It reports the peak heap in
// use (sampled) and the process's peak RSS (VmHWM), which covers the
// client too; run it alone (-run '^$') so that no test raised them first.
func BenchmarkUpload(b *testing.B) {
	size := *benchSize
	dir := b.TempDir()
	src := filepath.Join(dir, "src")
	writeRandomFile(b, src, size)

	b.Run("io.Copy", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			in, err := os.Open(src)
			if err != nil {
				b.Fatal(err)
			}
			out, err := os.Create(filepath.Join(dir, "dst"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(out, in); err != nil {
				b.Fatal(err)
			}
			// Synced, as the handler syncs what it acknowledges.
			if err := out.Sync(); err != nil {
				b.Fatal(err)
			}
			out.Close()
			in.Close()
			os.Remove(filepath.Join(dir, "dst"))
		}
	})

	b.Run("tus", func(b *testing.B) {
		store, err := OpenDir(filepath.Join(dir, "uploads"))
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		var got int64
		h, err := New(Config{
			Store: store, Sink: store,
			Authenticate: func(*http.Request) (int64, error) { return 1, nil },
			Kinds:        map[string]Kind{"post-video": {MaxLength: size}},
			Complete: func(ctx context.Context, u Upload, f File, hd http.Header) error {
				n, err := f.Seek(0, io.SeekEnd)
				got = n
				return err
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		in, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		defer in.Close()

		stop := sampleHeap()
		b.SetBytes(size)
		for b.Loop() {
			benchUpload(b, srv, in, size)
			if got != size {
				b.Fatalf("Complete saw %d bytes, want %d", got, size)
			}
		}
		b.StopTimer()
		peak := stop()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(vmHWM(b))/(1<<20), "peak-rss-MiB")
	})
}

func benchUpload(b *testing.B, srv *httptest.Server, in *os.File, size int64) {
	req, _ := http.NewRequest("POST", srv.URL+"/upload/", nil)
	req.Header.Set("Tus-Resumable", Version)
	req.Header.Set("Upload-Length", strconv.FormatInt(size, 10))
	req.Header.Set("Upload-Metadata", meta("kind", "post-video"))
	res, err := srv.Client().Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		b.Fatalf("create: %v %v", res, err)
	}
	res.Body.Close()
	loc := srv.URL + res.Header.Get("Location")
	for off := int64(0); off < size; off += benchChunk {
		n := min(benchChunk, size-off)
		// The chunk's own file: given an *os.File of the right length the
		// transport sends it with sendfile, so that the client, in life a
		// browser elsewhere, costs this process little.
		chunk, err := os.Open(chunkName(in.Name(), off))
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest("PATCH", loc, chunk)
		req.ContentLength = n
		req.Header.Set("Tus-Resumable", Version)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
		res, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			b.Fatalf("PATCH at %d: %d", off, res.StatusCode)
		}
	}
}

func writeRandomFile(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{42})
	buf := make([]byte, benchChunk)
	for left := size; left > 0; left -= int64(len(buf)) {
		p := buf[:min(int64(len(buf)), left)]
		r.Read(p)
		if _, err := f.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	// The same bytes in one file per chunk, for the tus client.
	for off := int64(0); off < size; off += benchChunk {
		c, err := os.Create(chunkName(path, off))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(c, io.NewSectionReader(f, off, min(benchChunk, size-off))); err != nil {
			b.Fatal(err)
		}
		// Synced, so that their writeback does not slow what is measured.
		if err := c.Sync(); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

func chunkName(src string, off int64) string {
	return fmt.Sprintf("%s.%d", src, off/benchChunk)
}

// sampleHeap samples the heap in use every 5 ms until the returned func is
// called, which returns the peak.
func sampleHeap() func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// vmHWM reads the process's peak resident set size from /proc.
func vmHWM(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

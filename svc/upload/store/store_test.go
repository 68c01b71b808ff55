package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kin-social/kin/svc/internal/s3test"
)

// backend is one implementation under the common suite.
type backend struct {
	// open returns an empty store.
	open func(t testing.TB) Store
	// litter lists what failed or crashed writes left in s: temporary
	// files, incomplete uploads.
	litter func(t testing.TB, s Store) []string
	// crash leaves in s what a write that crashed long ago leaves.
	crash func(t testing.TB, s Store)
}

func fsBackend() backend {
	return backend{
		open: func(t testing.TB) Store {
			s, err := OpenFS(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		litter: func(t testing.TB, s Store) []string {
			var got []string
			err := fs.WalkDir(s.(*FS).root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), tempPrefix) {
					got = append(got, p)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		},
		crash: func(t testing.TB, s Store) {
			root := s.(*FS).root
			name := NewName()
			d := dir(name)
			tmp := d + "/" + tempPrefix + name + "-crashed"
			if err := root.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := root.WriteFile(tmp, []byte("half"), 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-staleTemp - time.Hour)
			if err := root.Chtimes(tmp, old, old); err != nil {
				t.Fatal(err)
			}
		},
	}
}

func s3Backend(t testing.TB) backend {
	srv := s3test.Need(t)
	var n int
	var mu sync.Mutex
	return backend{
		open: func(t testing.TB) Store {
			mu.Lock()
			n++
			bucket := fmt.Sprintf("media-%d-%d", time.Now().UnixNano()%1e9, n)
			mu.Unlock()
			s, err := OpenS3(S3Config{Endpoint: srv.Endpoint, Bucket: bucket, Region: srv.Region,
				PathStyle: true, Insecure: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.c.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: srv.Region}); err != nil {
				t.Fatalf("make bucket: %v", err)
			}
			return s
		},
		litter: func(t testing.TB, s Store) []string {
			s3 := s.(*S3)
			var got []string
			for u := range s3.c.ListIncompleteUploads(context.Background(), s3.bucket, "", true) {
				if u.Err != nil {
					t.Fatal(u.Err)
				}
				got = append(got, u.Key+" "+u.UploadID)
			}
			return got
		},
		crash: func(t testing.TB, s Store) {
			s3 := s.(*S3)
			if _, err := (minio.Core{Client: s3.c}).NewMultipartUpload(context.Background(), s3.bucket, NewName(), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			// An upload cannot be dated back; instead this store takes
			// every upload as stale.
			s3.stale = -time.Minute
		},
	}
}

func TestFS(t *testing.T) { runSuite(t, fsBackend()) }

func TestS3(t *testing.T) { runSuite(t, s3Backend(t)) }

func runSuite(t *testing.T, b backend) {
	for _, tc := range []struct {
		name string
		f    func(*testing.T, backend)
	}{
		{"RoundTrip", testRoundTrip},
		{"Ranges", testRanges},
		{"Interrupted", testInterrupted},
		{"Concurrent", testConcurrent},
		{"DeleteTwice", testDeleteTwice},
		{"ListByAge", testListByAge},
		{"CrashLitter", testCrashLitter},
		{"Names", testNames},
		{"Streaming", testStreaming},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, b) })
	}
}

// randBytes is n reproducible bytes.
func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func readAll(t testing.TB, s Store, name string) ([]byte, Info) {
	t.Helper()
	o, err := s.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b, o.Info()
}

// onlyReader hides every method but Read, as a network body does.
type onlyReader struct{ io.Reader }

func testRoundTrip(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	for _, size := range []int{0, 1, 4096, 9 << 20} { // 9 MiB: more than one part
		for _, known := range []bool{true, false} {
			t.Run(fmt.Sprintf("%d/known=%v", size, known), func(t *testing.T) {
				want := randBytes(uint64(size), size)
				name := NewName()
				declared := int64(-1)
				if known {
					declared = int64(size)
				}
				start := time.Now().Add(-2 * time.Second)
				put, err := s.Put(ctx, name, onlyReader{bytes.NewReader(want)}, declared)
				if err != nil {
					t.Fatalf("Put: %v", err)
				}
				got, info := readAll(t, s, name)
				if !bytes.Equal(got, want) {
					t.Fatalf("read back %d bytes, want the %d put", len(got), len(want))
				}
				st, err := s.Stat(ctx, name)
				if err != nil {
					t.Fatal(err)
				}
				for _, i := range []Info{put, info, st} {
					if i.Name != name || i.Size != int64(size) || len(i.ETag) < 3 || i.ETag[0] != '"' || i.ETag[len(i.ETag)-1] != '"' {
						t.Errorf("info = %+v, want name %s, size %d, a quoted ETag", i, name, size)
					}
					if i.ModTime.Before(start) || i.ModTime.After(time.Now().Add(2*time.Second)) {
						t.Errorf("ModTime %v, want about now", i.ModTime)
					}
				}
				if put.ETag != st.ETag || info.ETag != st.ETag {
					t.Errorf("ETags of Put %s, Open %s, Stat %s differ", put.ETag, info.ETag, st.ETag)
				}
			})
		}
	}

	// Another content, another ETag, also under the same name.
	a, b2 := NewName(), NewName()
	ia, err := s.Put(ctx, a, strings.NewReader("one"), 3)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := s.Put(ctx, b2, strings.NewReader("two"), 3)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	ia2, err := s.Put(ctx, a, strings.NewReader("uno"), 3)
	if err != nil {
		t.Fatal(err)
	}
	if ia.ETag == ib.ETag || ia.ETag == ia2.ETag {
		t.Errorf("ETags %s, %s, %s of different contents are not all different", ia.ETag, ib.ETag, ia2.ETag)
	}
	if got, _ := readAll(t, s, a); string(got) != "uno" {
		t.Errorf("after a second Put, read %q, want uno", got)
	}

	missing := NewName()
	if _, err := s.Open(ctx, missing); !errors.Is(err, ErrNotExist) {
		t.Errorf("Open of a missing name: %v, want ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, missing); !errors.Is(err, ErrNotExist) {
		t.Errorf("Stat of a missing name: %v, want ErrNotExist", err)
	}
}

func testRanges(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	const size = 100_000
	data := randBytes(7, size)
	name := NewName()
	if _, err := s.Put(ctx, name, bytes.NewReader(data), size); err != nil {
		t.Fatal(err)
	}

	// Seek and read, as a caller taking a range itself does.
	o, err := s.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ off, n int64 }{{0, 10}, {50_000, 1000}, {size - 10, 10}, {3, 3}, {0, size}} {
		if _, err := o.Seek(r.off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r.n)
		if _, err := io.ReadFull(o, got); err != nil {
			t.Fatalf("read %d at %d: %v", r.n, r.off, err)
		}
		if !bytes.Equal(got, data[r.off:r.off+r.n]) {
			t.Errorf("read %d at %d: wrong bytes", r.n, r.off)
		}
	}
	if end, err := o.Seek(0, io.SeekEnd); err != nil || end != size {
		t.Errorf("Seek to the end = %d, %v; want %d", end, err, size)
	}
	if n, err := o.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("read at the end = %d, %v; want 0, EOF", n, err)
	}
	o.Close()

	// Served by http.ServeContent, as /media/ will.
	serve := func(h http.Header) *httptest.ResponseRecorder {
		o, err := s.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		info := o.Info()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/media/"+name, nil)
		req.Header = h
		rec.Header().Set("ETag", info.ETag)
		rec.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(rec, req, "", info.ModTime, o)
		return rec
	}
	for _, tc := range []struct {
		rng    string
		status int
		want   []byte
	}{
		{"bytes=0-9", 206, data[:10]},
		{"bytes=40000-40999", 206, data[40000:41000]},
		{"bytes=-500", 206, data[size-500:]},
		{"bytes=99990-200000", 206, data[99990:]},
		{"bytes=100000-", 416, nil},
		{"bytes=200000-300000", 416, nil},
		{"", 200, data},
	} {
		h := http.Header{}
		if tc.rng != "" {
			h.Set("Range", tc.rng)
		}
		rec := serve(h)
		if rec.Code != tc.status {
			t.Errorf("Range %q: status %d, want %d", tc.rng, rec.Code, tc.status)
			continue
		}
		if tc.want != nil && !bytes.Equal(rec.Body.Bytes(), tc.want) {
			t.Errorf("Range %q: %d bytes, not the %d wanted", tc.rng, rec.Body.Len(), len(tc.want))
		}
	}
	info, err := s.Stat(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(http.Header{"If-None-Match": {info.ETag}}); rec.Code != 304 {
		t.Errorf("If-None-Match with the ETag: status %d, want 304", rec.Code)
	}
	if rec := serve(http.Header{"If-None-Match": {`"other"`}}); rec.Code != 200 {
		t.Errorf("If-None-Match with another ETag: status %d, want 200", rec.Code)
	}
}

// failingReader gives n pseudo-random bytes, then err.
type failingReader struct {
	n   int64
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	f.n -= int64(len(p))
	return len(p), nil
}

// afterReader calls f once n bytes are read, then goes on.
type afterReader struct {
	r    io.Reader
	n    int64
	f    func()
	done bool
}

func (a *afterReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.n -= int64(n)
	if a.n <= 0 && !a.done {
		a.done = true
		a.f()
	}
	return n, err
}

func testInterrupted(t *testing.T, b backend) {
	s := b.open(t)
	errBroken := errors.New("connection cut")
	const mib = 1 << 20
	for _, tc := range []struct {
		name string
		size int64
		r    func(cancel func()) io.Reader
	}{
		{"error/unknown size", -1, func(func()) io.Reader { return &failingReader{n: 20 * mib, err: errBroken} }},
		{"error/known size", 30 * mib, func(func()) io.Reader { return &failingReader{n: 20 * mib, err: errBroken} }},
		{"error/small", 100, func(func()) io.Reader { return &failingReader{n: 50, err: errBroken} }},
		{"shorter than declared", 30 * mib, func(func()) io.Reader { return &failingReader{n: 20 * mib, err: io.EOF} }},
		{"shorter than declared/small", 100, func(func()) io.Reader { return &failingReader{n: 99, err: io.EOF} }},
		{"longer than declared", 10 * mib, func(func()) io.Reader { return &failingReader{n: 20 * mib, err: io.EOF} }},
		{"longer than declared/small", 100, func(func()) io.Reader { return &failingReader{n: 101, err: io.EOF} }},
		{"cancelled", -1, func(cancel func()) io.Reader {
			return &afterReader{r: &failingReader{n: 40 * mib, err: io.EOF}, n: 20 * mib, f: cancel}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			name := NewName()
			if _, err := s.Put(ctx, name, tc.r(cancel), tc.size); err == nil {
				t.Fatal("Put succeeded")
			}
			if _, err := s.Stat(context.Background(), name); !errors.Is(err, ErrNotExist) {
				t.Errorf("after a failed Put, Stat: %v, want ErrNotExist", err)
			}
			for info, err := range s.List(context.Background(), time.Now().Add(time.Hour)) {
				if err != nil {
					t.Fatal(err)
				}
				if info.Name == name {
					t.Errorf("List yields the failed Put's %s", name)
				}
			}
			if l := b.litter(t, s); len(l) > 0 {
				t.Errorf("a failed Put left %q", l)
			}
		})
	}
}

func testConcurrent(t *testing.T, b backend) {
	s := b.open(t)
	const n = 8
	names := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		names[i] = NewName()
		wg.Go(func() {
			data := randBytes(uint64(i), 300_000+i)
			_, errs[i] = s.Put(context.Background(), names[i], onlyReader{bytes.NewReader(data)}, -1)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put %d: %v", i, errs[i])
		}
		got, _ := readAll(t, s, names[i])
		if !bytes.Equal(got, randBytes(uint64(i), 300_000+i)) {
			t.Errorf("object %d read back wrong", i)
		}
	}
}

func testDeleteTwice(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	name := NewName()
	if _, err := s.Put(ctx, name, strings.NewReader("gone soon"), -1); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Delete(ctx, name); err != nil {
			t.Fatalf("Delete %d: %v", i+1, err)
		}
	}
	if _, err := s.Stat(ctx, name); !errors.Is(err, ErrNotExist) {
		t.Errorf("after Delete, Stat: %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctx, NewName()); err != nil {
		t.Errorf("Delete of a name never put: %v", err)
	}
}

func setPage(s Store, n int) {
	switch s := s.(type) {
	case *FS:
		s.page = n
	case *S3:
		s.page = n
	}
}

func listNames(t *testing.T, s Store, before time.Time) []string {
	t.Helper()
	var got []string
	for info, err := range s.List(context.Background(), before) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, info.Name)
	}
	slices.Sort(got)
	return got
}

func testListByAge(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	setPage(s, 3) // many pages
	put := func(n int) []string {
		var names []string
		for range n {
			name := NewName()
			if _, err := s.Put(ctx, name, strings.NewReader(name), -1); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		slices.Sort(names)
		return names
	}
	old := put(40)
	// S3 dates objects to the second.
	time.Sleep(1100 * time.Millisecond)
	cut := time.Now()
	time.Sleep(1100 * time.Millisecond)
	young := put(5)

	if got := listNames(t, s, cut); !slices.Equal(got, old) {
		t.Errorf("List(before the cut) = %d names, want the %d old ones", len(got), len(old))
	}
	if got, all := listNames(t, s, time.Now().Add(time.Minute)), slices.Sorted(slices.Values(append(slices.Clone(old), young...))); !slices.Equal(got, all) {
		t.Errorf("List(after all) = %d names, want %d", len(got), len(all))
	}
	if got := listNames(t, s, cut.Add(-time.Hour)); len(got) != 0 {
		t.Errorf("List(an hour before any) = %q, want none", got)
	}
	// Stopping early is fine, and what was yielded is Stat's.
	n := 0
	for info, err := range s.List(ctx, cut) {
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Stat(ctx, info.Name)
		if err != nil || st.Size != info.Size || st.ETag != info.ETag {
			t.Errorf("List's %+v, Stat's %+v, %v", info, st, err)
		}
		if n++; n == 4 {
			break
		}
	}
	// Deleting what is listed as the prune will do.
	for info, err := range s.List(ctx, cut) {
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, info.Name); err != nil {
			t.Fatal(err)
		}
	}
	if got := listNames(t, s, time.Now().Add(time.Minute)); !slices.Equal(got, young) {
		t.Errorf("after pruning the old, %d names left, want the %d young", len(got), len(young))
	}
}

func testCrashLitter(t *testing.T, b backend) {
	s := b.open(t)
	b.crash(t, s)
	if l := b.litter(t, s); len(l) != 1 {
		t.Fatalf("after a crash, litter %q, want one", l)
	}
	if got := listNames(t, s, time.Now().Add(time.Minute)); len(got) != 0 {
		t.Errorf("List yields %q of a crashed write", got)
	}
	if l := b.litter(t, s); len(l) != 0 {
		t.Errorf("after List, a crashed write still left %q", l)
	}
}

func testNames(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	good := NewName()
	for _, name := range []string{
		"", ".", "..", "../x", "../" + good, good + "/..", "a/b", good + "/x", "/" + good,
		good + "\x00", "\x00" + good, good[:25], strings.ToUpper(good), good + "X",
		good + "-", good + "--1", good + ".", "." + good, good + " x", good + "\n",
		good + "-" + strings.Repeat("a", MaxName), strings.Repeat("1", 30), good + "\\x", good + "%2f",
		"é" + good, good[:10] + "8" + good[11:],
	} {
		if err := ValidName(name); !errors.Is(err, ErrName) {
			t.Errorf("ValidName(%q) = %v, want ErrName", name, err)
		}
		if _, err := s.Put(ctx, name, strings.NewReader("x"), 1); !errors.Is(err, ErrName) {
			t.Errorf("Put(%q) = %v, want ErrName", name, err)
		}
		if _, err := s.Open(ctx, name); !errors.Is(err, ErrName) {
			t.Errorf("Open(%q) = %v, want ErrName", name, err)
		}
		if _, err := s.Stat(ctx, name); !errors.Is(err, ErrName) {
			t.Errorf("Stat(%q) = %v, want ErrName", name, err)
		}
		if err := s.Delete(ctx, name); !errors.Is(err, ErrName) {
			t.Errorf("Delete(%q) = %v, want ErrName", name, err)
		}
	}
	for _, name := range []string{good, good + "-320", good + ".webp", good + "-1024.jpg", strings.Repeat("a", 26)} {
		if err := ValidName(name); err != nil {
			t.Errorf("ValidName(%q) = %v, want nil", name, err)
		}
		if _, err := s.Put(ctx, name, strings.NewReader(name), -1); err != nil {
			t.Errorf("Put(%q): %v", name, err)
		}
	}
	if got := listNames(t, s, time.Now().Add(time.Minute)); len(got) != 5 {
		t.Errorf("List = %q, want the 5 valid names", got)
	}
}

// patternReader gives n bytes of a pattern without holding them.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		x := uint64(p.off + int64(i))
		b[i] = byte(x ^ x>>8 ^ x>>16)
	}
	p.off += int64(len(b))
	return len(b), nil
}

func testStreaming(t *testing.T, b backend) {
	if testing.Short() {
		t.Skip("a 100 MiB Put; not with -short")
	}
	ctx := context.Background()
	s := b.open(t)
	const size = 100 << 20
	for _, declared := range []int64{size, -1} {
		name := NewName()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := before.HeapAlloc
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}()
		_, err := s.Put(ctx, name, &patternReader{n: size}, declared)
		close(stop)
		<-sampled
		if err != nil {
			t.Fatalf("Put of 100 MiB: %v", err)
		}
		grew := int64(peak) - int64(before.HeapAlloc)
		t.Logf("Put of 100 MiB (declared %d): heap grew at most %.1f MiB", declared, float64(grew)/(1<<20))
		// One part buffer (8 MiB) and the client's and server's buffers;
		// holding the file would be 100 MiB.
		if grew > 40<<20 {
			t.Errorf("heap grew by %d MiB during a 100 MiB Put, want it bounded (< 40 MiB)", grew>>20)
		}

		o, err := s.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		h1, h2 := sha256.New(), sha256.New()
		n, err := io.Copy(h1, o)
		o.Close()
		if err != nil || n != size {
			t.Fatalf("read back %d bytes, %v", n, err)
		}
		io.Copy(h2, &patternReader{n: size})
		if !bytes.Equal(h1.Sum(nil), h2.Sum(nil)) {
			t.Error("100 MiB read back differ from those put")
		}
		if err := s.Delete(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkPutGet(b *testing.B) {
	data := randBytes(1, 200<<10)
	b.Run("baseline-os.WriteFile", func(b *testing.B) {
		dir := b.TempDir()
		b.SetBytes(int64(len(data)))
		for i := 0; b.Loop(); i++ {
			p := filepath.Join(dir, fmt.Sprint(i))
			if err := os.WriteFile(p, data, 0o644); err != nil {
				b.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil || len(got) != len(data) {
				b.Fatal(err)
			}
		}
	})
	// The same durable write done by hand: temporary file, sync, rename,
	// directory sync; what the FS store costs beyond it is its own.
	b.Run("baseline-sync-rename", func(b *testing.B) {
		dir := b.TempDir()
		b.SetBytes(int64(len(data)))
		for i := 0; b.Loop(); i++ {
			p := filepath.Join(dir, fmt.Sprint(i))
			f, err := os.Create(p + ".tmp")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(data); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
			if err := os.Rename(p+".tmp", p); err != nil {
				b.Fatal(err)
			}
			d, err := os.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			d.Sync()
			d.Close()
			got, err := os.ReadFile(p)
			if err != nil || len(got) != len(data) {
				b.Fatal(err)
			}
		}
	})
	bench := func(b *testing.B, bk backend) {
		s := bk.open(b)
		ctx := context.Background()
		b.SetBytes(int64(len(data)))
		buf := make([]byte, len(data)+1)
		for b.Loop() {
			name := NewName()
			if _, err := s.Put(ctx, name, bytes.NewReader(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
			o, err := s.Open(ctx, name)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.ReadFull(o, buf)
			o.Close()
			if n != len(data) || err != io.ErrUnexpectedEOF {
				b.Fatalf("read %d, %v", n, err)
			}
		}
	}
	b.Run("fs", func(b *testing.B) { bench(b, fsBackend()) })
	b.Run("s3", func(b *testing.B) { bench(b, s3Backend(b)) })
}

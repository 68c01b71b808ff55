package tus

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir()
	d, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	now := time.Now()
	u := Upload{ID: newID(), Owner: 7, Kind: "avatar", Length: 10, Metadata: map[string]string{"filename": "a.png"}, Created: now, Expires: now.Add(time.Hour)}
	if err := d.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := d.Create(ctx, u); err == nil {
		t.Error("a second Create of one id succeeded")
	}
	if n, err := d.Append(ctx, u.ID, 0, strings.NewReader("abcdef")); n != 6 || err != nil {
		t.Fatalf("Append: %d %v", n, err)
	}
	// Bytes past the recorded offset, as a request that was never
	// acknowledged leaves them, are replaced.
	if n, err := d.Append(ctx, u.ID, 4, strings.NewReader("XYZ")); n != 3 || err != nil {
		t.Fatalf("Append at 4: %d %v", n, err)
	}
	if _, err := d.Append(ctx, u.ID, 9, strings.NewReader("x")); err == nil {
		t.Error("Append past the stored bytes succeeded")
	}
	got, err := d.Get(ctx, u.ID)
	if err != nil || got.Offset != 7 || got.Owner != 7 || got.Metadata["filename"] != "a.png" || !got.Expires.Equal(u.Expires) {
		t.Fatalf("Get: %+v %v", got, err)
	}
	if err := d.SetOffset(ctx, u.ID, 6); err == nil {
		t.Error("SetOffset to an offset the bytes do not end at succeeded")
	}
	// A reader that breaks off: what came before is kept.
	n, err := d.Append(ctx, u.ID, 7, io.MultiReader(strings.NewReader("12"), errReader{}))
	if n != 2 || err == nil {
		t.Fatalf("Append of a broken reader: %d %v", n, err)
	}
	f, err := d.Open(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(b, []byte("abcdXYZ12")) {
		t.Fatalf("bytes %q", b)
	}

	// A new Dir on the directory, as after a restart.
	d2, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if got, err := d2.Get(ctx, u.ID); err != nil || got.Offset != 9 {
		t.Fatalf("after reopening: %+v %v", got, err)
	}
	if exp, err := d2.Expired(ctx, now.Add(time.Hour)); err != nil || len(exp) != 1 || exp[0].ID != u.ID {
		t.Fatalf("Expired: %v %v", exp, err)
	}
	if exp, _ := d2.Expired(ctx, now); len(exp) != 0 {
		t.Fatalf("Expired before its time: %v", exp)
	}

	for _, id := range []string{"../x", "a\x00", strings.Repeat("A", 32), ""} {
		if _, err := d.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", id, err)
		}
		if _, err := d.Append(ctx, id, 0, strings.NewReader("x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Append(%q): %v, want ErrNotFound", id, err)
		}
	}

	// Bytes whose state is gone are removed once old.
	if err := d.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	d.Expired(ctx, now)
	if _, err := os.Stat(filepath.Join(path, u.ID+".bin")); err != nil {
		t.Fatalf("young orphan removed: %v", err)
	}
	d.Expired(ctx, now.Add(2*orphanAge))
	if _, err := os.Stat(filepath.Join(path, u.ID+".bin")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old orphan kept: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestDirGetDuringAppend: HEAD must not report bytes an unfinished Append
// has written but not yet synced.
func TestDirGetDuringAppend(t *testing.T) {
	ctx := context.Background()
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u := Upload{ID: newID(), Length: 4 << 20, Expires: time.Now().Add(time.Hour)}
	if err := d.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan int64)
	go func() {
		n, _ := d.Append(ctx, u.ID, 0, pr)
		done <- n
	}()
	pw.Write(make([]byte, 3<<20)) // more than a buffer: some is written
	if got, err := d.Get(ctx, u.ID); err != nil || got.Offset != 0 {
		t.Fatalf("Get during Append: offset %d %v, want 0", got.Offset, err)
	}
	pw.Close()
	if n := <-done; n != 3<<20 {
		t.Fatalf("Append wrote %d", n)
	}
	if got, _ := d.Get(ctx, u.ID); got.Offset != 3<<20 {
		t.Fatalf("Get after Append: offset %d", got.Offset)
	}
}

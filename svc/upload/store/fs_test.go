package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Two replicas share one directory, as over NFS: what one puts the other
// reads, and racing Puts of one name leave one whole file and no litter.
func TestFSReplicas(t *testing.T) {
	dir := t.TempDir()
	a, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	name := NewName()
	one, two := bytes.Repeat([]byte{1}, 1<<20), bytes.Repeat([]byte{2}, 1<<20)
	var wg sync.WaitGroup
	for _, tc := range []struct {
		s    *FS
		data []byte
	}{{a, one}, {b, two}} {
		wg.Go(func() {
			if _, err := tc.s.Put(ctx, name, bytes.NewReader(tc.data), -1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, _ := readAll(t, a, name)
	if !bytes.Equal(got, one) && !bytes.Equal(got, two) {
		t.Error("racing Puts of one name left a mix")
	}
	if got2, _ := readAll(t, b, name); !bytes.Equal(got, got2) {
		t.Error("the replicas read different bytes")
	}
	if l := fsBackend().litter(t, a); len(l) > 0 {
		t.Errorf("litter %q", l)
	}
	if err := a.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, name); err != nil {
		t.Errorf("the other replica's Delete of a deleted name: %v", err)
	}
}

// A symbolic link planted in the media directory does not lead a Put or
// an Open outside it: os.Root refuses to follow it out.
func TestFSEscape(t *testing.T) {
	media, outside := t.TempDir(), t.TempDir()
	s, err := OpenFS(media)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	name := NewName()
	first, second, _ := strings.Cut(dir(name), "/")
	// outside/second/name is what a followed link would reach.
	if err := os.Mkdir(filepath.Join(outside, second), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, second, name), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(media, first)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(context.Background(), name); err == nil {
		t.Error("Open through a link out of the directory succeeded")
	}
	if _, err := s.Put(context.Background(), name, strings.NewReader("x"), 1); err == nil {
		t.Error("Put through a link out of the directory succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(outside, second, name)); string(b) != "secret" {
		t.Errorf("the file outside now holds %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Join(outside, second)); len(ents) != 1 {
		t.Errorf("Put left %d files outside the directory", len(ents)-1)
	}
}

package tus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"
)

// Dir keeps uploads in one directory, every access through an os.Root:
// the state of upload id in id.json, written once at its creation to a
// temporary name, synced and renamed into place, and its bytes in id.bin.
// It implements Store and Sink, and a new Dir on the same directory, as
// after a restart, carries on with the uploads a former one left.
//
// The offset of an upload is the length of its synced bytes: Append syncs
// before it returns, so the offset it leaves is durable, and recording it
// costs no second write and sync (which halved the throughput of 8 MiB
// PATCHes). While an Append runs, Get reports the offset from before it,
// so that HEAD never tells of bytes not yet synced.
type Dir struct {
	root *os.Root

	mu        sync.Mutex
	appending map[string]int64 // id → offset an Append started from
}

// OpenDir opens (creating it if need be) the directory at path.
func OpenDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("create upload directory: %w", err)
	}
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("open upload directory: %w", err)
	}
	return &Dir{root: root, appending: map[string]int64{}}, nil
}

// Close closes the directory.
func (d *Dir) Close() error { return d.root.Close() }

// copyBuffers bound what one request holds in memory while it copies.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

func checkID(id string) error {
	if !validID(id) {
		return fmt.Errorf("upload id %q: %w", id, ErrNotFound)
	}
	return nil
}

// Create records u in a new state file, with no bytes.
func (d *Dir) Create(ctx context.Context, u Upload) error {
	if err := checkID(u.ID); err != nil {
		return err
	}
	if u.Offset != 0 {
		return fmt.Errorf("create upload %s: offset %d, want 0", u.ID, u.Offset)
	}
	if _, err := d.root.Stat(u.ID + ".json"); err == nil {
		return fmt.Errorf("create upload %s: already exists", u.ID)
	}
	// The bytes first: a state file is never without them.
	f, err := d.root.OpenFile(u.ID+".bin", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create upload %s: %w", u.ID, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create upload %s: %w", u.ID, err)
	}
	return d.put(u)
}

// put writes u's state file atomically and durably.
func (d *Dir) put(u Upload) error {
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encode upload %s: %w", u.ID, err)
	}
	tmp := u.ID + ".json.tmp-" + newID()[:8]
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write upload %s: %w", u.ID, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(tmp, u.ID+".json")
	}
	if err != nil {
		d.root.Remove(tmp)
		return fmt.Errorf("write upload %s: %w", u.ID, err)
	}
	return d.syncDir()
}

// syncDir makes a rename or removal in the directory durable.
func (d *Dir) syncDir() error {
	f, err := d.root.Open(".")
	if err != nil {
		return fmt.Errorf("sync upload directory: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync upload directory: %w", err)
	}
	return nil
}

// Get reads the state of upload id.
func (d *Dir) Get(ctx context.Context, id string) (Upload, error) {
	if err := checkID(id); err != nil {
		return Upload{}, err
	}
	b, err := d.root.ReadFile(id + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return Upload{}, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Upload{}, fmt.Errorf("read upload %s: %w", id, err)
	}
	var u Upload
	if err := json.Unmarshal(b, &u); err != nil {
		return Upload{}, fmt.Errorf("decode upload %s: %w", id, err)
	}
	d.mu.Lock()
	off, busy := d.appending[id]
	d.mu.Unlock()
	if busy {
		u.Offset = off
		return u, nil
	}
	if u.Offset, err = d.size(id); err != nil {
		return Upload{}, err
	}
	return u, nil
}

// size is the length of the upload's bytes.
func (d *Dir) size(id string) (int64, error) {
	fi, err := d.root.Stat(id + ".bin")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("upload %s has no bytes: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("stat upload %s: %w", id, err)
	}
	return fi.Size(), nil
}

// SetOffset checks that the upload's synced bytes end at offset: in a Dir
// they are the record of it.
func (d *Dir) SetOffset(ctx context.Context, id string, offset int64) error {
	if err := checkID(id); err != nil {
		return err
	}
	n, err := d.size(id)
	if err != nil {
		return err
	}
	if n != offset {
		return fmt.Errorf("upload %s has %d bytes, not the offset %d to record", id, n, offset)
	}
	return nil
}

// Delete removes the upload's state file.
func (d *Dir) Delete(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := d.root.Remove(id + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete upload %s: %w", id, err)
	}
	return d.syncDir()
}

// Expired lists the uploads whose state says they expired by now.
func (d *Dir) Expired(ctx context.Context, now time.Time) ([]Upload, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("list uploads: %w", err)
	}
	var out []Upload
	have := map[string]bool{}
	for _, name := range names {
		have[name] = true
	}
	for _, name := range names {
		if id, ok := strings.CutSuffix(name, ".bin"); ok && validID(id) && !have[id+".json"] {
			d.removeOrphan(name, now)
			continue
		}
		id, ok := strings.CutSuffix(name, ".json")
		if !ok || !validID(id) {
			continue
		}
		u, err := d.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if !now.Before(u.Expires) {
			out = append(out, u)
		}
	}
	return out, nil
}

// orphanAge is how old bytes without a state file must be to be removed:
// younger ones may be of a Create under way, which writes them first.
const orphanAge = time.Hour

// removeOrphan removes bytes whose state is gone, as a crash between the
// two removals of an upload leaves them.
func (d *Dir) removeOrphan(name string, now time.Time) {
	if fi, err := d.root.Stat(name); err == nil && now.Sub(fi.ModTime()) > orphanAge {
		d.root.Remove(name)
	}
}

// Append writes r's bytes to the upload's file from offset on, with a
// bounded buffer, and syncs them.
func (d *Dir) Append(ctx context.Context, id string, offset int64, r io.Reader) (int64, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	f, err := d.root.OpenFile(id+".bin", os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("upload %s has no bytes: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("open upload %s: %w", id, err)
	}
	defer f.Close()
	d.mu.Lock()
	d.appending[id] = offset
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.appending, id)
		d.mu.Unlock()
	}()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat upload %s: %w", id, err)
	}
	if fi.Size() < offset {
		return 0, fmt.Errorf("upload %s has %d bytes, fewer than its offset %d", id, fi.Size(), offset)
	}
	if fi.Size() > offset {
		if err := f.Truncate(offset); err != nil {
			return 0, fmt.Errorf("truncate upload %s to %d: %w", id, offset, err)
		}
	}
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := *bp
	var n int64
	for {
		// Fill the buffer before writing: fewer, larger writes.
		m, rerr := fill(r, buf)
		if m > 0 {
			if _, err := f.WriteAt(buf[:m], offset+n); err != nil {
				return n, d.syncAfter(f, id, fmt.Errorf("write upload %s: %w", id, err))
			}
			startWriteback(f, offset+n, int64(m))
			n += int64(m)
		}
		if rerr == io.EOF {
			return n, d.syncAfter(f, id, nil)
		}
		if rerr != nil {
			return n, d.syncAfter(f, id, rerr)
		}
	}
}

// fill reads into buf until it is full or r fails; unlike io.ReadFull it
// tells a clean io.EOF from a reader that broke off.
func fill(r io.Reader, buf []byte) (int, error) {
	m := 0
	for m < len(buf) {
		k, err := r.Read(buf[m:])
		m += k
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

// syncAfter syncs what was written, and returns err, or the sync's error.
func (d *Dir) syncAfter(f *os.File, id string, err error) error {
	if serr := f.Sync(); serr != nil {
		return fmt.Errorf("sync upload %s: %w", id, serr)
	}
	return err
}

// Truncate cuts the upload's bytes back to size.
func (d *Dir) Truncate(ctx context.Context, id string, size int64) error {
	if err := checkID(id); err != nil {
		return err
	}
	f, err := d.root.OpenFile(id+".bin", os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) && size == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open upload %s: %w", id, err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("truncate upload %s: %w", id, err)
	}
	return f.Sync()
}

// Open opens the upload's bytes.
func (d *Dir) Open(ctx context.Context, id string) (File, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	f, err := d.root.Open(id + ".bin")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("upload %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open upload %s: %w", id, err)
	}
	return f, nil
}

// Remove deletes the upload's bytes.
func (d *Dir) Remove(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := d.root.Remove(id + ".bin"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove upload %s: %w", id, err)
	}
	return nil
}

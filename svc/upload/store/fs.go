package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// FS keeps media in a directory, such as the media volume shared by the
// replicas over NFS. Every access goes through an os.Root, so no name can
// reach outside the directory. Files are spread over two levels of
// directories named by the hash of the name (ab/cd/name), written to a
// temporary name in their final directory, synced and renamed into place,
// which is atomic also on NFS.
type FS struct {
	root *os.Root
	// page is how many directory entries List reads at a time.
	page int
	// stale is how old a temporary file is before List removes it.
	stale time.Duration
}

// tempPrefix starts the names of temporary files; no valid name starts
// with a dot, so they never collide with media.
const tempPrefix = ".tmp-"

// OpenFS opens the directory dir, which must exist, as a store.
func OpenFS(dir string) (*FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open media directory: %w", err)
	}
	return &FS{root: root, page: 256, stale: staleTemp}, nil
}

// Close releases the directory.
func (s *FS) Close() error { return s.root.Close() }

// dir is the directory name lives in, inside the root.
func dir(name string) string {
	h := sha256.Sum256([]byte(name))
	x := hex.EncodeToString(h[:2])
	return x[:2] + "/" + x[2:]
}

// Put implements Store.
func (s *FS) Put(ctx context.Context, name string, r io.Reader, size int64) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, fmt.Errorf("put: %w", err)
	}
	d := dir(name)
	if err := s.root.MkdirAll(d, 0o755); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	tmp := path.Join(d, tempPrefix+name+"-"+NewName()[:10])
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			s.root.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, ctxReader{ctx, sized(r, size)}); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	// Synced before the rename, so that a crash never leaves a visible
	// name with a short file behind it.
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("put %s: sync: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	if err := s.root.Rename(tmp, path.Join(d, name)); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	ok = true
	// The directory synced makes the rename itself durable.
	if df, err := s.root.Open(d); err == nil {
		err = df.Sync()
		df.Close()
		if err != nil {
			return Info{}, fmt.Errorf("put %s: sync directory: %w", name, err)
		}
	}
	return fsInfo(name, fi), nil
}

// fsInfo is the Info of a file. Its ETag is made of the size and the
// modification time in nanoseconds: a file is written once under a random
// name, and a rewrite changes the time, so it changes with the content.
func fsInfo(name string, fi fs.FileInfo) Info {
	t := fi.ModTime()
	return Info{
		Name:    name,
		Size:    fi.Size(),
		ModTime: t,
		ETag:    `"` + strconv.FormatInt(fi.Size(), 36) + "-" + strconv.FormatInt(t.UnixNano(), 36) + `"`,
	}
}

// Open implements Store.
func (s *FS) Open(ctx context.Context, name string) (Object, error) {
	if err := ValidName(name); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	f, err := s.root.Open(path.Join(dir(name), name))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return &fsObject{File: f, info: fsInfo(name, fi)}, nil
}

type fsObject struct {
	*os.File
	info Info
}

func (o *fsObject) Info() Info { return o.info }

// Stat implements Store.
func (s *FS) Stat(ctx context.Context, name string) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	fi, err := s.root.Stat(path.Join(dir(name), name))
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", name, err)
	}
	return fsInfo(name, fi), nil
}

// Delete implements Store.
func (s *FS) Delete(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	err := s.root.Remove(path.Join(dir(name), name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// List implements Store. It walks the hashed directories a page of
// entries at a time; directories are kept even when empty, since another
// replica may be writing into one.
func (s *FS) List(ctx context.Context, before time.Time) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		err := s.walk(ctx, ".", 0, before, yield)
		if err != nil && err != errStop {
			yield(Info{}, fmt.Errorf("list media: %w", err))
		}
	}
}

// errStop ends a walk whose consumer stopped.
var errStop = errors.New("stopped")

func (s *FS) walk(ctx context.Context, d string, depth int, before time.Time, yield func(Info, error) bool) error {
	f, err := s.root.Open(d)
	if err != nil {
		return err
	}
	defer f.Close()
	staleBefore := time.Now().Add(-s.stale)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, err := f.ReadDir(s.page)
		for _, e := range ents {
			p := path.Join(d, e.Name())
			if depth < 2 {
				if e.IsDir() && len(e.Name()) == 2 {
					if err := s.walk(ctx, p, depth+1, before, yield); err != nil {
						return err
					}
				}
				continue
			}
			if !e.Type().IsRegular() {
				continue
			}
			fi, ierr := e.Info()
			if errors.Is(ierr, fs.ErrNotExist) {
				continue // deleted or renamed since the directory was read
			}
			if ierr != nil {
				return ierr
			}
			if strings.HasPrefix(e.Name(), tempPrefix) {
				if fi.ModTime().Before(staleBefore) {
					if rerr := s.root.Remove(p); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
						return rerr
					}
				}
				continue
			}
			if ValidName(e.Name()) != nil || !fi.ModTime().Before(before) {
				continue
			}
			if !yield(fsInfo(e.Name(), fi), nil) {
				return errStop
			}
		}
		if err == io.EOF || len(ents) == 0 && err == nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

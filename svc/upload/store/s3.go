package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible store is and how to sign in to it.
type S3Config struct {
	// Endpoint is the server's host[:port], without a scheme.
	Endpoint string
	Bucket   string
	Region   string
	// PathStyle addresses the bucket in the path (endpoint/bucket/name),
	// as most self-hosted servers want, instead of as a subdomain.
	PathStyle bool
	// Insecure talks plain HTTP instead of HTTPS (a server in the cluster
	// or a test).
	Insecure  bool
	AccessKey string
	SecretKey string
}

// partSize is the size of the parts a Put of more (or an unknown size)
// sends, and so the memory one Put holds. With S3's 10,000 parts it
// bounds an object of unknown size to 78 GiB, far above any media limit.
const partSize = 8 << 20

// S3 keeps media in a bucket of an S3-compatible store. An object is
// visible only once its upload completes, so Put writes straight to the
// final key; a multipart upload that fails is aborted.
type S3 struct {
	c      *minio.Client
	bucket string
	// page is how many keys List asks for at a time.
	page int
	// stale is how old an incomplete upload is before List aborts it.
	stale time.Duration
}

// OpenS3 returns a store on the bucket of cfg, which must exist.
func OpenS3(cfg S3Config) (*S3, error) {
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       !cfg.Insecure,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("open S3 store %s: %w", cfg.Endpoint, err)
	}
	return &S3{c: c, bucket: cfg.Bucket, page: 1000, stale: staleTemp}, nil
}

// s3Err maps a missing key to ErrNotExist.
func s3Err(err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return fmt.Errorf("%w (%v)", ErrNotExist, err)
	}
	return err
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, name string, r io.Reader, size int64) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, fmt.Errorf("put: %w", err)
	}
	_, err := s.c.PutObject(ctx, s.bucket, name, ctxReader{ctx, sized(r, size)}, size, minio.PutObjectOptions{
		PartSize:    partSize,
		ContentType: "application/octet-stream",
	})
	if err != nil {
		// minio-go aborts a failed multipart upload with ctx, which does
		// not work once ctx is cancelled: abort it again without.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		s.c.RemoveIncompleteUpload(actx, s.bucket, name)
		return Info{}, fmt.Errorf("put %s: %w", name, err)
	}
	// The upload's answer has no modification time; ask for it.
	return s.Stat(ctx, name)
}

func s3Info(oi minio.ObjectInfo) Info {
	return Info{Name: oi.Key, Size: oi.Size, ModTime: oi.LastModified, ETag: `"` + trimQuotes(oi.ETag) + `"`}
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, name string) (Info, error) {
	if err := ValidName(name); err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	oi, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", name, s3Err(err))
	}
	return s3Info(oi), nil
}

// Open implements Store. It asks for the object's description first, so
// that a missing name fails here; the first read after a Seek is one
// ranged GET from there to the end, pinned to the version opened by its
// ETag, and read only as far as the caller reads.
func (s *S3) Open(ctx context.Context, name string) (Object, error) {
	info, err := s.Stat(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return &s3Object{ctx: ctx, s: s, info: info}, nil
}

// s3Object reads an object by ranged GETs: one from the offset sought to
// the end, read as far as the caller reads, replaced on the next Seek.
type s3Object struct {
	ctx  context.Context
	s    *S3
	info Info
	off  int64
	body io.ReadCloser // nil until read, or after a Seek
}

func (o *s3Object) Info() Info { return o.info }

func (o *s3Object) Read(p []byte) (int, error) {
	if o.off >= o.info.Size {
		return 0, io.EOF
	}
	if o.body == nil {
		opts := minio.GetObjectOptions{}
		if err := opts.SetRange(o.off, o.info.Size-1); err != nil {
			return 0, err
		}
		if err := opts.SetMatchETag(trimQuotes(o.info.ETag)); err != nil {
			return 0, err
		}
		body, _, _, err := minio.Core{Client: o.s.c}.GetObject(o.ctx, o.s.bucket, o.info.Name, opts)
		if err != nil {
			return 0, fmt.Errorf("read %s at %d: %w", o.info.Name, o.off, s3Err(err))
		}
		o.body = body
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	if err == io.EOF && o.off < o.info.Size {
		err = fmt.Errorf("read %s: ended at %d of %d bytes: %w", o.info.Name, o.off, o.info.Size, io.ErrUnexpectedEOF)
	}
	return n, err
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.off
	case io.SeekEnd:
		offset += o.info.Size
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	if offset != o.off && o.body != nil {
		o.body.Close()
		o.body = nil
	}
	o.off = offset
	return offset, nil
}

func (o *s3Object) Close() error {
	if o.body != nil {
		err := o.body.Close()
		o.body = nil
		return err
	}
	return nil
}

// Delete implements Store. S3 answers a delete of a missing key with
// success.
func (s *S3) Delete(ctx context.Context, name string) error {
	if err := ValidName(name); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete %s: %w", name, s3Err(err))
	}
	return nil
}

// List implements Store, a page of keys at a time by ListObjectsV2, then
// aborts the multipart uploads that crashed Puts left behind.
func (s *S3) List(ctx context.Context, before time.Time) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // ends minio-go's listing if the consumer stops
		for oi := range s.c.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true, MaxKeys: s.page}) {
			if oi.Err != nil {
				yield(Info{}, fmt.Errorf("list media: %w", oi.Err))
				return
			}
			if ValidName(oi.Key) != nil || !oi.LastModified.Before(before) {
				continue
			}
			if !yield(s3Info(oi), nil) {
				return
			}
		}
		if err := s.abortStale(ctx); err != nil {
			yield(Info{}, err)
		}
	}
}

// abortStale aborts the multipart uploads begun more than s.stale ago.
func (s *S3) abortStale(ctx context.Context) error {
	stale := time.Now().Add(-s.stale)
	for u := range s.c.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if u.Err != nil {
			return fmt.Errorf("list incomplete uploads: %w", u.Err)
		}
		if !u.Initiated.Before(stale) {
			continue
		}
		err := minio.Core{Client: s.c}.AbortMultipartUpload(ctx, s.bucket, u.Key, u.UploadID)
		if err != nil && minio.ToErrorResponse(err).Code != "NoSuchUpload" {
			return fmt.Errorf("abort upload %s of %s: %w", u.UploadID, u.Key, err)
		}
	}
	return nil
}

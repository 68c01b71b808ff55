package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// certificates serves the certificate in a directory mounted from a
// kubernetes.io/tls Secret and follows its renewal. The kubelet writes a
// renewed Secret into a new directory and swaps the ..data symlink to it
// atomically; tls.crt and tls.key are symlinks through ..data, so stat
// sees new files (another inode, size or time) as soon as the swap is
// done. A stat of both files on each handshake is cheap next to the
// handshake itself, so a renewal is served from the next connection on.
// Files written in place, one after the other, may be caught half
// written or mismatched: the last good certificate stays until they
// load.
type certificates struct {
	dir string
	log *slog.Logger

	mu     sync.Mutex
	cert   *tls.Certificate
	served [2]os.FileInfo // the files cert was loaded from
	failed [2]os.FileInfo // the files that last failed to load, not to retry them on every handshake
	gone   bool           // the files could not be stat'ed at the last handshake
}

// loadCertificates loads the certificate in dir; a directory without a
// valid pair is an error, so that a misconfigured pod fails at start.
func loadCertificates(dir string, log *slog.Logger) (*certificates, error) {
	c := &certificates{dir: dir, log: log}
	files, err := c.stat()
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate from %s: %w", dir, err)
	}
	cert, err := c.load()
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate from %s: %w", dir, err)
	}
	c.cert, c.served = cert, files
	log.Info("TLS certificate loaded", certAttrs(cert)...)
	return c, nil
}

func (c *certificates) stat() ([2]os.FileInfo, error) {
	var fi [2]os.FileInfo
	for i, name := range []string{"tls.crt", "tls.key"} {
		var err error
		if fi[i], err = os.Stat(filepath.Join(c.dir, name)); err != nil {
			return fi, err
		}
	}
	return fi, nil
}

func (c *certificates) load() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(c.dir, "tls.crt"), filepath.Join(c.dir, "tls.key"))
	if err != nil {
		return nil, err
	}
	return &cert, nil
}

// get is tls.Config.GetCertificate: it reloads the pair when its files
// changed, and otherwise, or when the new files do not load, returns the
// last good certificate.
func (c *certificates) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	files, err := c.stat()
	if err != nil {
		if !c.gone {
			c.gone = true
			c.log.Warn("TLS certificate files unreadable: serving the previous certificate", "dir", c.dir, "err", err.Error())
		}
		return c.cert, nil
	}
	c.gone = false
	if sameFiles(files, c.served) || sameFiles(files, c.failed) {
		return c.cert, nil
	}
	// Stat before reading: if the files change again meanwhile, the next
	// handshake sees that and loads once more.
	cert, err := c.load()
	if err != nil {
		c.failed = files
		c.log.Warn("TLS certificate does not load: serving the previous certificate", "dir", c.dir, "err", err.Error())
		return c.cert, nil
	}
	c.cert, c.served, c.failed = cert, files, [2]os.FileInfo{}
	c.log.Info("TLS certificate reloaded", certAttrs(cert)...)
	return c.cert, nil
}

func sameFiles(a, b [2]os.FileInfo) bool {
	for i := range a {
		if a[i] == nil || b[i] == nil || !os.SameFile(a[i], b[i]) ||
			a[i].Size() != b[i].Size() || !a[i].ModTime().Equal(b[i].ModTime()) {
			return false
		}
	}
	return true
}

// certAttrs describes a certificate for the log: public facts only.
func certAttrs(cert *tls.Certificate) []any {
	leaf := cert.Leaf
	if leaf == nil && len(cert.Certificate) > 0 {
		leaf, _ = x509.ParseCertificate(cert.Certificate[0])
	}
	if leaf == nil {
		return nil
	}
	return []any{"subject", leaf.Subject.String(), "dns_names", leaf.DNSNames,
		"serial", leaf.SerialNumber.String(), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339)}
}

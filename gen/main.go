// Command gen renders Kin's Kubernetes manifests from the site spec into out/.
//
// Usage:
//
//	go run ./gen [-site site.yaml] [-out out] [-check]
//
// With -check it writes nothing and exits non-zero, listing the files, when out/
// differs from what the spec renders (CI's drift check).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kin-social/kin/gen/render"
	"github.com/kin-social/kin/gen/site"
)

func main() {
	specPath := flag.String("site", "site.yaml", "the site spec")
	outDir := flag.String("out", "out", "the directory to render into")
	check := flag.Bool("check", false, "write nothing; fail listing the files if -out is not what -site renders")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./gen [-site site.yaml] [-out out] [-check]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*specPath, *outDir, *check); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run(specPath, outDir string, check bool) error {
	s, err := site.Load(specPath)
	if err != nil {
		return err
	}
	files, err := render.Render(s)
	if err != nil {
		return fmt.Errorf("render %s: %w", specPath, err)
	}
	diffs, err := compare(files, outDir)
	if err != nil {
		return err
	}
	if check {
		if len(diffs) == 0 {
			return nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s is stale: run go run ./gen and commit the result:", outDir)
		for _, d := range diffs {
			fmt.Fprintf(&b, "\n\t%s", d)
		}
		return errors.New(b.String())
	}
	return write(files, outDir, diffs)
}

// diff is one file of out/ that differs from the rendering.
type diff struct {
	name   string
	reason string // "changed", "missing" or "not generated"
}

func (d diff) String() string { return d.name + " (" + d.reason + ")" }

// compare lists the files of dir that differ from files, missing ones, and the
// generated files of dir that are no longer rendered, sorted by name.
func compare(files []render.File, dir string) ([]diff, error) {
	var diffs []diff
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		have, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Name)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, diff{filepath.ToSlash(filepath.Join(dir, f.Name)), "missing"})
		case err != nil:
			return nil, fmt.Errorf("compare: %w", err)
		case !bytes.Equal(have, f.Data):
			diffs = append(diffs, diff{filepath.ToSlash(filepath.Join(dir, f.Name)), "changed"})
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if want[filepath.ToSlash(rel)] || !generated(path) {
			return nil
		}
		diffs = append(diffs, diff{filepath.ToSlash(path), "not generated"})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	slices.SortFunc(diffs, func(a, b diff) int { return strings.Compare(a.name, b.name) })
	return diffs, nil
}

// generated reports whether the file at path was written by gen (starts with its
// header), so that files someone else put into out/ are never deleted.
func generated(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, len(render.Header))
	n, _ := f.Read(buf)
	return string(buf[:n]) == render.Header
}

// write writes the files that differ and removes the generated files no longer rendered.
func write(files []render.File, dir string, diffs []diff) error {
	stale := map[string]string{}
	for _, d := range diffs {
		stale[d.name] = d.reason
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if _, ok := stale[filepath.ToSlash(p)]; !ok {
			continue // unchanged: keep its modification time
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
	for name, reason := range stale {
		if reason == "not generated" {
			if err := os.Remove(filepath.FromSlash(name)); err != nil {
				return fmt.Errorf("remove stale file: %w", err)
			}
		}
	}
	return nil
}

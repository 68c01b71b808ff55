// Package assets serves a web client's static files under names that carry
// a hash of their content (js/app.js is served as /assets/js/app.3f9a1c2b.js),
// so browsers may cache them for a year and still never run a stale file.
//
// The names are computed when the program starts, from the files themselves:
// there is no build step. References between files are rewritten to the
// hashed names first (ES-module import specifiers in JavaScript, url() and
// @import in CSS), and a file is hashed after its references are rewritten,
// so changing a module changes the name of every module that imports it,
// directly or not.
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// hashLen is the number of hex digits of the SHA-256 content hash kept in a
// file's name: enough that two versions of one file never share a name in
// practice, short enough to read in a log.
const hashLen = 8

// contentTypes maps the extensions a Set accepts to their Content-Type.
// A file with any other extension is an error at start-up rather than a
// response browsers might sniff or refuse.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

// ContentType returns the Content-Type served for a file name's extension,
// or "" when Sets do not serve that kind of file.
func ContentType(name string) string { return contentTypes[path.Ext(name)] }

// file is one asset as served.
type file struct {
	name string   // logical name, such as "js/app.js"
	url  string   // hashed URL, such as "/assets/js/app.3f9a1c2b.js"
	deps []string // logical names of the files it references
	body *Body
}

// A Set is the hashed files of one directory tree, ready to serve.
type Set struct {
	prefix string
	byName map[string]*file
	byURL  map[string]*file
}

// New reads every file of fsys and returns them as a Set served under
// prefix, which must begin and end with a slash (such as "/assets/").
// It fails when a file has an extension it does not know, when a reference
// names a file fsys does not hold, or when modules import each other in a
// cycle (their hashes would depend on each other).
func New(fsys fs.FS, prefix string) (*Set, error) {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("assets: prefix %q must begin and end with a slash", prefix)
	}
	raw := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ContentType(name) == "" {
			return fmt.Errorf("%s: unknown file type %q: add it to the content types or remove the file", name, path.Ext(name))
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		raw[name] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}

	s := &Set{prefix: prefix, byName: map[string]*file{}, byURL: map[string]*file{}}
	refs := map[string][]ref{}
	for name, b := range raw {
		rs, err := findRefs(name, b, prefix)
		if err != nil {
			return nil, fmt.Errorf("assets: %w", err)
		}
		for _, r := range rs {
			if _, ok := raw[r.target]; !ok {
				return nil, fmt.Errorf("assets: %s: %q refers to %s, which does not exist", name, r.spec, r.target)
			}
		}
		refs[name] = rs
	}
	order, err := dependencyOrder(raw, refs)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	for _, name := range order {
		body := rewrite(raw[name], refs[name], s.byName, prefix)
		sum := sha256.Sum256(body)
		f := &file{
			name: name,
			url:  prefix + hashedName(name, hex.EncodeToString(sum[:])[:hashLen]),
			body: NewBody(ContentType(name), body),
		}
		for _, r := range refs[name] {
			if !slices.Contains(f.deps, r.target) {
				f.deps = append(f.deps, r.target)
			}
		}
		s.byName[name] = f
		s.byURL[f.url] = f
	}
	return s, nil
}

// hashedName inserts the hash before the extension: js/app.js becomes
// js/app.3f9a1c2b.js.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// URL returns the hashed URL of the file with the logical name (its path in
// the Set's file system, such as "js/app.js").
func (s *Set) URL(name string) (string, error) {
	f, ok := s.byName[name]
	if !ok {
		return "", fmt.Errorf("assets: no file %s", name)
	}
	return f.url, nil
}

// Imports returns the hashed URLs of every file that the named one
// references, directly or not, in a stable order, so a page can preload a
// module's whole graph instead of discovering it one round trip at a time.
func (s *Set) Imports(name string) ([]string, error) {
	if _, ok := s.byName[name]; !ok {
		return nil, fmt.Errorf("assets: no file %s", name)
	}
	var urls []string
	seen := map[string]bool{name: true}
	var walk func(string)
	walk = func(n string) {
		for _, d := range s.byName[n].deps {
			if seen[d] {
				continue
			}
			seen[d] = true
			urls = append(urls, s.byName[d].url)
			walk(d)
		}
	}
	walk(name)
	return urls, nil
}

// Names returns the logical names of the Set's files, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ref is one reference from a file to another inside the Set.
type ref struct {
	start, end int    // byte offsets of the specifier in the referring file
	spec       string // the specifier as written, such as "../common.js"
	target     string // the logical name it resolves to
}

var (
	// jsImport matches the module specifier of static imports and
	// re-exports (`import x from "./a.js"`, `import "./a.js"`,
	// `export {x} from "./a.js"`) and of dynamic imports (`import("./a.js")`).
	// Group 1 is the specifier without its quotes.
	jsImport = regexp.MustCompile(`(?:\bfrom|\bimport)\s*\(?\s*["']([^"'\r\n]+)["']`)
	// cssURL matches url(...) and @import "..." in style sheets.
	cssURL = regexp.MustCompile(`url\(\s*["']?([^"'()\s]+)["']?\s*\)|@import\s+["']([^"']+)["']`)
)

// findRefs returns the references of one file to files of the Set.
// Specifiers that are not relative ("./", "../") nor under prefix, such as
// bare module names or other origins, are left alone.
func findRefs(name string, b []byte, prefix string) ([]ref, error) {
	var re *regexp.Regexp
	switch path.Ext(name) {
	case ".js", ".mjs":
		re = jsImport
	case ".css":
		re = cssURL
	default:
		return nil, nil
	}
	var refs []ref
	for _, m := range re.FindAllSubmatchIndex(b, -1) {
		start, end := m[2], m[3]
		if start < 0 && len(m) > 5 {
			start, end = m[4], m[5]
		}
		if start < 0 {
			continue
		}
		spec := string(b[start:end])
		target, ok, err := resolve(name, spec, prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			refs = append(refs, ref{start: start, end: end, spec: spec, target: target})
		}
	}
	return refs, nil
}

// resolve returns the logical name that spec, written in file from, names.
// ok is false for specifiers that point outside the Set by design.
func resolve(from, spec, prefix string) (target string, ok bool, err error) {
	// A query or fragment would not survive the rename; none is needed.
	if strings.ContainsAny(spec, "?#") {
		if strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, prefix) {
			return "", false, fmt.Errorf("%q: remove the query or fragment", spec)
		}
		return "", false, nil
	}
	switch {
	case strings.HasPrefix(spec, "./"), strings.HasPrefix(spec, "../"):
		target = path.Join(path.Dir(from), spec)
		if target == ".." || strings.HasPrefix(target, "../") {
			return "", false, fmt.Errorf("%q leaves the asset directory", spec)
		}
		return target, true, nil
	case strings.HasPrefix(spec, prefix):
		return path.Clean(strings.TrimPrefix(spec, prefix)), true, nil
	}
	return "", false, nil
}

// dependencyOrder returns the file names so that every file comes after
// the files it references, or an error naming an import cycle.
func dependencyOrder(raw map[string][]byte, refs map[string][]ref) ([]string, error) {
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	slices.Sort(names) // deterministic order, and so deterministic errors

	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var order, stack []string
	var visit func(string) error
	visit = func(n string) error {
		switch state[n] {
		case done:
			return nil
		case visiting:
			i := slices.Index(stack, n)
			return errors.New("reference cycle: " + strings.Join(append(stack[i:], n), " -> ") +
				": break it, since each file's name hashes the names of the files it references")
		}
		state[n] = visiting
		stack = append(stack, n)
		for _, r := range refs[n] {
			if err := visit(r.target); err != nil {
				return err
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// rewrite returns b with every reference replaced by the hashed name of its
// target, which must already be in byName. Relative specifiers stay
// relative (only their last element changes), so modules resolve the same
// way wherever the Set is mounted.
func rewrite(b []byte, refs []ref, byName map[string]*file, prefix string) []byte {
	if len(refs) == 0 {
		return b
	}
	var out []byte
	last := 0
	for _, r := range refs {
		url := byName[r.target].url
		spec := url
		if !strings.HasPrefix(r.spec, prefix) {
			dir, _ := path.Split(r.spec)
			spec = dir + path.Base(url)
		}
		out = append(out, b[last:r.start]...)
		out = append(out, spec...)
		last = r.end
	}
	return append(out, b[last:]...)
}

package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// Load reads, strictly decodes, defaults and validates the spec at path.
func Load(path string) (*Site, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load site spec: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Parse does the same for bytes already read.
func Parse(data []byte) (*Site, error) {
	s, err := decode(data)
	if err != nil {
		return nil, err
	}
	s.Default()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// decode decodes data strictly: YAML syntax and duplicate keys first, then every
// unknown field at once (with its path and the fields that are known there), then types.
func decode(data []byte) (*Site, error) {
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	var raw any
	if err := json.Unmarshal(j, &raw); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	if raw == nil {
		return nil, Errors{{Path: "", Msg: "the spec is empty: start from the repository's site.yaml"}}
	}
	var errs Errors
	unknownFields(raw, reflect.TypeFor[Site](), "", &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	var s Site
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, Errors{{Path: te.Field, Msg: fmt.Sprintf("is %s, must be %s", te.Value, typeName(te.Type))}}
		}
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &s, nil
}

// unknownFields reports every key of v that t (a struct, slice or scalar type) does not declare.
// encoding/json matches keys case-insensitively and stops at the first unknown key; this walk
// is exact and collects them all.
func unknownFields(v any, t reflect.Type, path string, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return // a type error, reported by the decoder
		}
		fields := map[string]reflect.Type{}
		var names []string
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := join(path, k)
			ft, ok := fields[k]
			if !ok {
				*errs = append(*errs, Error{Path: p, Msg: "unknown field: " + suggest(k, names)})
				continue
			}
			unknownFields(m[k], ft, p, errs)
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range a {
			unknownFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	}
}

// suggest says which known field was probably meant, or lists them all.
func suggest(k string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return fmt.Sprintf("did you mean %q? (field names are case-sensitive)", n)
		}
	}
	for _, n := range names {
		if editDistance(n, k) <= 2 {
			return fmt.Sprintf("did you mean %q?", n)
		}
	}
	return "known fields here: " + strings.Join(names, ", ")
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// Error is one problem of a spec: the field's path and what is wrong and what to do.
type Error struct {
	Path string
	Msg  string
}

// Error returns "path: message", or the message alone for the whole spec.
func (e Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Errors are all the problems of a spec, in field order.
type Errors []Error

// Error returns the one problem, or "N problems:" followed by one per line.
func (es Errors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(es))
	for _, e := range es {
		b.WriteString("\n\t")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Package crd checks objects of custom resource kinds (cert-manager's Certificate,
// Argo CD's Application) against the openAPIV3Schema of their
// CustomResourceDefinitions, as the API server would: unknown fields, types,
// required fields, enums, patterns, lengths and bounds. CEL rules
// (x-kubernetes-validations) are not evaluated.
package crd

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"
)

//go:embed crds/*.yaml
var crdFS embed.FS

// Schema is the part of an OpenAPI v3 structural schema that CRDs use.
type Schema struct {
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Properties           map[string]*Schema `json:"properties"`
	Required             []string           `json:"required"`
	Items                *Schema            `json:"items"`
	AdditionalProperties *Additional        `json:"additionalProperties"`
	Enum                 []any              `json:"enum"`
	Nullable             bool               `json:"nullable"`
	Pattern              string             `json:"pattern"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	AnyOf                []*Schema          `json:"anyOf"`
	OneOf                []*Schema          `json:"oneOf"`
	AllOf                []*Schema          `json:"allOf"`
	PreserveUnknown      bool               `json:"x-kubernetes-preserve-unknown-fields"`
	IntOrString          bool               `json:"x-kubernetes-int-or-string"`
	EmbeddedResource     bool               `json:"x-kubernetes-embedded-resource"`

	re     *regexp.Regexp
	reErr  error
	reOnce sync.Once
}

// Additional is additionalProperties: a schema, or true/false.
type Additional struct {
	Allowed bool
	Schema  *Schema
}

// UnmarshalJSON reads a boolean or a schema.
func (a *Additional) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &a.Allowed); err == nil {
		return nil
	}
	a.Allowed = true
	return json.Unmarshal(b, &a.Schema)
}

type definition struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Served bool   `json:"served"`
			Schema struct {
				OpenAPIV3Schema *Schema `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

// Schemas maps "apiVersion kind" (e.g. "cert-manager.io/v1 Certificate") to the schema.
type Schemas map[string]*Schema

// Parse reads CustomResourceDefinitions (one per document) and returns the
// schema of every served version.
func Parse(docs ...[]byte) (Schemas, error) {
	out := Schemas{}
	for _, d := range docs {
		var def definition
		if err := yaml.Unmarshal(d, &def); err != nil {
			return nil, fmt.Errorf("parse CRD: %w", err)
		}
		for _, v := range def.Spec.Versions {
			if !v.Served || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			out[def.Spec.Group+"/"+v.Name+" "+def.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
		}
	}
	return out, nil
}

// Embedded returns the schemas of the CRDs in crds/, parsed once.
var Embedded = sync.OnceValues(func() (Schemas, error) {
	entries, err := crdFS.ReadDir("crds")
	if err != nil {
		return nil, err
	}
	var docs [][]byte
	for _, e := range entries {
		b, err := crdFS.ReadFile("crds/" + e.Name())
		if err != nil {
			return nil, err
		}
		docs = append(docs, b)
	}
	return Parse(docs...)
})

// Has reports whether there is a schema for apiVersion and kind.
func (s Schemas) Has(apiVersion, kind string) bool {
	_, ok := s[apiVersion+" "+kind]
	return ok
}

// Validate checks obj, a decoded YAML or JSON object, against the schema of its
// apiVersion and kind and returns every problem found, each naming its field path.
func (s Schemas) Validate(obj map[string]any) []error {
	av, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	sch, ok := s[av+" "+kind]
	if !ok {
		return []error{fmt.Errorf("no CustomResourceDefinition for apiVersion %q kind %q", av, kind)}
	}
	var errs []error
	v := validator{errs: &errs}
	// The API server handles apiVersion, kind and metadata itself.
	rest := make(map[string]any, len(obj))
	for k, val := range obj {
		if k != "apiVersion" && k != "kind" {
			rest[k] = val
		}
	}
	if md, ok := obj["metadata"]; ok {
		if _, ok := md.(map[string]any); !ok {
			v.add("metadata", "must be an object")
		}
		delete(rest, "metadata")
	}
	if _, ok := obj["metadata"]; !ok && slices.Contains(sch.Required, "metadata") {
		v.add("metadata", "required field is missing")
	}
	root := &Schema{
		Type:       "object",
		Properties: maps(sch.Properties, "apiVersion", "kind", "metadata"),
		Required: slices.DeleteFunc(slices.Clone(sch.Required), func(r string) bool {
			return r == "apiVersion" || r == "kind" || r == "metadata"
		}),
	}
	v.check("", rest, root)
	return errs
}

func maps(p map[string]*Schema, drop ...string) map[string]*Schema {
	out := make(map[string]*Schema, len(p))
	for k, v := range p {
		if !slices.Contains(drop, k) {
			out[k] = v
		}
	}
	return out
}

type validator struct {
	errs *[]error
	// partial is set inside anyOf/oneOf/allOf branches: they constrain values,
	// the enclosing schema decides which fields exist.
	partial bool
}

func (v validator) add(path, format string, args ...any) {
	if path == "" {
		path = "(root)"
	}
	*v.errs = append(*v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func (v validator) check(path string, val any, s *Schema) {
	if val == nil {
		if !s.Nullable && !s.PreserveUnknown {
			v.add(path, "must not be null")
		}
		return
	}
	if s.IntOrString {
		switch x := val.(type) {
		case string:
		case float64:
			if x != math.Trunc(x) {
				v.add(path, "must be an integer or a string, not %v", x)
			}
		default:
			v.add(path, "must be an integer or a string, not %s", typeOf(val))
		}
	} else {
		switch s.Type {
		case "object":
			m, ok := val.(map[string]any)
			if !ok {
				v.add(path, "must be an object, not %s", typeOf(val))
				return
			}
			v.object(path, m, s)
		case "array":
			a, ok := val.([]any)
			if !ok {
				v.add(path, "must be an array, not %s", typeOf(val))
				return
			}
			if s.MinItems != nil && len(a) < *s.MinItems {
				v.add(path, "must have at least %d items, has %d", *s.MinItems, len(a))
			}
			if s.MaxItems != nil && len(a) > *s.MaxItems {
				v.add(path, "must have at most %d items, has %d", *s.MaxItems, len(a))
			}
			if s.Items != nil {
				for i, e := range a {
					v.check(fmt.Sprintf("%s[%d]", path, i), e, s.Items)
				}
			}
		case "string":
			str, ok := val.(string)
			if !ok {
				v.add(path, "must be a string, not %s", typeOf(val))
				return
			}
			v.str(path, str, s)
		case "integer":
			n, ok := val.(float64)
			if !ok || n != math.Trunc(n) {
				v.add(path, "must be an integer, not %s", typeOf(val))
				return
			}
			v.number(path, n, s)
		case "number":
			n, ok := val.(float64)
			if !ok {
				v.add(path, "must be a number, not %s", typeOf(val))
				return
			}
			v.number(path, n, s)
		case "boolean":
			if _, ok := val.(bool); !ok {
				v.add(path, "must be a boolean, not %s", typeOf(val))
			}
		case "":
			if m, ok := val.(map[string]any); ok && (s.Properties != nil || s.AdditionalProperties != nil) {
				v.object(path, m, s)
			}
		}
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(val) }) {
		v.add(path, "%v is not one of %v", val, s.Enum)
	}
	sub := validator{errs: new([]error), partial: true}
	for _, a := range s.AllOf {
		sub.check(path, val, a)
	}
	*v.errs = append(*v.errs, *sub.errs...)
	if len(s.AnyOf) > 0 && v.matching(path, val, s.AnyOf) == 0 {
		v.add(path, "matches none of the allowed forms (anyOf)")
	}
	if len(s.OneOf) > 0 {
		if n := v.matching(path, val, s.OneOf); n != 1 {
			v.add(path, "must match exactly one of the allowed forms (oneOf), matches %d", n)
		}
	}
}

func (v validator) matching(path string, val any, alts []*Schema) int {
	n := 0
	for _, a := range alts {
		sub := validator{errs: new([]error), partial: true}
		sub.check(path, val, a)
		if len(*sub.errs) == 0 {
			n++
		}
	}
	return n
}

func (v validator) object(path string, m map[string]any, s *Schema) {
	for _, r := range s.Required {
		if _, ok := m[r]; !ok {
			v.add(join(path, r), "required field is missing")
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := join(path, k)
		if ps, ok := s.Properties[k]; ok {
			v.check(p, m[k], ps)
			continue
		}
		switch {
		case s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil:
			v.check(p, m[k], s.AdditionalProperties.Schema)
		case s.AdditionalProperties != nil && s.AdditionalProperties.Allowed,
			s.PreserveUnknown, s.EmbeddedResource && (k == "apiVersion" || k == "kind" || k == "metadata"), v.partial:
		default:
			v.add(p, "unknown field")
		}
	}
}

func (v validator) str(path, str string, s *Schema) {
	n := len([]rune(str))
	if s.MinLength != nil && n < *s.MinLength {
		v.add(path, "must be at least %d characters long", *s.MinLength)
	}
	if s.MaxLength != nil && n > *s.MaxLength {
		v.add(path, "must be at most %d characters long", *s.MaxLength)
	}
	if s.Pattern != "" {
		s.reOnce.Do(func() { s.re, s.reErr = regexp.Compile(s.Pattern) })
		// Patterns Go's RE2 cannot compile (ECMA look-arounds) are left to the API server.
		if s.reErr == nil && !s.re.MatchString(str) {
			v.add(path, "%q does not match the pattern %s", str, s.Pattern)
		}
	}
}

func (v validator) number(path string, n float64, s *Schema) {
	if s.Minimum != nil && n < *s.Minimum {
		v.add(path, "must be at least %v", *s.Minimum)
	}
	if s.Maximum != nil && n > *s.Maximum {
		v.add(path, "must be at most %v", *s.Maximum)
	}
}

func typeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", v), "*")
}

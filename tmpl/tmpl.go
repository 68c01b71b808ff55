// Package tmpl holds the text/templates gen renders Kubernetes manifests with,
// one per manifest kind (plus the shared pod and metadata partials). Every value
// from the site spec reaches a template through the quoting function q, which
// writes it as a JSON string: JSON strings are valid YAML scalars, so no value can
// break the indentation or inject keys.
package tmpl

import "embed"

// FS holds the templates.
//
//go:embed *.yaml
var FS embed.FS

package crd

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

const certificate = `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: chat, namespace: social}
spec:
  secretName: chat-tls
  dnsNames: [chat.example.org]
  issuerRef: {group: cert-manager.io, kind: ClusterIssuer, name: letsencrypt}
  privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}
`

const application = `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: kin-social, namespace: argocd}
spec:
  project: default
  source: {repoURL: "https://github.com/kin-social/kin.git", targetRevision: main, path: out}
  destination: {server: "https://kubernetes.default.svc", namespace: social}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [PruneLast=true]
`

func validate(t *testing.T, doc string) []string {
	t.Helper()
	s, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range s.Validate(obj) {
		got = append(got, e.Error())
	}
	return got
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"certificate", certificate, nil},
		{"application", application, nil},
		{
			"unknown fields",
			certificate + "  secretTemplate: {labels: {a: b}}\n  dnsName: x\n",
			[]string{"spec.dnsName: unknown field"},
		},
		{
			"types",
			application[:len(application)-len("    syncOptions: [PruneLast=true]\n")] + "    syncOptions: PruneLast=true\n  revisionHistoryLimit: many\n",
			[]string{
				"spec.revisionHistoryLimit: must be an integer, not a string",
				"spec.syncPolicy.syncOptions: must be an array, not a string",
			},
		},
		{
			"enum and required",
			"apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: x}\nspec:\n  issuerRef: {name: x}\n  privateKey: {algorithm: DSA}\n",
			[]string{
				"spec.secretName: required field is missing",
				"spec.privateKey.algorithm: DSA is not one of [RSA ECDSA Ed25519]",
			},
		},
		{
			"missing spec",
			"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n",
			[]string{"spec: required field is missing"},
		},
		{
			"unknown kind",
			"apiVersion: cert-manager.io/v1\nkind: Issuer\n",
			[]string{`no CustomResourceDefinition for apiVersion "cert-manager.io/v1" kind "Issuer"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, validate(t, tt.doc)); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSchemaFeatures exercises the schema keywords on a small hand-written CRD.
func TestSchemaFeatures(t *testing.T) {
	const def = `
spec:
  group: example.org
  names: {kind: Thing}
  versions:
    - name: v1
      served: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              properties:
                port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                name: {type: string, pattern: "^[a-z]+$", maxLength: 5}
                count: {type: integer, minimum: 1, maximum: 3}
                tags: {type: array, maxItems: 1, items: {type: string}}
                labels: {type: object, additionalProperties: {type: string}}
                free: {type: object, x-kubernetes-preserve-unknown-fields: true}
                either:
                  type: object
                  properties: {a: {type: string}, b: {type: string}}
                  oneOf: [{required: [a]}, {required: [b]}]
`
	s, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{
		"apiVersion": "example.org/v1", "kind": "Thing",
		"spec": map[string]any{
			"port": 1.5, "name": "Abcdef", "count": 4.0, "tags": []any{"a", "b"},
			"labels": map[string]any{"a": 1.0}, "free": map[string]any{"anything": true},
			"either": map[string]any{"a": "x", "b": "y"},
		},
	}
	var got []string
	for _, e := range s.Validate(obj) {
		got = append(got, e.Error())
	}
	want := []string{
		"spec.count: must be at most 3",
		"spec.either: must match exactly one of the allowed forms (oneOf), matches 2",
		"spec.labels.a: must be a string, not a number",
		"spec.name: must be at most 5 characters long",
		`spec.name: "Abcdef" does not match the pattern ^[a-z]+$`,
		"spec.port: must be an integer or a string, not 1.5",
		"spec.port: matches none of the allowed forms (anyOf)",
		"spec.tags: must have at most 1 items, has 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Validate (-want +got):\n%s", diff)
	}
}

// TestExampleClusterIssuer checks the ClusterIssuer the README asks operators to
// create against cert-manager's CRD, and that its name is the spec's default issuer.
func TestExampleClusterIssuer(t *testing.T) {
	def, err := os.ReadFile("testdata/cert-manager.io_clusterissuers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("testdata/clusterissuer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil {
		t.Fatal(err)
	}
	for _, e := range s.Validate(obj) {
		t.Error(e)
	}
	if name := obj["metadata"].(map[string]any)["name"]; name != "letsencrypt" {
		t.Errorf("example ClusterIssuer is %v, want letsencrypt, site.yaml's ingress.issuer", name)
	}
	// A mistyped solver field is caught.
	obj["spec"].(map[string]any)["acme"].(map[string]any)["solvers"].([]any)[0].(map[string]any)["http01"].(map[string]any)["ingress"].(map[string]any)["class"] = 1.0
	if errs := s.Validate(obj); len(errs) != 1 || errs[0].Error() != "spec.acme.solvers[0].http01.ingress.class: must be a string, not a number" {
		t.Errorf("Validate of a wrong ingressClass: %v", errs)
	}
}

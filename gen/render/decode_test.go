package render

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kin-social/kin/gen/crd"
)

func schemas(t *testing.T) crd.Schemas {
	t.Helper()
	s, err := crd.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDecodeYAML checks that the direct decoder handles every golden file (no
// fallback) and gives exactly the objects and problems of the general way
// (toJSON, then encoding/json).
func TestDecodeYAML(t *testing.T) {
	paths, err := filepath.Glob("testdata/golden/*/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	more, _ := filepath.Glob("testdata/golden/*/*/*.yaml")
	sch := schemas(t)
	for _, p := range append(paths, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		direct, ok := decodeDirect(string(data), sch)
		if !ok {
			t.Errorf("%s: the direct decoder left it to the general way", p)
			continue
		}
		general := decodeGeneral(string(data), sch)
		if direct.obj == nil && !strings.Contains(string(data), "kind: Certificate") && !strings.Contains(string(data), "kind: Application") {
			t.Errorf("%s: decoded to nothing", p)
		}
		// reflect.DeepEqual tells nil from empty slices and maps, as cmp does not by default.
		if !reflect.DeepEqual(direct, general) {
			t.Errorf("%s: direct decoding differs from the general way (-general +direct):\n%s", p,
				cmp.Diff(general, direct, cmp.AllowUnexported(decodedFile{}, resource.Quantity{})))
		}
	}
}

// TestDecodeYAMLLeavesToGeneral feeds inputs the direct decoder must not decide:
// it refuses them, and decodeFile reports what encoding/json says.
func TestDecodeYAMLLeavesToGeneral(t *testing.T) {
	const head = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \"a\"\n"
	tests := []struct {
		name, in, want string // want: decodeFile's problem, "" for none
	}{
		{"unknown field", head + "spec:\n  typo: 1\n", `decode Service: json: unknown field "typo"`},
		{"field in other case", head + "spec:\n  ClusterIP: \"None\"\n", ""},
		{"string for an int", head + "spec:\n  ports:\n    - port: \"80\"\n", "decode Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"},
		{"int for a string", head + "spec:\n  clusterIP: 1\n", "decode Service: json: cannot unmarshal number into Go struct field ServiceSpec.spec.clusterIP of type string"},
		{"int overflow", head + "spec:\n  ports:\n    - port: 4294967296\n", "decode Service: json: cannot unmarshal number 4294967296 into Go struct field ServicePort.spec.ports.port of type int32"},
		{"bool for a string", head + "spec:\n  type: true\n", "decode Service: json: cannot unmarshal bool into Go struct field ServiceSpec.spec.type of type v1.ServiceType"},
		{"object for a string", head + "spec:\n  type:\n    a: \"b\"\n", "decode Service: json: cannot unmarshal object into Go struct field ServiceSpec.spec.type of type v1.ServiceType"},
		{"list for an object", head + "spec:\n  - \"a\"\n", "decode Service: json: cannot unmarshal array into Go struct field Service.spec of type v1.ServiceSpec"},
		{"bad quantity", "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: \"a\"\nspec:\n  capacity:\n    storage: \"lots\"\n",
			"decode PersistentVolume: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
		{"bool for an int-or-string", head + "spec:\n  ports:\n    - targetPort: true\n", "decode Service: json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"},
		{"int-or-string overflow", head + "spec:\n  ports:\n    - targetPort: 2147483648\n", "decode Service: json: cannot unmarshal number 2147483648 into Go struct field ServicePort.spec.ports.targetPort of type int32"},
		{"outside the subset", head + "spec:\n  clusterIP: 'None'\n", ""},
		{"duplicate key", head + "spec:\n  clusterIP: \"None\"\n  clusterIP: \"None\"\n", `not valid YAML: yaml: unmarshal errors:
  line 7: key "clusterIP" already set in map`},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"a\"\n", `unknown kind "Pod" of apiVersion "v1": add its type to render's checks`},
	}
	sch := schemas(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := decodeDirect(tt.in, sch); ok {
				t.Errorf("the direct decoder decided %q, want it left to the general way", tt.in)
			}
			d := decodeFile(tt.in, sch)
			got := strings.Join(d.problems, "\n")
			if got != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestDecodeYAMLValues decodes the kinds of value the direct decoder handles and
// compares with the general way: pointers, {} and [] (empty, not nil), quantities,
// int-or-strings, maps with named keys, escapes.
func TestDecodeYAMLValues(t *testing.T) {
	const in = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "a\"b\\c"
  labels: {}
  annotations:
    "x/y": "1"
spec:
  replicas: 0
  paused: false
  selector:
    matchLabels: {}
    matchExpressions: []
  strategy:
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: "25%"
  template:
    spec:
      containers:
        - name: c
          args: []
          resources:
            limits:
              cpu: "100m"
              memory: "64Mi" # a comment
      volumes:
        - name: v
          emptyDir: {}
`
	var direct, general appsv1.Deployment
	if _, err := fastJSON(in); err != nil {
		t.Fatalf("fastJSON: %v", err)
	}
	if err := decodeYAML(in, &direct); err != nil {
		t.Fatal(err)
	}
	j, err := toJSON(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeStrict(j, &general); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct, general) {
		t.Errorf("direct decoding differs (-general +direct):\n%s", cmp.Diff(general, direct))
	}
	c := direct.Spec.Template.Spec.Containers[0]
	if c.Args == nil || direct.Spec.Selector.MatchLabels == nil || direct.Spec.Template.Spec.Volumes[0].EmptyDir == nil {
		t.Errorf("[] and {} must decode to empty values, not nil")
	}
	if got := c.Resources.Limits[corev1.ResourceMemory]; got.String() != "64Mi" {
		t.Errorf("memory limit = %s, want 64Mi", got.String())
	}
}

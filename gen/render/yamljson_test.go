package render

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestFastJSON checks that the fast converter reads every golden file exactly as the
// general YAML parser does, and that it handles all of them (no fallback).
func TestFastJSON(t *testing.T) {
	paths, err := filepath.Glob("testdata/golden/*/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	more, _ := filepath.Glob("testdata/golden/*/*/*.yaml")
	for _, p := range append(paths, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fast, err := fastJSON(string(data))
		if err != nil {
			t.Errorf("%s: fastJSON: %v", p, err)
			continue
		}
		equalJSON(t, p, fast, data)
	}
}

// TestFastJSONFallback feeds YAML outside the subset: fastJSON refuses it and
// toJSON's general path reads it correctly.
func TestFastJSONFallback(t *testing.T) {
	for _, in := range []string{
		"a: yes\n",            // a YAML 1.1 boolean
		"a: 0440\n",           // a YAML 1.1 octal number
		"a: \"x\\ty\"\n",      // an escape the subset leaves to the parser
		"a:\n- b\n",           // a sequence at its key's indentation
		"a: b c\n",            // a plain scalar with a space
		"a: 'single'\n",       // single quotes
		"a: [1, 2]\n",         // a flow sequence
		"a:\n  b: 1\n c: 2\n", // bad indentation
		"a: 1\na: 2\n",        // a duplicate key (the parser rejects it too)
		"a: \"x\"#no space\n", // not a comment
		"a: 12345678901234567890\n",
	} {
		if _, err := fastJSON(in); err == nil {
			t.Errorf("fastJSON(%q) succeeded, want it to leave the input to the YAML parser", in)
		}
		got, err := toJSON(in)
		want, wantErr := yaml.YAMLToJSONStrict([]byte(in))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("toJSON(%q) error %v, the parser's %v", in, err, wantErr)
			continue
		}
		if err == nil && string(got) != string(want) {
			t.Errorf("toJSON(%q) = %s, want %s", in, got, want)
		}
	}
}

func equalJSON(t *testing.T, name string, fast, yamlData []byte) {
	t.Helper()
	slow, err := yaml.YAMLToJSONStrict(yamlData)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var a, b any
	if err := json.Unmarshal(fast, &a); err != nil {
		t.Fatalf("%s: fastJSON wrote invalid JSON: %v\n%s", name, err, fast)
	}
	if err := json.Unmarshal(slow, &b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, a); diff != "" {
		t.Errorf("%s: fastJSON differs from the YAML parser (-parser +fast):\n%s", name, diff)
	}
}

func TestSplitLines(t *testing.T) {
	got, err := splitLines("# c\na: 1  \n\n  b:\n    - \"x\" \n  # c\n   \n")
	if err != nil {
		t.Fatal(err)
	}
	want := []line{{0, "a: 1"}, {2, "b:"}, {4, `- "x"`}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(line{})); diff != "" {
		t.Errorf("splitLines (-want +got):\n%s", diff)
	}
	for _, in := range []string{"a:\t1\n", "\ta: 1\n", "---\na: 1\n", "a: 1\n...\n", "# only\n\n"} {
		if _, err := splitLines(in); err == nil {
			t.Errorf("splitLines(%q) succeeded, want it left to the YAML parser", in)
		}
	}
}

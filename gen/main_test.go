package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRunWriteAndCheck runs gen the way CI does: render into a fresh directory,
// check it, break it in every way -check reports, and render again.
func TestRunWriteAndCheck(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := run("../site.yaml", out, true); err == nil || !strings.Contains(err.Error(), "kustomization.yaml (missing)") {
		t.Fatalf("check of an empty directory: %v, want it to list the missing files", err)
	}
	if err := run("../site.yaml", out, false); err != nil {
		t.Fatal(err)
	}
	if err := run("../site.yaml", out, true); err != nil {
		t.Fatalf("check right after rendering: %v", err)
	}

	// A changed file, a deleted one, a stale generated one and someone else's file.
	changed := filepath.Join(out, "app.service.yaml")
	data, err := os.ReadFile(changed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(changed, append(data, "# hand edit\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(out, "db.service.yaml")); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, "old.service.yaml")
	if err := os.WriteFile(stale, data, 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(out, "NOTES.md")
	if err := os.WriteFile(foreign, []byte("not generated\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	err = run("../site.yaml", out, true)
	if err == nil {
		t.Fatal("check passed on a stale directory")
	}
	o := filepath.ToSlash(out)
	want := []string{
		o + " is stale: run go run ./gen and commit the result:",
		"\t" + o + "/app.service.yaml (changed)",
		"\t" + o + "/db.service.yaml (missing)",
		"\t" + o + "/old.service.yaml (not generated)",
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("check (-want +got):\n%s", diff)
	}

	if err := run("../site.yaml", out, false); err != nil {
		t.Fatal(err)
	}
	if err := run("../site.yaml", out, true); err != nil {
		t.Errorf("check after rendering again: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale generated file still there: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("a file gen did not write was removed: %v", err)
	}
}

func TestRunBadSpec(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "site.yaml")
	if err := os.WriteFile(spec, []byte("domain: example.org\nimages: {tag: latest}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	err := run(spec, out, false)
	if err == nil {
		t.Fatal("a bad spec rendered")
	}
	for _, want := range []string{spec + ": 7 problems:", `images.tag: must not be "latest"`, "volumes.db.server: required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a bad spec wrote %s", out)
	}
}

// TestOutIsCurrent is CI's drift check as a test: the committed out/ is what the
// committed site.yaml renders.
func TestOutIsCurrent(t *testing.T) {
	if err := run("../site.yaml", "../out", true); err != nil {
		t.Error(err)
	}
}

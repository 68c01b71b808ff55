package render

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestCheckFindsMistakes breaks one rendered file at a time, the way a template
// mistake would, and asserts the exact problem Check reports.
func TestCheckFindsMistakes(t *testing.T) {
	base, err := Render(load(t, "testdata/default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		file      string
		old, new  string // replaced once in file
		wantError string
	}{
		{
			name: "unknown field names the template",
			file: "app.deployment.yaml", old: "  revisionHistoryLimit: 5\n", new: "  revisionHistoryLimt: 5\n",
			wantError: `out/app.deployment.yaml (tmpl/deployment.yaml): decode Deployment: error unmarshaling JSON: while decoding JSON: json: unknown field "revisionHistoryLimt"`,
		},
		{
			name: "repeated key",
			file: "app.deployment.yaml", old: "  revisionHistoryLimit: 5\n", new: "  revisionHistoryLimit: 5\n  revisionHistoryLimit: 6\n",
			wantError: `out/app.deployment.yaml (tmpl/deployment.yaml): decode Deployment: error converting YAML to JSON: yaml: unmarshal errors:` + "\n" +
				`  line 16: key "revisionHistoryLimit" already set in map`,
		},
		{
			name: "wrong type",
			file: "app.deployment.yaml", old: "  replicas: 2\n", new: "  replicas: \"two\"\n",
			wantError: `out/app.deployment.yaml (tmpl/deployment.yaml): decode Deployment: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`,
		},
		{
			name: "service selector matches nothing",
			file: "app.service.yaml", old: `"app.kubernetes.io/name": "app"` + "\n  ports", new: `"app.kubernetes.io/name": "api"` + "\n  ports",
			wantError: `out/app.service.yaml (tmpl/service.yaml): selector map[app.kubernetes.io/name:api] matches no pod template`,
		},
		{
			name: "service targets an undeclared port",
			file: "captcha.service.yaml", old: `targetPort: "http"`, new: `targetPort: "web"`,
			wantError: `out/captcha.service.yaml (tmpl/service.yaml): port http targets web, which Deployment captcha does not declare`,
		},
		{
			name: "ingress backend names a missing service",
			file: "admin-ingress.ingress.yaml", old: `name: "admin"`, new: `name: "administration"`,
			wantError: `out/admin-ingress.ingress.yaml (tmpl/ingress.yaml): path admin.example.org/ sends to Service administration, which is not generated`,
		},
		{
			name: "ingress backend names a missing port",
			file: "adminer-ingress.ingress.yaml", old: "number: 8080", new: "number: 80",
			wantError: `out/adminer-ingress.ingress.yaml (tmpl/ingress.yaml): path adminer.example.org/ sends to port 80 of Service adminer, which it does not have`,
		},
		{
			name: "host without a certificate",
			file: "app-ingress.ingress.yaml", old: `        - "www.example.org"` + "\n", new: "",
			wantError: `out/app-ingress.ingress.yaml (tmpl/ingress.yaml): host www.example.org has no TLS certificate`,
		},
		{
			name: "claim without its volume",
			file: "media.persistentvolumeclaim.yaml", old: `volumeName: "social-media"`, new: `volumeName: "social-medium"`,
			wantError: `out/media.persistentvolumeclaim.yaml (tmpl/persistentvolumeclaim.yaml): binds PersistentVolume social-medium, which is not generated`,
		},
		{
			name: "volume reserved for another claim",
			file: "social-db.persistentvolume.yaml", old: `name: "db"` + "\n  nfs", new: `name: "mysql"` + "\n  nfs",
			wantError: `out/db.persistentvolumeclaim.yaml (tmpl/persistentvolumeclaim.yaml): binds PersistentVolume social-db, which is reserved for another claim`,
		},
		{
			name: "probe on an undeclared port",
			file: "frontend.deployment.yaml", old: `path: "/readyz"` + "\n              port: \"http\"", new: `path: "/readyz"` + "\n              port: 9090",
			wantError: `out/frontend.deployment.yaml (tmpl/deployment.yaml): container frontend probes port 9090, which it does not declare`,
		},
		{
			name: "missing ConfigMap",
			file: "listing.deployment.yaml", old: "          env:\n", new: "          envFrom:\n            - configMapRef:\n                name: \"kin-environment\"\n          env:\n",
			wantError: `out/listing.deployment.yaml (tmpl/deployment.yaml): container listing reads ConfigMap kin-environment, which is not generated`,
		},
		{
			name: "missing claim",
			file: "upload.deployment.yaml", old: `claimName: "media"`, new: `claimName: "uploads"`,
			wantError: `out/upload.deployment.yaml (tmpl/deployment.yaml): volume media mounts claim uploads, which is not generated`,
		},
		{
			name: "network policy allows an undeclared port",
			file: "db.networkpolicy.yaml", old: `port: "mysql"`, new: `port: "sql"`,
			wantError: `out/db.networkpolicy.yaml (tmpl/networkpolicy.yaml): allows port sql, which Deployment db does not declare`,
		},
		{
			name: "certificate against its CRD",
			file: "chat.certificate.yaml", old: "  secretName:", new: "  secret:",
			wantError: `out/chat.certificate.yaml (tmpl/certificate.yaml): Certificate does not match its CRD: spec.secretName: required field is missing` + "\n" +
				`out/chat.certificate.yaml (tmpl/certificate.yaml): Certificate does not match its CRD: spec.secret: unknown field`,
		},
		{
			name: "cluster-written fields",
			file: "captcha.service.yaml", old: "metadata:\n", new: "metadata:\n  creationTimestamp: null\n",
			wantError: `out/captcha.service.yaml (tmpl/service.yaml): has creationTimestamp or status: only the cluster writes them`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := slices.Clone(base)
			i := slices.IndexFunc(files, func(f File) bool { return f.Name == tt.file })
			if i < 0 {
				t.Fatalf("no file %s", tt.file)
			}
			text := string(files[i].Data)
			if !strings.Contains(text, tt.old) {
				t.Fatalf("%s does not contain %q", tt.file, tt.old)
			}
			files[i] = File{Name: tt.file, Data: []byte(strings.Replace(text, tt.old, tt.new, 1))}
			tmplOf := map[string]string{}
			for _, f := range files {
				kind, _, _ := strings.Cut(strings.TrimSuffix(f.Name, ".yaml"), "/")
				tmplOf[f.Name] = kind[strings.LastIndex(kind, ".")+1:] + ".yaml"
			}
			err := Check(files, tmplOf)
			if err == nil {
				t.Fatal("Check found nothing")
			}
			if diff := cmp.Diff(strings.Split(tt.wantError, "\n"), strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckKustomization(t *testing.T) {
	files, err := Render(load(t, "testdata/default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	for _, f := range files {
		if f.Name == "kustomization.yaml" {
			if err := yaml.UnmarshalStrict(f.Data, &k); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(k.Resources) != len(files)-2 {
		t.Errorf("kustomization lists %d files, want all %d but itself and the Application", len(k.Resources), len(files)-2)
	}
	for _, r := range k.Resources {
		if strings.HasPrefix(r, ApplicationDir+"/") {
			t.Errorf("kustomization lists the Argo CD Application %s", r)
		}
	}
	// Dropping a listed file is reported.
	var short []File
	for _, f := range files {
		if f.Name != "app.service.yaml" {
			short = append(short, f)
		}
	}
	err = Check(short, nil)
	want := "out/kustomization.yaml: lists app.service.yaml, which is not generated"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Check without app.service.yaml: %v, want %q", err, want)
	}
}

package render

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var variants = []string{"../../site.yaml", "testdata/statefulset.yaml", "testdata/external.yaml"}

// pods returns the pod templates of the rendering of spec, by file.
func pods(t *testing.T, spec string) (map[string]*corev1.PodTemplateSpec, map[string][]byte) {
	t.Helper()
	files := renderFiles(t, load(t, spec))
	out := map[string]*corev1.PodTemplateSpec{}
	for name, data := range files {
		switch {
		case strings.HasSuffix(name, ".deployment.yaml"):
			var d appsv1.Deployment
			mustDecode(t, data, &d)
			out[name] = &d.Spec.Template
		case strings.HasSuffix(name, ".statefulset.yaml"):
			var d appsv1.StatefulSet
			mustDecode(t, data, &d)
			out[name] = &d.Spec.Template
		case strings.HasSuffix(name, ".job.yaml"):
			var j batchv1.Job
			mustDecode(t, data, &j)
			out[name] = &j.Spec.Template
		case strings.HasSuffix(name, ".cronjob.yaml"):
			var c batchv1.CronJob
			mustDecode(t, data, &c)
			out[name] = &c.Spec.JobTemplate.Spec.Template
		}
	}
	return out, files
}

func mustDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		t.Fatal(err)
	}
}

// TestRestrictedPodSecurity checks every pod against the restricted Pod Security
// Standard, and the limits and probes every container must have.
func TestRestrictedPodSecurity(t *testing.T) {
	for _, spec := range variants {
		ps, _ := pods(t, spec)
		if len(ps) < 10 {
			t.Fatalf("%s: only %d pod templates", spec, len(ps))
		}
		for file, p := range ps {
			sc := p.Spec.SecurityContext
			if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
				t.Errorf("%s %s: pod may run as root", spec, file)
			}
			if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s %s: no RuntimeDefault seccomp profile", spec, file)
			}
			if p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken {
				t.Errorf("%s %s: mounts a service account token it does not use", spec, file)
			}
			if p.Spec.HostNetwork || p.Spec.HostPID || p.Spec.HostIPC {
				t.Errorf("%s %s: shares a host namespace", spec, file)
			}
			for _, v := range p.Spec.Volumes {
				if v.HostPath != nil || v.NFS != nil {
					t.Errorf("%s %s: volume %s is a hostPath or inline NFS volume", spec, file, v.Name)
				}
			}
			isJob := strings.HasSuffix(file, "job.yaml")
			for _, c := range p.Spec.Containers {
				csc := c.SecurityContext
				if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
					csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
					csc.Capabilities == nil || len(csc.Capabilities.Drop) != 1 || csc.Capabilities.Drop[0] != "ALL" || len(csc.Capabilities.Add) != 0 ||
					(csc.Privileged != nil && *csc.Privileged) {
					t.Errorf("%s %s: container %s is not restricted: %+v", spec, file, c.Name, csc)
				}
				if c.Resources.Limits.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() ||
					c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
					t.Errorf("%s %s: container %s lacks requests or limits", spec, file, c.Name)
				}
				if !isJob && (c.ReadinessProbe == nil || c.LivenessProbe == nil) {
					t.Errorf("%s %s: container %s lacks a readiness or liveness probe", spec, file, c.Name)
				}
				if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image[strings.LastIndex(c.Image, "/")+1:], ":") {
					t.Errorf("%s %s: image %s is not pinned", spec, file, c.Image)
				}
			}
		}
	}
}

// TestKinContainers checks the configuration contract on Kin's own containers.
func TestKinContainers(t *testing.T) {
	ps, files := pods(t, "../../site.yaml")
	for _, part := range goParts {
		p := ps[part+".deployment.yaml"]
		if p == nil {
			t.Fatalf("no Deployment for %s", part)
		}
		c := p.Spec.Containers[0]
		if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
			t.Errorf("%s: ports %v, want http 8080", part, c.Ports)
		}
		if c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.ReadinessProbe.HTTPGet.Port.StrVal != "http" ||
			c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.LivenessProbe.HTTPGet.Port.StrVal != "http" {
			t.Errorf("%s: probes are not /readyz and /healthz on http", part)
		}
		var password *corev1.EnvVar
		for i, e := range c.Env {
			if e.Name == "KIN_DB_PASSWORD" {
				password = &c.Env[i]
			}
		}
		switch {
		case usesDB[part] && (password == nil || password.Value != "" || password.ValueFrom.SecretKeyRef.Name != "kin-db"):
			t.Errorf("%s: KIN_DB_PASSWORD is not read from Secret kin-db: %+v", part, password)
		case !usesDB[part] && password != nil:
			t.Errorf("%s does not use the DB but gets its password", part)
		}
	}
	chat := ps["chat.deployment.yaml"]
	var mount *corev1.VolumeMount
	for i, m := range chat.Spec.Containers[0].VolumeMounts {
		if m.MountPath == tlsDir {
			mount = &chat.Spec.Containers[0].VolumeMounts[i]
		}
	}
	if mount == nil || mount.SubPath != "" || !mount.ReadOnly {
		t.Fatalf("chat does not mount its certificate as a directory at %s: %+v", tlsDir, mount)
	}
	var cm corev1.ConfigMap
	mustDecode(t, files["kin-env.configmap.yaml"], &cm)
	want := map[string]string{
		"KIN_DOMAIN": "example.org", "KIN_DOMAIN_ALIASES": "www.example.org", "KIN_DB_ADDR": "db:3306",
		"KIN_DB_NAME": "kin", "KIN_DB_USER": "kin", "KIN_CAPTCHA_URL": "http://captcha:8080", "KIN_MEDIA_DIR": "/media",
		"KIN_LISTING_URL": "https://listing.example.net/api/v1/register", "KIN_LISTING_INTERVAL": "30m",
		"KIN_TLS_DIR": tlsDir, "KIN_CHAT_URL": "wss://chat.example.org",
	}
	for k, v := range want {
		if cm.Data[k] != v {
			t.Errorf("ConfigMap %s = %q, want %q", k, cm.Data[k], v)
		}
	}
	for k, v := range cm.Data {
		if strings.Contains(strings.ToLower(k), "password") || strings.Contains(strings.ToLower(k), "secret") {
			t.Errorf("ConfigMap holds %s=%q: secrets belong in Secrets", k, v)
		}
	}
}

// TestArgoCDAnnotations checks the annotations Argo CD acts on.
func TestArgoCDAnnotations(t *testing.T) {
	files := renderFiles(t, load(t, "../../site.yaml"))
	type meta struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	ann := func(file string) map[string]string {
		var m meta
		if err := yaml.Unmarshal(files[file], &m); err != nil {
			t.Fatal(err)
		}
		return m.Metadata.Annotations
	}
	for _, f := range []string{"social-media.persistentvolume.yaml", "social-db.persistentvolume.yaml",
		"media.persistentvolumeclaim.yaml", "db.persistentvolumeclaim.yaml", "social.namespace.yaml"} {
		if got := ann(f)[annSyncOpts]; got != "Prune=false,Delete=false" {
			t.Errorf("%s: sync-options %q, want Prune=false,Delete=false", f, got)
		}
	}
	m := ann("migrate.job.yaml")
	if m[annHook] != "Sync" || m[annHookDelete] != "BeforeHookCreation" || m[annWave] != waveMigrate {
		t.Errorf("migrate Job annotations %v", m)
	}
	if ann("db.deployment.yaml")[annWave] >= waveMigrate || ann("app.deployment.yaml")[annWave] <= waveMigrate {
		t.Errorf("sync waves do not put migrate between db (%s) and the apps (%s)", ann("db.deployment.yaml")[annWave], ann("app.deployment.yaml")[annWave])
	}
}

package render

import (
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kin-social/kin/gen/site"
)

var variants = []string{"testdata/default.yaml", "testdata/statefulset.yaml", "testdata/external.yaml"}

// pods returns the pod templates of the rendering of spec, by file.
func pods(t *testing.T, spec string) (map[string]*corev1.PodTemplateSpec, map[string][]byte) {
	t.Helper()
	files := renderFiles(t, load(t, spec))
	return podsOf(t, files), files
}

// podsOf returns the pod templates of the workloads among files, by file.
func podsOf(t *testing.T, files map[string][]byte) map[string]*corev1.PodTemplateSpec {
	t.Helper()
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
	return out
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
	ps, _ := pods(t, "testdata/default.yaml")
	for _, info := range site.Registry {
		if info.Program == "" || info.Batch {
			continue
		}
		part := info.Name
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
		case info.DB && (password == nil || password.Value != "" || password.ValueFrom.SecretKeyRef.Name != "kin-db"):
			t.Errorf("%s: KIN_DB_PASSWORD is not read from Secret kin-db: %+v", part, password)
		case !info.DB && password != nil:
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
	// The values, wherever a part reads them.
	want := map[string]string{
		"KIN_DOMAIN": "example.org", "KIN_DOMAIN_ALIASES": "www.example.org", "KIN_DB_ADDR": "db:3306",
		"KIN_DB_NAME": "kin", "KIN_DB_USER": "kin", "KIN_CAPTCHA_URL": "http://captcha:8080", "KIN_MEDIA_DIR": "/media",
		"KIN_LISTING_URL": "https://listing.example.net/api/v1/register", "KIN_LISTING_INTERVAL": "30m",
		"KIN_TLS_DIR": tlsDir, "KIN_LISTEN": ":8080",
		"MYSQL_DATABASE": "kin", "MYSQL_USER": "kin", "ADMINER_DEFAULT_SERVER": "db:3306",
	}
	seen := map[string]bool{}
	for file, p := range ps {
		for _, c := range p.Spec.Containers {
			for _, e := range c.Env {
				secretName := strings.Contains(e.Name, "PASSWORD") || strings.Contains(e.Name, "SECRET")
				switch {
				case secretName && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil):
					t.Errorf("%s: %s is not read from a Secret: %+v", file, e.Name, e)
				case secretName:
				case e.Value != want[e.Name]:
					t.Errorf("%s: %s = %q, want %q", file, e.Name, e.Value, want[e.Name])
				default:
					seen[e.Name] = true
				}
			}
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no container gets %s", k)
		}
	}
	// Media: whoever reads KIN_MEDIA_DIR has the volume there.
	for file, p := range ps {
		for _, c := range p.Spec.Containers {
			reads := slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "KIN_MEDIA_DIR" })
			mounts := slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "media" && m.MountPath == mediaDir })
			if reads != mounts {
				t.Errorf("%s: reads KIN_MEDIA_DIR %v, mounts the media volume there %v", file, reads, mounts)
			}
		}
	}
}

// TestTerminationGrace checks that every Kin pod may take the drain and the
// shutdown before the kubelet kills it.
func TestTerminationGrace(t *testing.T) {
	for _, spec := range variants {
		ps, _ := pods(t, spec)
		for file, p := range ps {
			if !strings.HasPrefix(p.Spec.Containers[0].Image, "ghcr.io/kin-social/kin/") {
				continue // db and adminer
			}
			g := p.Spec.TerminationGracePeriodSeconds
			if min := int64((site.DrainDelay + site.ShutdownTimeout) / time.Second); g == nil || *g <= min {
				t.Errorf("%s: %s: terminationGracePeriodSeconds %v, want more than DrainDelay + ShutdownTimeout = %ds", spec, file, g, min)
			}
		}
	}
}

// TestArgoCDAnnotations checks the annotations Argo CD acts on.
func TestArgoCDAnnotations(t *testing.T) {
	files := renderFiles(t, load(t, "testdata/default.yaml"))
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

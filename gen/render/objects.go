package render

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kin-social/kin/gen/site"
)

// object is one manifest to render: template name (a file of tmpl/) and its data.
type object struct {
	file string // path under out/
	tmpl string // e.g. "deployment.yaml"
	data any
}

// Labels, annotations and names shared by the objects.
const (
	labelName    = "app.kubernetes.io/name"
	labelPartOf  = "app.kubernetes.io/part-of"
	labelManaged = "app.kubernetes.io/managed-by"

	annWave       = "argocd.argoproj.io/sync-wave"
	annHook       = "argocd.argoproj.io/hook"
	annHookDelete = "argocd.argoproj.io/hook-delete-policy"
	annSyncOpts   = "argocd.argoproj.io/sync-options"

	tlsDir   = "/etc/kin/tls"
	mediaDir = "/media"

	// uid and gid of Kin's own images (distroless "nonroot").
	kinUID = 65532
)

// Sync waves: the DB and everything static first, then the migrate hook, then
// the programs that need the migrated schema.
const (
	waveDB      = "0"
	waveMigrate = "1"
	waveApps    = "2"
)

// builder builds the objects of one site.
type builder struct {
	s    *site.Site
	objs []object
	errs []error
}

func (b *builder) add(name, kind, tmpl string, data any) {
	b.objs = append(b.objs, object{file: name + "." + kind + ".yaml", tmpl: tmpl, data: data})
}

func (b *builder) meta(name string, labels map[string]string, ann map[string]string) Meta {
	l := map[string]string{labelPartOf: "kin", labelManaged: "kin-gen"}
	for k, v := range labels {
		l[k] = v
	}
	return Meta{Name: name, Namespace: b.s.Namespace, Labels: l, Annotations: ann}
}

func selector(part string) map[string]string { return map[string]string{labelName: part} }

func partLabels(part string) map[string]string {
	return map[string]string{labelName: part, labelPartOf: "kin"}
}

// objects returns every object of the site but the kustomization.
func (b *builder) objects() ([]object, error) {
	s := b.s

	// The Namespace holds the claims of the site's data: Argo CD never deletes it.
	b.add(s.Namespace, "namespace", "namespace.yaml", namespaceData{Meta: b.keep(Meta{
		Name: s.Namespace,
		Labels: map[string]string{
			labelPartOf: "kin", labelManaged: "kin-gen",
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
			"pod-security.kubernetes.io/audit":           "restricted",
			"pod-security.kubernetes.io/warn":            "restricted",
		},
	})})
	for _, p := range site.Registry {
		if p.Program != "" && !p.Batch {
			b.goPart(p)
		}
	}
	switch s.DB.Mode {
	case site.DBDeployment:
		b.volume("db", s.Volumes.DB, "ReadWriteOnce")
		b.add("db", "deployment", "deployment.yaml", deploymentData{
			Meta:     b.meta("db", partLabels("db"), map[string]string{annWave: waveDB}),
			Replicas: *s.Parts.DB.Replicas, Selector: selector("db"),
			Strategy: "Recreate", Why: "One pod owns the volume: the old pod stops before the new one starts.",
			Pod: b.dbPod(&Volume{Name: "data", Claim: "db"}),
		})
		b.service("db", nil, false)
	case site.DBStatefulSet:
		b.dbStatefulSet()
	}
	b.adminer()
	b.volume("media", s.Volumes.Media, "ReadWriteMany")
	b.migrate()
	for _, t := range s.Parts.Cron.Tasks {
		b.cronJob(t)
	}
	b.ingresses()
	b.networkPolicies()
	for _, p := range site.PartNames {
		if p == "db" && s.DB.Mode == site.DBExternal {
			continue
		}
		if *s.Part(p).Replicas > 1 {
			b.add(p, "poddisruptionbudget", "poddisruptionbudget.yaml", pdbData{
				Meta: b.meta(p, partLabels(p), nil), Selector: selector(p),
			})
		}
	}
	return b.objs, errors.Join(b.errs...)
}

// env returns the environment of part's container: exactly the variables the
// registry says it reads, each written out in the container (no shared
// ConfigMap), so an operator reads a part's whole configuration in its own
// manifest and no part gets a variable it does not read.
func (b *builder) env(part site.PartInfo) []Env {
	var env []Env
	for _, name := range part.Env {
		e, ok := b.envVar(part, name)
		if !ok {
			b.errs = append(b.errs, fmt.Errorf("gen/site's registry says part %s reads %s, for which gen/render has no value: add it to builder.envVar", part.Name, name))
			continue
		}
		env = append(env, e)
	}
	return env
}

// envVar is the value of variable name for part: DESIGN.md's configuration
// contract, and the variables of the db and adminer images.
func (b *builder) envVar(part site.PartInfo, name string) (Env, bool) {
	s := b.s
	v := func(value string) (Env, bool) { return Env{Name: name, Value: value}, true }
	secret := func(secret string) (Env, bool) { return Env{Name: name, Secret: secret, Key: "password"}, true }
	switch name {
	case "KIN_LISTEN":
		return v(fmt.Sprintf(":%d", s.Part(part.Name).Port))
	case "KIN_DOMAIN":
		return v(s.Domain)
	case "KIN_DOMAIN_ALIASES":
		return v(strings.Join(s.Hosts.Aliases, ","))
	case "KIN_DB_ADDR":
		return v(s.DBAddr())
	case "KIN_DB_NAME":
		return v(s.DB.Name)
	case "KIN_DB_USER":
		return v(s.DB.User)
	case "KIN_DB_PASSWORD":
		return secret(s.Secrets.DB)
	case "KIN_CAPTCHA_URL":
		return v(fmt.Sprintf("http://captcha:%d", s.Parts.Captcha.Port))
	case "KIN_MEDIA_DIR":
		return v(mediaDir)
	case "KIN_TLS_DIR":
		return v(tlsDir)
	case "KIN_LISTING_URL":
		return v(s.Listing.URL)
	case "KIN_LISTING_INTERVAL":
		return v(s.Listing.Interval)
	case "KIN_CHAT_URL":
		u := "wss://" + s.Hosts.Chat
		if s.Ingress.Chat == site.ChatTCPServices {
			u += ":" + strconv.Itoa(int(s.Ingress.ChatPort))
		}
		return v(u)
	case "MYSQL_ROOT_PASSWORD":
		return secret(s.Secrets.DBRoot)
	case "MYSQL_DATABASE":
		return v(s.DB.Name)
	case "MYSQL_USER":
		return v(s.DB.User)
	case "MYSQL_PASSWORD":
		return secret(s.Secrets.DB)
	case "ADMINER_DEFAULT_SERVER":
		return v(s.DBAddr())
	}
	return Env{}, false
}

// terminationGrace is every Kin pod's terminationGracePeriodSeconds.
var terminationGrace = int64(site.TerminationGracePeriod / time.Second)

func (b *builder) kinPod(part site.PartInfo) Pod {
	return Pod{
		Labels:    partLabels(part.Name),
		RunAsUser: kinUID, RunAsGroup: kinUID, FSGroup: kinUID,
		// Covers the drain (/readyz failing while serving goes on) and the
		// shutdown of the requests in flight, so the kubelet does not cut them off.
		TerminationGracePeriodSeconds: terminationGrace,
	}
}

func (b *builder) kinContainer(part site.PartInfo) Container {
	s := b.s
	c := Container{
		Name: part.Program, Image: s.Image(part.Program), PullPolicy: s.Images.PullPolicy,
		Env:    b.env(part),
		Mounts: []Mount{{Name: "tmp", Path: "/tmp"}},
	}
	if part.Media {
		// At KIN_MEDIA_DIR.
		c.Mounts = append(c.Mounts, Mount{Name: "media", Path: mediaDir})
	}
	return c
}

func (b *builder) goPart(info site.PartInfo) {
	s := b.s
	part := info.Name
	p := s.Part(part)
	pod := b.kinPod(info)
	c := b.kinContainer(info)
	c.Ports = []ContainerPort{{Name: "http", Port: p.Port}}
	c.Resources = p.Resources
	scheme := ""
	if part == "chat" {
		scheme = "HTTPS" // chat terminates TLS itself, on every path
	}
	c.StartupProbe = &Probe{Path: "/healthz", Port: "http", Scheme: scheme, PeriodSeconds: 2, TimeoutSeconds: 2, FailureThreshold: 30}
	c.ReadinessProbe = &Probe{Path: "/readyz", Port: "http", Scheme: scheme, PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3}
	c.LivenessProbe = &Probe{Path: "/healthz", Port: "http", Scheme: scheme, PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3}
	tmpSize := "64Mi"
	if info.Media {
		pod.Volumes = append(pod.Volumes, Volume{Name: "media", Claim: "media"})
	}
	switch part {
	case "upload":
		tmpSize = "1Gi" // uploads are re-encoded through temporary files
	case "chat":
		// A directory mount, not subPath: the kubelet then updates the files
		// when cert-manager renews the certificate.
		c.Mounts = append(c.Mounts, Mount{Name: "tls", Path: tlsDir, ReadOnly: true})
		pod.Volumes = append(pod.Volumes, Volume{Name: "tls", Secret: s.Secrets.ChatTLS})
	}
	pod.Volumes = append([]Volume{{Name: "tmp", SizeLimit: tmpSize}}, pod.Volumes...)
	pod.Containers = []Container{c}
	if *p.Replicas > 1 {
		pod.Spread = selector(part)
	}
	d := deploymentData{
		Meta:     b.meta(part, partLabels(part), map[string]string{annWave: waveApps}),
		Replicas: *p.Replicas, Selector: selector(part), Strategy: "RollingUpdate", Pod: pod,
	}
	switch part {
	case "captcha":
		d.Strategy, d.Why = "Recreate", "One pod at a time: the captchas live in its memory, a second pod would not know them."
	case "listing":
		d.Strategy, d.Why = "Recreate", "One pod at a time: two would register the site twice."
	}
	b.add(part, "deployment", "deployment.yaml", d)
	b.service(part, nil, false)
	if part == "chat" {
		// In the last wave: Argo CD waits for a wave to be healthy, and a certificate
		// is only Ready once DNS points at the cluster; nothing else waits for it.
		b.add("chat", "certificate", "certificate.yaml", certificateData{
			Meta:   b.meta("chat", partLabels("chat"), map[string]string{annWave: waveApps}),
			Secret: s.Secrets.ChatTLS, DNSNames: []string{s.Hosts.Chat}, Issuer: s.Ingress.Issuer,
		})
	}
}

// service renders the ClusterIP Service of a part.
func (b *builder) service(part string, sel map[string]string, headless bool) {
	p := b.s.Part(part)
	name, portName := part, "http"
	if part == "db" {
		portName = "mysql"
	}
	if headless {
		name = part + "-headless"
	}
	if sel == nil {
		sel = selector(part)
	}
	b.add(name, "service", "service.yaml", serviceData{
		Meta: b.meta(name, partLabels(part), nil), Headless: headless, Selector: sel,
		Ports: []servicePort{{Name: portName, Port: p.Port, TargetPort: portName}},
	})
}

func (b *builder) dbPod(data *Volume) Pod {
	s := b.s
	port := strconv.Itoa(int(s.Parts.DB.Port))
	ping := []string{"mysqladmin", "ping", "--host=127.0.0.1", "--port=" + port, "--silent"}
	c := Container{
		Name: "mysql", Image: s.Image("db"), PullPolicy: s.Images.PullPolicy,
		Args:      []string{"--port=" + port},
		Ports:     []ContainerPort{{Name: "mysql", Port: s.Parts.DB.Port}},
		Env:       b.env(registered("db")),
		Resources: s.Parts.DB.Resources,
		// mysqladmin ping exits 0 whenever the server answers, even "access denied":
		// no password is needed. The first start initializes the data directory,
		// hence the long startup allowance.
		StartupProbe:   &Probe{Exec: ping, PeriodSeconds: 5, TimeoutSeconds: 5, FailureThreshold: 120},
		ReadinessProbe: &Probe{Exec: ping, PeriodSeconds: 10, TimeoutSeconds: 5, FailureThreshold: 3},
		LivenessProbe:  &Probe{Exec: ping, PeriodSeconds: 20, TimeoutSeconds: 5, FailureThreshold: 3},
		Mounts: []Mount{
			{Name: "data", Path: "/var/lib/mysql"},
			{Name: "run", Path: "/var/run/mysqld"},
			{Name: "tmp", Path: "/tmp"},
		},
	}
	pod := Pod{
		Labels: partLabels("db"),
		Comment: []string{
			"Exception: mysql:8.4 runs as its image's mysql user, UID and GID 999, not Kin's 65532.",
			"The NFS export must be owned by 999:999 (NFS ignores fsGroup); running as 999 from",
			"the start makes the image's entrypoint skip its root-only step-down.",
		},
		RunAsUser: 999, RunAsGroup: 999,
		TerminationGracePeriodSeconds: 60, // InnoDB flushes on a clean shutdown
		Containers:                    []Container{c},
		Volumes:                       []Volume{{Name: "run", SizeLimit: "16Mi"}, {Name: "tmp", SizeLimit: "1Gi"}},
	}
	if data != nil {
		pod.Volumes = append([]Volume{*data}, pod.Volumes...)
	}
	return pod
}

// dbStatefulSet renders MySQL as a StatefulSet: ordinal i keeps its data in the
// subdirectory db-<i> of the DB export, on a PersistentVolume pre-bound to the
// claim data-db-<i> the StatefulSet creates. The db Service sends clients to db-0,
// the primary; further ordinals are reachable as db-<i>.db-headless.
func (b *builder) dbStatefulSet() {
	s := b.s
	n := *s.Parts.DB.Replicas
	vol := s.Volumes.DB
	for i := range n {
		ord := fmt.Sprintf("db-%d", i)
		pvName := s.Namespace + "-" + ord
		b.add(pvName, "persistentvolume", "persistentvolume.yaml", pvData{
			Meta: b.keep(Meta{Name: pvName, Labels: map[string]string{labelName: "db", labelPartOf: "kin", labelManaged: "kin-gen"}}),
			Size: vol.Size, AccessMode: "ReadWriteOnce",
			ClaimNamespace: s.Namespace, ClaimName: "data-" + ord,
			Server: vol.Server, Path: vol.Path + "/" + ord,
		})
	}
	b.add("db", "statefulset", "statefulset.yaml", statefulSetData{
		Meta:     b.meta("db", partLabels("db"), map[string]string{annWave: waveDB}),
		Replicas: n, ServiceName: "db-headless", Selector: selector("db"),
		Pod:    b.dbPod(nil),
		Claims: []claimTemplate{{Name: "data", AccessMode: "ReadWriteOnce", Size: vol.Size}},
	})
	b.service("db", nil, true)
	b.service("db", map[string]string{labelName: "db", "statefulset.kubernetes.io/pod-name": "db-0"}, false)
}

// keep adds the Argo CD annotation that stops prune and delete: the volumes hold the site's data.
func (b *builder) keep(m Meta) Meta {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[annSyncOpts] = "Prune=false,Delete=false"
	return m
}

// volume renders an NFS export as a PersistentVolume and the claim bound to it.
func (b *builder) volume(name string, v site.Volume, mode string) {
	s := b.s
	pvName := s.Namespace + "-" + name
	pvMeta := Meta{Name: pvName, Labels: map[string]string{labelName: name, labelPartOf: "kin", labelManaged: "kin-gen"}}
	b.add(pvName, "persistentvolume", "persistentvolume.yaml", pvData{
		Meta: b.keep(pvMeta), Size: v.Size, AccessMode: mode,
		ClaimNamespace: s.Namespace, ClaimName: name, Server: v.Server, Path: v.Path,
	})
	b.add(name, "persistentvolumeclaim", "persistentvolumeclaim.yaml", pvcData{
		Meta: b.keep(b.meta(name, map[string]string{labelName: name}, nil)),
		Size: v.Size, AccessMode: mode, VolumeName: pvName,
	})
}

func (b *builder) adminer() {
	s := b.s
	p := s.Parts.Adminer
	c := Container{
		Name: "adminer", Image: s.Image("adminer"), PullPolicy: s.Images.PullPolicy,
		// The image's command, with the port from the spec.
		Args:      []string{"php", "-S", fmt.Sprintf("[::]:%d", p.Port), "-t", "/var/www/html"},
		Ports:     []ContainerPort{{Name: "http", Port: p.Port}},
		Env:       b.env(registered("adminer")),
		Resources: p.Resources,
		// Adminer has no /healthz or /readyz: its login page answers 200 when PHP runs.
		ReadinessProbe: &Probe{Path: "/", Port: "http", PeriodSeconds: 10, TimeoutSeconds: 3, FailureThreshold: 3},
		LivenessProbe:  &Probe{Path: "/", Port: "http", PeriodSeconds: 20, TimeoutSeconds: 3, FailureThreshold: 3},
		Mounts:         []Mount{{Name: "sessions", Path: "/sessions"}, {Name: "tmp", Path: "/tmp"}},
	}
	pod := Pod{
		Labels: partLabels("adminer"),
		Comment: []string{
			"Exception: the adminer image names its user (USER adminer) instead of a UID, which the",
			"kubelet cannot check against runAsNonRoot; it runs as nobody, 65534. It only reads the",
			"world-readable /var/www/html and writes its sessions to /sessions.",
		},
		RunAsUser: 65534, RunAsGroup: 65534,
		Containers: []Container{c},
		Volumes:    []Volume{{Name: "sessions", SizeLimit: "16Mi"}, {Name: "tmp", SizeLimit: "64Mi"}},
	}
	b.add("adminer", "deployment", "deployment.yaml", deploymentData{
		Meta:     b.meta("adminer", partLabels("adminer"), map[string]string{annWave: waveApps}),
		Replicas: *p.Replicas, Selector: selector("adminer"),
		Strategy: "Recreate", Why: "One pod at a time: adminer keeps its sessions in the pod.", Pod: pod,
	})
	b.service("adminer", nil, false)
}

// registered returns the registry's row of a part gen renders by name.
func registered(name string) site.PartInfo {
	p, ok := site.LookupPart(name)
	if !ok {
		panic("render: gen/site's registry has no part " + name)
	}
	return p
}

func seconds(d string) int64 {
	v, _ := time.ParseDuration(d) // validated by site
	return int64(v / time.Second)
}

func (b *builder) migrate() {
	s := b.s
	info := registered("migrate")
	pod := b.kinPod(info)
	pod.RestartPolicy = "Never"
	c := b.kinContainer(info)
	c.Resources = s.Parts.Migrate.Resources
	pod.Containers = []Container{c}
	pod.Volumes = []Volume{{Name: "tmp", SizeLimit: "64Mi"}}
	b.add("migrate", "job", "job.yaml", jobData{
		Meta: b.meta("migrate", partLabels("migrate"), map[string]string{
			// An Argo CD Sync hook in the wave after the DB and before the apps.
			// Jobs are immutable: the previous run is deleted before the hook is created.
			annHook: "Sync", annHookDelete: "BeforeHookCreation", annWave: waveMigrate,
		}),
		BackoffLimit: 6, DeadlineSeconds: seconds(s.Parts.Migrate.Deadline), Pod: pod,
	})
}

func (b *builder) cronJob(t site.CronTask) {
	s := b.s
	info := registered("cron")
	pod := b.kinPod(info)
	pod.RestartPolicy = "Never"
	c := b.kinContainer(info)
	c.Args = []string{t.Name}
	c.Resources = s.Parts.Cron.Resources
	pod.Containers = []Container{c}
	// Tasks such as prune-media work on the uploads, as upload does.
	pod.Volumes = []Volume{{Name: "tmp", SizeLimit: "64Mi"}, {Name: "media", Claim: "media"}}
	name := "cron-" + t.Name
	b.add(name, "cronjob", "cronjob.yaml", cronJobData{
		Meta:     b.meta(name, partLabels("cron"), map[string]string{annWave: waveApps}),
		Schedule: t.Schedule, TimeZone: s.Parts.Cron.TimeZone,
		StartingDeadlineSeconds: 300, BackoffLimit: 2,
		DeadlineSeconds: seconds(s.Parts.Cron.Deadline), Pod: pod,
	})
}

// ingresses renders site.Routes() as Ingresses, plus the chat exposure.
func (b *builder) ingresses() {
	s := b.s
	issuer := map[string]string{"cert-manager.io/cluster-issuer": s.Ingress.Issuer}
	type spec struct {
		ann map[string]string
		tls ingressTLS
	}
	specs := map[string]spec{
		site.AppIngress: {ann: issuer, tls: ingressTLS{Secret: "site-tls", Hosts: s.SiteHosts()}},
		// Same host and certificate as app-ingress, which asks cert-manager for it.
		site.UploadersIngress: {ann: map[string]string{
			"nginx.ingress.kubernetes.io/proxy-body-size":         s.BodySize(site.UploadersIngress),
			"nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
			"nginx.ingress.kubernetes.io/proxy-read-timeout":      "300",
			"nginx.ingress.kubernetes.io/proxy-send-timeout":      "300",
		}, tls: ingressTLS{Secret: "site-tls", Hosts: s.SiteHosts()}},
		site.AdminIngress: {ann: issuer, tls: ingressTLS{Secret: "admin-tls", Hosts: []string{s.Hosts.Admin}}},
		site.AdminerIngress: {ann: map[string]string{
			"cert-manager.io/cluster-issuer":                     s.Ingress.Issuer,
			"nginx.ingress.kubernetes.io/whitelist-source-range": strings.Join(s.Ingress.AdminerAllow, ","),
		}, tls: ingressTLS{Secret: "adminer-tls", Hosts: []string{s.Hosts.Adminer}}},
	}
	var order []string
	rules := map[string][]ingressRule{}
	for _, r := range s.Routes() {
		if _, ok := rules[r.Ingress]; !ok {
			order = append(order, r.Ingress)
		}
		rs := rules[r.Ingress]
		if len(rs) == 0 || rs[len(rs)-1].Host != r.Host {
			rs = append(rs, ingressRule{Host: r.Host})
		}
		typ := "Prefix"
		if r.Exact {
			typ = "Exact"
		}
		last := &rs[len(rs)-1]
		last.Paths = append(last.Paths, ingressPath{Path: r.Path, Type: typ, Service: r.Part, Port: r.Port})
		rules[r.Ingress] = rs
	}
	for _, name := range order {
		sp := specs[name]
		b.add(name, "ingress", "ingress.yaml", ingressData{
			Meta:  b.meta(name, nil, sp.ann),
			Class: s.Ingress.Class, TLS: []ingressTLS{sp.tls}, Rules: rules[name],
		})
	}
	switch s.Ingress.Chat {
	case site.ChatPassthrough:
		// The controller routes the TLS connection by SNI to chat, which holds the certificate.
		b.add("chat-ingress", "ingress", "ingress.yaml", ingressData{
			Meta:  b.meta("chat-ingress", nil, map[string]string{"nginx.ingress.kubernetes.io/ssl-passthrough": "true"}),
			Class: s.Ingress.Class,
			Rules: []ingressRule{{Host: s.Hosts.Chat, Paths: []ingressPath{{Path: "/", Type: "Prefix", Service: "chat", Port: int(s.Parts.Chat.Port)}}}},
		})
	case site.ChatTCPServices:
		m := b.meta(s.Ingress.TCPServicesConfigMap, nil, nil)
		m.Namespace = s.Ingress.ControllerNamespace
		b.add(s.Ingress.TCPServicesConfigMap, "configmap", "configmap.yaml", configMapData{Meta: m, Data: map[string]string{
			strconv.Itoa(int(s.Ingress.ChatPort)): fmt.Sprintf("%s/chat:%d", s.Namespace, s.Parts.Chat.Port),
		}})
	}
}

func (b *builder) networkPolicies() {
	s := b.s
	controller := peer{
		PodLabels:       map[string]string{labelName: "ingress-nginx"},
		NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": s.Ingress.ControllerNamespace},
	}
	b.add("default-deny-ingress", "networkpolicy", "networkpolicy.yaml", networkPolicyData{
		Meta: b.meta("default-deny-ingress", nil, nil),
	})
	// cert-manager's HTTP-01 solver pods run in this namespace and answer the controller.
	b.add("acme-http01-solver", "networkpolicy", "networkpolicy.yaml", networkPolicyData{
		Meta:        b.meta("acme-http01-solver", nil, nil),
		PodSelector: map[string]string{"acme.cert-manager.io/http01-solver": "true"},
		Rules:       []policyRule{{From: []peer{controller}, Ports: []portRef{{Number: 8089}}}},
	})
	for _, info := range site.Registry {
		if !info.Web {
			continue
		}
		p := info.Name
		from := []peer{controller}
		if p == "captcha" {
			from = append(from, peer{PodLabels: selector("app")}) // server-side captcha verification
		}
		b.add(p, "networkpolicy", "networkpolicy.yaml", networkPolicyData{
			Meta: b.meta(p, partLabels(p), nil), PodSelector: selector(p),
			Rules: []policyRule{{From: from, Ports: []portRef{{Name: "http"}}}},
		})
	}
	if s.DB.Mode != site.DBExternal {
		var from []peer
		for _, info := range site.Registry {
			if info.Name == "cron" && len(s.Parts.Cron.Tasks) == 0 {
				continue
			}
			if info.DB || info.Name == "adminer" {
				from = append(from, peer{PodLabels: selector(info.Name)})
			}
		}
		if s.DB.Mode == site.DBStatefulSet {
			from = append(from, peer{PodLabels: selector("db")}) // replication between ordinals
		}
		b.add("db", "networkpolicy", "networkpolicy.yaml", networkPolicyData{
			Meta: b.meta("db", partLabels("db"), nil), PodSelector: selector("db"),
			Rules: []policyRule{{From: from, Ports: []portRef{{Name: "mysql"}}}},
		})
	}
}

package site

import (
	"fmt"
	"slices"
	"time"
)

// PartInfo is one row of the registry of parts: what a part is, independent of
// any one site. The renderer (gen/render), the local stack (svc/internal/stack)
// and the services' env tests all read it, so a new part or a new variable of a
// part is added here, in one place.
type PartInfo struct {
	// Name names the part in site.yaml (parts.<Name>), its objects and its pods'
	// app.kubernetes.io/name label.
	Name string
	// Program is the Go package svc/<Program> its image is built from; "" for
	// db and adminer, which run third-party images.
	Program string
	// Written says that svc/<Program> exists (a test checks it): the local
	// stack builds and runs only parts whose program is written.
	Written bool
	// Batch parts run to completion instead of serving: migrate as a Job, cron
	// as one CronJob per task. They have no replicas, port or Service.
	Batch bool
	// Replicas, Port and Resources are the defaults of parts.<Name> in
	// site.yaml (Batch parts: Resources only).
	Replicas  int32
	Port      int32
	Resources Resources
	// Single says why the part must run exactly one replica, or is "" if it scales.
	Single string
	// DB says the part talks to MySQL: the db NetworkPolicy lets it in and its
	// Env holds KIN_DB_ADDR, KIN_DB_NAME, KIN_DB_USER and KIN_DB_PASSWORD.
	DB bool
	// Media says the part mounts the media volume (at KIN_MEDIA_DIR).
	Media bool
	// Web says the part serves the web: the ingress controller may reach it.
	Web bool
	// Env lists, sorted, the environment variables the part's program reads.
	// gen renders exactly these into its container (each explicitly, in env),
	// and each program's env test checks that its configuration reads exactly
	// these.
	Env []string

	spec func(*Parts) *Part // its sizing in a Site; nil for Batch parts
}

// DBEnv are the variables of config.Reader.DB, which every part with DB reads.
var DBEnv = []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER"}

var (
	smallResources = Resources{
		Requests: ResourceList{CPU: "50m", Memory: "64Mi"},
		Limits:   ResourceList{CPU: "500m", Memory: "256Mi"},
	}
	// app hashes passwords with argon2id (19 MiB each, bounded by a semaphore) and
	// upload re-encodes pictures: both need more memory than the other parts.
	largeResources = Resources{
		Requests: ResourceList{CPU: "100m", Memory: "128Mi"},
		Limits:   ResourceList{CPU: "1", Memory: "512Mi"},
	}
	dbResources = Resources{
		Requests: ResourceList{CPU: "250m", Memory: "512Mi"},
		Limits:   ResourceList{CPU: "2", Memory: "2Gi"},
	}
)

// Registry is the table of the site's parts, in DESIGN.md's order: the
// long-running parts, then the programs migrate and cron. The variables of the
// parts still to be written are the ones DESIGN.md and README give them.
var Registry = []PartInfo{
	{
		Name: "frontend", Program: "frontend", Written: true, Replicas: 2, Port: 8080, Resources: smallResources,
		Web:  true,
		Env:  []string{"KIN_LISTEN"},
		spec: func(p *Parts) *Part { return &p.Frontend },
	},
	{
		Name: "captcha", Program: "captcha", Written: true, Replicas: 1, Port: 8080, Resources: smallResources,
		Single: "the captcha keeps its state in memory",
		Web:    true,
		Env:    []string{"KIN_LISTEN"},
		spec:   func(p *Parts) *Part { return &p.Captcha },
	},
	{
		Name: "app", Program: "app", Written: true, Replicas: 2, Port: 8080, Resources: largeResources,
		DB: true, Web: true,
		Env:  []string{"KIN_CAPTCHA_URL", "KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_LISTEN"},
		spec: func(p *Parts) *Part { return &p.App },
	},
	{
		Name: "chat", Program: "chat", Replicas: 2, Port: 8080, Resources: smallResources,
		DB: true, Web: true,
		Env:  []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_LISTEN", "KIN_TLS_DIR"},
		spec: func(p *Parts) *Part { return &p.Chat },
	},
	{
		Name: "upload", Program: "upload", Replicas: 2, Port: 8080, Resources: largeResources,
		DB: true, Media: true, Web: true,
		Env:  []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_LISTEN", "KIN_MEDIA_DIR"},
		spec: func(p *Parts) *Part { return &p.Upload },
	},
	{
		Name: "admin", Program: "admin", Replicas: 1, Port: 8080, Resources: smallResources,
		DB: true, Web: true,
		Env:  []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_LISTEN"},
		spec: func(p *Parts) *Part { return &p.Admin },
	},
	{
		Name: "domainname", Program: "domainname", Written: true, Replicas: 2, Port: 8080, Resources: smallResources,
		DB: true, Web: true,
		Env:  []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_DOMAIN_ALIASES", "KIN_LISTEN"},
		spec: func(p *Parts) *Part { return &p.Domainname },
	},
	{
		Name: "listing", Program: "listing", Replicas: 1, Port: 8080, Resources: smallResources,
		Single: "more would register the site more than once per interval",
		Env:    []string{"KIN_DOMAIN", "KIN_LISTEN", "KIN_LISTING_INTERVAL", "KIN_LISTING_URL"},
		spec:   func(p *Parts) *Part { return &p.Listing },
	},
	{
		// MySQL's image reads its own variables; one replica unless db.mode is statefulset.
		Name: "db", Replicas: 1, Port: 3306, Resources: dbResources,
		Env:  []string{"MYSQL_DATABASE", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", "MYSQL_USER"},
		spec: func(p *Parts) *Part { return &p.DB },
	},
	{
		Name: "adminer", Replicas: 1, Port: 8080, Resources: smallResources,
		Single: "adminer keeps its sessions in the pod",
		Web:    true,
		Env:    []string{"ADMINER_DEFAULT_SERVER"},
		spec:   func(p *Parts) *Part { return &p.Adminer },
	},
	{
		Name: "migrate", Program: "migrate", Written: true, Batch: true, Resources: smallResources,
		DB:  true,
		Env: []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER"},
	},
	{
		// Each task runs the cron image with the task's name as its argument.
		Name: "cron", Program: "cron", Batch: true, Resources: smallResources,
		DB: true, Media: true,
		Env: []string{"KIN_DB_ADDR", "KIN_DB_NAME", "KIN_DB_PASSWORD", "KIN_DB_USER", "KIN_DOMAIN", "KIN_MEDIA_DIR"},
	},
}

// PartNames lists the long-running parts (the Registry's parts that are not
// Batch) in DESIGN.md's order.
var PartNames = func() []string {
	var names []string
	for _, p := range Registry {
		if !p.Batch {
			names = append(names, p.Name)
		}
	}
	return names
}()

// LookupPart returns the Registry's row of the part named name.
func LookupPart(name string) (PartInfo, bool) {
	for _, p := range Registry {
		if p.Name == name {
			return p, true
		}
	}
	return PartInfo{}, false
}

// ProgramEnv returns, sorted, the environment variables that the program
// svc/<program> reads, as the Registry names them; it panics if no part runs
// program, which is a programming error. The programs' env tests compare it
// with config.Reader.Names.
func ProgramEnv(program string) []string {
	for _, p := range Registry {
		if p.Program != "" && p.Program == program {
			return slices.Clone(p.Env)
		}
	}
	panic(fmt.Sprintf("site: no part runs program %q", program))
}

// Part returns the sizing of the long-running part named name (one of
// PartNames); it panics on any other name, which is a programming error.
func (s *Site) Part(name string) *Part {
	if p, ok := LookupPart(name); ok && p.spec != nil {
		return p.spec(&s.Parts)
	}
	panic(fmt.Sprintf("site: no part %q", name))
}

// The drain of Kin's services on SIGTERM: /readyz fails at once while the
// service keeps serving for DrainDelay, so that the endpoints and the ingress
// controller stop sending it requests; then it stops accepting and gives the
// requests in flight up to ShutdownTimeout to finish.
const (
	// DrainDelay must equal svc/internal/server's default drain delay.
	DrainDelay = 5 * time.Second
	// ShutdownTimeout must equal svc/internal/server's default ShutdownTimeout.
	ShutdownTimeout = 20 * time.Second
	// TerminationGracePeriod is every Kin pod's terminationGracePeriodSeconds:
	// the drain and the shutdown, plus a margin for the process to exit
	// before the kubelet kills it.
	TerminationGracePeriod = DrainDelay + ShutdownTimeout + 5*time.Second
)

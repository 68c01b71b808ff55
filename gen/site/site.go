// Package site defines Kin's site spec: the Go types of site.yaml, how the
// file is decoded (strictly), the defaults and the validation. Everything
// rendered into out/, and the local development stack, starts from a Site.
package site

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DB modes: where the site's MySQL runs.
const (
	// DBDeployment runs one MySQL pod as a Deployment with the Recreate strategy.
	DBDeployment = "deployment"
	// DBStatefulSet runs MySQL as a StatefulSet with one NFS volume per ordinal.
	DBStatefulSet = "statefulset"
	// DBExternal renders no database and points the services at DB.Address.
	DBExternal = "external"
)

// Chat exposures: how TLS connections reach the chat pods, which terminate TLS themselves.
const (
	// ChatPassthrough uses ingress-nginx's SSL passthrough on port 443 (SNI routing).
	ChatPassthrough = "passthrough"
	// ChatTCPServices uses an entry of ingress-nginx's tcp-services ConfigMap on its own port.
	ChatTCPServices = "tcp-services"
)

// Site is the whole spec of one Kin site.
type Site struct {
	// Domain is the site's domain, e.g. "example.org" (KIN_DOMAIN).
	Domain string `json:"domain"`
	// Hosts are the host names the site answers on; defaults derive from Domain.
	Hosts Hosts `json:"hosts"`
	// Namespace is the Kubernetes namespace every namespaced object goes to.
	Namespace string `json:"namespace"`
	// Images names the container images.
	Images Images `json:"images"`
	// Parts sizes every part of the site.
	Parts Parts `json:"parts"`
	// Volumes are the two NFS exports the site keeps its state on.
	Volumes Volumes `json:"volumes"`
	// Ingress configures the ingress-nginx rendering of the routes.
	Ingress Ingress `json:"ingress"`
	// DB says where the database runs and how the services reach it.
	DB DB `json:"db"`
	// Listing configures the registration of the site with a listing server.
	Listing Listing `json:"listing"`
	// Secrets names the Secrets the operator creates; no secret value is ever in the spec.
	Secrets Secrets `json:"secrets"`
	// ArgoCD configures the Argo CD Application that syncs out/.
	ArgoCD ArgoCD `json:"argocd"`
}

// Hosts are the host names of the site.
type Hosts struct {
	// Site is the main host (frontend, API, uploads); defaults to Domain.
	Site string `json:"site,omitempty"`
	// Aliases are further hosts serving the site, e.g. "www.example.org" (KIN_DOMAIN_ALIASES).
	Aliases []string `json:"aliases,omitempty"`
	// Admin is the admin panel's host; defaults to "admin." + Domain.
	Admin string `json:"admin,omitempty"`
	// Adminer is the DB admin panel's host; defaults to "adminer." + Domain.
	Adminer string `json:"adminer,omitempty"`
	// Chat is the chat's host; defaults to "chat." + Domain.
	Chat string `json:"chat,omitempty"`
}

// Images names the container images. The site's own parts run
// Repository + "/" + part + ":" + Tag.
type Images struct {
	// Repository is the registry path of Kin's images, e.g. "ghcr.io/kin-social/kin".
	Repository string `json:"repository,omitempty"`
	// Tag is the release tag of Kin's images; never "latest", so a sync is reproducible.
	Tag string `json:"tag"`
	// PullPolicy is the containers' imagePullPolicy; defaults to IfNotPresent.
	PullPolicy string `json:"pullPolicy,omitempty"`
	// DB is the MySQL image; defaults to "mysql:8.4".
	DB string `json:"db,omitempty"`
	// Adminer is the Adminer image; defaults to "adminer:5.3.0".
	Adminer string `json:"adminer,omitempty"`
}

// Parts sizes every part of the site (DESIGN.md's table).
type Parts struct {
	Frontend   Part    `json:"frontend"`   // the web client
	Captcha    Part    `json:"captcha"`    // exactly one replica: state in memory
	App        Part    `json:"app"`        // the JSON API
	Chat       Part    `json:"chat"`       // WebSocket chat, TLS inside the pod
	Upload     Part    `json:"upload"`     // uploads into and serving of the media volume
	Admin      Part    `json:"admin"`      // the admin panel
	Domainname Part    `json:"domainname"` // GET/POST /api/v1/domain
	Listing    Part    `json:"listing"`    // exactly one replica: registers the site
	DB         Part    `json:"db"`         // MySQL; one replica unless db.mode is statefulset
	Adminer    Part    `json:"adminer"`    // exactly one replica: sessions in the pod
	Cron       Cron    `json:"cron"`       // the periodic tasks
	Migrate    Migrate `json:"migrate"`    // the schema migration Job
}

// Part is one long-running part: a Deployment (or StatefulSet) behind a Service.
type Part struct {
	// Replicas is the number of pods; defaults per part (see Defaults).
	Replicas *int32 `json:"replicas,omitempty"`
	// Port is the container and Service port; 8080 for Kin's parts, 3306 for db.
	Port int32 `json:"port,omitempty"`
	// Resources are the container's requests and limits.
	Resources Resources `json:"resources"`
}

// Cron is the set of periodic tasks, each a CronJob running svc/cron.
type Cron struct {
	// Resources are each task container's requests and limits.
	Resources Resources `json:"resources"`
	// Deadline bounds one run of a task (activeDeadlineSeconds), e.g. "10m".
	Deadline string `json:"deadline,omitempty"`
	// TimeZone is the CronJobs' time zone; defaults to "Etc/UTC".
	TimeZone string `json:"timeZone,omitempty"`
	// Tasks are the tasks; their names are arguments of svc/cron.
	Tasks []CronTask `json:"tasks"`
}

// CronTask is one periodic task.
type CronTask struct {
	// Name is the task's name, a DNS label; the CronJob is "cron-" + Name.
	Name string `json:"name"`
	// Schedule is a five-field cron schedule or a descriptor such as "@hourly".
	Schedule string `json:"schedule"`
}

// Migrate is the schema migration Job run by Argo CD before the apps.
type Migrate struct {
	// Resources are the Job container's requests and limits.
	Resources Resources `json:"resources"`
	// Deadline bounds the Job (activeDeadlineSeconds), e.g. "10m".
	Deadline string `json:"deadline,omitempty"`
}

// Resources are a container's requests and limits.
type Resources struct {
	Requests ResourceList `json:"requests"` // what the scheduler reserves
	Limits   ResourceList `json:"limits"`   // the most the container may use
}

// ResourceList is an amount of CPU and memory as Kubernetes quantities ("100m", "128Mi").
type ResourceList struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// Volumes are the site's NFS exports.
type Volumes struct {
	// Media holds uploads; mounted ReadWriteMany by upload.
	Media Volume `json:"media"`
	// DB holds MySQL's data directory; mounted ReadWriteOnce by db.
	DB Volume `json:"db"`
}

// Volume is one NFS export, rendered as a PersistentVolume bound to a PersistentVolumeClaim.
type Volume struct {
	// Server is the NFS server's DNS name or IP address.
	Server string `json:"server"`
	// Path is the absolute path of the export on Server.
	Path string `json:"path"`
	// Size is the volume's capacity, a Kubernetes quantity such as "100Gi".
	Size string `json:"size,omitempty"`
}

// Ingress configures the ingress-nginx rendering of the routes.
type Ingress struct {
	// Class is the IngressClass; defaults to "nginx".
	Class string `json:"class,omitempty"`
	// Issuer is the cert-manager ClusterIssuer issuing every certificate.
	Issuer string `json:"issuer,omitempty"`
	// UploadBodySize is uploaders-ingress's maximum request body, e.g. "64m".
	UploadBodySize string `json:"uploadBodySize,omitempty"`
	// Chat is how chat connections get in: "passthrough" (default) or "tcp-services".
	Chat string `json:"chat,omitempty"`
	// ChatPort is the controller's port for chat in "tcp-services" mode; defaults to 5443.
	ChatPort int32 `json:"chatPort,omitempty"`
	// ControllerNamespace is the ingress controller's namespace, allowed through the NetworkPolicies.
	ControllerNamespace string `json:"controllerNamespace,omitempty"`
	// TCPServicesConfigMap is the controller's tcp-services ConfigMap ("tcp-services" mode only).
	TCPServicesConfigMap string `json:"tcpServicesConfigMap,omitempty"`
	// AdminerAllow are the client CIDRs allowed to reach adminer; defaults to RFC 1918.
	AdminerAllow []string `json:"adminerAllow,omitempty"`
}

// DB says where the database runs.
type DB struct {
	// Mode is "deployment" (default), "statefulset" or "external".
	Mode string `json:"mode,omitempty"`
	// Address is host:port of an external MySQL; required in "external" mode only.
	Address string `json:"address,omitempty"`
	// Name is the database's name; defaults to "kin".
	Name string `json:"name,omitempty"`
	// User is the services' database user; defaults to "kin".
	User string `json:"user,omitempty"`
}

// Listing configures the listing part.
type Listing struct {
	// URL is the listing server's registration endpoint (https).
	URL string `json:"url"`
	// Interval is the time between registrations, a Go duration; defaults to "30m".
	Interval string `json:"interval,omitempty"`
}

// Secrets names the Secrets the operator creates with kubectl; each has the key "password".
type Secrets struct {
	// DB holds the password of DB.User (KIN_DB_PASSWORD, MYSQL_PASSWORD).
	DB string `json:"db,omitempty"`
	// DBRoot holds MySQL's root password (MYSQL_ROOT_PASSWORD).
	DBRoot string `json:"dbRoot,omitempty"`
	// ChatTLS is the Secret cert-manager writes the chat certificate to.
	ChatTLS string `json:"chatTLS,omitempty"`
}

// ArgoCD configures the Argo CD Application syncing out/.
type ArgoCD struct {
	// RepoURL is the Git repository holding out/.
	RepoURL string `json:"repoURL"`
	// Revision is the branch, tag or commit to sync; defaults to "main".
	Revision string `json:"revision,omitempty"`
	// Path is out/'s path in the repository; defaults to "out".
	Path string `json:"path,omitempty"`
	// Namespace is Argo CD's namespace; defaults to "argocd".
	Namespace string `json:"namespace,omitempty"`
	// Project is the Argo CD project; defaults to "default".
	Project string `json:"project,omitempty"`
}

// Route is one path on one host sent to one part's Service: the abstract route that both the
// Ingress templates and the local stack render, so they cannot disagree.
type Route struct {
	Ingress string // name of the Ingress rendering it, e.g. "app-ingress"
	Host    string // e.g. "example.org"
	Path    string // e.g. "/api/"
	Exact   bool   // pathType Exact instead of Prefix
	Part    string // e.g. "app"
	Port    int    // Service port, 8080 for the Go parts
	// BodyLimit is the largest request body its Ingress lets through, in
	// bytes (see Site.BodySize); 0 means no limit.
	BodyLimit int64
}

// Ingress names, one per row of DESIGN.md's table.
const (
	AppIngress       = "app-ingress"
	UploadersIngress = "uploaders-ingress"
	AdminIngress     = "admin-ingress"
	AdminerIngress   = "adminer-ingress"
)

// Routes returns every HTTP route of the site (not the chat passthrough), sorted by
// Ingress, then host, then path. ingress-nginx (and the local stack) pick the longest
// matching path, so "/api/v1/domain" wins over "/api/".
func (s *Site) Routes() []Route {
	var rs []Route
	limit := func(ing string) int64 {
		n, _ := ParseSize(s.BodySize(ing)) // Validate refuses a size ParseSize cannot read
		return n
	}
	add := func(ing, path string, exact bool, part string) {
		for _, h := range s.SiteHosts() {
			rs = append(rs, Route{Ingress: ing, Host: h, Path: path, Exact: exact, Part: part, Port: int(s.Part(part).Port), BodyLimit: limit(ing)})
		}
	}
	add(AppIngress, "/", false, "frontend")
	add(AppIngress, "/api/", false, "app")
	add(AppIngress, "/api/v1/domain", true, "domainname")
	add(AppIngress, "/captcha/", false, "captcha")
	add(AppIngress, "/cgi-bin/system.cgi", true, "app")
	add(UploadersIngress, "/media/", false, "upload")
	add(UploadersIngress, "/upload/", false, "upload")
	rs = append(rs,
		Route{Ingress: AdminIngress, Host: s.Hosts.Admin, Path: "/", Part: "admin", Port: int(s.Parts.Admin.Port), BodyLimit: limit(AdminIngress)},
		Route{Ingress: AdminerIngress, Host: s.Hosts.Adminer, Path: "/", Part: "adminer", Port: int(s.Parts.Adminer.Port), BodyLimit: limit(AdminerIngress)},
	)
	sortRoutes(rs)
	return rs
}

// DefaultBodySize is ingress-nginx's proxy-body-size, which holds for
// every Ingress rendered without that annotation.
const DefaultBodySize = "1m"

// BodySize returns the proxy-body-size of the named Ingress as gen renders
// it: ingress.uploadBodySize for uploaders-ingress (large uploads), the
// controller's default for the others.
func (s *Site) BodySize(ingress string) string {
	if ingress == UploadersIngress {
		return s.Ingress.UploadBodySize
	}
	return DefaultBodySize
}

// ParseSize reads an nginx size: a number of bytes with an optional k, m or
// g suffix (powers of 1024). 0 means no limit, as for nginx.
func ParseSize(v string) (int64, error) {
	if v == "" {
		return 0, errors.New("empty size: write a number with an optional k, m or g suffix, e.g. 64m")
	}
	mult := int64(1)
	switch v[len(v)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	if mult > 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult || strings.TrimLeft(v, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not an nginx size: write a number with an optional k, m or g suffix, e.g. 64m", v)
	}
	return n * mult, nil
}

// SiteHosts returns the site host followed by its aliases.
func (s *Site) SiteHosts() []string {
	return append([]string{s.Hosts.Site}, s.Hosts.Aliases...)
}

// Image returns the image of one of Kin's own programs (a part, "cron" or "migrate").
func (s *Site) Image(program string) string {
	switch program {
	case "db":
		return s.Images.DB
	case "adminer":
		return s.Images.Adminer
	}
	return strings.TrimSuffix(s.Images.Repository, "/") + "/" + program + ":" + s.Images.Tag
}

// DBAddr is the address the services reach MySQL at (KIN_DB_ADDR).
func (s *Site) DBAddr() string {
	if s.DB.Mode == DBExternal {
		return s.DB.Address
	}
	return fmt.Sprintf("db:%d", s.Parts.DB.Port)
}

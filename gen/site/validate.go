package site

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Validate checks a defaulted spec and returns every problem at once as Errors,
// in the order of the fields in site.yaml, or nil.
func (s *Site) Validate() error {
	v := &validator{}
	if s.Domain == "" {
		v.add("domain", "required: the site's domain, e.g. example.org")
	} else {
		v.dnsName("domain", s.Domain)
	}
	// Hosts left empty had no valid domain to derive from; domain's error says so.
	host := func(path, h string) {
		if h != "" {
			v.dnsName(path, h)
		}
	}
	host("hosts.site", s.Hosts.Site)
	for i, a := range s.Hosts.Aliases {
		v.dnsName(fmt.Sprintf("hosts.aliases[%d]", i), a)
	}
	host("hosts.admin", s.Hosts.Admin)
	host("hosts.adminer", s.Hosts.Adminer)
	host("hosts.chat", s.Hosts.Chat)
	v.distinctHosts(s)
	v.dnsLabel("namespace", s.Namespace)

	s.validateImages(v)
	s.validateParts(v)
	if s.DB.Mode != DBExternal {
		v.volume("volumes.db", s.Volumes.DB)
	}
	v.volume("volumes.media", s.Volumes.Media)
	s.validateIngress(v)
	s.validateDB(v)

	if s.Listing.URL == "" {
		v.add("listing.url", "required: the listing server's registration URL, e.g. https://listing.example.net/register")
	} else if u, err := url.Parse(s.Listing.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.add("listing.url", fmt.Sprintf("%q is not an absolute http(s) URL: write it as https://host/path", s.Listing.URL))
	}
	v.duration("listing.interval", s.Listing.Interval, time.Minute)

	v.dnsName("secrets.db", s.Secrets.DB)
	v.dnsName("secrets.dbRoot", s.Secrets.DBRoot)
	v.dnsName("secrets.chatTLS", s.Secrets.ChatTLS)
	if s.Secrets.DB == s.Secrets.DBRoot && s.Secrets.DB != "" {
		v.add("secrets.dbRoot", fmt.Sprintf("%q is also secrets.db: both use the key \"password\", so give them different names", s.Secrets.DBRoot))
	}

	s.validateArgoCD(v)
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

func (s *Site) validateImages(v *validator) {
	im := s.Images
	if strings.ContainsAny(im.Repository, " :@\t") || strings.HasSuffix(im.Repository, "/") || strings.ToLower(im.Repository) != im.Repository {
		v.add("images.repository", fmt.Sprintf("%q is not an image repository: write it in lower case, without tag or trailing slash, e.g. ghcr.io/kin-social/kin", im.Repository))
	}
	switch {
	case im.Tag == "":
		v.add("images.tag", "required: the release tag of Kin's images, e.g. v0.1.0")
	case im.Tag == "latest":
		v.add("images.tag", "must not be \"latest\": pin a release tag so every sync runs the same code")
	case !imageTag.MatchString(im.Tag):
		v.add("images.tag", fmt.Sprintf("%q is not an image tag: use letters, digits, '.', '_' and '-' (at most 128)", im.Tag))
	}
	switch im.PullPolicy {
	case "Always", "IfNotPresent", "Never":
	default:
		v.add("images.pullPolicy", fmt.Sprintf("%q is not a pull policy: use Always, IfNotPresent or Never", im.PullPolicy))
	}
	v.pinnedImage("images.db", im.DB)
	v.pinnedImage("images.adminer", im.Adminer)
}

var imageTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func (s *Site) validateParts(v *validator) {
	for _, info := range Registry {
		if info.Batch {
			continue
		}
		name := info.Name
		p := s.Part(name)
		pp := "parts." + name
		if name == "db" && s.DB.Mode == DBExternal {
			continue // nothing of it is rendered
		}
		if p.Replicas != nil {
			r := *p.Replicas
			switch {
			case r < 1:
				v.add(pp+".replicas", fmt.Sprintf("is %d, must be at least 1", r))
			case info.Single != "" && r != 1:
				v.add(pp+".replicas", "must be 1: "+info.Single)
			case name == "db" && s.DB.Mode == DBDeployment && r != 1:
				v.add(pp+".replicas", "must be 1 when db.mode is deployment: one MySQL owns the volume; use db.mode statefulset or external to scale the database")
			}
		}
		if p.Port < 1 || p.Port > 65535 {
			v.add(pp+".port", fmt.Sprintf("is %d, must be a port between 1 and 65535", p.Port))
		}
		v.resources(pp+".resources", p.Resources)
	}
	c := s.Parts.Cron
	v.resources("parts.cron.resources", c.Resources)
	v.duration("parts.cron.deadline", c.Deadline, time.Second)
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
		v.add("parts.cron.timeZone", fmt.Sprintf("%q is not an IANA time zone: use e.g. Etc/UTC or Europe/Berlin", c.TimeZone))
	}
	seen := map[string]bool{}
	for i, t := range c.Tasks {
		tp := fmt.Sprintf("parts.cron.tasks[%d]", i)
		switch {
		case t.Name == "":
			v.add(tp+".name", "required: the task's name, e.g. prune-media")
		case len(validation.IsDNS1123Label(t.Name)) > 0:
			v.add(tp+".name", fmt.Sprintf("%q is not a DNS label: use lower-case letters, digits and '-'", t.Name))
		case len("cron-"+t.Name) > 52:
			v.add(tp+".name", fmt.Sprintf("%q is too long: the CronJob \"cron-<name>\" must have at most 52 characters", t.Name))
		case seen[t.Name]:
			v.add(tp+".name", fmt.Sprintf("%q is listed twice: give every task one entry", t.Name))
		}
		seen[t.Name] = true
		if err := checkSchedule(t.Schedule); err != nil {
			v.add(tp+".schedule", err.Error())
		}
	}
	v.resources("parts.migrate.resources", s.Parts.Migrate.Resources)
	v.duration("parts.migrate.deadline", s.Parts.Migrate.Deadline, time.Second)
}

func (s *Site) validateIngress(v *validator) {
	in := s.Ingress
	v.dnsName("ingress.class", in.Class)
	v.dnsName("ingress.issuer", in.Issuer)
	if _, err := ParseSize(in.UploadBodySize); err != nil {
		v.add("ingress.uploadBodySize", err.Error())
	}
	switch in.Chat {
	case ChatPassthrough, ChatTCPServices:
	default:
		v.add("ingress.chat", fmt.Sprintf("%q is not a chat exposure: use %s or %s", in.Chat, ChatPassthrough, ChatTCPServices))
	}
	switch {
	case in.ChatPort < 1 || in.ChatPort > 65535:
		v.add("ingress.chatPort", fmt.Sprintf("is %d, must be a port between 1 and 65535", in.ChatPort))
	case in.Chat == ChatTCPServices && (in.ChatPort == 80 || in.ChatPort == 443):
		v.add("ingress.chatPort", fmt.Sprintf("is %d, which the controller serves HTTP(S) on: pick another port, e.g. 5443", in.ChatPort))
	}
	v.dnsLabel("ingress.controllerNamespace", in.ControllerNamespace)
	v.dnsName("ingress.tcpServicesConfigMap", in.TCPServicesConfigMap)
	if len(in.AdminerAllow) == 0 {
		v.add("ingress.adminerAllow", "must list at least one CIDR: adminer must not be reachable from everywhere")
	}
	for i, c := range in.AdminerAllow {
		p := fmt.Sprintf("ingress.adminerAllow[%d]", i)
		pre, err := netip.ParsePrefix(c)
		switch {
		case err != nil:
			v.add(p, fmt.Sprintf("%q is not a CIDR: write an address and a prefix length, e.g. 10.0.0.0/8", c))
		case pre.Masked() != pre:
			v.add(p, fmt.Sprintf("%q has host bits set: write the network address, %s", c, pre.Masked()))
		}
	}
}

func (s *Site) validateDB(v *validator) {
	switch s.DB.Mode {
	case DBDeployment, DBStatefulSet:
		if s.DB.Address != "" {
			v.add("db.address", fmt.Sprintf("is only used when db.mode is external (it is %s): remove it", s.DB.Mode))
		}
	case DBExternal:
		if s.DB.Address == "" {
			v.add("db.address", "required when db.mode is external: the MySQL server's host:port, e.g. mysql.example.org:3306")
		} else if host, port, err := net.SplitHostPort(s.DB.Address); err != nil || host == "" || !validPort(port) {
			v.add("db.address", fmt.Sprintf("%q is not host:port: write it as e.g. mysql.example.org:3306", s.DB.Address))
		} else if net.ParseIP(host) == nil && len(validation.IsDNS1123Subdomain(host)) > 0 {
			v.add("db.address", fmt.Sprintf("%q is not a DNS name or IP address", host))
		}
	default:
		v.add("db.mode", fmt.Sprintf("%q is not a DB mode: use %s, %s or %s", s.DB.Mode, DBDeployment, DBStatefulSet, DBExternal))
	}
	if !sqlName.MatchString(s.DB.Name) || len(s.DB.Name) > 64 {
		v.add("db.name", fmt.Sprintf("%q is not a database name: use at most 64 letters, digits and '_'", s.DB.Name))
	}
	if !sqlName.MatchString(s.DB.User) || len(s.DB.User) > 32 {
		v.add("db.user", fmt.Sprintf("%q is not a MySQL user name: use at most 32 letters, digits and '_'", s.DB.User))
	}
}

var sqlName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

func (s *Site) validateArgoCD(v *validator) {
	a := s.ArgoCD
	switch {
	case a.RepoURL == "":
		v.add("argocd.repoURL", "required: the Git repository Argo CD syncs out/ from, e.g. https://github.com/kin-social/kin.git")
	case strings.HasPrefix(a.RepoURL, "git@"):
		if !strings.Contains(a.RepoURL, ":") {
			v.add("argocd.repoURL", fmt.Sprintf("%q is not an scp-style Git URL: write git@host:owner/repo.git", a.RepoURL))
		}
	default:
		if u, err := url.Parse(a.RepoURL); err != nil || (u.Scheme != "https" && u.Scheme != "ssh") || u.Host == "" {
			v.add("argocd.repoURL", fmt.Sprintf("%q is not a Git URL: use https://host/owner/repo.git, ssh://... or git@host:owner/repo.git", a.RepoURL))
		}
	}
	if strings.ContainsAny(a.Revision, " \t") {
		v.add("argocd.revision", fmt.Sprintf("%q is not a Git revision: name a branch, tag or commit", a.Revision))
	}
	if path.IsAbs(a.Path) || path.Clean(a.Path) != a.Path || strings.HasPrefix(a.Path, "..") {
		v.add("argocd.path", fmt.Sprintf("%q is not a clean path relative to the repository's root, e.g. out", a.Path))
	}
	v.dnsLabel("argocd.namespace", a.Namespace)
	v.dnsName("argocd.project", a.Project)
}

// validator collects problems.
type validator struct{ errs Errors }

func (v *validator) add(path, msg string) { v.errs = append(v.errs, Error{Path: path, Msg: msg}) }

func (v *validator) dnsName(path, s string) {
	switch {
	case s == "":
		v.add(path, "required: a DNS name such as example.org")
	case len(validation.IsDNS1123Subdomain(s)) > 0:
		v.add(path, fmt.Sprintf("%q is not a DNS name: use lower-case letters, digits, '-' and '.', at most 253 characters", s))
	}
}

func (v *validator) dnsLabel(path, s string) {
	switch {
	case s == "":
		v.add(path, "required: a DNS label such as social")
	case len(validation.IsDNS1123Label(s)) > 0:
		v.add(path, fmt.Sprintf("%q is not a DNS label: use lower-case letters, digits and '-', at most 63 characters", s))
	}
}

// distinctHosts reports a host used for two purposes: their routes would collide.
func (v *validator) distinctHosts(s *Site) {
	type use struct{ path, host string }
	uses := []use{{"hosts.site", s.Hosts.Site}}
	for i, a := range s.Hosts.Aliases {
		uses = append(uses, use{fmt.Sprintf("hosts.aliases[%d]", i), a})
	}
	uses = append(uses, use{"hosts.admin", s.Hosts.Admin}, use{"hosts.adminer", s.Hosts.Adminer}, use{"hosts.chat", s.Hosts.Chat})
	first := map[string]string{}
	for _, u := range uses {
		if u.host == "" {
			continue
		}
		if p, ok := first[u.host]; ok {
			v.add(u.path, fmt.Sprintf("%q is already %s: every host serves one purpose, pick another", u.host, p))
			continue
		}
		first[u.host] = u.path
	}
}

func (v *validator) pinnedImage(path, image string) {
	name, tag := image, ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		name, tag = image[:i], image[i+1:]
	}
	switch {
	case strings.Contains(image, "@sha256:"):
	case name == "" || strings.ContainsAny(image, " \t"):
		v.add(path, fmt.Sprintf("%q is not an image reference: write name:tag, e.g. mysql:8.4", image))
	case tag == "" || tag == "latest":
		v.add(path, fmt.Sprintf("%q is not pinned: add a tag other than latest, e.g. %s:<version>", image, name))
	}
}

func (v *validator) resources(path string, r Resources) {
	type q struct {
		field, val string
	}
	parsed := map[string]resource.Quantity{}
	for _, f := range []q{
		{"requests.cpu", r.Requests.CPU}, {"requests.memory", r.Requests.Memory},
		{"limits.cpu", r.Limits.CPU}, {"limits.memory", r.Limits.Memory},
	} {
		qty, err := resource.ParseQuantity(f.val)
		if err != nil || qty.Sign() <= 0 {
			v.add(path+"."+f.field, fmt.Sprintf("%q is not a positive quantity: write e.g. 100m for CPU or 128Mi for memory", f.val))
			continue
		}
		parsed[f.field] = qty
	}
	for _, k := range []string{"cpu", "memory"} {
		req, ok1 := parsed["requests."+k]
		lim, ok2 := parsed["limits."+k]
		if ok1 && ok2 && req.Cmp(lim) > 0 {
			v.add(path+".requests."+k, fmt.Sprintf("%s is more than limits.%s %s: lower the request or raise the limit", req.String(), k, lim.String()))
		}
	}
}

func (v *validator) duration(path, s string, least time.Duration) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		v.add(path, fmt.Sprintf("%q is not a duration: write e.g. 30m or 1h", s))
	case d < least:
		v.add(path, fmt.Sprintf("%s is too short: must be at least %s", s, shortDuration(least)))
	case d%time.Second != 0:
		v.add(path, fmt.Sprintf("%s is not a whole number of seconds", s))
	}
}

func (v *validator) volume(p string, vol Volume) {
	switch {
	case vol.Server == "":
		v.add(p+".server", "required: the NFS server's DNS name or IP address")
	case net.ParseIP(vol.Server) == nil && len(validation.IsDNS1123Subdomain(vol.Server)) > 0:
		v.add(p+".server", fmt.Sprintf("%q is not a DNS name or IP address", vol.Server))
	}
	switch {
	case vol.Path == "":
		v.add(p+".path", "required: the absolute path of the NFS export, e.g. /srv/kin/media")
	case !strings.HasPrefix(vol.Path, "/") || path.Clean(vol.Path) != vol.Path:
		v.add(p+".path", fmt.Sprintf("%q is not a clean absolute path: write it as e.g. /srv/kin/media", vol.Path))
	}
	if q, err := resource.ParseQuantity(vol.Size); err != nil || q.Sign() <= 0 {
		v.add(p+".size", fmt.Sprintf("%q is not a positive quantity: write e.g. 100Gi", vol.Size))
	}
}

func sortRoutes(rs []Route) {
	slices.SortStableFunc(rs, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Ingress, b.Ingress), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Path, b.Path))
	})
}

// shortDuration formats whole minutes as "1m" rather than time.Duration's "1m0s".
func shortDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

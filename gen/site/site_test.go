package site

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// minimal is the smallest valid spec: everything else defaults.
const minimal = `
domain: example.org
images: {tag: v1.0.0}
volumes:
  media: {server: nfs.example.org, path: /srv/kin/media}
  db: {server: 10.1.2.3, path: /srv/kin/db}
listing: {url: https://listing.example.net/register}
argocd: {repoURL: https://github.com/kin-social/kin.git}
`

func TestParseMinimalDefaults(t *testing.T) {
	s, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"hosts.site", s.Hosts.Site, "example.org"},
		{"hosts.admin", s.Hosts.Admin, "admin.example.org"},
		{"hosts.adminer", s.Hosts.Adminer, "adminer.example.org"},
		{"hosts.chat", s.Hosts.Chat, "chat.example.org"},
		{"namespace", s.Namespace, "kin"},
		{"captcha replicas", *s.Parts.Captcha.Replicas, int32(1)},
		{"app replicas", *s.Parts.App.Replicas, int32(2)},
		{"db port", s.Parts.DB.Port, int32(3306)},
		{"app image", s.Image("app"), "ghcr.io/kin-social/kin/app:v1.0.0"},
		{"db image", s.Image("db"), "mysql:8.4"},
		{"db addr", s.DBAddr(), "db:3306"},
		{"adminer allow", s.Ingress.AdminerAllow, []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}},
		{"cron tasks", len(s.Parts.Cron.Tasks), 2},
		{"listing interval", s.Listing.Interval, "30m"},
		{"chat exposure", s.Ingress.Chat, ChatPassthrough},
		{"secret", s.Secrets.DB, "kin-db"},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestParseEmptyCronTasks(t *testing.T) {
	s, err := Parse([]byte(minimal + "parts: {cron: {tasks: []}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Parts.Cron.Tasks) != 0 {
		t.Errorf("tasks: [] gave %d tasks, want none", len(s.Parts.Cron.Tasks))
	}
}

// TestLoadDefaultSpec loads the golden tests' copy of site.yaml (gen -check
// loads the operator's own).
func TestLoadDefaultSpec(t *testing.T) {
	s, err := Load("../render/testdata/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Domain != "example.org" || s.Namespace != "social" {
		t.Errorf("default.yaml is for %q in %q, want example.org in social", s.Domain, s.Namespace)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want an error wrapping os.ErrNotExist", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		spec string // appended to minimal unless it starts with "!"
		want []string
	}{
		{
			name: "unknown fields everywhere, all reported",
			spec: "!" + strings.Replace(minimal, "media: {server:", "media: {sever: x, server:", 1) + "parts: {captcha: {replicaz: 2}, App: {}}\nextra: 1\n",
			want: []string{
				`extra: unknown field: known fields here: domain, hosts, namespace, images, parts, volumes, ingress, db, listing, secrets, argocd`,
				`parts.App: unknown field: did you mean "app"? (field names are case-sensitive)`,
				`parts.captcha.replicaz: unknown field: did you mean "replicas"?`,
				`volumes.media.sever: unknown field: did you mean "server"?`,
			},
		},
		{
			name: "unknown field in a list",
			spec: "parts: {cron: {tasks: [{name: a, schedule: '@daily', command: x}]}}\n",
			want: []string{`parts.cron.tasks[0].command: unknown field: known fields here: name, schedule`},
		},
		{
			name: "wrong type",
			spec: "parts: {app: {replicas: many}}\n",
			want: []string{`parts.app.replicas: is string, must be an integer`},
		},
		{
			name: "captcha and db replicas",
			spec: "parts: {captcha: {replicas: 2}, db: {replicas: 3}, frontend: {replicas: 0}, listing: {replicas: 2}, adminer: {replicas: 2}}\n",
			want: []string{
				`parts.frontend.replicas: is 0, must be at least 1`,
				`parts.captcha.replicas: must be 1: the captcha keeps its state in memory`,
				`parts.listing.replicas: must be 1: more would register the site more than once per interval`,
				`parts.db.replicas: must be 1 when db.mode is deployment: one MySQL owns the volume; use db.mode statefulset or external to scale the database`,
				`parts.adminer.replicas: must be 1: adminer keeps its sessions in the pod`,
			},
		},
		{
			name: "db replicas allowed in statefulset mode",
			spec: "parts: {db: {replicas: 3}}\ndb: {mode: statefulset}\n",
		},
		{
			name: "external db needs an address, ignores db volume",
			spec: "!" + strings.Replace(minimal, "db: {server: 10.1.2.3, path: /srv/kin/db}", "", 1) + "db: {mode: external}\n",
			want: []string{`db.address: required when db.mode is external: the MySQL server's host:port, e.g. mysql.example.org:3306`},
		},
		{
			name: "db address",
			spec: "db: {mode: external, address: mysql.example.org}\n",
			want: []string{`db.address: "mysql.example.org" is not host:port: write it as e.g. mysql.example.org:3306`},
		},
		{
			name: "db address outside external mode, bad mode",
			spec: "db: {mode: cluster, name: kin-db, user: \"\"}\n",
			want: []string{
				`db.mode: "cluster" is not a DB mode: use deployment, statefulset or external`,
				`db.name: "kin-db" is not a database name: use at most 64 letters, digits and '_'`,
			},
		},
		{
			name: "names, hosts and ports",
			spec: "!" + strings.Replace(minimal, "domain: example.org", "domain: Example.org", 1) +
				"namespace: Social\nhosts: {site: example.net, admin: example.net, chat: chat_example}\nparts: {app: {port: 70000}}\n",
			want: []string{
				`domain: "Example.org" is not a DNS name: use lower-case letters, digits, '-' and '.', at most 253 characters`,
				`hosts.chat: "chat_example" is not a DNS name: use lower-case letters, digits, '-' and '.', at most 253 characters`,
				`hosts.admin: "example.net" is already hosts.site: every host serves one purpose, pick another`,
				`namespace: "Social" is not a DNS label: use lower-case letters, digits and '-', at most 63 characters`,
				`parts.app.port: is 70000, must be a port between 1 and 65535`,
			},
		},
		{
			name: "images",
			spec: "!" + strings.Replace(minimal, "images: {tag: v1.0.0}", "images: {repository: GHCR.io/Kin, tag: latest, db: mysql, adminer: 'adminer:latest', pullPolicy: sometimes}", 1),
			want: []string{
				`images.repository: "GHCR.io/Kin" is not an image repository: write it in lower case, without tag or trailing slash, e.g. ghcr.io/kin-social/kin`,
				`images.tag: must not be "latest": pin a release tag so every sync runs the same code`,
				`images.pullPolicy: "sometimes" is not a pull policy: use Always, IfNotPresent or Never`,
				`images.db: "mysql" is not pinned: add a tag other than latest, e.g. mysql:<version>`,
				`images.adminer: "adminer:latest" is not pinned: add a tag other than latest, e.g. adminer:<version>`,
			},
		},
		{
			name: "missing tag and required fields",
			spec: "!domain: example.org\n",
			want: []string{
				`images.tag: required: the release tag of Kin's images, e.g. v0.1.0`,
				`volumes.db.server: required: the NFS server's DNS name or IP address`,
				`volumes.db.path: required: the absolute path of the NFS export, e.g. /srv/kin/media`,
				`volumes.media.server: required: the NFS server's DNS name or IP address`,
				`volumes.media.path: required: the absolute path of the NFS export, e.g. /srv/kin/media`,
				`listing.url: required: the listing server's registration URL, e.g. https://listing.example.net/register`,
				`argocd.repoURL: required: the Git repository Argo CD syncs out/ from, e.g. https://github.com/kin-social/kin.git`,
			},
		},
		{
			name: "NFS volumes",
			spec: "!" + strings.Replace(strings.Replace(minimal, "path: /srv/kin/media", "path: srv/kin/media, size: lots", 1), "server: 10.1.2.3", "server: 'nfs server'", 1),
			want: []string{
				`volumes.db.server: "nfs server" is not a DNS name or IP address`,
				`volumes.media.path: "srv/kin/media" is not a clean absolute path: write it as e.g. /srv/kin/media`,
				`volumes.media.size: "lots" is not a positive quantity: write e.g. 100Gi`,
			},
		},
		{
			name: "CIDRs and ingress",
			spec: "ingress: {adminerAllow: [10.0.0.0/8, 192.168.1.1/16, nowhere], chat: tls, uploadBodySize: 64mb}\n",
			want: []string{
				`ingress.uploadBodySize: "64mb" is not an nginx size: write a number with an optional k, m or g suffix, e.g. 64m`,
				`ingress.chat: "tls" is not a chat exposure: use passthrough or tcp-services`,
				`ingress.adminerAllow[1]: "192.168.1.1/16" has host bits set: write the network address, 192.168.0.0/16`,
				`ingress.adminerAllow[2]: "nowhere" is not a CIDR: write an address and a prefix length, e.g. 10.0.0.0/8`,
			},
		},
		{
			name: "empty allow list",
			spec: "ingress: {adminerAllow: [], chat: tcp-services, chatPort: 443}\n",
			want: []string{
				`ingress.chatPort: is 443, which the controller serves HTTP(S) on: pick another port, e.g. 5443`,
				`ingress.adminerAllow: must list at least one CIDR: adminer must not be reachable from everywhere`,
			},
		},
		{
			name: "cron schedules and names",
			spec: "parts: {cron: {timeZone: Mars/Olympus, deadline: 10, tasks: [" +
				"{name: a, schedule: '*/15 * * *'}, {name: b, schedule: '61 * * * *'}, {name: c, schedule: '0 0 * JAN-DEC MON-FRI'}," +
				"{name: d, schedule: '@often'}, {name: a, schedule: '0 5-1 * * *'}, {name: Bad, schedule: 'TZ=UTC 0 0 * * *'}, {name: e, schedule: '*/0 * * * *'}]}}\n",
			want: []string{
				`parts.cron.deadline: "10" is not a duration: write e.g. 30m or 1h`,
				`parts.cron.timeZone: "Mars/Olympus" is not an IANA time zone: use e.g. Etc/UTC or Europe/Berlin`,
				`parts.cron.tasks[0].schedule: "*/15 * * *" has 4 fields, must have 5: minute hour day-of-month month day-of-week`,
				`parts.cron.tasks[1].schedule: "61 * * * *": minute "61" is out of range 0-59`,
				`parts.cron.tasks[3].schedule: "@often" is not a schedule descriptor: use @yearly, @monthly, @weekly, @daily or @hourly`,
				`parts.cron.tasks[4].name: "a" is listed twice: give every task one entry`,
				`parts.cron.tasks[4].schedule: "0 5-1 * * *": hour range "5-1" runs backwards`,
				`parts.cron.tasks[5].name: "Bad" is not a DNS label: use lower-case letters, digits and '-'`,
				`parts.cron.tasks[5].schedule: "TZ=UTC 0 0 * * *" sets a time zone inside the schedule, which Kubernetes rejects: set parts.cron.timeZone instead`,
				`parts.cron.tasks[6].schedule: "*/0 * * * *": minute step "0" must be a positive number`,
			},
		},
		{
			name: "resources",
			spec: "parts: {app: {resources: {requests: {cpu: 2, memory: lots}, limits: {cpu: 1}}}}\n",
			want: []string{
				`parts.app.resources.requests.memory: "lots" is not a positive quantity: write e.g. 100m for CPU or 128Mi for memory`,
				`parts.app.resources.requests.cpu: 2 is more than limits.cpu 1: lower the request or raise the limit`,
			},
		},
		{
			name: "listing, secrets, argocd",
			spec: "!" + strings.Replace(strings.Replace(minimal, "listing: {url: https://listing.example.net/register}", "listing: {url: 'listing.example.net', interval: 10s}", 1),
				"argocd: {repoURL: https://github.com/kin-social/kin.git}", "argocd: {repoURL: 'ftp://x', path: /out}", 1) +
				"secrets: {db: same, dbRoot: same, chatTLS: Chat}\n",
			want: []string{
				`listing.url: "listing.example.net" is not an absolute http(s) URL: write it as https://host/path`,
				`listing.interval: 10s is too short: must be at least 1m`,
				`secrets.chatTLS: "Chat" is not a DNS name: use lower-case letters, digits, '-' and '.', at most 253 characters`,
				`secrets.dbRoot: "same" is also secrets.db: both use the key "password", so give them different names`,
				`argocd.repoURL: "ftp://x" is not a Git URL: use https://host/owner/repo.git, ssh://... or git@host:owner/repo.git`,
				`argocd.path: "/out" is not a clean path relative to the repository's root, e.g. out`,
			},
		},
		{
			name: "empty",
			spec: "!# nothing\n",
			want: []string{`the spec is empty: start from the repository's site.yaml`},
		},
		{
			name: "duplicate key",
			spec: "!domain: a.org\ndomain: b.org\n",
			want: []string{"not valid YAML: yaml: unmarshal errors:\n  line 2: key \"domain\" already set in map"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := minimal + tt.spec
			if s, ok := strings.CutPrefix(tt.spec, "!"); ok {
				spec = s
			}
			_, err := Parse([]byte(spec))
			var got []string
			var es Errors
			switch {
			case errors.As(err, &es):
				for _, e := range es {
					got = append(got, e.Error())
				}
			case err != nil:
				got = []string{err.Error()}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorsMessage(t *testing.T) {
	_, err := Load("testdata/bad.yaml")
	if err == nil {
		t.Fatal("Load of testdata/bad.yaml succeeded")
	}
	want := "testdata/bad.yaml: 2 problems:\n" +
		"\timages.tag: must not be \"latest\": pin a release tag so every sync runs the same code\n" +
		"\tparts.captcha.replicas: must be 1: the captcha keeps its state in memory"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

func TestRoutes(t *testing.T) {
	s, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	want := []Route{
		{Ingress: "admin-ingress", Host: "admin.example.org", Path: "/", Part: "admin", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "adminer-ingress", Host: "adminer.example.org", Path: "/", Part: "adminer", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "app-ingress", Host: "example.org", Path: "/", Part: "frontend", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "app-ingress", Host: "example.org", Path: "/api/", Part: "app", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "app-ingress", Host: "example.org", Path: "/api/v1/domain", Exact: true, Part: "domainname", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "app-ingress", Host: "example.org", Path: "/captcha/", Part: "captcha", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "app-ingress", Host: "example.org", Path: "/cgi-bin/system.cgi", Exact: true, Part: "app", Port: 8080, BodyLimit: 1 << 20},
		{Ingress: "uploaders-ingress", Host: "example.org", Path: "/media/", Part: "upload", Port: 8080, BodyLimit: 64 << 20},
		{Ingress: "uploaders-ingress", Host: "example.org", Path: "/upload/", Part: "upload", Port: 8080, BodyLimit: 64 << 20},
	}
	if diff := cmp.Diff(want, s.Routes()); diff != "" {
		t.Errorf("Routes (-want +got):\n%s", diff)
	}
}

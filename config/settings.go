package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Setting describes one configuration setting: its environment name, the
// type of its value, its default, whether it is secret, and a line of help.
// Defaults, the file, the environment, flags, Validate, Dump and the README
// table are all driven by the one table that Settings returns.
type Setting struct {
	// Name is the environment variable, also the key in a config file.
	Name string
	// Type names the kind of value, as shown in help and docs.
	Type string
	// Default is the value when nothing sets it; empty may mean "derived" (see Help).
	Default string
	// Secret settings are masked by Dump and may be read from NAME_FILE.
	Secret bool
	// Help is one line for --help, `lyssna config` and the README.
	Help string

	// fromFile allows a NAME_FILE variant for a setting that is not masked whole.
	fromFile bool
	// set parses raw into c, returning what the setting expects when raw is bad.
	set func(c *Config, raw string) error
	// get formats the effective value.
	get func(c *Config) string
	// mask formats the value for Dump when it may hold a secret in part.
	mask func(c *Config) string
}

// Flag is the command-line flag of the setting: LYSSNA_S3_BUCKET is --s3-bucket.
func (s Setting) Flag() string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(s.Name, "LYSSNA_")), "_", "-")
}

// FileVariant reports whether the setting may be read from a file named by NAME_FILE.
func (s Setting) FileVariant() bool { return s.Secret || s.fromFile }

// Settings returns the table of every setting, in the order they are documented.
func Settings() []Setting {
	return []Setting{
		{
			Name: "LYSSNA_LISTEN", Type: "host:port", Default: "127.0.0.1:8080",
			Help: "Address the HTTP server listens on; use :8080 or 0.0.0.0:8080 to accept connections from other machines.",
			set:  func(c *Config, v string) error { c.Listen = v; return checkListen(v) },
			get:  func(c *Config) string { return c.Listen },
		},
		{
			Name: "LYSSNA_BASE_URL", Type: "URL",
			Help: "Public base URL that feeds and pages link to (https://pod.example.org). Default: http:// plus the listen address.",
			set:  func(c *Config, v string) error { c.BaseURL = strings.TrimRight(v, "/"); return checkHTTPURL(v, true) },
			get:  func(c *Config) string { return c.BaseURL },
		},
		{
			Name: "LYSSNA_DATA_DIR", Type: "path", Default: "./lyssna-data",
			Help: "Directory for the embedded default: the SQLite database and, with filesystem storage, the media files (created if missing).",
			set: func(c *Config, v string) error {
				c.DataDir = v
				if v == "" {
					return errorf("must be a directory path, got an empty value")
				}
				return nil
			},
			get: func(c *Config) string { return c.DataDir },
		},
		{
			Name: "LYSSNA_DATABASE_URL", Type: "URL or path", fromFile: true,
			Help: "Database: a postgres:// URL selects PostgreSQL; sqlite:PATH, file:PATH or a plain path selects SQLite. Default: sqlite:DATA_DIR/lyssna.db.",
			set:  func(c *Config, v string) error { c.DatabaseURL = v; return checkDatabaseURL(v) },
			get:  func(c *Config) string { return c.DatabaseURL },
			mask: func(c *Config) string { return redactURL(c.DatabaseURL) },
		},
		{
			Name: "LYSSNA_STORAGE", Type: "filesystem|s3", Default: StorageFilesystem,
			Help: "Where media is kept: filesystem (DATA_DIR/media) or s3 (any S3-compatible bucket, see LYSSNA_S3_*).",
			set:  func(c *Config, v string) error { c.Storage = v; return checkOneOf(v, StorageFilesystem, StorageS3) },
			get:  func(c *Config) string { return c.Storage },
		},
		{
			Name: "LYSSNA_S3_ENDPOINT", Type: "URL",
			Help: "S3 endpoint for S3-compatible services (https://s3.example.org); empty uses AWS.",
			set:  func(c *Config, v string) error { c.S3Endpoint = v; return checkHTTPURL(v, false) },
			get:  func(c *Config) string { return c.S3Endpoint },
		},
		{
			Name: "LYSSNA_S3_REGION", Type: "string",
			Help: "S3 region; empty takes it from the AWS environment, else us-east-1.",
			set:  func(c *Config, v string) error { c.S3Region = v; return nil },
			get:  func(c *Config) string { return c.S3Region },
		},
		{
			Name: "LYSSNA_S3_BUCKET", Type: "string",
			Help: "S3 bucket name; required when LYSSNA_STORAGE=s3.",
			set:  func(c *Config, v string) error { c.S3Bucket = v; return nil },
			get:  func(c *Config) string { return c.S3Bucket },
		},
		{
			Name: "LYSSNA_S3_PREFIX", Type: "string",
			Help: "Key prefix inside the bucket (say lyssna/), so one bucket can hold more than Lyssna's objects.",
			set:  func(c *Config, v string) error { c.S3Prefix = v; return checkPrefix(v) },
			get:  func(c *Config) string { return c.S3Prefix },
		},
		{
			Name: "LYSSNA_S3_ACCESS_KEY", Type: "string", fromFile: true,
			Help: "S3 access key ID; with the secret key empty too, the default AWS credential chain is used.",
			set:  func(c *Config, v string) error { c.S3AccessKey = v; return nil },
			get:  func(c *Config) string { return c.S3AccessKey },
		},
		{
			Name: "LYSSNA_S3_SECRET_KEY", Type: "string", Secret: true,
			Help: "S3 secret access key.",
			set:  func(c *Config, v string) error { c.S3SecretKey = v; return nil },
			get:  func(c *Config) string { return c.S3SecretKey },
		},
		{
			Name: "LYSSNA_S3_PATH_STYLE", Type: "bool", Default: "false",
			Help: "Address the bucket as ENDPOINT/BUCKET/KEY instead of BUCKET.ENDPOINT/KEY (most S3-compatible servers need true).",
			set:  func(c *Config, v string) (err error) { c.S3PathStyle, err = parseBool(v); return err },
			get:  func(c *Config) string { return strconv.FormatBool(c.S3PathStyle) },
		},
		{
			Name: "LYSSNA_MEDIA_BASE_URL", Type: "URL",
			Help: "Optional public or CDN base URL in front of the bucket; with redirect delivery, media requests are sent there.",
			set: func(c *Config, v string) error {
				c.MediaBaseURL = strings.TrimRight(v, "/")
				return checkHTTPURL(v, false)
			},
			get: func(c *Config) string { return c.MediaBaseURL },
		},
		{
			Name: "LYSSNA_MEDIA_DELIVERY", Type: "proxy|redirect", Default: DeliveryProxy,
			Help: "proxy streams media through Lyssna; redirect answers 302 to LYSSNA_MEDIA_BASE_URL or a presigned S3 URL.",
			set: func(c *Config, v string) error {
				c.MediaDelivery = v
				return checkOneOf(v, DeliveryProxy, DeliveryRedirect)
			},
			get: func(c *Config) string { return c.MediaDelivery },
		},
		{
			Name: "LYSSNA_STATS", Type: "bool", Default: "true",
			Help: "Count media downloads by the IAB rules, without storing addresses (docs/analytics.md); false counts nothing.",
			set:  func(c *Config, v string) (err error) { c.Stats, err = parseBool(v); return err },
			get:  func(c *Config) string { return strconv.FormatBool(c.Stats) },
		},
		{
			Name: "LYSSNA_GEOIP_DB", Type: "path",
			Help: "Optional MaxMind-format country database (GeoLite2-Country.mmdb) for download countries; empty records none.",
			set:  func(c *Config, v string) error { c.GeoIPDB = v; return nil },
			get:  func(c *Config) string { return c.GeoIPDB },
		},
		{
			Name: "LYSSNA_OP3", Type: "bool", Default: "false",
			Help: "Prefix enclosure URLs in feeds with https://op3.dev/e/ so downloads are also counted by the open OP3 service.",
			set:  func(c *Config, v string) (err error) { c.OP3, err = parseBool(v); return err },
			get:  func(c *Config) string { return strconv.FormatBool(c.OP3) },
		},
		{
			Name: "LYSSNA_IMPORT_ALLOW_PRIVATE", Type: "bool", Default: "false",
			Help: "Let imports fetch feeds and media from private, loopback and link-local addresses (tests, or a feed on your own network); false refuses them after DNS, so an import cannot reach internal services.",
			set:  func(c *Config, v string) (err error) { c.ImportAllowPrivate, err = parseBool(v); return err },
			get:  func(c *Config) string { return strconv.FormatBool(c.ImportAllowPrivate) },
		},
		{
			Name: "LYSSNA_WEBSUB_HUBS", Type: "URLs",
			Help: "Comma-separated WebSub hubs: each feed names them (atom:link rel=\"hub\") and each is pinged when a feed changes (docs/notify.md); empty: none.",
			set: func(c *Config, v string) error {
				c.WebSubHubs = nil
				for _, h := range strings.Split(v, ",") {
					if h = strings.TrimSpace(h); h != "" {
						if err := checkHTTPURL(h, false); err != nil {
							return err
						}
						c.WebSubHubs = append(c.WebSubHubs, h)
					}
				}
				return nil
			},
			get: func(c *Config) string { return strings.Join(c.WebSubHubs, ",") },
		},
		{
			Name: "LYSSNA_PUBNOTIFY", Type: "bool", Default: "false",
			Help: "Tell Podcast Index (hub/pubnotify, no key needed) when a feed changes.",
			set:  func(c *Config, v string) (err error) { c.PubNotify, err = parseBool(v); return err },
			get:  func(c *Config) string { return strconv.FormatBool(c.PubNotify) },
		},
		{
			Name: "LYSSNA_PUBNOTIFY_URL", Type: "URL", Default: "https://api.podcastindex.org/api/1.0/hub/pubnotify",
			Help: "The pubnotify endpoint LYSSNA_PUBNOTIFY calls with ?url=FEED.",
			set:  func(c *Config, v string) error { c.PubNotifyURL = v; return checkHTTPURL(v, false) },
			get:  func(c *Config) string { return c.PubNotifyURL },
		},
		{
			Name: "LYSSNA_PODPING_TOKEN", Type: "string", Secret: true,
			Help: "Podping authorization token (issued by Podcast Index); set, every feed says usesPodping and each change is sent to Podping; empty: Podping is off.",
			set:  func(c *Config, v string) error { c.PodpingToken = v; return nil },
			get:  func(c *Config) string { return c.PodpingToken },
		},
		{
			Name: "LYSSNA_PODPING_URL", Type: "URL", Default: "https://podping.cloud/",
			Help: "The Podping endpoint, called with ?url=FEED&reason=update&medium=MEDIUM and the token in Authorization.",
			set:  func(c *Config, v string) error { c.PodpingURL = v; return checkHTTPURL(v, false) },
			get:  func(c *Config) string { return c.PodpingURL },
		},
		{
			Name: "LYSSNA_MAX_UPLOAD_SIZE", Type: "size", Default: "2GiB",
			Help: "Largest accepted upload, in bytes or with a unit: 500MB, 2GiB (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024). On S3, past 48.8 GiB the upload's parts grow to fit it in S3's 10,000.",
			set: func(c *Config, v string) (err error) {
				c.MaxUploadSize, err = ParseSize(v)
				if err == nil && c.MaxUploadSize <= 0 {
					err = errorf("must be more than 0 bytes, got %q", v)
				}
				return err
			},
			get: func(c *Config) string { return FormatSize(c.MaxUploadSize) },
		},
		{
			Name: "LYSSNA_BODY_IDLE_TIMEOUT", Type: "duration", Default: "30s",
			Help: "How long any request body (upload, form, sign-in, API call) may send nothing before it is cut off with a 408; bodies that keep moving are never cut.",
			set:  func(c *Config, v string) (err error) { c.BodyIdleTimeout, err = parseDuration(v); return err },
			get:  func(c *Config) string { return c.BodyIdleTimeout.String() },
		},
		{
			Name: "LYSSNA_API_RATE_LIMIT", Type: "number", Default: "20",
			Help: "Requests a second each API token may send, with bursts of ten times as many, counted in each replica's memory; past it the API answers 429 with Retry-After.",
			set: func(c *Config, v string) error {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil || n <= 0 {
					return errorf("must be a positive number of requests a second, got %q", v)
				}
				c.APIRateLimit = n
				return nil
			},
			get: func(c *Config) string { return strconv.FormatFloat(c.APIRateLimit, 'f', -1, 64) },
		},
		{
			Name: "LYSSNA_TRUSTED_PROXIES", Type: "CIDRs",
			Help: "Comma-separated networks of the reverse proxies or load balancers in front of Lyssna (10.0.0.0/8, 127.0.0.1); only from them are X-Forwarded-For and Forwarded believed. Empty: the connection's address is the client's.",
			set:  func(c *Config, v string) (err error) { c.TrustedProxies, err = parsePrefixes(v); return err },
			get:  func(c *Config) string { return formatPrefixes(c.TrustedProxies) },
		},
		{
			Name: "LYSSNA_LOG_LEVEL", Type: "debug|info|warn|error", Default: "info",
			Help: "Least severe log level written.",
			set: func(c *Config, v string) error {
				c.LogLevel = v
				return checkOneOf(v, "debug", "info", "warn", "error")
			},
			get: func(c *Config) string { return c.LogLevel },
		},
		{
			Name: "LYSSNA_LOG_FORMAT", Type: "text|json", Default: "text",
			Help: "Log format on standard error: text (key=value) or json (one object a line).",
			set:  func(c *Config, v string) error { c.LogFormat = v; return checkOneOf(v, "text", "json") },
			get:  func(c *Config) string { return c.LogFormat },
		},
		{
			Name: "LYSSNA_ADMIN_TOKEN", Type: "string", Secret: true,
			Help: "Bootstrap API token with full rights, for first set-up and scripts; prefer tokens made with `lyssna token`.",
			set:  func(c *Config, v string) error { c.AdminToken = v; return checkSecretLen(v) },
			get:  func(c *Config) string { return c.AdminToken },
		},
		{
			Name: "LYSSNA_OIDC_ISSUER", Type: "URL",
			Help: "Sign-in with an OpenID Connect identity provider (a university's): its issuer URL, exactly as its /.well-known/openid-configuration states it. Register BASE_URL/admin/signin/oidc/callback as the redirect URI. Empty: password sign-in only.",
			set:  func(c *Config, v string) error { c.OIDCIssuer = v; return checkHTTPURL(v, false) },
			get:  func(c *Config) string { return c.OIDCIssuer },
		},
		{
			Name: "LYSSNA_OIDC_CLIENT_ID", Type: "string",
			Help: "The client ID Lyssna is registered under at the identity provider.",
			set:  func(c *Config, v string) error { c.OIDCClientID = v; return nil },
			get:  func(c *Config) string { return c.OIDCClientID },
		},
		{
			Name: "LYSSNA_OIDC_CLIENT_SECRET", Type: "string", Secret: true,
			Help: "The client secret of that registration (empty for a public client, which PKCE alone protects).",
			set:  func(c *Config, v string) error { c.OIDCClientSecret = v; return nil },
			get:  func(c *Config) string { return c.OIDCClientSecret },
		},
		{
			Name: "LYSSNA_OIDC_ALLOWED_DOMAINS", Type: "domains",
			Help: "Comma-separated email domains that may sign in with the identity provider (uni.example,partner.example; exact, no subdomains); the address must be verified by the provider. Empty: any account the provider vouches for that matches a Lyssna account.",
			set: func(c *Config, v string) (err error) {
				c.OIDCAllowedDomains, err = parseDomains(v)
				return err
			},
			get: func(c *Config) string { return strings.Join(c.OIDCAllowedDomains, ",") },
		},
		{
			Name: "LYSSNA_OIDC_NAME", Type: "string",
			Help: "The identity provider's name on the sign-in button (\"Sign in with NAME\"). Default: the issuer's host name.",
			set:  func(c *Config, v string) error { c.OIDCName = strings.TrimSpace(v); return nil },
			get:  func(c *Config) string { return c.OIDCName },
		},
		{
			Name: "LYSSNA_SMTP_HOST", Type: "host",
			Help: "Mail server that invitations and password-reset links are sent through. Empty: no mail; the link is shown to the admin or owner to pass on.",
			set:  func(c *Config, v string) error { c.SMTPHost = strings.TrimSpace(v); return checkHost(c.SMTPHost) },
			get:  func(c *Config) string { return c.SMTPHost },
		},
		{
			Name: "LYSSNA_SMTP_PORT", Type: "integer", Default: "587",
			Help: "Port of the mail server: 587 (submission, with STARTTLS) or 465 (with LYSSNA_SMTP_TLS=tls).",
			set: func(c *Config, v string) (err error) {
				c.SMTPPort, err = strconv.Atoi(v)
				if err != nil || c.SMTPPort <= 0 || c.SMTPPort > 65535 {
					return errorf("must be a port number from 1 to 65535, got %q", v)
				}
				return nil
			},
			get: func(c *Config) string { return strconv.Itoa(c.SMTPPort) },
		},
		{
			Name: "LYSSNA_SMTP_TLS", Type: "starttls|tls|none", Default: SMTPStartTLS,
			Help: "How the mail connection is encrypted: starttls (required; a server that does not offer it is refused), tls (TLS from the first byte, port 465), or none (only for a relay on the same host or a trusted network; credentials are never sent unencrypted except to localhost).",
			set:  func(c *Config, v string) error { c.SMTPTLS = v; return checkOneOf(v, SMTPStartTLS, SMTPTLS, SMTPNoTLS) },
			get:  func(c *Config) string { return c.SMTPTLS },
		},
		{
			Name: "LYSSNA_SMTP_USERNAME", Type: "string", fromFile: true,
			Help: "User name for the mail server (PLAIN authentication); empty: send without signing in.",
			set:  func(c *Config, v string) error { c.SMTPUsername = v; return nil },
			get:  func(c *Config) string { return c.SMTPUsername },
		},
		{
			Name: "LYSSNA_SMTP_PASSWORD", Type: "string", Secret: true,
			Help: "Password for the mail server.",
			set:  func(c *Config, v string) error { c.SMTPPassword = v; return nil },
			get:  func(c *Config) string { return c.SMTPPassword },
		},
		{
			Name: "LYSSNA_SMTP_FROM", Type: "address",
			Help: "Sender of Lyssna's mail (\"Lyssna <podcasts@uni.example>\" or podcasts@uni.example); required with LYSSNA_SMTP_HOST.",
			set:  func(c *Config, v string) error { c.SMTPFrom = strings.TrimSpace(v); return checkAddress(c.SMTPFrom) },
			get:  func(c *Config) string { return c.SMTPFrom },
		},
		{
			Name: "LYSSNA_SHUTDOWN_TIMEOUT", Type: "duration", Default: "30s",
			Help: "On SIGINT or SIGTERM, how long in-flight requests may run before the server closes them.",
			set:  func(c *Config, v string) (err error) { c.ShutdownTimeout, err = parseDuration(v); return err },
			get:  func(c *Config) string { return c.ShutdownTimeout.String() },
		},
		{
			Name: "LYSSNA_CACHE_SIZE", Type: "size", Default: "256MiB",
			Help: "Memory each replica keeps for rendered listener pages (a quarter), built feeds (half the rest) and episodes' encoded feed items (the other half); the least recently used go first.",
			set: func(c *Config, v string) (err error) {
				c.CacheSize, err = ParseSize(v)
				if err == nil && c.CacheSize < 1<<20 {
					err = errorf("must be at least 1MiB, got %q", v)
				}
				return err
			},
			get: func(c *Config) string { return FormatSize(c.CacheSize) },
		},
		{
			Name: "LYSSNA_DB_MAX_OPEN_CONNS", Type: "integer", Default: "25",
			Help: "PostgreSQL: most connections one replica opens; requests past it wait for one. Replicas times this must stay under the server's max_connections.",
			set:  func(c *Config, v string) (err error) { c.DBMaxOpenConns, err = parseCount(v); return err },
			get:  func(c *Config) string { return strconv.Itoa(c.DBMaxOpenConns) },
		},
		{
			Name: "LYSSNA_DB_MAX_IDLE_CONNS", Type: "integer", Default: "25",
			Help: "PostgreSQL: connections a replica keeps open between requests (at most LYSSNA_DB_MAX_OPEN_CONNS); idle ones close after 5 minutes.",
			set:  func(c *Config, v string) (err error) { c.DBMaxIdleConns, err = parseCount(v); return err },
			get:  func(c *Config) string { return strconv.Itoa(c.DBMaxIdleConns) },
		},
		{
			Name: "LYSSNA_DB_CONN_MAX_LIFETIME", Type: "duration", Default: "30m",
			Help: "PostgreSQL: a connection is closed and replaced after this long, so failovers and pooler changes are picked up.",
			set:  func(c *Config, v string) (err error) { c.DBConnMaxLifetime, err = parseDuration(v); return err },
			get:  func(c *Config) string { return c.DBConnMaxLifetime.String() },
		},
		{
			Name: "LYSSNA_SWEEP_GRACE", Type: "duration", Default: "24h",
			Help: "How long an upload may stay uncommitted (its object pending) before the sweep deletes the object, any stale temp file and the bucket's incomplete upload (an S3 multipart upload); at least 1h.",
			set:  func(c *Config, v string) (err error) { c.SweepGrace, err = parseFloorDuration(v); return err },
			get:  func(c *Config) string { return c.SweepGrace.String() },
		},
		{
			Name: "LYSSNA_METRICS_TOKEN", Type: "string", Secret: true,
			Help: "Serve Prometheus metrics at /metrics on the main listener to scrapers sending Authorization: Bearer with this token (at least 16 characters); empty: not there.",
			set:  func(c *Config, v string) error { c.MetricsToken = v; return checkSecretLen(v) },
			get:  func(c *Config) string { return c.MetricsToken },
		},
		{
			Name: "LYSSNA_METRICS_LISTEN", Type: "host:port",
			Help: "Also serve /metrics, without a token, on this separate address (keep it private: 127.0.0.1:9090 or an internal network); empty: no second listener.",
			set: func(c *Config, v string) error {
				c.MetricsListen = v
				if v == "" {
					return nil
				}
				return checkListen(v)
			},
			get: func(c *Config) string { return c.MetricsListen },
		},
		{
			Name: "LYSSNA_MEDIA_RETENTION", Type: "duration", Default: "720h",
			Help: "How long a released media object (replaced, or of a deleted show or episode) stays in storage before the sweep deletes it; replaced files keep answering at their old URL meanwhile. At least 1h.",
			set:  func(c *Config, v string) (err error) { c.MediaRetention, err = parseFloorDuration(v); return err },
			get:  func(c *Config) string { return c.MediaRetention.String() },
		},
		{
			Name: "LYSSNA_SWEEP_RECONCILE_INTERVAL", Type: "duration", Default: "168h",
			Help: "How often one replica lists the whole bucket, slowly, to record objects the database does not know (the regular sweep reads only the database).",
			set: func(c *Config, v string) (err error) {
				c.SweepReconcileInterval, err = parseFloorDuration(v)
				return err
			},
			get: func(c *Config) string { return c.SweepReconcileInterval.String() },
		},
		{
			Name: "LYSSNA_SECRET", Type: "string", Secret: true,
			Help: "Server secret (at least 16 characters; `openssl rand -base64 32`) that the database never holds: it signs listener keys' personal feed and media URLs and embed grants, and seals the LTI tool's signing keys (docs/lms.md). Give every replica the same one; empty: a random one kept in DATA_DIR/secret (one host only). Changing it invalidates every listener's feed URL.",
			set:  func(c *Config, v string) error { c.Secret = v; return checkSecretLen(v) },
			get:  func(c *Config) string { return c.Secret },
		},
		{
			Name: "LYSSNA_EMBED_ORIGINS", Type: "origins",
			Help: "Comma-separated origins that may frame the embed player (https://canvas.example.edu); private content is embeddable only there. Empty: public embeds anywhere, private ones nowhere but Lyssna itself.",
			set:  func(c *Config, v string) (err error) { c.EmbedOrigins, err = parseOrigins(v); return err },
			get:  func(c *Config) string { return strings.Join(c.EmbedOrigins, ",") },
		},
	}
}

// expectation is a problem with a value: what the setting expects instead.
type expectation struct{ msg string }

func (e *expectation) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &expectation{fmt.Sprintf(format, args...)} }

func checkOneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	var want string
	if len(quoted) == 2 {
		want = quoted[0] + " or " + quoted[1]
	} else {
		want = "one of " + strings.Join(quoted, ", ")
	}
	return errorf("must be %s, got %q", want, v)
}

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errorf("must be true or false, got %q", v)
	}
	return b, nil
}

// parseFloorDuration parses a duration of at least an hour: the sweep's
// settings, where less could delete an upload still in progress.
func parseFloorDuration(v string) (time.Duration, error) {
	d, err := parseDuration(v)
	if err == nil && d < time.Hour {
		err = errorf("must be at least 1h (a shorter time could delete an upload still in progress or a file apps were just handed), got %q", v)
	}
	return d, err
}

// parseCount parses a positive whole number.
func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errorf("must be a whole number above 0, got %q", v)
	}
	return n, nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errorf("must be a positive duration such as 30s, 5m or 24h, got %q", v)
	}
	return d, nil
}

// checkSecretLen accepts an empty secret (the feature is off) or one of at
// least 16 characters.
func checkSecretLen(v string) error {
	if v != "" && len(v) < 16 {
		return errorf("must be at least 16 characters, got %d", len(v))
	}
	return nil
}

// parseOrigins reads a comma-separated list of web origins (scheme://host[:port]).
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, errorf("must be origins such as https://canvas.example.edu, comma-separated, got %q", f)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// parsePrefixes reads a comma-separated list of CIDRs; a plain address is a
// network of one (/32 or /128).
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, errorf("must be comma-separated CIDRs such as 10.0.0.0/8,192.168.1.10, got %q", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func formatPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func checkListen(v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return errorf("must be host:port such as 127.0.0.1:8080 or :8080, got %q", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errorf("must end in a port number from 0 to 65535, got %q", v)
	}
	if strings.ContainsAny(host, "/ ") {
		return errorf("must be host:port such as 127.0.0.1:8080 or :8080, got %q", v)
	}
	return nil
}

// checkHTTPURL accepts an empty value (unset) or an absolute http(s) URL;
// a base URL must not carry a query or fragment, since paths are appended to it.
func checkHTTPURL(v string, base bool) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errorf("must be an absolute http:// or https:// URL, got %q", v)
	}
	if base && (u.RawQuery != "" || u.Fragment != "" || u.User != nil) {
		return errorf("must be a URL without user, query or fragment, got %q", v)
	}
	return nil
}

func checkDatabaseURL(v string) error {
	if v == "" {
		return nil // derived from the data directory
	}
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" && !strings.Contains(u.RawQuery, "host=") {
			return errorf("must be a URL such as postgres://user:password@host:5432/db, got %q", redactURL(v))
		}
		return nil
	}
	if i := strings.Index(v, "://"); i > 0 && !strings.ContainsAny(v[:i], `/\.`) {
		return errorf("must be a postgres:// URL or a SQLite path (sqlite:PATH, file:PATH or a plain path), got scheme %q", v[:i])
	}
	return nil
}

// parseDomains reads a comma-separated list of email domains, lower-cased,
// a leading @ dropped.
func parseDomains(v string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		d := strings.ToLower(strings.TrimPrefix(f, "@"))
		if d == "" || strings.ContainsAny(d, "@/:*") || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return nil, errorf("must be comma-separated email domains such as uni.example,partner.example, got %q", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// checkHost accepts an empty value or a host name or address without a port.
func checkHost(v string) error {
	if v != "" && (strings.ContainsAny(v, "/@ ") || strings.Contains(v, "://") || (strings.Count(v, ":") == 1)) {
		return errorf("must be a host name such as smtp.uni.example, without scheme or port (set the port with LYSSNA_SMTP_PORT), got %q", v)
	}
	return nil
}

// checkAddress accepts an empty value or one mail address, with or without
// a display name.
func checkAddress(v string) error {
	if v == "" {
		return nil
	}
	if _, err := mail.ParseAddress(v); err != nil {
		return errorf("must be a mail address such as podcasts@uni.example or \"Lyssna <podcasts@uni.example>\", got %q", v)
	}
	return nil
}

func checkPrefix(v string) error {
	if strings.HasPrefix(v, "/") || strings.Contains(v, "..") || strings.Contains(v, `\`) {
		return errorf("must be a relative key prefix without .. or backslashes, such as lyssna/, got %q", v)
	}
	return nil
}

// redactURL hides the password of a URL; a value that is not a URL with a
// password is returned as it is.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	return u.Redacted()
}

// sqlitePath is the default database in the data directory.
func sqlitePath(dataDir string) string {
	return "sqlite:" + filepath.Join(dataDir, "lyssna.db")
}

// Package config owns Lyssna's settings: one typed Config, read from defaults,
// an optional file, LYSSNA_* environment variables and flags (later wins), and
// checked by Validate with one message per bad setting.
//
// The file named by --config (or LYSSNA_CONFIG) holds one KEY=value a line,
// with the same names as the environment variables:
//
//	# comments and blank lines are ignored
//	LYSSNA_LISTEN=0.0.0.0:8080
//	LYSSNA_BASE_URL="https://pod.example.org"
//	LYSSNA_S3_SECRET_KEY_FILE=/run/secrets/s3
//
// Spaces around the key and the value are trimmed, and one pair of matching
// single or double quotes around the value is removed; nothing is expanded.
// Secret settings (and a few that may hold one) also take NAME_FILE, naming a
// file whose content, less a trailing newline, is the value.
package config

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"
)

// Storage backends.
const (
	StorageFilesystem = "filesystem"
	StorageS3         = "s3"
)

// Media delivery modes.
const (
	DeliveryProxy    = "proxy"
	DeliveryRedirect = "redirect"
)

// Values of LYSSNA_SMTP_TLS.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNoTLS    = "none"
)

// Where a value came from, as reported by Source.
const (
	SourceDefault = "default"
	SourceDerived = "derived"
	SourceFile    = "file"
	SourceEnv     = "env"
	SourceFlag    = "flag"
)

// Config is Lyssna's effective configuration. Settings lists every field's
// environment name, default and meaning.
type Config struct {
	Listen          string
	BaseURL         string // without a trailing slash
	DataDir         string
	DatabaseURL     string
	Storage         string // StorageFilesystem or StorageS3
	S3Endpoint      string
	S3Region        string
	S3Bucket        string
	S3Prefix        string
	S3AccessKey     string
	S3SecretKey     string
	S3PathStyle     bool
	MediaBaseURL    string // without a trailing slash
	MediaDelivery   string // DeliveryProxy or DeliveryRedirect
	MaxUploadSize   int64  // bytes
	BodyIdleTimeout time.Duration
	Stats           bool   // count downloads
	GeoIPDB         string // MaxMind country database path; empty for none
	OP3             bool   // prefix feed enclosures with OP3
	// Notifying apps of feed changes (package notify).
	WebSubHubs      []string
	PubNotify       bool
	PubNotifyURL    string
	PodpingToken    string
	PodpingURL      string
	APIRateLimit    float64        // requests a second per API token, per replica
	TrustedProxies  []netip.Prefix // whose forwarding headers are believed
	LogLevel        string         // debug, info, warn or error
	LogFormat       string         // text or json
	AdminToken      string
	ShutdownTimeout time.Duration
	SweepGrace      time.Duration
	// ImportAllowPrivate lets imports fetch from non-public addresses.
	ImportAllowPrivate bool
	// MediaRetention is how long released media objects are kept.
	MediaRetention time.Duration
	// SweepReconcileInterval is how often the whole bucket is listed.
	SweepReconcileInterval time.Duration
	// CacheSize bounds the page and feed caches (pages, built feeds and
	// episodes' encoded feed items), bytes.
	CacheSize int64
	// PostgreSQL connection pool of one replica.
	DBMaxOpenConns    int
	DBMaxIdleConns    int
	DBConnMaxLifetime time.Duration
	MetricsToken      string
	MetricsListen     string
	// Secret seals and signs what must not be derivable from the database
	// (the LTI tool's signing keys, listener keys' URLs, embed grants);
	// empty: lyssna serve keeps a random one in DATA_DIR/secret.
	Secret string
	// Sign-in with an OpenID Connect provider; off without an issuer.
	OIDCIssuer         string
	OIDCClientID       string
	OIDCClientSecret   string
	OIDCAllowedDomains []string
	OIDCName           string
	// Mail (invitations, password resets); off without a host.
	SMTPHost     string
	SMTPPort     int
	SMTPTLS      string // SMTPStartTLS, SMTPTLS or SMTPNoTLS
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	// EmbedOrigins are the origins that may frame the embed player of
	// private content (the LMS), and of public content when set.
	EmbedOrigins []string

	sources  map[string]string
	problems []string // bad values found while loading, reported by Validate
}

// Default returns the configuration with nothing set: the embedded default.
func Default() *Config {
	c := defaults()
	c.derive()
	return c
}

// defaults returns the table's defaults before anything is derived from them.
func defaults() *Config {
	c := &Config{sources: map[string]string{}}
	for _, s := range Settings() {
		if err := s.set(c, s.Default); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", s.Name, err)) // a bug in the table
		}
		c.sources[s.Name] = SourceDefault
	}
	return c
}

// Flags holds the values given on the command line, registered by RegisterFlags.
type Flags struct {
	file   string
	values map[string]string
	order  []string
}

// flagValue records a raw flag value for one setting.
type flagValue struct {
	f      *Flags
	name   string
	isBool bool
}

func (v *flagValue) String() string { return "" }

func (v *flagValue) Set(raw string) error {
	if _, seen := v.f.values[v.name]; !seen {
		v.f.order = append(v.f.order, v.name)
	}
	v.f.values[v.name] = raw
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// RegisterFlags adds --config and one flag per setting (--listen, --s3-bucket, ...)
// to fs. Pass the result to Load after fs.Parse.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{values: map[string]string{}}
	fs.StringVar(&f.file, "config", "", "read settings from `FILE` (KEY=value lines; default $LYSSNA_CONFIG)")
	for _, s := range Settings() {
		fs.Var(&flagValue{f: f, name: s.Name, isBool: s.Type == "bool"}, s.Flag(), s.Help)
	}
	return f
}

// Load reads the configuration: defaults, then the file named by --config or
// LYSSNA_CONFIG, then the environment (looked up with lookupEnv, usually
// os.LookupEnv), then flags. flags may be nil. Bad values do not stop Load:
// Validate reports them all together. Load fails only when the file itself
// cannot be read.
func Load(flags *Flags, lookupEnv func(string) (string, bool)) (*Config, error) {
	c := defaults()
	table := Settings()
	byName := map[string]Setting{}
	for _, s := range table {
		byName[s.Name] = s
	}

	file := ""
	if v, ok := lookupEnv("LYSSNA_CONFIG"); ok {
		file = v
	}
	if flags != nil && flags.file != "" {
		file = flags.file
	}
	if file != "" {
		kv, err := readFile(file)
		if err != nil {
			return nil, err
		}
		for _, p := range kv {
			name, fromFile := strings.CutSuffix(p.key, "_FILE")
			s, ok := byName[p.key]
			if !ok && fromFile {
				s, ok = byName[name]
				ok = ok && s.FileVariant()
			}
			if !ok {
				c.problems = append(c.problems, fmt.Sprintf("%s line %d: unknown setting %s", file, p.line, p.key))
				continue
			}
			c.apply(s, p.key, p.value, fromFile && p.key != s.Name, SourceFile)
		}
	}

	for _, s := range table {
		v, ok := lookupEnv(s.Name)
		fv, fok := "", false
		if s.FileVariant() {
			fv, fok = lookupEnv(s.Name + "_FILE")
		}
		switch {
		case ok && fok:
			c.problems = append(c.problems, fmt.Sprintf("%s: set either %s or %s_FILE, not both", s.Name, s.Name, s.Name))
		case ok:
			c.apply(s, s.Name, v, false, SourceEnv)
		case fok:
			c.apply(s, s.Name+"_FILE", fv, true, SourceEnv)
		}
	}

	if flags != nil {
		for _, name := range flags.order {
			s := byName[name]
			c.apply(s, "--"+s.Flag(), flags.values[name], false, SourceFlag)
		}
	}
	c.derive()
	return c, nil
}

// apply sets one setting from a raw value (or from the file it names),
// recording a problem when the value is bad.
func (c *Config) apply(s Setting, key, raw string, fromFile bool, source string) {
	if fromFile {
		b, err := os.ReadFile(raw)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("%s: cannot read the file: %v", key, err))
			return
		}
		raw = strings.TrimRight(string(b), "\r\n")
	}
	c.sources[s.Name] = source
	if err := s.set(c, raw); err != nil {
		where := s.Name
		if key != s.Name {
			where = s.Name + " (from " + key + ")"
		}
		c.problems = append(c.problems, where+": "+err.Error())
	}
}

// derive fills the settings whose defaults follow from others.
func (c *Config) derive() {
	if c.BaseURL == "" {
		c.BaseURL = BaseURLFor(c.Listen)
		c.sources["LYSSNA_BASE_URL"] = SourceDerived
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = sqlitePath(c.DataDir)
		c.sources["LYSSNA_DATABASE_URL"] = SourceDerived
	}
}

// BaseURLFor is the base URL a listener on addr answers at: a wildcard host
// (":8080", "0.0.0.0:8080") becomes localhost.
func BaseURLFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Source reports where the setting named by its environment name came from:
// SourceDefault, SourceDerived, SourceFile, SourceEnv or SourceFlag.
func (c *Config) Source(name string) string { return c.sources[name] }

// Validate reports every bad setting at once: nil, or an error whose message
// has one line per problem, each starting with the setting's name.
func (c *Config) Validate() error {
	problems := append([]string(nil), c.problems...)
	bad := func(name, format string, args ...any) {
		problems = append(problems, name+": "+fmt.Sprintf(format, args...))
	}
	if c.Storage == StorageS3 {
		if c.S3Bucket == "" {
			bad("LYSSNA_S3_BUCKET", "required when LYSSNA_STORAGE is \"s3\"; set it to the bucket's name")
		}
		if (c.S3AccessKey == "") != (c.S3SecretKey == "") {
			bad("LYSSNA_S3_SECRET_KEY", "LYSSNA_S3_ACCESS_KEY and LYSSNA_S3_SECRET_KEY must be set together (or both left empty for the default AWS credential chain)")
		}
	}
	if c.MediaDelivery == DeliveryRedirect && c.Storage != StorageS3 && c.MediaBaseURL == "" {
		bad("LYSSNA_MEDIA_DELIVERY", "\"redirect\" needs LYSSNA_STORAGE=s3 or LYSSNA_MEDIA_BASE_URL to redirect to")
	}
	if c.OIDCIssuer != "" && c.OIDCClientID == "" {
		bad("LYSSNA_OIDC_CLIENT_ID", "required when LYSSNA_OIDC_ISSUER is set; set it to the client ID the identity provider gave Lyssna")
	}
	if c.OIDCIssuer == "" && (c.OIDCClientID != "" || c.OIDCClientSecret != "" || len(c.OIDCAllowedDomains) > 0) {
		bad("LYSSNA_OIDC_ISSUER", "required when another LYSSNA_OIDC_ setting is set; set it to the identity provider's issuer URL")
	}
	if c.SMTPHost != "" && c.SMTPFrom == "" {
		bad("LYSSNA_SMTP_FROM", "required when LYSSNA_SMTP_HOST is set; set it to the address Lyssna's mail comes from")
	}
	if c.SMTPPassword != "" && c.SMTPUsername == "" {
		bad("LYSSNA_SMTP_USERNAME", "required when LYSSNA_SMTP_PASSWORD is set")
	}
	if c.DBMaxOpenConns > 0 && c.DBMaxIdleConns > c.DBMaxOpenConns {
		bad("LYSSNA_DB_MAX_IDLE_CONNS", "must not be more than LYSSNA_DB_MAX_OPEN_CONNS (%d), got %d", c.DBMaxOpenConns, c.DBMaxIdleConns)
	}
	if len(problems) == 0 {
		return nil
	}
	errs := make([]error, len(problems))
	for i, p := range problems {
		errs[i] = errors.New(p)
	}
	return errors.Join(errs...)
}

// Dump writes the effective configuration as KEY=value lines, readable back
// with --config, with secrets masked.
func (c *Config) Dump(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, s := range Settings() {
		v := s.get(c)
		switch {
		case s.Secret && v != "":
			v = "********"
		case s.mask != nil:
			v = s.mask(c)
		}
		fmt.Fprintf(bw, "%s=%s\n", s.Name, v)
	}
	return bw.Flush()
}

// Markdown writes the table of every setting for the README.
func Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "| Environment variable | Flag | Type | Default | Meaning |")
	fmt.Fprintln(bw, "| --- | --- | --- | --- | --- |")
	for _, s := range Settings() {
		def := "`" + s.Default + "`"
		if s.Default == "" {
			def = ""
		}
		name := "`" + s.Name + "`"
		if s.FileVariant() {
			name += " (or `" + s.Name + "_FILE`)"
		}
		help := s.Help
		if s.Secret {
			help += " Secret: masked by `lyssna config`."
		}
		fmt.Fprintf(bw, "| %s | `--%s` | %s | %s | %s |\n", name, s.Flag(),
			strings.ReplaceAll(s.Type, "|", `\|`), def, strings.ReplaceAll(help, "|", `\|`))
	}
	return bw.Flush()
}

type keyValue struct {
	key, value string
	line       int
}

// readFile parses a KEY=value file.
func readFile(path string) ([]keyValue, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: cannot read the config file: %w", err)
	}
	defer f.Close()
	var out []keyValue
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(strings.TrimPrefix(key, "export "))
		if !ok || key == "" {
			return nil, fmt.Errorf("config: %s line %d: want KEY=value, got %q", path, n, line)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		out = append(out, keyValue{key: key, value: value, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: cannot read the config file %s: %w", path, err)
	}
	return out, nil
}

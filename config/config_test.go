package config

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envOf turns a map into a lookup function like os.LookupEnv.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, env map[string]string, args ...string) *Config {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	c, err := Load(flags, envOf(env))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := load(t, nil)
	if err := c.Validate(); err != nil {
		t.Fatalf("the embedded default does not validate: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"base URL", c.BaseURL, "http://127.0.0.1:8080"},
		{"data dir", c.DataDir, "./lyssna-data"},
		{"database", c.DatabaseURL, "sqlite:" + filepath.Join("lyssna-data", "lyssna.db")},
		{"storage", c.Storage, "filesystem"},
		{"delivery", c.MediaDelivery, "proxy"},
		{"log level", c.LogLevel, "info"},
		{"log format", c.LogFormat, "text"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.MaxUploadSize != 2<<30 {
		t.Errorf("max upload size = %d, want 2 GiB", c.MaxUploadSize)
	}
	if c.ShutdownTimeout != 30*time.Second || c.SweepGrace != 24*time.Hour {
		t.Errorf("durations = %v, %v", c.ShutdownTimeout, c.SweepGrace)
	}
	if got := c.Source("LYSSNA_BASE_URL"); got != SourceDerived {
		t.Errorf("base URL source = %q, want derived", got)
	}
}

func TestDerivedDefaultsFollowTheirSources(t *testing.T) {
	c := load(t, map[string]string{"LYSSNA_LISTEN": ":9090", "LYSSNA_DATA_DIR": "/srv/lyssna"})
	if c.BaseURL != "http://localhost:9090" {
		t.Errorf("base URL = %q", c.BaseURL)
	}
	if c.DatabaseURL != "sqlite:/srv/lyssna/lyssna.db" {
		t.Errorf("database URL = %q", c.DatabaseURL)
	}
	c = load(t, map[string]string{"LYSSNA_LISTEN": "[::1]:8081", "LYSSNA_BASE_URL": "https://pod.example.org/"})
	if c.BaseURL != "https://pod.example.org" {
		t.Errorf("explicit base URL = %q, want it kept without the trailing slash", c.BaseURL)
	}
	if got := BaseURLFor("[::1]:8081"); got != "http://[::1]:8081" {
		t.Errorf("BaseURLFor IPv6 = %q", got)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lyssna.conf")
	writeFile(t, file, `# a comment
LYSSNA_LISTEN = 127.0.0.1:7000
LYSSNA_LOG_LEVEL="debug"
LYSSNA_DATA_DIR='/from/file'
export LYSSNA_S3_REGION=eu-north-1
`)
	cases := []struct {
		name      string
		env       map[string]string
		args      []string
		listen    string
		level     string
		levelFrom string
	}{
		{"file over defaults", nil, []string{"--config", file}, "127.0.0.1:7000", "debug", SourceFile},
		{"env over file", map[string]string{"LYSSNA_LOG_LEVEL": "warn"}, []string{"--config", file}, "127.0.0.1:7000", "warn", SourceEnv},
		{"flag over env", map[string]string{"LYSSNA_LOG_LEVEL": "warn"}, []string{"--config", file, "--log-level", "error"}, "127.0.0.1:7000", "error", SourceFlag},
		{"LYSSNA_CONFIG names the file", map[string]string{"LYSSNA_CONFIG": file}, nil, "127.0.0.1:7000", "debug", SourceFile},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := load(t, tc.env, tc.args...)
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			if c.Listen != tc.listen || c.LogLevel != tc.level || c.Source("LYSSNA_LOG_LEVEL") != tc.levelFrom {
				t.Errorf("listen %q level %q from %q, want %q %q from %q", c.Listen, c.LogLevel, c.Source("LYSSNA_LOG_LEVEL"), tc.listen, tc.level, tc.levelFrom)
			}
			if c.DataDir != "/from/file" || c.S3Region != "eu-north-1" {
				t.Errorf("data dir %q region %q: quotes or export not handled", c.DataDir, c.S3Region)
			}
		})
	}
}

func TestBoolFlag(t *testing.T) {
	c := load(t, nil, "--s3-path-style")
	if !c.S3PathStyle {
		t.Error("--s3-path-style without a value did not set it")
	}
	c = load(t, map[string]string{"LYSSNA_S3_PATH_STYLE": "true"}, "--s3-path-style=false")
	if c.S3PathStyle {
		t.Error("--s3-path-style=false did not win over the environment")
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	writeFile(t, secret, "s3cr3t-value\n")
	c := load(t, map[string]string{
		"LYSSNA_STORAGE": "s3", "LYSSNA_S3_BUCKET": "media", "LYSSNA_S3_ACCESS_KEY": "AKID",
		"LYSSNA_S3_SECRET_KEY_FILE": secret,
		"LYSSNA_DATABASE_URL":       "postgres://lyssna:hunter2@db.internal:5432/lyssna",
	})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.S3SecretKey != "s3cr3t-value" {
		t.Errorf("secret = %q, want the file's content without the newline", c.S3SecretKey)
	}
	var out bytes.Buffer
	if err := c.Dump(&out); err != nil {
		t.Fatal(err)
	}
	dump := out.String()
	for _, leak := range []string{"s3cr3t-value", "hunter2"} {
		if strings.Contains(dump, leak) {
			t.Errorf("Dump shows the secret %q:\n%s", leak, dump)
		}
	}
	for _, want := range []string{"LYSSNA_S3_SECRET_KEY=********\n", "LYSSNA_S3_ACCESS_KEY=AKID\n", "LYSSNA_DATABASE_URL=postgres://lyssna:xxxxx@db.internal:5432/lyssna\n", "LYSSNA_ADMIN_TOKEN=\n"} {
		if !strings.Contains(dump, want) {
			t.Errorf("Dump lacks %q:\n%s", want, dump)
		}
	}
}

func TestSignInSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "oidc"), "oidc-client-secret\n")
	writeFile(t, filepath.Join(dir, "smtp"), "smtp-password\n")
	c := load(t, map[string]string{
		"LYSSNA_OIDC_ISSUER": "https://idp.uni.example", "LYSSNA_OIDC_CLIENT_ID": "lyssna",
		"LYSSNA_OIDC_CLIENT_SECRET_FILE": filepath.Join(dir, "oidc"), "LYSSNA_OIDC_ALLOWED_DOMAINS": "@Uni.Example, partner.example",
		"LYSSNA_SMTP_HOST": "smtp.uni.example", "LYSSNA_SMTP_FROM": "podcasts@uni.example",
		"LYSSNA_SMTP_USERNAME": "lyssna", "LYSSNA_SMTP_PASSWORD_FILE": filepath.Join(dir, "smtp"),
	})
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.OIDCClientSecret != "oidc-client-secret" || c.SMTPPassword != "smtp-password" || c.SMTPPort != 587 || c.SMTPTLS != SMTPStartTLS ||
		strings.Join(c.OIDCAllowedDomains, " ") != "uni.example partner.example" {
		t.Errorf("loaded %+v", c)
	}
	var out bytes.Buffer
	if err := c.Dump(&out); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"oidc-client-secret", "smtp-password"} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("Dump shows the secret %q", leak)
		}
	}
}

func TestDumpReadsBack(t *testing.T) {
	c := load(t, map[string]string{"LYSSNA_MAX_UPLOAD_SIZE": "500MB", "LYSSNA_LISTEN": ":9000", "LYSSNA_S3_PATH_STYLE": "1"})
	var out bytes.Buffer
	if err := c.Dump(&out); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dump.conf")
	writeFile(t, file, out.String())
	back := load(t, nil, "--config", file)
	if err := back.Validate(); err != nil {
		t.Fatalf("dump does not read back: %v\n%s", err, out.String())
	}
	if back.MaxUploadSize != 500e6 || back.Listen != ":9000" || !back.S3PathStyle || back.BaseURL != c.BaseURL {
		t.Errorf("read back %+v, want %+v", back, c)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	env := map[string]string{
		"LYSSNA_STORAGE":                "s4",
		"LYSSNA_LISTEN":                 "localhost",
		"LYSSNA_BASE_URL":               "pod.example.org",
		"LYSSNA_MAX_UPLOAD_SIZE":        "2 gigs",
		"LYSSNA_LOG_LEVEL":              "loud",
		"LYSSNA_LOG_FORMAT":             "xml",
		"LYSSNA_SHUTDOWN_TIMEOUT":       "soon",
		"LYSSNA_S3_PATH_STYLE":          "maybe",
		"LYSSNA_MEDIA_DELIVERY":         "carrier-pigeon",
		"LYSSNA_DATABASE_URL":           "mysql://db/lyssna",
		"LYSSNA_ADMIN_TOKEN_FILE":       missing,
		"LYSSNA_S3_ENDPOINT":            "ftp://s3",
		"LYSSNA_S3_SECRET_KEY":          "x",
		"LYSSNA_S3_SECRET_KEY_FILE":     missing,
		"LYSSNA_SWEEP_GRACE":            "-1h",
		"LYSSNA_MEDIA_RETENTION":        "1ns",
		"LYSSNA_DB_MAX_OPEN_CONNS":      "lots",
		"LYSSNA_CACHE_SIZE":             "1KB",
		"LYSSNA_S3_PREFIX":              "../up",
		"LYSSNA_MEDIA_BASE_URL":         "cdn",
		"LYSSNA_DATA_DIR":               "",
		"LYSSNA_UNRELATED_IS_IGNORED_X": "x",
	}
	err := load(t, env).Validate()
	if err == nil {
		t.Fatal("Validate accepted bad settings")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`LYSSNA_STORAGE: must be "filesystem" or "s3", got "s4"`,
		`LYSSNA_LISTEN: must be host:port`,
		`LYSSNA_BASE_URL: must be an absolute http:// or https:// URL, got "pod.example.org"`,
		`LYSSNA_MAX_UPLOAD_SIZE: must be a size such as 1048576, 500MB or 2GiB, got "2 gigs"`,
		`LYSSNA_LOG_LEVEL: must be one of "debug", "info", "warn", "error", got "loud"`,
		`LYSSNA_LOG_FORMAT: must be "text" or "json", got "xml"`,
		`LYSSNA_SHUTDOWN_TIMEOUT: must be a positive duration`,
		`LYSSNA_S3_PATH_STYLE: must be true or false, got "maybe"`,
		`LYSSNA_MEDIA_DELIVERY: must be "proxy" or "redirect"`,
		`LYSSNA_DATABASE_URL: must be a postgres:// URL or a SQLite path`,
		`LYSSNA_ADMIN_TOKEN_FILE: cannot read the file`,
		`LYSSNA_S3_ENDPOINT: must be an absolute http:// or https:// URL`,
		`LYSSNA_S3_SECRET_KEY: set either LYSSNA_S3_SECRET_KEY or LYSSNA_S3_SECRET_KEY_FILE, not both`,
		`LYSSNA_SWEEP_GRACE: must be a positive duration`,
		`LYSSNA_MEDIA_RETENTION: must be at least 1h`,
		`LYSSNA_DB_MAX_OPEN_CONNS: must be a whole number above 0, got "lots"`,
		`LYSSNA_CACHE_SIZE: must be at least 1MiB`,
		`LYSSNA_S3_PREFIX: must be a relative key prefix`,
		`LYSSNA_MEDIA_BASE_URL: must be an absolute http:// or https:// URL`,
		`LYSSNA_DATA_DIR: must be a directory path`,
	}
	if len(lines) != len(want) {
		t.Errorf("got %d lines, want %d:\n%s", len(lines), len(want), err)
	}
	for _, w := range want {
		found := false
		for _, l := range lines {
			if strings.HasPrefix(l, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line starts with %q in:\n%s", w, err)
		}
	}
}

func TestValidateCrossChecks(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string // a line that must appear; empty: valid
	}{
		{"s3 without bucket", map[string]string{"LYSSNA_STORAGE": "s3"}, `LYSSNA_S3_BUCKET: required when LYSSNA_STORAGE is "s3"`},
		{"s3 with half the credentials", map[string]string{"LYSSNA_STORAGE": "s3", "LYSSNA_S3_BUCKET": "b", "LYSSNA_S3_ACCESS_KEY": "a"}, "LYSSNA_S3_SECRET_KEY: LYSSNA_S3_ACCESS_KEY and LYSSNA_S3_SECRET_KEY must be set together"},
		{"s3 with the default chain", map[string]string{"LYSSNA_STORAGE": "s3", "LYSSNA_S3_BUCKET": "b"}, ""},
		{"redirect from the filesystem", map[string]string{"LYSSNA_MEDIA_DELIVERY": "redirect"}, `LYSSNA_MEDIA_DELIVERY: "redirect" needs`},
		{"redirect to a CDN", map[string]string{"LYSSNA_MEDIA_DELIVERY": "redirect", "LYSSNA_MEDIA_BASE_URL": "https://cdn.example.org"}, ""},
		{"postgres URL", map[string]string{"LYSSNA_DATABASE_URL": "postgresql://u@127.0.0.1/db?sslmode=disable"}, ""},
		{"sqlite forms", map[string]string{"LYSSNA_DATABASE_URL": "file:/var/lib/lyssna/db.sqlite"}, ""},
		{"short admin token", map[string]string{"LYSSNA_ADMIN_TOKEN": "short"}, "LYSSNA_ADMIN_TOKEN: must be at least 16 characters, got 5"},
		{"oidc without client", map[string]string{"LYSSNA_OIDC_ISSUER": "https://idp.uni.example"}, "LYSSNA_OIDC_CLIENT_ID: required when LYSSNA_OIDC_ISSUER is set"},
		{"oidc client without issuer", map[string]string{"LYSSNA_OIDC_CLIENT_ID": "lyssna"}, "LYSSNA_OIDC_ISSUER: required when another LYSSNA_OIDC_ setting is set"},
		{"oidc issuer not a URL", map[string]string{"LYSSNA_OIDC_ISSUER": "idp.uni.example", "LYSSNA_OIDC_CLIENT_ID": "c"}, "LYSSNA_OIDC_ISSUER: must be an absolute http:// or https:// URL"},
		{"oidc bad domain", map[string]string{"LYSSNA_OIDC_ISSUER": "https://idp.uni.example", "LYSSNA_OIDC_CLIENT_ID": "c", "LYSSNA_OIDC_ALLOWED_DOMAINS": "uni.example,*.uni.example"}, `LYSSNA_OIDC_ALLOWED_DOMAINS: must be comma-separated email domains such as uni.example,partner.example, got "*.uni.example"`},
		{"oidc", map[string]string{"LYSSNA_OIDC_ISSUER": "https://idp.uni.example/realms/staff", "LYSSNA_OIDC_CLIENT_ID": "c", "LYSSNA_OIDC_ALLOWED_DOMAINS": "@Uni.Example, partner.example"}, ""},
		{"smtp without from", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example"}, "LYSSNA_SMTP_FROM: required when LYSSNA_SMTP_HOST is set"},
		{"smtp host with port", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example:587", "LYSSNA_SMTP_FROM": "a@uni.example"}, "LYSSNA_SMTP_HOST: must be a host name such as smtp.uni.example, without scheme or port"},
		{"smtp bad from", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example", "LYSSNA_SMTP_FROM": "podcasts"}, "LYSSNA_SMTP_FROM: must be a mail address"},
		{"smtp bad tls", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example", "LYSSNA_SMTP_FROM": "a@uni.example", "LYSSNA_SMTP_TLS": "ssl"}, `LYSSNA_SMTP_TLS: must be one of "starttls", "tls", "none", got "ssl"`},
		{"smtp bad port", map[string]string{"LYSSNA_SMTP_PORT": "70000"}, "LYSSNA_SMTP_PORT: must be a port number from 1 to 65535"},
		{"smtp password without user", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example", "LYSSNA_SMTP_FROM": "a@uni.example", "LYSSNA_SMTP_PASSWORD": "pw"}, "LYSSNA_SMTP_USERNAME: required when LYSSNA_SMTP_PASSWORD is set"},
		{"smtp", map[string]string{"LYSSNA_SMTP_HOST": "smtp.uni.example", "LYSSNA_SMTP_FROM": "Lyssna <podcasts@uni.example>", "LYSSNA_SMTP_USERNAME": "u", "LYSSNA_SMTP_PASSWORD": "pw", "LYSSNA_SMTP_TLS": "tls", "LYSSNA_SMTP_PORT": "465"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := load(t, tc.env).Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want %q, got %v", tc.want, err)
			}
		})
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(nil, envOf(map[string]string{"LYSSNA_CONFIG": filepath.Join(dir, "missing")})); err == nil {
		t.Error("a missing config file was accepted")
	}
	bad := filepath.Join(dir, "bad.conf")
	writeFile(t, bad, "LYSSNA_LISTEN\n")
	if _, err := Load(nil, envOf(map[string]string{"LYSSNA_CONFIG": bad})); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a line without = gave %v", err)
	}
	unknown := filepath.Join(dir, "unknown.conf")
	writeFile(t, unknown, "\nLYSSNA_LISTNE=:80\nLYSSNA_STORAGE_FILE=/x\n")
	c, err := Load(nil, envOf(map[string]string{"LYSSNA_CONFIG": unknown}))
	if err != nil {
		t.Fatal(err)
	}
	verr := c.Validate()
	if verr == nil || !strings.Contains(verr.Error(), "line 2: unknown setting LYSSNA_LISTNE") ||
		!strings.Contains(verr.Error(), "line 3: unknown setting LYSSNA_STORAGE_FILE") {
		t.Errorf("unknown keys gave %v", verr)
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1048576", 1048576, true},
		{"2GB", 2e9, true},
		{"2GiB", 2 << 30, true},
		{"2G", 2 << 30, true},
		{"1.5 MiB", 1572864, true},
		{"500mb", 500e6, true},
		{"10KB", 10000, true},
		{"7b", 7, true},
		{"", 0, false},
		{"GB", 0, false},
		{"2 gigs", 0, false},
		{"-1MB", 0, false},
		{"1.2.3MB", 0, false},
		{"99999999TiB", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, n := range []int64{1, 1000, 1024, 1536, 2 << 30, 2e9, 5e6 + 1} {
		back, err := ParseSize(FormatSize(n))
		if err != nil || back != n {
			t.Errorf("FormatSize(%d) = %q reads back as %d, %v", n, FormatSize(n), back, err)
		}
	}
}

func TestEveryFlagMatchesItsSetting(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	RegisterFlags(fs)
	for _, s := range Settings() {
		f := fs.Lookup(s.Flag())
		if f == nil {
			t.Errorf("no flag --%s for %s", s.Flag(), s.Name)
			continue
		}
		if f.Usage != s.Help {
			t.Errorf("--%s help = %q, want the setting's help", s.Flag(), f.Usage)
		}
	}
}

// TestREADMESettingsTable fails when README.md's table of settings differs from
// the one Markdown writes; run `go run ./cmd/lyssna config --markdown` and paste it.
func TestREADMESettingsTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatalf("read README.md: %v", err)
	}
	const start, end = "<!-- settings:start -->\n", "<!-- settings:end -->"
	_, rest, ok1 := strings.Cut(string(readme), start)
	table, _, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("README.md lacks the %q ... %q markers around the settings table", start, end)
	}
	var want bytes.Buffer
	if err := Markdown(&want); err != nil {
		t.Fatal(err)
	}
	if table != want.String() {
		t.Errorf("README.md's settings table is out of date; replace it with the output of `go run ./cmd/lyssna config --markdown`:\n%s", want.String())
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

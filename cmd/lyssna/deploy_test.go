package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/lyssna/lyssna/config"
)

// The deployment files are checked without a container engine: what they
// name must exist, and the settings they pass must be Lyssna's and valid.

const repoRoot = "../.."

// settingNames is every LYSSNA_* name the configuration reads (NAME_FILE too).
func settingNames() map[string]bool {
	names := map[string]bool{"LYSSNA_CONFIG": true}
	for _, s := range config.Settings() {
		names[s.Name] = true
		if s.FileVariant() {
			names[s.Name+"_FILE"] = true
		}
	}
	return names
}

// checkSettings loads env as the only environment and validates it.
func checkSettings(t *testing.T, where string, env map[string]string) *config.Config {
	t.Helper()
	known := settingNames()
	for k := range env {
		if strings.HasPrefix(k, "LYSSNA_") && !known[k] {
			t.Errorf("%s sets %s, which is no setting of Lyssna's", where, k)
		}
	}
	cfg, err := config.Load(nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		t.Fatalf("%s: the settings do not validate: %v", where, err)
	}
	return cfg
}

// dockerInstructions reads a Dockerfile into instructions, continuation
// lines joined and comments dropped.
func dockerInstructions(t *testing.T, path string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
		if cont {
			continue
		}
		op, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func TestDockerfile(t *testing.T) {
	stages := map[string]bool{}
	ignored := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				ignored[strings.Trim(l, "/")] = true
			}
		}
	}
	env := map[string]string{}
	var user, entrypoint, cmd, healthcheck, build string
	var binaryAt []string
	volumes := ""
	for _, in := range dockerInstructions(t, filepath.Join(repoRoot, "Dockerfile")) {
		op, args := in[0], in[1]
		switch op {
		case "FROM":
			if f := strings.Fields(args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
		case "COPY":
			f := strings.Fields(args)
			var from string
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				if v, ok := strings.CutPrefix(f[0], "--from="); ok {
					from = v
				}
				f = f[1:]
			}
			if len(f) < 2 {
				t.Fatalf("COPY %s: no source and destination", args)
			}
			srcs, dst := f[:len(f)-1], f[len(f)-1]
			for _, src := range srcs {
				switch {
				case from != "":
					if !stages[from] {
						t.Errorf("COPY --from=%s names no earlier stage", from)
					}
					if strings.HasSuffix(src, "/lyssna") {
						binaryAt = append(binaryAt, dst)
					}
				case src == ".":
				default:
					if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
						t.Errorf("COPY %s: %v", src, err)
					}
					if ignored[strings.Trim(src, "/")] {
						t.Errorf("COPY %s, which .dockerignore leaves out of the context", src)
					}
				}
			}
		case "RUN":
			if strings.Contains(args, "go build") {
				build = args
			}
		case "ENV":
			for _, kv := range strings.Fields(args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "USER":
			user = args
		case "VOLUME":
			volumes = args
		case "HEALTHCHECK":
			healthcheck = args
		case "ENTRYPOINT":
			entrypoint = args
		case "CMD":
			cmd = args
		}
	}
	if !stages["build"] {
		t.Error("no build stage")
	}
	for _, want := range []string{"CGO_ENABLED=0", "-X main.version=${VERSION}", "./cmd/lyssna"} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build line lacks %q: %s", want, build)
		}
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "cmd", "lyssna", "main.go")); err != nil {
		t.Error(err)
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("the image runs as %q, want a non-root user", user)
	}
	if !strings.Contains(volumes, `"/data"`) || env["LYSSNA_DATA_DIR"] != "/data" {
		t.Errorf("the image's data is not on the /data volume: VOLUME %s, LYSSNA_DATA_DIR=%q", volumes, env["LYSSNA_DATA_DIR"])
	}
	checkSettings(t, "Dockerfile ENV", env)
	if len(binaryAt) != 1 || !strings.Contains(entrypoint, `"`+binaryAt[0]+`"`) {
		t.Errorf("ENTRYPOINT %s does not run the binary copied to %v", entrypoint, binaryAt)
	}
	if !strings.Contains(healthcheck, `"`+binaryAt[0]+`", "healthcheck"`) {
		t.Errorf("HEALTHCHECK %s does not run `lyssna healthcheck`", healthcheck)
	}
	for _, name := range []string{"healthcheck", strings.Trim(cmd, `[]"`)} {
		if _, ok := lookup(name); !ok {
			t.Errorf("the image runs `lyssna %s`, which is no command", name)
		}
	}
}

// composeFile is the part of deploy/compose.yaml the test reads.
type composeFile struct {
	Services map[string]struct {
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Environment     map[string]string         `yaml:"environment"`
		Command         any                       `yaml:"command"`
		Volumes         []string                  `yaml:"volumes"`
		DependsOn       map[string]map[string]any `yaml:"depends_on"`
		StopGracePeriod string                    `yaml:"stop_grace_period"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// composeDefaults replaces ${VAR:-default} with its default, as compose
// does with VAR unset, and $$ with $.
func composeDefaults(s string) string {
	s = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`).ReplaceAllString(s, "$1")
	return strings.ReplaceAll(s, "$$", "$")
}

func TestCompose(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal([]byte(composeDefaults(string(b))), &cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	app, pg, s3, mk := cf.Services["lyssna"], cf.Services["postgres"], cf.Services["minio"], cf.Services["createbucket"]
	if app.Build == nil || pg.Environment == nil || s3.Environment == nil || mk.Command == nil {
		t.Fatalf("compose.yaml needs the services lyssna (built), postgres, minio and createbucket: %+v", cf.Services)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "deploy", app.Build.Context, app.Build.Dockerfile)); err != nil {
		t.Errorf("lyssna's build: %v", err)
	}
	cfg := checkSettings(t, "compose.yaml lyssna", app.Environment)
	if cfg.Storage != config.StorageS3 || cfg.DataDir != "/data" {
		t.Errorf("compose's Lyssna keeps storage %q, data in %q; want s3 and /data", cfg.Storage, cfg.DataDir)
	}
	db, err := url.Parse(cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := db.User.Password()
	if db.Scheme != "postgres" || db.Hostname() != "postgres" || db.User.Username() != pg.Environment["POSTGRES_USER"] ||
		pass != pg.Environment["POSTGRES_PASSWORD"] || strings.TrimPrefix(db.Path, "/") != pg.Environment["POSTGRES_DB"] {
		t.Errorf("LYSSNA_DATABASE_URL %s does not match the postgres service's %v", cfg.DatabaseURL, pg.Environment)
	}
	endpoint, _ := url.Parse(cfg.S3Endpoint)
	if endpoint.Hostname() != "minio" || !cfg.S3PathStyle || cfg.S3AccessKey != s3.Environment["MINIO_ROOT_USER"] || cfg.S3SecretKey != s3.Environment["MINIO_ROOT_PASSWORD"] {
		t.Errorf("Lyssna's S3 settings (%s, path style %v) do not match the minio service", cfg.S3Endpoint, cfg.S3PathStyle)
	}
	command, _ := yaml.Marshal(mk.Command)
	if !strings.Contains(string(command), "mc mb --ignore-existing local/"+cfg.S3Bucket) {
		t.Errorf("createbucket does not make LYSSNA_S3_BUCKET %q: %s", cfg.S3Bucket, command)
	}
	if app.DependsOn["postgres"]["condition"] != "service_healthy" || app.DependsOn["createbucket"]["condition"] != "service_completed_successfully" {
		t.Errorf("lyssna must wait for a healthy postgres and the bucket: %v", app.DependsOn)
	}
	if d, err := time.ParseDuration(app.StopGracePeriod); err != nil || d <= cfg.ShutdownTimeout {
		t.Errorf("stop_grace_period %q must exceed LYSSNA_SHUTDOWN_TIMEOUT %s", app.StopGracePeriod, cfg.ShutdownTimeout)
	}
	for name, svc := range cf.Services {
		for _, v := range svc.Volumes {
			if vol, _, _ := strings.Cut(v, ":"); !strings.HasPrefix(vol, ".") && !strings.HasPrefix(vol, "/") {
				if _, ok := cf.Volumes[vol]; !ok {
					t.Errorf("service %s uses the undeclared volume %s", name, vol)
				}
			}
		}
	}
}

// unitFile reads a systemd unit's Key=value lines (a key may repeat).
func unitFile(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("unit line %q is no Key=value", line)
		}
		keys[k] = append(keys[k], v)
	}
	return keys
}

func TestSystemdUnit(t *testing.T) {
	path := filepath.Join(repoRoot, "deploy", "lyssna.service")
	u := unitFile(t, path)
	one := func(k string) string {
		if len(u[k]) == 0 {
			return ""
		}
		return u[k][len(u[k])-1]
	}
	for k, want := range map[string]string{
		"User": "lyssna", "StateDirectory": "lyssna", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"PrivateTmp": "yes", "ProtectHome": "yes", "EnvironmentFile": "/etc/lyssna/lyssna.env",
	} {
		if got := one(k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	env := map[string]string{}
	for _, kv := range u["Environment"] {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg := checkSettings(t, "lyssna.service", env)
	if cfg.DataDir != "/var/lib/"+one("StateDirectory") {
		t.Errorf("LYSSNA_DATA_DIR %s is not the StateDirectory, the one place ProtectSystem=strict lets it write", cfg.DataDir)
	}
	exec0 := strings.Fields(one("ExecStart"))
	if len(exec0) != 2 || exec0[1] != "serve" {
		t.Errorf("ExecStart=%s, want BINARY serve", one("ExecStart"))
	}
	if d, err := time.ParseDuration(one("TimeoutStopSec")); err != nil || d <= cfg.ShutdownTimeout {
		t.Errorf("TimeoutStopSec=%s must exceed LYSSNA_SHUTDOWN_TIMEOUT %s", one("TimeoutStopSec"), cfg.ShutdownTimeout)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit is only parsed")
	}
	// verify wants ExecStart to exist: point it at the test's build.
	b, _ := os.ReadFile(path)
	unit := filepath.Join(t.TempDir(), "lyssna.service")
	os.WriteFile(unit, []byte(strings.Replace(string(b), "ExecStart="+exec0[0], "ExecStart="+binary(t), 1)), 0o644)
	out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestReverseProxies(t *testing.T) {
	nginxConf, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	caddyfile, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	maxUpload := config.Default().MaxUploadSize
	m := regexp.MustCompile(`client_max_body_size (\d+)g;`).FindSubmatch(nginxConf)
	if m == nil {
		t.Fatal("nginx.conf has no client_max_body_size in GiB")
	}
	if gib, _ := strconv.ParseInt(string(m[1]), 10, 64); gib<<30 < maxUpload {
		t.Errorf("nginx's client_max_body_size is under LYSSNA_MAX_UPLOAD_SIZE's default %d", maxUpload)
	}
	for _, want := range []string{"ssl_certificate ", "proxy_request_buffering off;", "proxy_read_timeout 1h;", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "LYSSNA_TRUSTED_PROXIES=127.0.0.1"} {
		if !strings.Contains(string(nginxConf), want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	for _, want := range []string{"max_size 2GB", "reverse_proxy 127.0.0.1:8080", "read_timeout 1h", "LYSSNA_TRUSTED_PROXIES=127.0.0.1"} {
		if !strings.Contains(string(caddyfile), want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	if !settingNames()["LYSSNA_TRUSTED_PROXIES"] {
		t.Error("the proxy examples name LYSSNA_TRUSTED_PROXIES, which is no setting")
	}

	t.Run("nginx -t", func(t *testing.T) {
		nginx, err := exec.LookPath("nginx")
		if err != nil {
			t.Skip("nginx is not installed: nginx.conf is only read")
		}
		dir := t.TempDir()
		cert, key := selfSigned(t, dir)
		site := strings.NewReplacer("/etc/letsencrypt/live/pod.example.org/fullchain.pem", cert,
			"/etc/letsencrypt/live/pod.example.org/privkey.pem", key).Replace(string(nginxConf))
		os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o644)
		main := "pid " + dir + "/nginx.pid;\nerror_log stderr;\nevents {}\nhttp { access_log off; include " + dir + "/site.conf; }\n"
		os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644)
		if out, err := exec.Command(nginx, "-t", "-q", "-p", dir, "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput(); err != nil {
			t.Errorf("nginx -t: %v\n%s", err, out)
		}
	})
	t.Run("caddy validate", func(t *testing.T) {
		caddy, err := exec.LookPath("caddy")
		if err != nil {
			t.Skip("caddy is not installed: the Caddyfile is only read")
		}
		cmd := exec.Command(caddy, "validate", "--adapter", "caddyfile", "--config", filepath.Join(repoRoot, "deploy", "Caddyfile"))
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Valid configuration") {
			t.Errorf("caddy validate: %v\n%s", err, out)
		}
	})
}

// selfSigned writes a throwaway certificate and key for nginx -t.
func selfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pod.example.org"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"pod.example.org"}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certPath, keyPath
}

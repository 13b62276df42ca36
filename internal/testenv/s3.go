package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// VersityGWVersion is the versitygw release the tests build and run.
const VersityGWVersion = "v1.8.0"

// S3Server is a running S3-compatible server for tests.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	Region    string
	AccessKey string
	SecretKey string
}

var s3srv struct {
	once sync.Once
	srv  *S3Server
	cmd  *exec.Cmd
	dir  string
	err  error
}

// S3 returns the process's versitygw server, building and starting it on first
// use. Packages that call it should run their tests through RunMain so the
// server is stopped at the end.
func S3(t testing.TB) *S3Server {
	t.Helper()
	s3srv.once.Do(func() { s3srv.srv, s3srv.err = startVersityGW() })
	if s3srv.err != nil {
		Missing(t, "no S3-compatible server: %v (it is built with: go install github.com/versity/versitygw/cmd/versitygw@%s, or set LYSSNA_VERSITYGW to its path)",
			s3srv.err, VersityGWVersion)
	}
	return s3srv.srv
}

// NewBucket creates a fresh, empty bucket on the server and returns its name.
func (s *S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	b := make([]byte, 5)
	rand.Read(b)
	name := "lyssna-test-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("testenv: create bucket %s: %v", name, err)
	}
	return name
}

// Client returns an S3 client for the server, set up as S3-compatible servers need.
func (s *S3Server) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     s.Region,
		BaseEndpoint:               aws.String(s.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// RunMain runs the package's tests and stops any server this package started.
// Use it as: func TestMain(m *testing.M) { os.Exit(testenv.RunMain(m)) }.
func RunMain(m *testing.M) int {
	code := m.Run()
	if s3srv.cmd != nil && s3srv.cmd.Process != nil {
		s3srv.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s3srv.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s3srv.cmd.Process.Kill()
		}
	}
	if s3srv.dir != "" {
		os.RemoveAll(s3srv.dir)
	}
	return code
}

// versityGWBinary finds versitygw, building it into a cache outside the
// repository when it is missing.
func versityGWBinary() (string, error) {
	if p := os.Getenv("LYSSNA_VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a cache directory: %w", err)
	}
	bin := filepath.Join(cache, "lyssna", "versitygw-"+VersityGWVersion)
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", bin, err)
	}
	exe := filepath.Join(bin, "versitygw")
	// Several test binaries may start at once: one builds, the others wait.
	lock, err := os.OpenFile(filepath.Join(bin, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", bin, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", bin, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+VersityGWVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build versitygw: %w\n%s", err, out)
	}
	return exe, nil
}

func startVersityGW() (*S3Server, error) {
	exe, err := versityGWBinary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "lyssna-versitygw-")
	if err != nil {
		return nil, err
	}
	s3srv.dir = dir
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	srv := &S3Server{Endpoint: "http://" + addr, Region: "us-east-1", AccessKey: "lyssnatest", SecretKey: "lyssnatestsecret"}
	cmd := exec.Command(exe, "--port", addr, "--keep-alive", "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+srv.AccessKey, "ROOT_SECRET_KEY="+srv.SecretKey)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	logf, err := os.Create(filepath.Join(os.TempDir(), "lyssna-versitygw-"+filepath.Base(dir)+".log"))
	if err == nil {
		cmd.Stdout, cmd.Stderr = logf, logf
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	s3srv.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(srv.Endpoint)
		if err == nil {
			resp.Body.Close()
			return srv, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("versitygw did not answer on %s within 30s (log: %s)", addr, logf.Name())
}

package reliability

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/berth-platform/berth/internal/testenv"
)

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a child process the test owns: it dies with the test binary
// (Pdeathsig) and is stopped when the test ends — with its graceful
// signal first, when it has one.
type process struct {
	name     string
	cmd      *exec.Cmd
	graceful os.Signal // nil: killed at the end of the test
	done     chan struct{}
	err      error // from Wait, once done is closed
}

func startProcess(t testing.TB, name string, cmd *exec.Cmd) *process {
	return startProcessGraceful(t, name, cmd, nil)
}

func startProcessGraceful(t testing.TB, name string, cmd *exec.Cmd, graceful os.Signal) *process {
	t.Helper()
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, graceful: graceful, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.graceful != nil && !p.signal(p.graceful, 30*time.Second) {
			t.Errorf("%s did not stop within 30 s of %v", name, p.graceful)
		}
		p.kill()
	})
	return p
}

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the exit.
func (p *process) kill() {
	if p.running() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// signal sends sig and waits up to wait for the exit; it reports whether
// the process exited in time.
func (p *process) signal(sig os.Signal, wait time.Duration) bool {
	if !p.running() {
		return true
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return true
	case <-time.After(wait):
		return false
	}
}

// redisServer is a private redis-server on a free loopback port, nothing
// kept on disk, that a test may stop and start again.
type redisServer struct {
	t    testing.TB
	bin  string
	port int
	mu   sync.Mutex
	proc *process
}

func startRedis(t testing.TB) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Unavailable(t, "redis-server is not installed (apt-get install -y redis-server): %v", err)
	}
	r := &redisServer{t: t, bin: path, port: freePort(t)}
	r.start()
	return r
}

// URL is where berth finds this Redis.
func (r *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs redis-server and waits until it answers PING.
func (r *redisServer) start() {
	r.t.Helper()
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	p := startProcess(r.t, "redis-server", cmd)
	r.mu.Lock()
	r.proc = p
	r.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if redisPing(r.port) {
			return
		}
		if !p.running() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("redis-server on port %d did not answer PING:\n%s", r.port, out.String())
}

// stop kills redis-server (as a crash or an operator would); the data is
// gone, as on a Redis without persistence.
func (r *redisServer) stop() {
	r.mu.Lock()
	p := r.proc
	r.mu.Unlock()
	p.kill()
}

func redisPing(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 16)
	n, _ := c.Read(buf)
	return bytes.HasPrefix(buf[:n], []byte("+PONG"))
}

// postgresServer is a private PostgreSQL cluster in a temporary directory,
// listening on a free loopback port, with fsync off: made to be stopped
// and started again by a test, never the machine's shared server.
type postgresServer struct {
	t    testing.TB
	bin  string // the directory holding initdb and postgres
	dir  string // owned by the postgres user: data/, the socket, the log
	port int
	cred *syscall.Credential // nil when not running as root
	mu   sync.Mutex
	proc *process
}

// postgresBinDir finds initdb and postgres: in PATH, else where Debian
// installs them.
func postgresBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	if matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	return "", fmt.Errorf("initdb and postgres are not in PATH nor in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)")
}

func startPostgres(t testing.TB) *postgresServer {
	t.Helper()
	binDir, err := postgresBinDir()
	if err != nil {
		testenv.Unavailable(t, "%v", err)
	}
	p := &postgresServer{t: t, bin: binDir, port: freePort(t)}
	// PostgreSQL refuses to run as root: run it as the postgres user.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testenv.Unavailable(t, "running as root and there is no postgres user to run a private PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Not t.TempDir: its parent is private to root, and the postgres user
	// must reach the directory.
	if p.dir, err = os.MkdirTemp("", "berth-pg-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(p.dir) })
	if p.cred != nil {
		if err := os.Chown(p.dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	initdb := p.command("initdb", "-D", p.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.start()
	return p
}

func (p *postgresServer) data() string { return filepath.Join(p.dir, "data") }

func (p *postgresServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Dir = p.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

// URL is the cluster's postgres database.
func (p *postgresServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// start runs the postmaster and waits until it accepts queries.
func (p *postgresServer) start() {
	p.t.Helper()
	log, err := os.OpenFile(filepath.Join(p.dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	defer log.Close()
	cmd := p.command("postgres", "-D", p.data(), "-p", strconv.Itoa(p.port), "-k", p.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=100")
	cmd.Stdout, cmd.Stderr = log, log
	proc := startProcess(p.t, "postgres", cmd)
	p.mu.Lock()
	p.proc = proc
	p.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p.ready() {
			return
		}
		if !proc.running() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	p.t.Fatalf("private PostgreSQL on port %d did not start:\n%s", p.port, b)
}

// ready reports whether the cluster answers a query.
func (p *postgresServer) ready() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL())
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one) == nil && one == 1
}

// stop shuts the cluster down the way `pg_ctl stop -m fast` does
// (SIGINT): open connections are cut, in-flight transactions roll back.
func (p *postgresServer) stop() {
	p.t.Helper()
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if !proc.signal(syscall.SIGINT, 30*time.Second) {
		p.t.Fatal("PostgreSQL did not stop within 30 s of a fast shutdown")
	}
}

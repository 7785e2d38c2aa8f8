//go:build linux

package watchdog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultLogBuffer = 256 << 10
	maxStartBody     = 32 << 20
)

// Config configures the watchdog.
type Config struct {
	// Socket is the Unix socket to serve on. Required.
	Socket string
	// Mode is ModeExec or ModeHTTP. Required.
	Mode string
	// Port is where the server listens in http mode (on 127.0.0.1).
	Port int
	// Command is the function's program and arguments. Required.
	Command []string
	// LogBuffer is how many bytes of an http-mode server's output are kept
	// between calls (the newest). Default DefaultLogBuffer.
	LogBuffer int
	// OOMFiles are the cgroup files that count OOM kills. Default
	// DefaultOOMFiles().
	OOMFiles []string
	// Logger receives the watchdog's own messages (never a request's
	// content). Nil discards them.
	Logger *slog.Logger
}

func (c *Config) check() error {
	switch {
	case c.Socket == "":
		return errors.New("watchdog: no socket")
	case c.Mode != ModeExec && c.Mode != ModeHTTP:
		return fmt.Errorf("watchdog: mode %q: want %q or %q", c.Mode, ModeExec, ModeHTTP)
	case c.Mode == ModeHTTP && (c.Port < 1 || c.Port > 65535):
		return fmt.Errorf("watchdog: port %d out of range", c.Port)
	case len(c.Command) == 0 || c.Command[0] == "":
		return errors.New("watchdog: no command")
	}
	if c.LogBuffer <= 0 {
		c.LogBuffer = DefaultLogBuffer
	}
	if c.OOMFiles == nil {
		c.OOMFiles = DefaultOOMFiles()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Server is a watchdog. Create it with NewServer; it is an http.Handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	baseEnv []string // the image's environment, as the watchdog got it

	mu      sync.Mutex
	started bool
	spec    string
	program string  // the command's resolved path
	server  *server // http mode, once started
}

// NewServer checks cfg and returns a server that has started nothing yet.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, childEnv+"=") {
			env = append(env, kv)
		}
	}
	return &Server{cfg: cfg, log: cfg.Logger, baseEnv: env}, nil
}

// Serve listens on cfg.Socket and serves until ctx ends, then stops the
// function's processes.
func Serve(ctx context.Context, cfg Config) error {
	s, err := NewServer(cfg)
	if err != nil {
		return err
	}
	_ = os.Remove(cfg.Socket)
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "unix", cfg.Socket)
	if err != nil {
		return fmt.Errorf("watchdog: listen: %w", err)
	}
	// berth may run as another user than the image's; the directory is
	// berth's own and private on the host.
	if err := os.Chmod(cfg.Socket, 0o666); err != nil { //nolint:gosec // G302: see above
		return fmt.Errorf("watchdog: socket mode: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	stopped := make(chan struct{})
	go func() { //nolint:gosec // G118: shutting down after ctx ended needs a context of its own
		defer close(stopped)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	s.log.Info("watchdog serving", "mode", cfg.Mode, "socket", cfg.Socket)
	err = srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		err = nil
	}
	s.Close()
	return err
}

// Close stops the http-mode server, if any.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.server
	s.mu.Unlock()
	if srv != nil {
		srv.stop()
	}
}

// ServeHTTP routes berth's calls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(HeaderInvoke) == ModeHTTP {
		s.forward(w, r)
		return
	}
	switch r.URL.Path {
	case PathHealth:
		_, _ = io.WriteString(w, "ok\n")
	case PathReady:
		st := s.status()
		code := http.StatusOK
		if !st.Ready {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, st)
	case PathStart:
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		s.start(w, r)
	case PathExec:
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		s.exec(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Mode: s.cfg.Mode, Started: s.started, Spec: s.spec}
	switch {
	case !s.started:
	case s.cfg.Mode == ModeExec:
		st.Ready = s.program != ""
	default:
		st.Ready = s.server != nil && s.server.alive()
	}
	return st
}

// start handles POST /_berth/start: exec mode checks that the command
// exists; http mode starts the server and waits until it listens.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	timeout, err := headerInt(r.Header, HeaderTimeout, maxTimeoutMS)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req StartRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxStartBody)).Decode(&req); err != nil {
		http.Error(w, "start: malformed body", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	if s.started {
		spec := s.spec
		s.mu.Unlock()
		if spec != req.Spec {
			http.Error(w, "started already with another spec", http.StatusConflict)
			return
		}
		writeJSON(w, http.StatusOK, s.status())
		return
	}
	s.started, s.spec = true, req.Spec
	s.mu.Unlock()

	program, err := exec.LookPath(s.cfg.Command[0])
	if err != nil {
		s.failStart(w, Status{Outcome: OutcomeExit, Error: fmt.Sprintf("the command %q cannot be run in the image: %v", s.cfg.Command[0], unwrapPathError(err))})
		return
	}
	s.mu.Lock()
	s.program = program
	s.mu.Unlock()
	if s.cfg.Mode == ModeExec {
		writeJSON(w, http.StatusOK, s.status())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(timeout)*time.Millisecond)
	defer cancel()
	srv, st := s.startServer(ctx, program, req.Env)
	if srv == nil {
		s.failStart(w, st)
		return
	}
	writeJSON(w, http.StatusOK, s.status())
}

// failStart answers a failed start; the instance will not serve.
func (s *Server) failStart(w http.ResponseWriter, st Status) {
	s.mu.Lock()
	st.Mode, st.Started, st.Spec = s.cfg.Mode, true, s.spec
	s.mu.Unlock()
	code := http.StatusServiceUnavailable
	if st.Outcome == OutcomeTimeout {
		code = http.StatusGatewayTimeout
	}
	s.log.Warn("start failed", "outcome", st.Outcome, "error", st.Error)
	writeJSON(w, code, st)
}

func unwrapPathError(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// deadline returns the call's context, ending at its deadline.
func callContext(r *http.Request, lim CallLimits) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), time.Duration(lim.TimeoutMS)*time.Millisecond)
}

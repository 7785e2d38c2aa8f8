// Command fn is the test function of the container runtime's tests: one
// static binary, built by the tests, that behaves as the first argument
// says. In exec mode it follows the WAGI/CGI contract; "serve" runs an
// HTTP server on $PORT with the same behaviours chosen by path.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	what := "echo"
	if len(os.Args) > 1 {
		what = os.Args[1]
	}
	switch what {
	case "serve": // serve [behaviour]: every path behaves so; default: chosen by path
		only := ""
		if len(os.Args) > 2 {
			only = os.Args[2]
		}
		serve(0, only)
	case "serve-late": // listens after a delay
		d, _ := time.ParseDuration(os.Args[2])
		serve(d, "")
	case "exit-now":
		fmt.Fprintln(os.Stderr, "fn: giving up at once")
		os.Exit(3)
	case "never-listen":
		fmt.Fprintln(os.Stderr, "fn: not listening")
		time.Sleep(time.Hour)
	default:
		cgi(what)
	}
}

// cgi runs one exec-mode behaviour.
func cgi(what string) {
	if what == "route" { // chosen by PATH_INFO: /echo, /loop, …
		what = strings.TrimPrefix(os.Getenv("PATH_INFO"), "/")
	}
	out := os.Stdout
	switch what {
	case "echo":
		fmt.Fprintf(os.Stderr, "echo: %s %s\n", os.Getenv("REQUEST_METHOD"), os.Getenv("PATH_INFO"))
		body, _ := io.ReadAll(os.Stdin)
		var h strings.Builder
		if s := os.Getenv("HTTP_X_STATUS"); s != "" {
			fmt.Fprintf(&h, "Status: %s\n", s)
		}
		fmt.Fprintf(&h, "Content-Type: text/plain; charset=utf-8\nX-Method: %s\nX-Path: %s\nX-Query: %s\nX-Content-Length: %s\n",
			os.Getenv("REQUEST_METHOD"), os.Getenv("PATH_INFO"), os.Getenv("QUERY_STRING"), os.Getenv("CONTENT_LENGTH"))
		if v := os.Getenv("HTTP_X_TEST"); v != "" {
			fmt.Fprintf(&h, "X-Test: %s\n", v)
		}
		if v := os.Getenv("GREETING"); v != "" {
			fmt.Fprintf(&h, "X-Greeting: %s\n", v)
		}
		fmt.Fprintf(&h, "X-Pid: %d\nX-Ppid: %d\n\n", os.Getpid(), os.Getppid())
		_, _ = io.WriteString(out, h.String())
		_, _ = out.Write(body)
	case "loop":
		fmt.Fprintln(os.Stderr, "fn: looping")
		for {
			time.Sleep(time.Hour)
		}
	case "flood":
		_, _ = io.WriteString(out, "Content-Type: text/plain\n\n")
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := out.Write(chunk); err != nil {
				os.Exit(1)
			}
		}
	case "huge": // 8 MiB, then ends normally
		_, _ = io.WriteString(out, "Content-Type: text/plain\n\n")
		// In chunks: one 8 MiB string and its byte copy would hold 16 MiB
		// in a 48 MiB container, where a loaded machine's lazy GC can turn
		// "output too large" into an out-of-memory kill.
		chunk := []byte(strings.Repeat("h", 64<<10))
		for range (8 << 20) / len(chunk) {
			if _, err := out.Write(chunk); err != nil {
				os.Exit(1)
			}
		}
	case "badresponse":
		_, _ = io.WriteString(out, "Content-Type: text/plain\nno blank line here\n")
	case "crash":
		fmt.Fprintln(os.Stderr, "fn: about to crash")
		os.Exit(3)
	case "hog":
		fmt.Fprintln(os.Stderr, "fn: eating memory")
		hog()
	case "forkbomb":
		fmt.Fprintln(os.Stderr, "fn: forking")
		forkbomb()
	case "net":
		probeNetwork(out)
	case "write":
		probeWrite(out)
	case "isolation":
		probeIsolation(out)
	case "sleep":
		ms, _ := strconv.Atoi(os.Getenv("QUERY_STRING"))
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = io.WriteString(out, "Content-Type: text/plain\n\nslept\n")
	default:
		_, _ = io.WriteString(out, "Status: 404\nContent-Type: text/plain\n\nno such behaviour "+what+"\n")
	}
}

var sink [][]byte

func hog() {
	for {
		b := make([]byte, 1<<20)
		for i := range b {
			b[i] = 1
		}
		sink = append(sink, b)
	}
}

// forkbomb forks without end with raw clone calls; the children do the
// same. Only the pids limit stops it.
func forkbomb() {
	for {
		_, _, _ = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	}
}

func probeNetwork(out io.Writer) {
	ifs, _ := net.Interfaces()
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	// 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed. Without a network
	// the dial fails before any packet could leave.
	c, err := net.DialTimeout("tcp", "192.0.2.1:80", 2*time.Second)
	if err == nil {
		c.Close()
	}
	fmt.Fprintf(out, "Content-Type: text/plain\n\ninterfaces=%s\ndial=%v\n", strings.Join(names, ","), err)
}

func probeWrite(out io.Writer) {
	rootErr := os.WriteFile("/written", []byte("x"), 0o644)
	tmpErr := os.WriteFile("/tmp/written", []byte("x"), 0o644)
	runErr := os.WriteFile("/.berth/run/written", []byte("x"), 0o644)
	chmodErr := os.Chmod("/.berth/run", 0o777)
	wdErr := os.WriteFile("/.berth/watchdog", []byte("x"), 0o755)
	fmt.Fprintf(out, "Content-Type: text/plain\n\nroot=%v\ntmp=%v\nrun=%v\nchmod=%v\nwatchdog=%v\n", rootErr, tmpErr, runErr, chmodErr, wdErr)
}

// probeIsolation reports what the process may do: capabilities, the
// no-new-privileges flag, its user, resource limits and the cgroup's pids
// and memory limits.
func probeIsolation(out io.Writer) {
	status, _ := os.ReadFile("/proc/self/status")
	var keep []string
	for _, l := range strings.Split(string(status), "\n") {
		for _, k := range []string{"CapEff:", "CapPrm:", "CapBnd:", "NoNewPrivs:", "Seccomp:", "Uid:"} {
			if strings.HasPrefix(l, k) {
				keep = append(keep, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	var nofile, nproc syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile)
	_ = syscall.Getrlimit(6 /* RLIMIT_NPROC */, &nproc)
	keep = append(keep, fmt.Sprintf("nofile: %d %d", nofile.Cur, nofile.Max), fmt.Sprintf("nproc: %d %d", nproc.Cur, nproc.Max))
	for _, f := range []string{"/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"} {
		if b, err := os.ReadFile(f); err == nil {
			keep = append(keep, f+": "+strings.TrimSpace(string(b)))
		}
	}
	fmt.Fprintf(out, "Content-Type: text/plain\n\n%s\n", strings.Join(keep, "\n"))
}

// serve runs the http-mode server. With only set, every path gets that
// behaviour.
func serve(delay time.Duration, only string) {
	fmt.Fprintf(os.Stderr, "fn: starting, listening in %s\n", delay)
	time.Sleep(delay)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stderr, "echo: %s %s\n", r.Method, r.URL.Path)
		body, _ := io.ReadAll(r.Body)
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Method", r.Method)
		h.Set("X-Path", r.URL.Path)
		h.Set("X-Query", r.URL.RawQuery)
		h.Set("X-Content-Length", strconv.Itoa(len(body)))
		if v := r.Header.Get("X-Test"); v != "" {
			h.Set("X-Test", v)
		}
		if v := os.Getenv("GREETING"); v != "" {
			h.Set("X-Greeting", v)
		}
		h.Set("X-Pid", strconv.Itoa(os.Getpid()))
		h.Set("X-Forwarded", r.Header.Get("X-Forwarded-For"))
		status := http.StatusOK
		if s := r.Header.Get("X-Status"); s != "" {
			status, _ = strconv.Atoi(strings.Fields(s)[0])
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
	mux.HandleFunc("/loop", func(http.ResponseWriter, *http.Request) {
		fmt.Fprintln(os.Stderr, "fn: looping")
		time.Sleep(time.Hour)
	})
	mux.HandleFunc("/flood", func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/crash", func(http.ResponseWriter, *http.Request) {
		fmt.Fprintln(os.Stderr, "fn: about to crash")
		os.Exit(3)
	})
	mux.HandleFunc("/hog", func(http.ResponseWriter, *http.Request) {
		fmt.Fprintln(os.Stderr, "fn: eating memory")
		hog()
	})
	mux.HandleFunc("/badresponse", func(w http.ResponseWriter, _ *http.Request) {
		c, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nno blank line\r\n")
		_ = buf.Flush()
		_ = c.Close()
	})
	mux.HandleFunc("/net", func(w http.ResponseWriter, _ *http.Request) { probeNetwork(w) })
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.RawQuery)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = io.WriteString(w, "slept\n")
	})
	var h http.Handler = mux
	if only != "" {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path = "/" + only
			mux.ServeHTTP(w, r)
		})
	}
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "fn:", err)
		os.Exit(1)
	}
}

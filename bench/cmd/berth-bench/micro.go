package main

import (
	"bufio"
	"bytes"
	"context"
	"log"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Micro is one Go benchmark's result.
type Micro struct {
	Package     string  `json:"package"`
	Name        string  `json:"name"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	Baseline    string  `json:"baseline,omitempty"`
	BaselineNS  float64 `json:"baseline_ns,omitempty"`
	Extra       string  `json:"extra,omitempty"`
}

// microSuites are the hot-path benchmarks: package, benchmark pattern,
// -benchtime, which benchmark in the same package is each one's baseline,
// and which earlier suite's package holds same-named baselines (the
// in-process store for the Redis one).
var microSuites = []struct {
	pkg, pattern, benchtime string
	baseline                map[string]string
	baselinePkg             string
}{
	{"./internal/signing", ".", "1s", map[string]string{"Verify": "BaselineHMAC", "Sign": "BaselineHMAC"}, ""},
	{"./internal/password", "HashOWASP|VerifyParallel", "20x", nil, ""},
	// A provider's JWT as the bearer token vs berth's own, same request.
	{"./internal/manager", "^BenchmarkBearer(Provider|Berth)$", "3s", map[string]string{"BearerProvider": "BearerBerth"}, ""},
	{"./internal/kv/memory", "ClaimNonce|RateLimit|Incr$", "1s", nil, ""},
	{"./internal/kv/redis", "ClaimNonce|RateLimit", "1s", nil, "./internal/kv/memory"},
	// The wasm runtime's invoke path vs instantiating the module straight on wazero.
	{"./internal/runtime/wasm", "^Benchmark(InvokeC|DirectC)$", "1s", map[string]string{"InvokeC": "DirectC"}, ""},
	// Container cold start vs `podman run` of the same image, and a warm
	// invoke vs a request straight to the watchdog's socket (the ratios are
	// reported by the benchmarks themselves, measured side by side).
	{"./internal/runtime/container", "^BenchmarkColdStart$", "5x", nil, ""},
	{"./internal/runtime/container", "^BenchmarkWarmInvoke$", "2000x", nil, ""},
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+(\d+)\s+([\d.]+) ns/op(.*)$`)

// runMicro runs the suites one after the other; a suite that fails is
// logged and left out. It returns early, with ctx's error, when ctx ends.
func runMicro(ctx context.Context, cl *cleanups) ([]Micro, error) {
	var out []Micro
	byPkg := map[string]map[string]*Micro{}
	for _, s := range microSuites {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", s.pattern, "-benchmem", "-benchtime", s.benchtime, s.pkg)
		buf, err := combinedOutput(ctx, cl, cmd)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if err != nil {
			log.Printf("  %s: %v\n%s", s.pkg, err, buf)
			continue
		}
		got := map[string]*Micro{}
		var order []string
		sc := bufio.NewScanner(bytes.NewReader(buf))
		for sc.Scan() {
			m := benchLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			r := &Micro{Package: s.pkg, Name: m[1]}
			r.NsPerOp, _ = strconv.ParseFloat(m[4], 64)
			fields := strings.Fields(m[5])
			var extra []string
			for i := 0; i+1 < len(fields); i += 2 {
				switch fields[i+1] {
				case "B/op":
					r.BytesPerOp, _ = strconv.ParseInt(fields[i], 10, 64)
				case "allocs/op":
					r.AllocsPerOp, _ = strconv.ParseInt(fields[i], 10, 64)
				default:
					extra = append(extra, fields[i]+" "+fields[i+1])
				}
			}
			r.Extra = strings.Join(extra, ", ")
			got[r.Name] = r
			order = append(order, r.Name)
		}
		byPkg[s.pkg] = got
		for _, name := range order {
			r := got[name]
			if b, ok := s.baseline[name]; ok && got[b] != nil {
				r.Baseline, r.BaselineNS = b, got[b].NsPerOp
			} else if b := byPkg[s.baselinePkg][name]; b != nil {
				r.Baseline, r.BaselineNS = strings.TrimPrefix(s.baselinePkg, "./internal/")+" "+name, b.NsPerOp
			}
			log.Printf("  %-28s %-22s %12.0f ns/op %s", s.pkg, name, r.NsPerOp, r.Extra)
			out = append(out, *r)
		}
	}
	return out, nil
}

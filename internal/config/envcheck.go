package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"
)

// otherEnv are BERTH_* variables that are not configuration keys but are
// read elsewhere, so finding one in the server's environment is no mistake.
// Each says who reads it.
var otherEnv = []string{
	"BERTH_CONFIG",         // this package: the TOML file
	"BERTH_CLI_CONFIG",     // internal/cli: the CLI's own file
	"BERTH_SERVER",         // internal/cli: the server for login and --key
	"BERTH_CONTEXT",        // internal/cli: like --context
	"BERTH_SECRET_KEY",     // internal/cli: the secret for berth sign / --key
	"BERTH_WASI_CC",        // internal/cli: the C compiler of fn deploy
	"BERTH_PASSWORD",       // docs/cli.md: the login script's variable
	"BERTH_EXECUTION_ID",   // internal/runtime/cgi: set for functions
	"BERTH_WATCHDOG_CHILD", // internal/runtime/container/watchdog
	"BERTH_WD_HELPER",      // the watchdog's tests
	"BERTH_RELIABILITY",    // reliability/: the long mode
	"BERTH_BIN",            // web/e2e: the binary under test
	"BERTH_DEV_BACKEND",    // web: the Vite dev server's backend
	"BERTH_CHART_OUT",      // bench: where a test writes its chart
	"BERTH_TEST_LOG",       // internal/runtime/container tests
}

// otherEnvPrefixes are prefixes of variables read elsewhere (the test
// suites' BERTH_TEST_POSTGRES_URL, BERTH_TEST_REDIS_URL, …).
var otherEnvPrefixes = []string{"BERTH_TEST_"}

// UnknownEnv is a BERTH_* variable that names no configuration key: most
// likely a misspelling, which would otherwise be ignored without a word.
type UnknownEnv struct {
	Name string
	// DidYouMean is the closest known variable, or "" when none is close.
	DidYouMean string
}

// String says what is wrong and, when it can, what was meant. It never
// contains the variable's value.
func (u UnknownEnv) String() string {
	if u.DidYouMean == "" {
		return fmt.Sprintf("unknown environment variable %s is ignored (berth config print lists the known keys)", u.Name)
	}
	return fmt.Sprintf("unknown environment variable %s is ignored; did you mean %s?", u.Name, u.DidYouMean)
}

// CheckEnv returns the BERTH_* variables of environ that neither name a
// configuration key nor are read elsewhere, sorted by name, each with the
// closest known variable. Load takes no notice of them, so the caller
// should warn.
func CheckEnv(environ []string) []UnknownEnv {
	known := []string{}
	for _, k := range knownKeys() {
		known = append(known, EnvName(k))
	}
	var out []UnknownEnv
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "BERTH_") || slices.Contains(known, name) || slices.Contains(otherEnv, name) ||
			slices.ContainsFunc(otherEnvPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		if slices.ContainsFunc(out, func(u UnknownEnv) bool { return u.Name == name }) {
			continue
		}
		out = append(out, UnknownEnv{Name: name, DidYouMean: closest(name, known)})
	}
	slices.SortFunc(out, func(a, b UnknownEnv) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// closest returns the candidate nearest to name by edit distance, or ""
// when even the nearest differs in more than a third of its letters (a
// suggestion that far off would mislead more than help).
func closest(name string, candidates []string) string {
	bare := strings.TrimPrefix(name, "BERTH_")
	best, bestDist := "", -1
	for _, c := range candidates {
		d := levenshtein.ComputeDistance(bare, strings.TrimPrefix(c, "BERTH_"))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(bare)/3) {
		return ""
	}
	return best
}

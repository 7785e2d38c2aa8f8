package webserver

import (
	"bufio"
	"net/url"
	"os"
	"strings"
	"testing"
)

func loadRedirectCorpus(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/open-redirects.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r", `\0`, "\x00", `\u3000`, "\u3000")
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		out = append(out, r.Replace(line))
	}
	return out
}

func TestSafeNextCorpus(t *testing.T) {
	corpus := loadRedirectCorpus(t)
	if len(corpus) < 50 {
		t.Fatalf("the corpus holds %d variants; it needs at least 50", len(corpus))
	}
	base, _ := url.Parse("https://berth.example/login")
	for _, next := range corpus {
		got := safeNext(next)
		target, err := base.Parse(got)
		if err != nil || target.Host != "berth.example" || target.Scheme != "https" {
			t.Errorf("safeNext(%q) = %q: leaves the site (%v)", next, got, err)
		}
		// Browsers strip tabs and newlines and read backslashes as
		// slashes; none may survive.
		if strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\n\r\x00") {
			t.Errorf("safeNext(%q) = %q", next, got)
		}
	}
	// A sign-in never lands on a function's answer.
	for _, fn := range []string{"/fn/0b9a2c1e-1111-4222-8333-944445555666/", "/fn/x", "/fn", "/FN/x", "/fn?x=1", "/fn/x?next=/"} {
		if got := safeNext(fn); got != "/" {
			t.Errorf("safeNext(%q) = %q; it points into /fn/", fn, got)
		}
	}
	for _, ok := range []string{"/", "/functions", "/functions/abc?tab=logs#x", "/a-b_c~d/e.f", "/fnord"} {
		if got := safeNext(ok); got != ok {
			t.Errorf("safeNext(%q) = %q; a same-site path was refused", ok, got)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range loadRedirectCorpus(f) {
		f.Add(s)
	}
	f.Add("/functions?x=1")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "/" {
			return
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\n\r\x00 ") {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
	})
}

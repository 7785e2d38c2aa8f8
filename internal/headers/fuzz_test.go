package headers

import (
	"strings"
	"testing"
)

// FuzzIsBerth holds IsBerth, which runs on every header of every request
// and answer without allocating, to the plain definition: lower-case the
// name, read "_" as "-", and look for the prefix.
func FuzzIsBerth(f *testing.F) {
	for _, s := range []string{"X-Berth-Token", "x_berth_token", "X-BERTH-", "X-Berth", "x-berth_", "X-Bérth-a", "\u212a-berth-", "Content-Type", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		want := strings.HasPrefix(strings.ReplaceAll(strings.ToLower(name), "_", "-"), "x-berth-")
		if got := IsBerth(name); got != want {
			t.Fatalf("IsBerth(%q) = %v, want %v", name, got, want)
		}
	})
}

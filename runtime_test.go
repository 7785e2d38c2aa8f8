package berth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLimitsOr(t *testing.T) {
	def := Limits{MemoryMB: 128, Timeout: time.Second, MaxOutputBytes: 10, MaxLogBytes: 20}
	got := Limits{MemoryMB: 64, Timeout: -1}.Or(def)
	want := Limits{MemoryMB: 64, Timeout: time.Second, MaxOutputBytes: 10, MaxLogBytes: 20}
	if got != want {
		t.Fatalf("Or = %+v, want %+v", got, want)
	}
}

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		length  int64
		want    string
		invalid bool
	}{
		{"no body", "", 0, "", false},
		{"unknown length within max", "hello", -1, "hello", false},
		{"unknown length over max", "hello world", -1, "", true},
		{"declared length over max", "hi", 9, "", true},
		{"bytes past the declared length dropped", "hello", 3, "hel", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &InvokeRequest{Body: strings.NewReader(tc.body), ContentLength: tc.length}
			got, err := r.ReadBody(8)
			var ie *InvalidError
			if tc.invalid != errors.As(err, &ie) {
				t.Fatalf("ReadBody error = %v, want invalid %v", err, tc.invalid)
			}
			if string(got) != tc.want {
				t.Fatalf("ReadBody = %q, want %q", got, tc.want)
			}
		})
	}
}

package berth

import (
	"errors"
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

func TestCheckBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		invalid bool
	}{
		{"no body", "", false},
		{"within max", "hello", false},
		{"at max", "12345678", false},
		{"over max", "hello world", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &InvokeRequest{Body: []byte(tc.body)}
			err := r.CheckBody(8)
			var ie *InvalidError
			if tc.invalid != errors.As(err, &ie) {
				t.Fatalf("CheckBody error = %v, want invalid %v", err, tc.invalid)
			}
		})
	}
}

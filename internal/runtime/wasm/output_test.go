package wasm

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-platform/berth/internal/runtime/cgi"
)

func TestStdoutStopsEndlessHeaders(t *testing.T) {
	var cause error
	w := &stdout{max: 10 << 20, cancel: func(err error) { cause = err }}
	line := []byte("X-Filler: " + strings.Repeat("a", 100) + "\n")
	for range 1000 {
		if _, err := w.Write(line); err != nil {
			break
		}
	}
	if !errors.Is(cause, errHeaderTooLarge) || len(w.buf) > cgi.MaxHeaderBytes+len(line)+2 {
		t.Fatalf("cause %v after %d bytes", cause, len(w.buf))
	}
}

func TestStdoutFindsSplitBlankLine(t *testing.T) {
	w := &stdout{max: 1 << 20, cancel: func(error) { t.Fatal("cancelled") }}
	for _, chunk := range []string{"A: b\r", "\n", "\r", "\nbody"} {
		_, _ = w.Write([]byte(chunk))
	}
	if !w.headerEnd {
		t.Fatal("blank line split across writes not seen")
	}
}

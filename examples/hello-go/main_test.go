package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRespond(t *testing.T) {
	env := map[string]string{"REQUEST_METHOD": "POST", "PATH_INFO": "/hi", "QUERY_STRING": "name=Ada&x=1"}
	var out bytes.Buffer
	if err := respond(&out, func(k string) string { return env[k] }, strings.NewReader("12345")); err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(out.String(), "\n\n")
	if !ok || head != "Content-Type: application/json" {
		t.Fatalf("output %q", out.String())
	}
	var g greeting
	if err := json.Unmarshal([]byte(body), &g); err != nil {
		t.Fatal(err)
	}
	want := greeting{Message: "Hello, Ada!", Method: "POST", Path: "/hi", Query: "name=Ada&x=1", BodyLength: 5}
	if g != want {
		t.Fatalf("got %+v, want %+v", g, want)
	}
}

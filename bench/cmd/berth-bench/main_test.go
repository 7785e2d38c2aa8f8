package main

import "testing"

func TestOptionsCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    options
		ok   bool
	}{
		{"OK", options{}, true},
		{"OKProfileAll", options{cpuProfile: "p"}, true},
		{"OKProfileSection", options{cpuProfile: "p", cpuProfileSection: "functions"}, true},
		{"OKProfileInvoke", options{cpuProfile: "p", cpuProfileSection: "invoke", only: []string{"functions"}}, true},
		{"ErrOnly", options{only: []string{"function"}}, false},
		{"ErrSectionWithoutFile", options{cpuProfileSection: "functions"}, false},
		{"ErrSection", options{cpuProfile: "p", cpuProfileSection: "nginx"}, false},
		{"ErrSectionNotRun", options{cpuProfile: "p", cpuProfileSection: "web", only: []string{"http"}}, false},
		{"ErrInvokeNotRun", options{cpuProfile: "p", cpuProfileSection: "invoke", only: []string{"http"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.o.check(); (err == nil) != tc.ok {
				t.Errorf("check() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

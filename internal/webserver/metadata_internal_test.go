package webserver

import (
	"net/netip"
	"testing"
)

func TestMetadataHostSpellings(t *testing.T) {
	for _, h := range []string{"169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:169.254.169.254", "0xa9fea9fe", "0xA9FEA9FE",
		"2852039166", "0251.0376.0251.0376", "0251.254.169.254", "169.254.43518", "169.16689662", "0xa9.0xfe.0xa9.0xfe",
		"169.254.170.2", "100.100.100.200", "fd00:ec2::254", "fd00:ec2::254%eth0", "64:ff9b::a9fe:a9fe", "metadata.google.internal",
		"metadata", "instance-data"} {
		if !isMetadataHost(h) {
			t.Errorf("%s is not recognised as a metadata endpoint", h)
		}
	}
	for _, h := range []string{"127.0.0.1", "berth.example.com", "169.255.0.1", "10.0.0.1", "::1", "2852039166x", "1.2.3.4.5",
		"0x", "", "256.1.1.1", "169.254", "4294967296"} {
		if isMetadataHost(h) {
			t.Errorf("%s is taken for a metadata endpoint", h)
		}
	}
}

func TestParseInetAton(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4": "1.2.3.4", "0x7f.1": "127.0.0.1", "017700000001": "127.0.0.1", "127.1": "127.0.0.1", "0": "0.0.0.0",
	} {
		got, ok := parseInetAton(in)
		if !ok || got != netip.MustParseAddr(want) {
			t.Errorf("parseInetAton(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
}

func FuzzIsMetadataHost(f *testing.F) {
	for _, s := range []string{"169.254.169.254", "0xa9fea9fe", "::ffff:a9fe:a9fe", "2852039166", "1.2.3", "0x.0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseAnyIP(s)
		if ok && a.Unmap().Is4() && a.Unmap().As4()[0] == 169 && a.Unmap().As4()[1] == 254 && !isMetadataHost(s) {
			t.Fatalf("%q parses to link-local %v but is not refused", s, a)
		}
	})
}

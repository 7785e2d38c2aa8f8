package password

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Fixed parts of hand-written PHC strings: a 16-byte salt and a 32-byte key.
var (
	salt16 = b64.EncodeToString([]byte("saltsaltsaltsalt"))
	key32  = b64.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))
)

// phcString assembles "$argon2id$v=19$<params>$<salt>$<key>".
func phcString(params, salt, key string) string {
	return "$argon2id$v=19$" + params + "$" + salt + "$" + key
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		encoded string
		want    Params
	}{
		{"OK", phcString("m=64,t=1,p=1", salt16, key32), Params{64, 1, 1, 16, 32}},
		{"OWASP", phcString("m=19456,t=2,p=1", salt16, key32), DefaultParams()},
		{"Limits", phcString("m=1048576,t=16,p=16", b64.EncodeToString(make([]byte, 64)), b64.EncodeToString(make([]byte, 64))),
			Params{1 << 20, 16, 16, 64, 64}},
		{"Minimums", phcString("m=8,t=1,p=1", b64.EncodeToString(make([]byte, 8)), b64.EncodeToString(make([]byte, 16))),
			Params{8, 1, 1, 8, 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.encoded)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got.params != tt.want {
				t.Errorf("params = %+v, want %+v", got.params, tt.want)
			}
			if enc := got.encode(); enc != tt.encoded {
				t.Errorf("encode(parse(s)) = %q, want s = %q", enc, tt.encoded)
			}
		})
	}
}

// TestParseMalformed feeds parse the kinds of damage a row can suffer, and
// values chosen to make a login allocate or compute without bound.
func TestParseMalformed(t *testing.T) {
	ok := "m=64,t=1,p=1"
	tests := []struct {
		name    string
		encoded string
	}{
		{"Empty", ""},
		{"TooLong", phcString(ok, salt16, key32+strings.Repeat("A", 200))},
		{"NoLeadingDollar", strings.TrimPrefix(phcString(ok, salt16, key32), "$")},
		{"Argon2i", strings.Replace(phcString(ok, salt16, key32), "argon2id", "argon2i", 1)},
		{"Argon2d", strings.Replace(phcString(ok, salt16, key32), "argon2id", "argon2d", 1)},
		{"Version16", strings.Replace(phcString(ok, salt16, key32), "v=19", "v=16", 1)},
		{"NoVersion", "$argon2id$" + ok + "$" + salt16 + "$" + key32},
		{"ExtraField", phcString(ok, salt16, key32) + "$" + key32},
		{"NoKey", "$argon2id$v=19$" + ok + "$" + salt16},
		{"ParamsOutOfOrder", phcString("t=1,m=64,p=1", salt16, key32)},
		{"ParamMissing", phcString("m=64,t=1", salt16, key32)},
		{"ParamExtra", phcString("m=64,t=1,p=1,k=1", salt16, key32)},
		{"ParamEmpty", phcString("m=,t=1,p=1", salt16, key32)},
		{"ParamSpace", phcString("m=64, t=1,p=1", salt16, key32)},
		{"ParamLeadingZero", phcString("m=064,t=1,p=1", salt16, key32)},
		{"ParamPlusSign", phcString("m=64,t=+1,p=1", salt16, key32)},
		{"ParamNegative", phcString("m=64,t=-1,p=1", salt16, key32)},
		{"ParamHex", phcString("m=0x40,t=1,p=1", salt16, key32)},
		{"MemoryAbove1GiB", phcString("m=1048577,t=1,p=1", salt16, key32)},
		{"MemoryAbove32Bits", phcString("m=4294967360,t=1,p=1", salt16, key32)},
		{"MemoryBelow8PerLane", phcString("m=15,t=1,p=2", salt16, key32)},
		{"TimeZero", phcString("m=64,t=0,p=1", salt16, key32)},
		{"TimeAbove16", phcString("m=64,t=17,p=1", salt16, key32)},
		{"ParallelismZero", phcString("m=64,t=1,p=0", salt16, key32)},
		{"ParallelismAbove16", phcString("m=256,t=1,p=17", salt16, key32)},
		// 257 would wrap to 1 in a uint8.
		{"ParallelismWraps", phcString("m=64,t=1,p=257", salt16, key32)},
		{"SaltEmpty", phcString(ok, "", key32)},
		{"SaltTooShort", phcString(ok, b64.EncodeToString(make([]byte, 7)), key32)},
		{"SaltTooLong", phcString(ok, b64.EncodeToString(make([]byte, 65)), key32)},
		{"SaltPadded", phcString(ok, salt16+"==", key32)},
		{"SaltNotBase64", phcString(ok, strings.Repeat("!", 22), key32)},
		// The base64 decoder skips line breaks.
		{"SaltLineBreak", phcString(ok, "\r"+salt16, key32)},
		{"KeyLineBreak", phcString(ok, salt16, key32[:20]+"\n"+key32[20:])},
		// The last character of a 16-byte salt carries four unused bits,
		// which must be zero.
		{"SaltNonCanonical", phcString(ok, salt16[:21]+"B", key32)},
		{"KeyTooShort", phcString(ok, salt16, b64.EncodeToString(make([]byte, 15)))},
		{"KeyTooLong", phcString(ok, salt16, b64.EncodeToString(make([]byte, 65)))},
		{"KeyURLAlphabet", phcString(ok, salt16, strings.ReplaceAll(key32, "+", "-"))},
		// No number of bytes encodes to 4n+1 characters.
		{"KeyImpossibleLength", phcString(ok, salt16, key32+"AA")},
		{"NUL", phcString(ok, salt16, key32) + "\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.encoded)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parse error = %v, want ErrMalformed", err)
			}
			if msg := err.Error(); strings.Contains(msg, salt16) || strings.Contains(msg, key32) {
				t.Errorf("error %q quotes the hash", msg)
			}
			// Verify and NeedsRehash must give the same verdict.
			h := NewHasher(cheapParams(), 1, 0)
			if ok, err := h.Verify(context.Background(), tt.encoded, "correct horse battery staple"); ok || !errors.Is(err, ErrMalformed) {
				t.Errorf("Verify = %v, %v; want false, ErrMalformed", ok, err)
			}
			if !h.NeedsRehash(tt.encoded) {
				t.Error("NeedsRehash = false, want true")
			}
		})
	}
}

// FuzzParse checks that parse never panics and accepts only what encode
// writes: one encoding per hash.
func FuzzParse(f *testing.F) {
	f.Add(phcString("m=64,t=1,p=1", salt16, key32))
	f.Add(phcString("m=19456,t=2,p=1", salt16, key32))
	f.Add(phcString("m=064,t=1,p=1", salt16, key32))
	f.Add(phcString("m=64,t=1,p=257", salt16, key32))
	f.Add(phcString("m=64,t=1,p=1", salt16[:21]+"B", key32))
	f.Add("$argon2id$v=19$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if err := h.params.Validate(); err != nil {
			t.Fatalf("parse accepted invalid params: %v", err)
		}
		if enc := h.encode(); enc != s {
			t.Fatalf("encode(parse(%q)) = %q", s, enc)
		}
	})
}

package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed reports a stored hash that is not an argon2id PHC string this
// package accepts. The error never quotes the hash.
var ErrMalformed = errors.New("malformed password hash")

// maxEncodedLen caps a stored hash before it is parsed; the longest string
// the limits allow is well under it.
const maxEncodedLen = 256

// b64 is the PHC string format's base64: standard alphabet, no padding, and
// strict, so that every hash has exactly one encoding.
var b64 = base64.RawStdEncoding.Strict()

// phc is a parsed argon2id hash.
type phc struct {
	params Params
	salt   []byte
	key    []byte
}

// encode returns the PHC string format of h:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>.
func (h phc) encode() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.params.Memory, h.params.Time, h.params.Parallelism,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// parse reads a PHC string written by encode. It accepts exactly what encode
// writes, within the limits of Params.Validate, and decodes nothing before
// the lengths are known to be within them.
func parse(encoded string) (phc, error) {
	if len(encoded) > maxEncodedLen {
		return phc{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxEncodedLen)
	}
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return phc{}, fmt.Errorf("%w: want 5 fields separated by $", ErrMalformed)
	}
	if fields[1] != "argon2id" {
		return phc{}, fmt.Errorf("%w: algorithm is not argon2id", ErrMalformed)
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: version is not %d", ErrMalformed, argon2.Version)
	}
	p, err := parseParams(fields[3])
	if err != nil {
		return phc{}, err
	}
	// The decoder skips \r and \n, so it alone would accept them.
	if !isBase64(fields[4]) || !isBase64(fields[5]) {
		return phc{}, fmt.Errorf("%w: salt or key is not unpadded base64", ErrMalformed)
	}
	p.SaltLen = uint32(b64.DecodedLen(len(fields[4])))
	p.KeyLen = uint32(b64.DecodedLen(len(fields[5])))
	if err := p.Validate(); err != nil {
		return phc{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	salt, err := b64.DecodeString(fields[4])
	if err != nil {
		return phc{}, fmt.Errorf("%w: salt is not unpadded base64", ErrMalformed)
	}
	key, err := b64.DecodeString(fields[5])
	if err != nil {
		return phc{}, fmt.Errorf("%w: key is not unpadded base64", ErrMalformed)
	}
	return phc{params: p, salt: salt, key: key}, nil
}

// parseParams reads "m=<KiB>,t=<passes>,p=<lanes>", in that order.
func parseParams(s string) (Params, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return Params{}, fmt.Errorf("%w: want parameters m, t and p", ErrMalformed)
	}
	var vals [3]uint32
	for i, name := range [3]string{"m", "t", "p"} {
		digits, ok := strings.CutPrefix(parts[i], name+"=")
		if !ok {
			return Params{}, fmt.Errorf("%w: want parameters m, t and p", ErrMalformed)
		}
		v, err := parseDecimal(digits)
		if err != nil {
			return Params{}, fmt.Errorf("%w: parameter %s: %w", ErrMalformed, name, err)
		}
		vals[i] = v
	}
	if vals[2] > maxParallelism {
		return Params{}, fmt.Errorf("%w: parallelism %d above %d", ErrMalformed, vals[2], maxParallelism)
	}
	return Params{Memory: vals[0], Time: vals[1], Parallelism: uint8(vals[2])}, nil
}

// parseDecimal reads a canonical decimal number: digits only, no sign, no
// leading zero, at most 10 digits, fitting in 32 bits.
func parseDecimal(s string) (uint32, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical decimal number")
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("not a canonical decimal number")
		}
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errors.New("out of range")
	}
	return uint32(v), nil
}

// isBase64 reports whether s holds only characters of the standard base64
// alphabet, without padding.
func isBase64(s string) bool {
	for _, c := range []byte(s) {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

package container

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Labels on every container and image the runtime makes.
const (
	labelManaged  = "berth.managed" // "true"
	labelScope    = "berth.scope"
	labelFunction = "berth.function"
	labelVersion  = "berth.version"
	labelInstance = "berth.instance" // containers only
	labelMode     = "berth.mode"     // containers only
)

// imageRepository prefixes every image the runtime builds.
const imageRepository = "berth-fn/"

// deployKey names a deployment in memory.
func deployKey(fn string, version int) string {
	return fn + "@" + strconv.Itoa(version)
}

// safeName turns a function id into a name usable in image names and file
// names: lower-case letters, digits and single dashes. A UUID stays as it
// is; anything else is cleaned and gets a hash suffix, so that two ids
// never share a name.
func safeName(id string) string {
	if isSafe(id) {
		return id
	}
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(id) {
		ok := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		switch {
		case ok:
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	sum := sha256.Sum256([]byte(id))
	name := strings.TrimSuffix(b.String(), "-")
	if name != "" {
		name += "-"
	}
	return name + hex.EncodeToString(sum[:4])
}

func isSafe(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// imageTag is the tag of a deployment's image: berth-fn/<function>:<version>.
func imageTag(fn string, version int) string {
	return imageRepository + safeName(fn) + ":" + strconv.Itoa(version)
}

// fileKey names a deployment's files in the state directory.
func fileKey(fn string, version int) string {
	return safeName(fn) + "@" + strconv.Itoa(version)
}

// newInstanceID returns 16 random hex characters.
func newInstanceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

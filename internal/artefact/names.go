package artefact

import (
	"path"
	"strings"
	"unicode/utf8"
)

const (
	maxNameBytes    = 1024 // a whole entry name
	maxElementBytes = 255  // one path element (NAME_MAX)
)

// cleanName checks an entry name as stored in an archive and returns it
// clean and relative to the archive root. "." means the root itself.
func cleanName(raw string) (string, error) {
	switch {
	case raw == "":
		return "", badf("an entry has an empty name: recreate the archive with a standard tool (tar or zip)")
	case len(raw) > maxNameBytes:
		return "", badf("an entry name is longer than %d bytes: shorten the paths in the archive", maxNameBytes)
	case !utf8.ValidString(raw):
		return "", badf("the entry name %q is not valid UTF-8: rename the file", raw)
	case strings.ContainsRune(raw, '\\'):
		return "", badf("the entry name %q contains a backslash: create the archive with forward slashes as separators", raw)
	case strings.HasPrefix(raw, "/"):
		return "", badf("the entry %q has an absolute path: create the archive from inside the project directory so that paths are relative", raw)
	case len(raw) >= 2 && raw[1] == ':' && isASCIILetter(raw[0]):
		return "", badf("the entry %q starts with a drive letter: use paths relative to the archive root", raw)
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f {
			return "", badf("the entry name %q contains a control character: rename the file", raw)
		}
	}
	for elem := range strings.SplitSeq(raw, "/") {
		if elem == ".." {
			return "", badf("the entry %q leaves the archive root through \"..\": remove \"..\" from the paths in the archive", raw)
		}
		if len(elem) > maxElementBytes {
			return "", badf("the entry %q has a path element longer than %d bytes: shorten it", raw, maxElementBytes)
		}
	}
	return path.Clean(raw), nil
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// parents returns the directories that contain name, outermost first.
func parents(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			out = append(out, name[:i])
		}
	}
	return out
}

package container

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/berth-platform/berth"
)

// A build runs the uploader's Containerfile on the engine's host, so the
// runtime reads it first and refuses what would escape the build's
// isolation:
//
//   - RUN (and ONBUILD) execute the uploader's code at build time, with the
//     engine's default isolation for builds (no pids limit, default
//     capabilities), and the compat API cannot stop a running step when the
//     build times out. Refused unless Config.AllowBuildRun.
//   - ADD from a URL or a git repository makes the engine fetch it from its
//     host's network, outside the build's network isolation: refused.
//   - Base images (FROM, COPY --from, RUN --mount from=) must be "scratch",
//     an earlier stage, or an image present on the engine (checked by the
//     caller) unless Config.AllowPull; images of berth functions
//     (berth-fn/…) are never accepted as a base: they are other functions'
//     code. References with variables are refused, since they cannot be
//     checked.
//
// The parser follows the Dockerfile syntax: parser directives (escape),
// comments, line continuations, the JSON and shell forms, and heredocs.

// containerfilePolicy says what a Containerfile may do.
type containerfilePolicy struct {
	allowRun bool
}

// instruction is one logical line of a Containerfile.
type instruction struct {
	line int    // where it starts
	cmd  string // upper case
	args string // the rest, continuations joined
}

var heredocRe = regexp.MustCompile(`<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)(["']?)`)

// parseContainerfile splits a Containerfile into instructions.
func parseContainerfile(data []byte) ([]instruction, error) {
	escape := byte('\\')
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []instruction
	var cur *instruction
	directives := true
	var heredocs []string // terminators still to skip to
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		if len(heredocs) > 0 {
			if strings.TrimLeft(line, "\t") == heredocs[0] {
				heredocs = heredocs[1:]
			}
			continue
		}
		if directives {
			if k, v, ok := parserDirective(trimmed); ok {
				if k == "escape" {
					if v != "\\" && v != "`" {
						return nil, fmt.Errorf("line %d: the escape directive must be \\ or `", n)
					}
					escape = v[0]
				}
				continue
			}
			directives = false
		}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue // comments and blank lines, also inside continuations
		}
		continued := strings.HasSuffix(trimmed, string(escape))
		if continued {
			trimmed = strings.TrimSuffix(trimmed, string(escape))
		}
		if cur == nil {
			cmd, args, _ := strings.Cut(trimmed, " ")
			if i := strings.IndexByte(cmd, '\t'); i >= 0 {
				cmd, args = cmd[:i], cmd[i+1:]+" "+args
			}
			cur = &instruction{line: n, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		} else {
			cur.args += " " + trimmed
		}
		if continued {
			continue
		}
		for _, m := range heredocRe.FindAllStringSubmatch(cur.args, -1) {
			heredocs = append(heredocs, m[3])
		}
		out = append(out, *cur)
		cur = nil
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("the Containerfile cannot be read: %w", err)
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out, nil
}

// parserDirective recognises "# key=value" before the first instruction.
func parserDirective(line string) (string, string, bool) {
	if !strings.HasPrefix(line, "#") {
		return "", "", false
	}
	k, v, ok := strings.Cut(strings.TrimSpace(line[1:]), "=")
	k = strings.ToLower(strings.TrimSpace(k))
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

// checkContainerfile applies the policy and returns the external images
// the build uses, for the caller to check.
func checkContainerfile(data []byte, p containerfilePolicy) ([]string, error) {
	ins, err := parseContainerfile(data)
	if err != nil {
		return nil, badContainerfile("%v", err)
	}
	stages := map[string]bool{}
	nstages := 0
	var images []string
	use := func(line int, ref string) error {
		low := strings.ToLower(ref)
		switch {
		case low == "scratch", stages[low]:
			return nil
		case strings.ContainsAny(ref, "$"):
			return badContainerfile("line %d: the image %q uses a variable: name the image literally, so that it can be checked", line, ref)
		case isFunctionImage(low):
			return badContainerfile("line %d: %q is another function's image and cannot be used in a build", line, ref)
		}
		if n, err := strconv.Atoi(ref); err == nil && n >= 0 && n < nstages {
			return nil
		}
		images = append(images, ref)
		return nil
	}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			ref, name, err := fromArgs(in.args)
			if err != nil {
				return nil, badContainerfile("line %d: %v", in.line, err)
			}
			if err := use(in.line, ref); err != nil {
				return nil, err
			}
			if name != "" {
				stages[strings.ToLower(name)] = true
			}
			nstages++
		case "COPY":
			if from := flagValue(in.args, "from"); from != "" {
				if err := use(in.line, from); err != nil {
					return nil, err
				}
			}
		case "ADD":
			for _, src := range addSources(in.args) {
				if isRemote(src) {
					return nil, badContainerfile("line %d: ADD %s would fetch from the network outside the build's isolation: put the file in the build context", in.line, src)
				}
			}
		case "RUN", "ONBUILD":
			if !p.allowRun {
				return nil, badContainerfile("line %d: %s runs commands at build time, which this server does not allow: build the program beforehand and COPY it into the image", in.line, in.cmd)
			}
			if in.cmd == "RUN" {
				for _, from := range mountFroms(in.args) {
					if err := use(in.line, from); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if nstages == 0 {
		return nil, badContainerfile("no FROM instruction: start with FROM scratch or a base image")
	}
	return images, nil
}

func badContainerfile(format string, args ...any) error {
	return fmt.Errorf("%w: Containerfile: "+format, append([]any{berth.ErrBadArtefact}, args...)...)
}

// isFunctionImage reports whether an image reference names one of berth's
// function images, with or without a registry prefix.
func isFunctionImage(ref string) bool {
	for _, p := range []string{"", "localhost/", "docker.io/", "docker.io/library/"} {
		if strings.HasPrefix(ref, p+imageRepository) {
			return true
		}
	}
	return false
}

// fromArgs parses "FROM [--platform=…] image [AS name]".
func fromArgs(args string) (ref, name string, err error) {
	f := strings.Fields(args)
	for len(f) > 0 && strings.HasPrefix(f[0], "--") {
		f = f[1:]
	}
	switch {
	case len(f) == 1:
		return f[0], "", nil
	case len(f) == 3 && strings.EqualFold(f[1], "AS"):
		return f[0], f[2], nil
	}
	return "", "", fmt.Errorf("FROM %s: want FROM image [AS name]", args)
}

// flagValue returns the value of --name=value among the leading flags.
func flagValue(args, name string) string {
	for _, f := range strings.Fields(args) {
		if !strings.HasPrefix(f, "--") {
			break
		}
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// addSources returns ADD's sources (every argument but the destination),
// in the JSON or the shell form.
func addSources(args string) []string {
	rest := args
	for {
		f := strings.Fields(rest)
		if len(f) == 0 || !strings.HasPrefix(f[0], "--") {
			break
		}
		rest = strings.TrimSpace(strings.TrimPrefix(rest, f[0]))
	}
	var list []string
	if strings.HasPrefix(rest, "[") && json.Unmarshal([]byte(rest), &list) == nil {
		// JSON form
	} else {
		list = strings.Fields(rest)
	}
	if len(list) < 2 {
		return list
	}
	return list[:len(list)-1]
}

func isRemote(src string) bool {
	low := strings.ToLower(src)
	return strings.Contains(low, "://") || strings.HasPrefix(low, "git@")
}

// mountFroms returns the from= images of RUN --mount flags.
func mountFroms(args string) []string {
	var out []string
	for _, f := range strings.Fields(args) {
		if !strings.HasPrefix(f, "--") {
			break
		}
		spec, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(spec, ",") {
			if v, ok := strings.CutPrefix(kv, "from="); ok {
				out = append(out, strings.Trim(v, `"'`))
			}
		}
	}
	return out
}

package container

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-platform/berth"
)

func TestCheckContainerfile(t *testing.T) {
	ok := []struct {
		name, file string
		allowRun   bool
		images     string
	}{
		{"Scratch", "FROM scratch\nCOPY fn /fn\nENTRYPOINT [\"/fn\"]\n", false, ""},
		{"Base", "# syntax=docker/dockerfile:1\nFROM --platform=linux/amd64 localhost/base:1 AS b\nCOPY . /src\n", false, "localhost/base:1"},
		{"Stages", "FROM scratch AS one\nCOPY a /a\nFROM scratch\nCOPY --from=one /a /a\nCOPY --from=0 /a /b\n", false, ""},
		{"CopyFromImage", "FROM scratch\nCOPY --from=tools:2 /bin/x /x\n", false, "tools:2"},
		{"Comments", "# a comment\nFROM scratch\n  # indented\nCOPY a \\\n  # inside\n  /a\n", false, ""},
		{"LowerCase", "from scratch\ncopy a /a\n", false, ""},
		{"RunAllowed", "FROM scratch\nRUN --mount=type=bind,from=cache:1,target=/c [\"/fn\"]\n", true, "cache:1"},
		{"Heredoc", "FROM scratch\nRUN <<EOF\nADD http://x/y /z\nEOF\nCOPY a /a\n", true, ""},
		{"EscapeDirective", "# escape=`\nFROM scratch\nCOPY a `\n  /a\n", false, ""},
		{"AddLocal", "FROM scratch\nADD archive.tar /\nADD [\"a b\", \"/c\"]\n", false, ""},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			images, err := checkContainerfile([]byte(c.file), containerfilePolicy{allowRun: c.allowRun})
			if err != nil || strings.Join(images, ",") != c.images {
				t.Fatalf("images %q, err %v; want %q", images, err, c.images)
			}
		})
	}
	refused := []struct{ name, file, message string }{
		{"Run", "FROM scratch\nRUN [\"/fn\"]\n", "line 2: RUN runs commands"},
		{"RunContinued", "FROM scratch\nCOPY a \\\n /a\nrun x\n", "line 4: RUN"},
		{"OnBuild", "FROM scratch\nONBUILD RUN x\n", "ONBUILD"},
		{"AddURL", "FROM scratch\nADD https://169.254.169.254/latest/meta-data /m\n", "fetch from the network"},
		{"AddURLJSON", "FROM scratch\nADD [\"http://10.0.0.1/x\", \"/x\"]\n", "fetch from the network"},
		{"AddGit", "FROM scratch\nADD --keep-git-dir git@example.com:a/b.git /src\n", "fetch from the network"},
		{"FunctionImage", "FROM berth-fn/0b6f4b9e:1\n", "another function's image"},
		{"FunctionImageQualified", "FROM scratch\nCOPY --from=localhost/berth-fn/x:2 /fn /fn\n", "another function's image"},
		{"Variable", "ARG BASE=alpine\nFROM ${BASE}\n", "uses a variable"},
		{"NoFrom", "COPY a /a\n", "no FROM"},
		{"BadFrom", "FROM a b c d\n", "want FROM image"},
		{"BadEscape", "# escape=x\nFROM scratch\n", "escape directive"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkContainerfile([]byte(c.file), containerfilePolicy{})
			if !errors.Is(err, berth.ErrBadArtefact) || !strings.Contains(err.Error(), c.message) {
				t.Fatalf("error %v, want ErrBadArtefact mentioning %q", err, c.message)
			}
		})
	}
}

func FuzzCheckContainerfile(f *testing.F) {
	for _, s := range []string{
		"FROM scratch\nCOPY a /a\n", "# escape=`\nFROM x AS y\nRUN a `\n b\n", "FROM scratch\nRUN <<A <<B\nx\nA\ny\nB\n",
		"FROM scratch\nADD [\"http://x\",\"/y\"]\n", "FROM scratch\nCOPY --from=\"q\" a b\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, allowRun bool) {
		images, err := checkContainerfile(data, containerfilePolicy{allowRun: allowRun})
		if err != nil {
			if !errors.Is(err, berth.ErrBadArtefact) {
				t.Fatalf("%v does not wrap ErrBadArtefact", err)
			}
			return
		}
		for _, ref := range images {
			low := strings.ToLower(ref)
			if low == "scratch" || strings.Contains(ref, "$") || isFunctionImage(low) {
				t.Fatalf("image %q passed", ref)
			}
		}
	})
}

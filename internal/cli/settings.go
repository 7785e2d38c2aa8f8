package cli

import (
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

const setKeys = "memory, timeout, concurrency, visibility, description, env.NAME"

func (a *app) fnSetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "set NAME KEY=VALUE...",
		Short: "Change a function's settings and environment",
		Long: `Change settings with KEY=VALUE pairs, all in one request:

  memory=128          memory limit in MB (a bare number; 128MB, 1GB also work)
  timeout=5s          time limit per call: a duration (500ms, 5s, 2m); a bare number is milliseconds
  concurrency=10      calls running at once before callers wait, then get 429
  visibility=public   public: anyone may call it; private: you, admins and its API keys
  description=TEXT    a line of text
  env.NAME=VALUE      set an environment variable (merged into the current ones)
  env.NAME=           remove an environment variable

Secrets are set with 'berth fn secret set', which reads the value from
standard input. A berth.toml deployed with the function sets its
[function] values again at each deploy.`,
		Example: `  berth fn set hello memory=64 timeout=3s
  berth fn set hello visibility=public description='Says hello'
  berth fn set hello env.GREETING=Bonjour env.OLD=`,
		Args: args(2, -1, "a function NAME or id and at least one KEY=VALUE"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			patch, envChanges, err := parseSettings(argv[1:])
			if err != nil {
				return err
			}
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if len(envChanges) > 0 {
				env := maps.Clone(f.Settings.Env)
				if env == nil {
					env = map[string]string{}
				}
				for k, v := range envChanges {
					if v == nil {
						delete(env, k)
					} else {
						env[k] = *v
					}
				}
				patch.Env = &env
			}
			if f, err = s.c.UpdateFunction(cmd.Context(), f.ID, patch); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Updated %s: memory %d MB, timeout %s, concurrency %d, %s, env %s.\n", f.Name, f.Settings.MemoryMB,
				time.Duration(f.Settings.TimeoutMS)*time.Millisecond, f.Settings.MaxConcurrency, f.Settings.Visibility, joinEnv(f.Settings.Env))
			return nil
		}),
	}
}

// parseSettings turns KEY=VALUE pairs into a patch, with environment
// changes apart (nil removes a variable) to merge into the current ones.
func parseSettings(pairs []string) (client.SettingsPatch, map[string]*string, error) {
	var p client.SettingsPatch
	env := map[string]*string{}
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return p, nil, usagef("%q is not KEY=VALUE; the keys are %s", pair, setKeys)
		}
		switch {
		case k == "memory" || k == "memory_mb":
			mb, err := parseMemory(v)
			if err != nil {
				return p, nil, err
			}
			p.MemoryMB = &mb
		case k == "timeout" || k == "timeout_ms":
			ms, err := parseTimeout(v)
			if err != nil {
				return p, nil, err
			}
			p.TimeoutMS = &ms
		case k == "concurrency" || k == "max_concurrency":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return p, nil, usagef("concurrency=%q: give a whole number of calls, at least 1", v)
			}
			p.MaxConcurrency = &n
		case k == "visibility":
			if v != "public" && v != "private" {
				return p, nil, usagef("visibility=%q: use public or private", v)
			}
			p.Visibility = &v
		case k == "description":
			p.Description = &v
		case strings.HasPrefix(k, "env."):
			name := strings.TrimPrefix(k, "env.")
			if name == "" {
				return p, nil, usagef("%q: name the variable, as in env.GREETING=hello", pair)
			}
			if v == "" {
				env[name] = nil
			} else {
				env[name] = &v
			}
		default:
			return p, nil, usagef("unknown setting %q; the keys are %s", k, setKeys)
		}
	}
	return p, env, nil
}

func parseMemory(v string) (int, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := 1
	for _, suf := range []struct {
		s string
		m int
	}{{"GIB", 1024}, {"GB", 1024}, {"GI", 1024}, {"G", 1024}, {"MIB", 1}, {"MB", 1}, {"MI", 1}, {"M", 1}} {
		if strings.HasSuffix(s, suf.s) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, suf.s)), suf.m
			break
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, usagef("memory=%q: give megabytes, such as 128 or 1GB", v)
	}
	return n * mult, nil
}

func parseTimeout(v string) (int, error) {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Millisecond {
		return 0, usagef("timeout=%q: give a duration such as 500ms, 5s or 2m (a bare number is milliseconds)", v)
	}
	return int(d / time.Millisecond), nil
}

func (a *app) fnSecretCommand() *cobra.Command {
	set := &cobra.Command{
		Use:   "set NAME KEY",
		Short: "Set a secret; the value is read from standard input",
		Long: `Set a secret environment variable of a function. The value is read from
standard input (all of it, without one trailing newline); on a terminal berth
asks for it without echoing. It is never taken from the command line, stored
encrypted, and reads back masked.`,
		Example: `  berth fn secret set hello API_TOKEN < token.txt
  printf %s "$TOKEN" | berth fn secret set hello API_TOKEN
  berth fn secret set hello API_TOKEN        # asks on a terminal`,
		Args: args(2, 2, "a function NAME or id and the secret's KEY"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			value, err := a.secretValue(argv[1])
			if err != nil {
				return err
			}
			return a.patchSecret(cmd, argv[0], argv[1], &value, "set")
		}),
	}
	rm := &cobra.Command{
		Use:     "rm NAME KEY",
		Aliases: []string{"delete", "unset"},
		Short:   "Remove a secret",
		Example: "  berth fn secret rm hello API_TOKEN",
		Args:    args(2, 2, "a function NAME or id and the secret's KEY"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			return a.patchSecret(cmd, argv[0], argv[1], nil, "removed")
		}),
	}
	return group(&cobra.Command{
		Use:     "secret",
		Aliases: []string{"secrets"},
		Short:   "Set or remove a function's secrets",
		Example: "  printf %s \"$TOKEN\" | berth fn secret set hello API_TOKEN\n  berth fn secret rm hello API_TOKEN",
	}, set, rm)
}

// maxSecretBytes caps a secret read from standard input.
const maxSecretBytes = 64 << 10

func (a *app) secretValue(key string) (string, error) {
	if isTerminal(a.env.Stdin) {
		return a.env.promptSecret("value of "+key, "")
	}
	b, err := io.ReadAll(io.LimitReader(a.env.stdin(), maxSecretBytes+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxSecretBytes {
		return "", usagef("the value on standard input is larger than 64 KiB")
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", usagef("standard input held no value for %s: pipe it in, e.g. printf %%s \"$VALUE\" | berth fn secret set NAME %s", key, key)
	}
	return v, nil
}

func (a *app) patchSecret(cmd *cobra.Command, fn, key string, value *string, done string) error {
	s, err := a.session()
	if err != nil {
		return err
	}
	f, err := s.resolveFunction(cmd.Context(), fn)
	if err != nil {
		return err
	}
	if value == nil {
		if _, ok := f.Settings.Secrets[key]; !ok {
			return fmt.Errorf("%s has no secret %s", f.Name, key)
		}
	}
	if _, err := s.c.UpdateFunction(cmd.Context(), f.ID, client.SettingsPatch{Secrets: map[string]*string{key: value}}); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stdout, "Secret %s of %s %s.\n", key, f.Name, done)
	return nil
}

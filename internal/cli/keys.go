package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

func (a *app) keysCommand() *cobra.Command {
	cmd := group(&cobra.Command{
		Use:     "keys",
		Aliases: []string{"key", "api-keys"},
		Short:   "Manage a function's API keys (for callers that are not you)",
		Long: `An API key lets a caller invoke one function, signing each request with the
key's id (BF…) and its secret. The secret is shown once, by 'keys create'.

A KEY is the key's id (a UUID) or its key_id (BF…). A key_id is found by
listing the keys of your functions one after the other; --function NAME
makes that a single lookup.`,
		Example: `  berth keys create hello --name billing --expires 90d
  berth keys list hello
  berth keys revoke BFXXXXXXXXXXXXXXXX --function hello`,
	}, a.keysCreateCommand(), a.keysListCommand(), a.keysGetCommand(), a.keysRollCommand(), a.keysUpdateCommand(),
		a.keysRevokeCommand(), a.keysEnableCommand(), a.keysDeleteCommand())
	return a.contextFlags(cmd)
}

// keyCommand builds a command that acts on one API key, named by its id
// or its key_id (with --function to narrow the search).
func (a *app) keyCommand(use, short, example string, run func(cmd *cobra.Command, s *session, k *client.APIKey) error) *cobra.Command {
	var function string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    args(1, 1, "a KEY: the key's id or its key_id (BF…)"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if !isUUID(argv[0]) && !strings.HasPrefix(argv[0], "BF") {
				return usagef("%q is not an API key: give its id (a UUID) or its key_id (BF…)", argv[0])
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			k, err := s.resolveKey(cmd.Context(), argv[0], function)
			if err != nil {
				return err
			}
			return run(cmd, s, k)
		}),
	}
	cmd.Flags().StringVar(&function, "function", "", "the key's function (name or id): finds a key_id with one lookup instead of searching every function")
	return cmd
}

func (a *app) keysGetCommand() *cobra.Command {
	var out output
	cmd := a.keyCommand("get KEY", "Show one API key (never its secret)", "  berth keys get BFXXXXXXXXXXXXXXXX\n  berth keys get 1f0e… -o json",
		func(_ *cobra.Command, _ *session, k *client.APIKey) error {
			return out.print(a.env.Stdout, k, func(w io.Writer) error { return a.printKey(w, k) })
		})
	out.register(cmd)
	return cmd
}

func (a *app) keysRollCommand() *cobra.Command {
	var lifetime string
	cmd := a.keyCommand("roll KEY [--expires 90d]", "Extend a key's expiry from now (default 90 days)", "  berth keys roll BFXXXXXXXXXXXXXXXX --expires 30d",
		func(cmd *cobra.Command, s *session, k *client.APIKey) error {
			k, err := s.c.RollAPIKey(cmd.Context(), k.ID, lifetime)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Key %s now expires %s.\n", k.KeyID, expiry(k.ExpiresAt))
			return nil
		})
	cmd.Flags().StringVar(&lifetime, "expires", "", "new lifetime from now: a number with s, m, h or d (default 90d)")
	return cmd
}

func (a *app) keysUpdateCommand() *cobra.Command {
	var name, expiresAt string
	cmd := a.keyCommand("update KEY [--name NAME] [--expires-at TIME|never]", "Rename a key or set when it expires",
		"  berth keys update BFXXXXXXXXXXXXXXXX --name billing\n  berth keys update BFXXXXXXXXXXXXXXXX --expires-at 2027-01-31T00:00:00Z\n  berth keys update BFXXXXXXXXXXXXXXXX --expires-at never",
		func(cmd *cobra.Command, s *session, k *client.APIKey) error {
			var newName, exp *string
			if cmd.Flags().Changed("name") {
				newName = &name
			}
			if cmd.Flags().Changed("expires-at") {
				exp = &expiresAt
			}
			if newName == nil && exp == nil {
				return usagef("nothing to update: give --name and/or --expires-at")
			}
			k, err := s.c.UpdateAPIKey(cmd.Context(), k.ID, newName, exp)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Key %s: name %q, expires %s, %s.\n", k.KeyID, k.Name, expiry(k.ExpiresAt), k.Status)
			return nil
		})
	cmd.Flags().StringVar(&name, "name", "", "the key's new name")
	cmd.Flags().StringVar(&expiresAt, "expires-at", "", "an RFC 3339 time, or never")
	return cmd
}

func (a *app) keysRevokeCommand() *cobra.Command {
	return a.keyCommand("revoke KEY", "Stop a key at once; it stays listed and can be enabled again", "  berth keys revoke BFXXXXXXXXXXXXXXXX",
		func(cmd *cobra.Command, s *session, k *client.APIKey) error {
			k, err := s.c.RevokeAPIKey(cmd.Context(), k.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Key %s revoked.\n", k.KeyID)
			return nil
		})
}

func (a *app) keysEnableCommand() *cobra.Command {
	return a.keyCommand("enable KEY", "Enable a revoked key again", "  berth keys enable BFXXXXXXXXXXXXXXXX",
		func(cmd *cobra.Command, s *session, k *client.APIKey) error {
			k, err := s.c.EnableAPIKey(cmd.Context(), k.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Key %s is %s.\n", k.KeyID, k.Status)
			return nil
		})
}

func (a *app) keysDeleteCommand() *cobra.Command {
	var yes bool
	cmd := a.keyCommand("delete KEY [--yes]", "Delete a key for good", "  berth keys delete BFXXXXXXXXXXXXXXXX --yes",
		func(cmd *cobra.Command, s *session, k *client.APIKey) error {
			if err := a.env.confirm(fmt.Sprintf("Delete key %s (%s) for good?", k.KeyID, k.Name), yes); err != nil {
				return err
			}
			if err := s.c.DeleteAPIKey(cmd.Context(), k.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Key %s deleted.\n", k.KeyID)
			return nil
		})
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation (required without a terminal)")
	return cmd
}

func (a *app) keysCreateCommand() *cobra.Command {
	var out output
	var name, expires string
	cmd := &cobra.Command{
		Use:   "create FUNCTION [--name NAME] [--expires 30d]",
		Short: "Create an API key for a function and print its secret, once",
		Long: `Create an API key for a function. The secret is printed this once and can
never be read again: store it where the caller keeps secrets. Without
--expires the key never expires.`,
		Example: `  berth keys create hello --name billing
  berth keys create hello --name ci --expires 30d -o json > key.json`,
		Args: args(1, 1, "a FUNCTION name or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if name == "" {
				name = "created with berth CLI on " + hostname()
			}
			k, err := s.c.CreateAPIKey(cmd.Context(), f.ID, name, expires)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, k, func(w io.Writer) error {
				fmt.Fprintf(w, "Created API key %q for %s. The secret is shown only now: store it.\n\n", k.Name, f.Name)
				return fields(w, "Key ID", k.KeyID, "Secret", k.Secret, "ID", k.ID, "Expires", expiry(k.ExpiresAt),
					"Call with", fmt.Sprintf("BERTH_SECRET_KEY=… berth fn invoke %s --key %s -d 'hello'", f.ID, k.KeyID))
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "a name that says who uses the key")
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime: a number with s, m, h or d, such as 30d (default: never)")
	out.register(cmd)
	return cmd
}

func (a *app) keysListCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:     "list FUNCTION",
		Aliases: []string{"ls"},
		Short:   "List a function's API keys (never their secrets)",
		Example: "  berth keys list hello\n  berth keys list hello -o json",
		Args:    args(1, 1, "a FUNCTION name or id"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, f, err := a.function(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			ks, err := s.functionKeys(cmd.Context(), f.ID)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, ks, func(w io.Writer) error {
				if len(ks) == 0 {
					_, err := fmt.Fprintf(w, "%s has no API keys: 'berth keys create %s' makes one.\n", f.Name, f.Name)
					return err
				}
				now := time.Now()
				colour := a.env.colour(w)
				t := newTable(w, colour, "KEY ID", "NAME", t0(colour, "STATUS"), "EXPIRES", "LAST USED", "ID")
				for _, k := range ks {
					t.row(k.KeyID, k.Name, t.status(k.Status), expiry(k.ExpiresAt), ago(timePtr(k.LastUsedAt), now), k.ID)
				}
				return t.flush()
			})
		}),
	}
	out.register(cmd)
	return cmd
}

func (s *session) functionKeys(ctx context.Context, id string) ([]client.APIKey, error) {
	return allPages(func(page int) (*client.List[client.APIKey], error) {
		return s.c.APIKeys(ctx, id, client.ListOptions{Page: page, PerPage: 100})
	})
}

// resolveKey finds an API key by id, or by key_id (BF…): among the keys
// of function when given, else of each of the caller's functions in turn.
func (s *session) resolveKey(ctx context.Context, ref, function string) (*client.APIKey, error) {
	if isUUID(ref) {
		k, err := s.c.APIKey(ctx, ref)
		if client.StatusOf(err) == 404 {
			return nil, notFoundError{"no API key with id " + ref + " (or it is not yours)"}
		}
		return k, err
	}
	var fns []client.Function
	if function != "" {
		f, err := s.resolveFunction(ctx, function)
		if err != nil {
			return nil, err
		}
		fns = []client.Function{*f}
	} else {
		all, err := allPages(func(page int) (*client.List[client.Function], error) {
			return s.c.Functions(ctx, client.ListOptions{Page: page, PerPage: 100})
		})
		if err != nil {
			return nil, err
		}
		owner, err := s.userID(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range all {
			if f.OwnerID == owner {
				fns = append(fns, f)
			}
		}
	}
	for _, f := range fns {
		ks, err := s.functionKeys(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		for i := range ks {
			if ks[i].KeyID == ref {
				return &ks[i], nil
			}
		}
	}
	where := "any of your functions"
	if function != "" {
		where = function
	}
	return nil, notFoundError{fmt.Sprintf("no API key %s in %s", ref, where)}
}

func (a *app) printKey(w io.Writer, k *client.APIKey) error {
	kv := []string{"Key ID", k.KeyID, "Name", k.Name, "Status", paint(a.env.colour(w), statusColour(k.Status), k.Status),
		"ID", k.ID, "Function", k.FunctionID, "Created", k.CreatedAt.Local().Format(time.RFC3339), "Expires", expiry(k.ExpiresAt)}
	if k.RevokedAt != nil {
		kv = append(kv, "Revoked", k.RevokedAt.Local().Format(time.RFC3339))
	}
	if k.LastUsedAt != nil {
		kv = append(kv, "Last used", k.LastUsedAt.Local().Format(time.RFC3339))
	}
	return fields(w, kv...)
}

func expiry(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format(time.RFC3339)
}

func (a *app) keypairCommand() *cobra.Command {
	return a.contextFlags(group(&cobra.Command{
		Use:     "keypair",
		Aliases: []string{"keypairs"},
		Short:   "Manage your own keypairs (for scripts and SDKs)",
		Example: "  berth keypair create --name ci\n  berth keypair list\n  berth keypair revoke BKXXXXXXXXXXXXXXXX",
	}, a.keypairCreateCommand(), a.keypairListCommand(), a.keypairRevokeCommand()))
}

func (a *app) keypairCreateCommand() *cobra.Command {
	var out output
	var name string
	create := &cobra.Command{
		Use:   "create [--name NAME]",
		Short: "Create a keypair for a script or SDK and print its secret, once",
		Long: `Create a long-lived keypair of your account (an access key BK… and a secret
key) for another program to sign requests with. The secret is printed this
once. 'berth login' makes its own; this one is for elsewhere.`,
		Example: "  berth keypair create --name 'deploy bot'\n  berth keypair create --name ci -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			kp, err := s.c.CreateKeypair(cmd.Context(), name)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, kp, func(w io.Writer) error {
				fmt.Fprintln(w, "Created a keypair. The secret key is shown only now: store it.")
				fmt.Fprintln(w)
				return fields(w, "Access key", kp.AccessKey, "Secret key", kp.SecretKey, "Name", kp.Name)
			})
		}),
	}
	create.Flags().StringVar(&name, "name", "", "what the keypair is for")
	out.register(create)
	return create
}

func (a *app) keypairListCommand() *cobra.Command {
	var listOut output
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your keypairs (never their secrets)",
		Example: "  berth keypair list\n  berth keypair list -o yaml",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			kps, err := s.c.Keypairs(cmd.Context())
			if err != nil {
				return err
			}
			if kps == nil {
				kps = []client.Keypair{}
			}
			return listOut.print(a.env.Stdout, kps, func(w io.Writer) error {
				now := time.Now()
				t := newTable(w, false, "ACCESS KEY", "NAME", "CREATED", "LAST USED", "")
				for _, k := range kps {
					this := ""
					if k.AccessKey == s.ctx.AccessKey {
						this = "(this context)"
					}
					t.row(k.AccessKey, k.Name, ago(k.CreatedAt, now), ago(timePtr(k.LastUsedAt), now), this)
				}
				return t.flush()
			})
		}),
	}
	listOut.register(list)
	return list
}

func (a *app) keypairRevokeCommand() *cobra.Command {
	var force bool
	revoke := &cobra.Command{
		Use:     "revoke ACCESS_KEY",
		Aliases: []string{"delete", "rm"},
		Short:   "Delete a keypair; it stops working at once",
		Example: "  berth keypair revoke BKXXXXXXXXXXXXXXXX",
		Args:    args(1, 1, "the keypair's ACCESS_KEY (BK…)"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			if argv[0] == s.ctx.AccessKey && !force {
				return usagef("%s is the keypair of context %q: 'berth logout' deletes it and forgets the context (--force revokes it anyway)", argv[0], s.name)
			}
			if err := s.c.DeleteKeypair(cmd.Context(), argv[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, "Keypair %s revoked.\n", argv[0])
			return nil
		}),
	}
	revoke.Flags().BoolVar(&force, "force", false, "revoke even the keypair this context signs with")
	return revoke
}

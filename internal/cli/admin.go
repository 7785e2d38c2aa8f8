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

func (a *app) adminCommand() *cobra.Command {
	users := group(&cobra.Command{
		Use:     "users",
		Aliases: []string{"user"},
		Short:   "Create, list, block and enable accounts; their tiers, organisations and feature roles",
		Long: `A USER is the account's id (a UUID) or its email. Listing is open to every
administrator, viewers included; blocking and enabling are for full
administrators.`,
		Example: `  berth admin users list --status blocked
  berth admin users block ada@example.test --reason "abuse report 42"
  berth admin users enable ada@example.test`,
	}, a.adminUsersListCommand(), a.adminUsersGetCommand(), a.adminUsersCreateCommand(), a.adminUsersSetCommand(), a.adminUsersBlockCommand(),
		a.adminUsersEnableCommand(), a.adminUsersDeleteCommand(), a.adminUsersRestoreCommand(), a.adminUsersTemporaryPasswordCommand(),
		a.adminUsersRolesCommand(), a.adminUsersSessionsCommand(), a.adminUsersEndSessionCommand(), a.adminUsersImportCommand())
	cmd := group(&cobra.Command{
		Use:     "admin",
		Short:   "Administer the platform (administrators only)",
		Example: "  berth admin users list -q ada\n  berth admin users block ada@example.test --reason spam\n  berth admin tiers list",
	}, users, a.adminTiersCommand(), a.adminOrgsCommand(), a.adminGroupsCommand(), a.adminEarlyAccessCommand(), a.adminSettingsCommand())
	return a.contextFlags(cmd)
}

func (a *app) adminUsersListCommand() *cobra.Command {
	var out output
	var q client.UserQuery
	cmd := &cobra.Command{
		Use:     "list [-q TEXT] [--status S] [--role R] [--admin-role A] [--sort F] [--page N] [--per-page N]",
		Aliases: []string{"ls"},
		Short:   "List accounts: search, filter, sort, page",
		Example: "  berth admin users list\n  berth admin users list -q example.test --status active --sort -created_at\n  berth admin users list --role admin -o json",
		Args:    args(0, 0, "no arguments (filter with flags)"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			l, err := s.c.AdminUsers(cmd.Context(), q)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, l, func(w io.Writer) error {
				if len(l.Items) == 0 {
					_, err := fmt.Fprintln(w, "No account matches.")
					return err
				}
				colour := a.env.colour(w)
				t := newTable(w, colour, "EMAIL", "NAME", t0(colour, "STATUS"), "ROLE", "CREATED", "ID")
				now := time.Now()
				for _, u := range l.Items {
					t.row(u.Email, u.Name, t.status(u.Status), roleLabel(&u), ago(u.CreatedAt, now), u.ID)
				}
				if err := t.flush(); err != nil {
					return err
				}
				if l.Total > len(l.Items) {
					_, err := fmt.Fprintf(w, "Page %d: %d of %d accounts; --page %d for more.\n", l.Page, len(l.Items), l.Total, l.Page+1)
					return err
				}
				return nil
			})
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&q.Query, "query", "q", "", "only accounts whose email or name contains this")
	f.StringVar(&q.Status, "status", "", "active, blocked or deleted")
	f.StringVar(&q.Role, "role", "", "user or admin")
	f.StringVar(&q.AdminRole, "admin-role", "", "full_admin or viewer")
	f.StringVar(&q.Sort, "sort", "", "email (default), name or created_at; a leading - for descending")
	f.StringVar(&q.OrganizationID, "org-id", "", "only members of this organisation (its id)")
	f.StringVar(&q.TierID, "tier-id", "", "only accounts on this tier of their own (its id)")
	f.StringVar(&q.FeatureRole, "feature-role", "", "only accounts granted this feature role (containers, public-functions)")
	f.StringVar(&q.GroupID, "group-id", "", "only members of this group (its id)")
	f.IntVar(&q.Page, "page", 1, "the page, from 1")
	f.IntVar(&q.PerPage, "per-page", 50, "accounts per page (1–100)")
	out.register(cmd)
	return cmd
}

// resolveUser finds an account by its id or its email.
func (s *session) resolveUser(ctx context.Context, ref string) (*client.User, error) {
	if isUUID(ref) {
		return s.c.AdminUser(ctx, ref)
	}
	if !strings.Contains(ref, "@") {
		return nil, usagef("%q is not a USER: give the account's id (a UUID) or its email", ref)
	}
	l, err := s.c.AdminUsers(ctx, client.UserQuery{Query: ref, PerPage: 100})
	if err != nil {
		return nil, err
	}
	for i := range l.Items {
		if strings.EqualFold(l.Items[i].Email, ref) {
			return &l.Items[i], nil
		}
	}
	return nil, fmt.Errorf("no account %s: 'berth admin users list -q' searches", ref)
}

// adminUserCommand builds a command acting on one account, named first;
// more is how many arguments follow it (named in names).
func (a *app) adminUserCommand(use, short, example string, run func(cmd *cobra.Command, s *session, u *client.User) error) *cobra.Command {
	return a.adminUserArgsCommand(use, short, example, 0, "", func(cmd *cobra.Command, s *session, u *client.User, _ []string) error {
		return run(cmd, s, u)
	})
}

func (a *app) adminUserArgsCommand(use, short, example string, more int, names string,
	run func(cmd *cobra.Command, s *session, u *client.User, rest []string) error) *cobra.Command {
	if names == "" {
		names = "a USER: the account's id or email"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args:    args(1+more, 1+more, names),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			u, err := s.resolveUser(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			return run(cmd, s, u, argv[1:])
		}),
	}
}

// roleLabel is a user's role with its admin role, e.g. "admin (viewer)".
func roleLabel(u *client.User) string {
	if u.AdminRole == "" {
		return u.Role
	}
	return u.Role + " (" + u.AdminRole + ")"
}

func (a *app) printUser(w io.Writer, u *client.User) error {
	return fields(w, "Email", u.Email, "Name", u.Name, "Status", u.Status, "Role", roleLabel(u),
		"Created", u.CreatedAt.Format(time.RFC3339), "ID", u.ID)
}

func (a *app) adminUsersGetCommand() *cobra.Command {
	var out output
	cmd := a.adminUserCommand("get USER", "Show one account, with its tier, feature roles and groups",
		"  berth admin users get ada@example.test\n  berth admin users get 1f0e… -o json",
		func(cmd *cobra.Command, s *session, u *client.User) error {
			d, err := s.c.AdminUserDetail(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, d, func(w io.Writer) error {
				if err := a.printUser(w, &d.User); err != nil {
					return err
				}
				return fields(w, "Tier", d.Tier.Name, "Feature roles", orDash(strings.Join(d.FeatureRoles, ", ")),
					"Own grants", orDash(strings.Join(d.OwnRoles, ", ")), "Groups", orDash(strings.Join(d.Groups, ", ")),
					"Organisation", orDash(d.OrganizationID)+" "+d.OrganizationRole)
			})
		})
	out.register(cmd)
	return cmd
}

func (a *app) adminUsersSetCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:   "set USER name=TEXT | role=user|admin | admin-role=full_admin|viewer|none | tier=TIER|default | org=ORG|none ...",
		Short: "Rename an account, or change its role, tier or organisation",
		Long: `Promote with role=admin admin-role=full_admin (or viewer); demote with
role=user. Nobody changes their own role, and the last active full
administrator stays one.`,
		Example: `  berth admin users set ada@example.test role=admin admin-role=viewer
  berth admin users set ada@example.test name='Ada Lovelace'`,
		Args: args(2, -1, "a USER and at least one KEY=VALUE"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			var p client.UserPatch
			for _, kv := range argv[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("%q is not KEY=VALUE: use name=…, role=… or admin-role=…", kv)
				}
				switch k {
				case "name":
					p.Name = &v
				case "role":
					if v != "user" && v != "admin" {
						return usagef("role=%s: use user or admin", v)
					}
					p.Role = &v
				case "admin-role", "admin_role":
					if v != "full_admin" && v != "viewer" && v != "none" {
						return usagef("admin-role=%s: use full_admin, viewer or none", v)
					}
					p.AdminRole = &v
				case "tier", "org":
					// Resolved below, with a session.
				default:
					return usagef("unknown setting %q: use name, role, admin-role, tier or org", k)
				}
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			for _, kv := range argv[1:] {
				k, v, _ := strings.Cut(kv, "=")
				id := ""
				switch {
				case k == "tier" && v != "" && v != "default":
					t, err := s.resolveTier(cmd.Context(), v)
					if err != nil {
						return err
					}
					id = t.ID
				case k == "org" && v != "" && v != "none":
					o, err := s.resolveOrg(cmd.Context(), v)
					if err != nil {
						return err
					}
					id = o.ID
				}
				switch k {
				case "tier":
					p.TierID = &id
				case "org":
					p.OrganizationID = &id
				}
			}
			u, err := s.resolveUser(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if u, err = s.c.AdminUpdateUser(cmd.Context(), u.ID, p); err != nil {
				return err
			}
			return out.print(a.env.Stdout, u, func(w io.Writer) error { return a.printUser(w, u) })
		}),
	}
	out.register(cmd)
	return cmd
}

func (a *app) adminUsersBlockCommand() *cobra.Command {
	var reason string
	cmd := a.adminUserCommand("block USER --reason TEXT", "Block an account: sign-in refused, every session ended at once",
		`  berth admin users block ada@example.test --reason "abuse report 42"`,
		func(cmd *cobra.Command, s *session, u *client.User) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: say why (it is kept in the audit log)")
			}
			b, err := s.c.AdminBlockUser(cmd.Context(), u.ID, reason)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Blocked %s: its sessions, logins and keypairs have ended; 'berth admin users enable %s' undoes it.\n", b.Email, b.Email)
			return err
		})
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; kept in the audit log)")
	return cmd
}

func (a *app) adminUsersEnableCommand() *cobra.Command {
	return a.adminUserCommand("enable USER", "Let a blocked account sign in again", "  berth admin users enable ada@example.test",
		func(cmd *cobra.Command, s *session, u *client.User) error {
			e, err := s.c.AdminEnableUser(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Enabled %s: it can sign in again.\n", e.Email)
			return err
		})
}

func (a *app) adminUsersDeleteCommand() *cobra.Command {
	return a.adminUserCommand("delete USER", "Delete an account softly: sign-in refused, sessions ended, functions scheduled for deletion",
		"  berth admin users delete ada@example.test",
		func(cmd *cobra.Command, s *session, u *client.User) error {
			d, err := s.c.AdminDeleteUser(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Deleted %s: its functions are scheduled for deletion; 'berth admin users restore %s' undoes it.\n", d.Email, d.ID)
			return err
		})
}

func (a *app) adminUsersRestoreCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "restore USER-ID",
		Short:   "Restore a deleted account",
		Example: "  berth admin users restore 1f0e8c2a-…",
		Args:    args(1, 1, "the deleted account's id (a UUID)"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if !isUUID(argv[0]) {
				return usagef("%q is not an account id: a deleted account is named by its id ('berth admin users list --status deleted')", argv[0])
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			r, err := s.c.AdminRestoreUser(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Restored %s: it can sign in again; its functions are restored one by one with 'berth curl -X POST /api/functions/ID/cancel-deletion'.\n", r.Email)
			return err
		}),
	}
}

func (a *app) adminUsersSessionsCommand() *cobra.Command {
	var out output
	cmd := a.adminUserCommand("sessions USER", "What an account is signed in with: web sessions, keypairs, logins",
		"  berth admin users sessions ada@example.test\n  berth admin users sessions ada@example.test -o json",
		func(cmd *cobra.Command, s *session, u *client.User) error {
			ss, err := s.c.AdminUserSessions(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, ss, func(w io.Writer) error {
				now := time.Now()
				t := newTable(w, false, "KIND", "ID", "NAME", "CREATED", "LAST USED")
				for _, k := range ss.WebSessions {
					t.row("web session", k.AccessKey, k.Name, ago(k.CreatedAt, now), ago(timePtr(k.LastUsedAt), now))
				}
				for _, k := range ss.Keypairs {
					t.row("keypair", k.AccessKey, k.Name, ago(k.CreatedAt, now), ago(timePtr(k.LastUsedAt), now))
				}
				for _, l := range ss.Logins {
					t.row("login", l.ID, l.ClientAddr, ago(l.CreatedAt, now), "-")
				}
				return t.flush()
			})
		})
	out.register(cmd)
	return cmd
}

func (a *app) adminUsersEndSessionCommand() *cobra.Command {
	return a.adminUserArgsCommand("end-session USER SESSION", "End one web session, keypair or login of an account, at once",
		"  berth admin users end-session ada@example.test BKXXXXXXXXXXXXXXXX",
		1, "a USER and a SESSION (an access key or a login id from 'sessions')",
		func(cmd *cobra.Command, s *session, u *client.User, rest []string) error {
			if err := s.c.AdminEndUserSession(cmd.Context(), u.ID, rest[0]); err != nil {
				return err
			}
			_, err := fmt.Fprintf(a.env.Stdout, "Ended %s of %s.\n", rest[0], u.Email)
			return err
		})
}

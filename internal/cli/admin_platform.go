package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
)

// The administration beyond accounts: tiers, organisations, groups, early
// access and the platform settings, and the account commands that use
// them (create, temporary-password, roles). A TIER, ORG or GROUP is named
// by its id or its name.

// resolveTier finds a tier by id or name (any case).
func (s *session) resolveTier(ctx context.Context, ref string) (*client.Tier, error) {
	if isUUID(ref) {
		return s.c.AdminTier(ctx, ref)
	}
	ts, err := s.c.AdminTiers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		if strings.EqualFold(ts[i].Name, ref) {
			return &ts[i], nil
		}
	}
	return nil, fmt.Errorf("no tier %q: 'berth admin tiers list' shows them", ref)
}

// resolveOrg finds an organisation by id or name (any case).
func (s *session) resolveOrg(ctx context.Context, ref string) (*client.Organization, error) {
	if isUUID(ref) {
		return s.c.AdminOrganization(ctx, ref)
	}
	for page := 1; ; page++ {
		l, err := s.c.AdminOrganizations(ctx, page, 100)
		if err != nil {
			return nil, err
		}
		for i := range l.Items {
			if strings.EqualFold(l.Items[i].Name, ref) {
				return &l.Items[i], nil
			}
		}
		if page*100 >= l.Total {
			return nil, fmt.Errorf("no organisation %q: 'berth admin orgs list' shows them", ref)
		}
	}
}

// resolveGroup finds a group by id or name (any case).
func (s *session) resolveGroup(ctx context.Context, ref string) (*client.Group, error) {
	if isUUID(ref) {
		return s.c.AdminGroup(ctx, ref, 1, 1)
	}
	gs, err := s.c.AdminGroups(ctx)
	if err != nil {
		return nil, err
	}
	for i := range gs {
		if strings.EqualFold(gs[i].Name, ref) {
			return &gs[i], nil
		}
	}
	return nil, fmt.Errorf("no group %q: 'berth admin groups list' shows them", ref)
}

// printTemporaryPassword says how a temporary password was handed over.
func (a *app) printTemporaryPassword(w io.Writer, t *client.TemporaryPassword) error {
	switch {
	case t.Mailed:
		_, err := fmt.Fprintf(w, "Mailed a temporary password to %s; at first sign-in they choose their own.\n", t.User.Email)
		return err
	case t.MailError != "":
		fmt.Fprintf(a.env.Stderr, "Mailing it failed (%s); hand it over yourself:\n", t.MailError)
	}
	_, err := fmt.Fprintf(w, "Temporary password for %s (shown once; they choose their own at first sign-in):\n%s\n", t.User.Email, t.Password)
	return err
}

func (a *app) adminUsersCreateCommand() *cobra.Command {
	var out output
	var nu client.NewUser
	var tier, org string
	cmd := &cobra.Command{
		Use:   "create EMAIL --name NAME [--role user|admin] [--admin-role full_admin|viewer] [--tier TIER] [--org ORG]",
		Short: "Create an account with a temporary password (mailed when mail is configured, else shown once)",
		Example: `  berth admin users create ada@example.test --name "Ada Lovelace"
  berth admin users create ops@example.test --name Ops --role admin --admin-role viewer --tier pro`,
		Args: args(1, 1, "the new account's EMAIL"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if strings.TrimSpace(nu.Name) == "" {
				return usagef("--name is required: the account's display name")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			nu.Email = argv[0]
			if tier != "" {
				t, err := s.resolveTier(cmd.Context(), tier)
				if err != nil {
					return err
				}
				nu.TierID = t.ID
			}
			if org != "" {
				o, err := s.resolveOrg(cmd.Context(), org)
				if err != nil {
					return err
				}
				nu.OrganizationID = o.ID
			}
			t, err := s.c.AdminCreateUser(cmd.Context(), nu)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, t, func(w io.Writer) error { return a.printTemporaryPassword(w, t) })
		}),
	}
	f := cmd.Flags()
	f.StringVar(&nu.Name, "name", "", "the display name (required)")
	f.StringVar(&nu.Role, "role", "", "user (default) or admin")
	f.StringVar(&nu.AdminRole, "admin-role", "", "with --role admin: full_admin or viewer")
	f.StringVar(&tier, "tier", "", "a tier of its own (id or name)")
	f.StringVar(&org, "org", "", "make it a member of this organisation (id or name)")
	out.register(cmd)
	return cmd
}

func (a *app) adminUsersTemporaryPasswordCommand() *cobra.Command {
	var out output
	cmd := a.adminUserCommand("temporary-password USER", "Give an account a new temporary password, ending every session it holds",
		"  berth admin users temporary-password ada@example.test",
		func(cmd *cobra.Command, s *session, u *client.User) error {
			t, err := s.c.AdminTemporaryPassword(cmd.Context(), u.ID)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, t, func(w io.Writer) error { return a.printTemporaryPassword(w, t) })
		})
	out.register(cmd)
	return cmd
}

func (a *app) adminUsersRolesCommand() *cobra.Command {
	return a.adminUserArgsCommand("roles USER grant|revoke ROLE", "Grant or take back a feature role of the account's own (containers, public-functions)",
		"  berth admin users roles ada@example.test grant containers\n  berth admin users roles ada@example.test revoke public-functions",
		2, "a USER, grant or revoke, and a ROLE",
		func(cmd *cobra.Command, s *session, u *client.User, rest []string) error {
			var err error
			switch rest[0] {
			case "grant":
				err = s.c.AdminGrantFeatureRole(cmd.Context(), u.ID, rest[1])
			case "revoke":
				err = s.c.AdminRevokeFeatureRole(cmd.Context(), u.ID, rest[1])
			default:
				return usagef("%q: say grant or revoke", rest[0])
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "%s %s: %sed.\n", u.Email, rest[1], strings.TrimSuffix(rest[0], "e"))
			return err
		})
}

// limitText shows a limit, 0 as "-" (none).
func limitText(n int64) string {
	if n == 0 {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

func (a *app) printTier(w io.Writer, t *client.Tier) error {
	l := t.Limits
	kv := []string{"Name", t.Name, "Description", t.Description, "Feature roles", strings.Join(t.FeatureRoles, ", "),
		"Functions", limitText(int64(l.MaxFunctions)), "Calls per day", limitText(l.MaxInvocationsPerDay),
		"Memory (MB)", limitText(int64(l.MaxMemoryMB)), "Timeout (ms)", limitText(int64(l.MaxTimeoutMS)),
		"Calls at once", limitText(int64(l.MaxConcurrentCalls)), "Artefact (bytes)", limitText(l.MaxArtefactBytes),
		"API requests/s", limitText(int64(l.APIRequestsPerSecond)), "Default", strconv.FormatBool(t.Default), "ID", t.ID}
	if t.Users != nil && t.Organizations != nil {
		kv = append(kv, "Accounts on it", strconv.Itoa(*t.Users), "Organisations on it", strconv.Itoa(*t.Organizations))
	}
	return fields(w, kv...)
}

// tierInput reads KEY=VALUE settings of a tier.
func tierInput(kvs []string, base *client.TierLimits) (client.TierInput, error) {
	var in client.TierInput
	limits := client.TierLimits{}
	if base != nil {
		limits = *base
	}
	setLimits := false
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return in, usagef("%q is not KEY=VALUE", kv)
		}
		num := func() (int64, error) {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return 0, usagef("%s=%s: give a whole number, 0 for no limit", k, v)
			}
			setLimits = true
			return n, nil
		}
		var err error
		var n int64
		switch k {
		case "name":
			in.Name = &v
		case "description":
			in.Description = &v
		case "roles", "feature-roles", "feature_roles":
			roles := []string{}
			for r := range strings.SplitSeq(v, ",") {
				if r = strings.TrimSpace(r); r != "" {
					roles = append(roles, r)
				}
			}
			in.FeatureRoles = &roles
		case "max-functions", "max_functions":
			n, err = num()
			limits.MaxFunctions = int(n)
		case "max-invocations-per-day", "max_invocations_per_day":
			limits.MaxInvocationsPerDay, err = num()
		case "max-memory-mb", "max_memory_mb":
			n, err = num()
			limits.MaxMemoryMB = int(n)
		case "max-timeout-ms", "max_timeout_ms":
			n, err = num()
			limits.MaxTimeoutMS = int(n)
		case "max-concurrent-calls", "max_concurrent_calls":
			n, err = num()
			limits.MaxConcurrentCalls = int(n)
		case "max-artefact-bytes", "max_artefact_bytes":
			limits.MaxArtefactBytes, err = num()
		case "api-requests-per-second", "api_requests_per_second":
			n, err = num()
			limits.APIRequestsPerSecond = int(n)
		default:
			return in, usagef("unknown tier setting %q: use name, description, roles or a limit (max_functions, max_invocations_per_day, "+
				"max_memory_mb, max_timeout_ms, max_concurrent_calls, max_artefact_bytes, api_requests_per_second)", k)
		}
		if err != nil {
			return in, err
		}
	}
	if setLimits {
		in.Limits = &limits
	}
	return in, nil
}

func (a *app) adminTiersCommand() *cobra.Command {
	var listOut, showOut, createOut, updateOut output
	list := &cobra.Command{
		Use: "list", Aliases: []string{"ls"}, Short: "Every tier with its limits", Args: args(0, 0, "no arguments"),
		Example: "  berth admin tiers list\n  berth admin tiers list -o json",
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			ts, err := s.c.AdminTiers(cmd.Context())
			if err != nil {
				return err
			}
			return listOut.print(a.env.Stdout, ts, func(w io.Writer) error {
				t := newTable(w, a.env.colour(w), "NAME", "FUNCTIONS", "CALLS/DAY", "MEMORY MB", "AT ONCE", "ROLES", "DEFAULT", "ID")
				for _, x := range ts {
					def := ""
					if x.Default {
						def = "yes"
					}
					t.row(x.Name, limitText(int64(x.Limits.MaxFunctions)), limitText(x.Limits.MaxInvocationsPerDay),
						limitText(int64(x.Limits.MaxMemoryMB)), limitText(int64(x.Limits.MaxConcurrentCalls)), strings.Join(x.FeatureRoles, ","), def, x.ID)
				}
				return t.flush()
			})
		}),
	}
	listOut.register(list)
	show := &cobra.Command{
		Use: "show TIER", Short: "One tier, with how many accounts and organisations are on it", Args: args(1, 1, "a TIER (id or name)"),
		Example: "  berth admin tiers show pro",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			t, err := s.resolveTier(cmd.Context(), argv[0])
			if err == nil {
				t, err = s.c.AdminTier(cmd.Context(), t.ID)
			}
			if err != nil {
				return err
			}
			return showOut.print(a.env.Stdout, t, func(w io.Writer) error { return a.printTier(w, t) })
		}),
	}
	showOut.register(show)
	create := &cobra.Command{
		Use:     "create NAME [KEY=VALUE...]",
		Short:   "Create a tier: limits (0 for none) and feature roles",
		Example: "  berth admin tiers create pro max_functions=50 max_invocations_per_day=100000 roles=containers,public-functions",
		Args:    args(1, -1, "a NAME and optional KEY=VALUE settings"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			in, err := tierInput(argv[1:], nil)
			if err != nil {
				return err
			}
			in.Name = &argv[0]
			s, err := a.session()
			if err != nil {
				return err
			}
			t, err := s.c.AdminCreateTier(cmd.Context(), in)
			if err != nil {
				return err
			}
			return createOut.print(a.env.Stdout, t, func(w io.Writer) error { return a.printTier(w, t) })
		}),
	}
	createOut.register(create)
	update := &cobra.Command{
		Use:     "update TIER KEY=VALUE...",
		Short:   "Change a tier; limits not named keep their value",
		Example: "  berth admin tiers update pro max_functions=100\n  berth admin tiers update default roles=public-functions",
		Args:    args(2, -1, "a TIER and KEY=VALUE settings"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			cur, err := s.resolveTier(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			in, err := tierInput(argv[1:], &cur.Limits)
			if err != nil {
				return err
			}
			t, err := s.c.AdminUpdateTier(cmd.Context(), cur.ID, in)
			if err != nil {
				return err
			}
			return updateOut.print(a.env.Stdout, t, func(w io.Writer) error { return a.printTier(w, t) })
		}),
	}
	updateOut.register(update)
	del := &cobra.Command{
		Use: "delete TIER", Short: "Delete a tier nobody is on", Args: args(1, 1, "a TIER (id or name)"),
		Example: "  berth admin tiers delete trial",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			t, err := s.resolveTier(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if err := s.c.AdminDeleteTier(cmd.Context(), t.ID); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Deleted tier %s.\n", t.Name)
			return err
		}),
	}
	return group(&cobra.Command{Use: "tiers", Aliases: []string{"tier"}, Short: "Tiers: limits and feature roles accounts and organisations are on",
		Example: "  berth admin tiers list\n  berth admin tiers create pro max_functions=50"}, list, show, create, update, del)
}

// labelInput reads name=, description= and (for organisations) tier=.
func (s *session) labelInput(ctx context.Context, kvs []string, withTier bool) (client.LabelInput, error) {
	var in client.LabelInput
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return in, usagef("%q is not KEY=VALUE: use name=…, description=…", kv)
		}
		switch {
		case k == "name":
			in.Name = &v
		case k == "description":
			in.Description = &v
		case k == "tier" && withTier:
			id := ""
			if v != "" && v != "default" {
				t, err := s.resolveTier(ctx, v)
				if err != nil {
					return in, err
				}
				id = t.ID
			}
			in.TierID = &id
		default:
			return in, usagef("unknown setting %q", k)
		}
	}
	return in, nil
}

func (a *app) adminOrgsCommand() *cobra.Command {
	var listOut, showOut, membersOut output
	var page int
	list := &cobra.Command{
		Use: "list [--page N]", Aliases: []string{"ls"}, Short: "Organisations with their member counts", Args: args(0, 0, "no arguments"),
		Example: "  berth admin orgs list\n  berth admin orgs list --page 2 -o json",
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			l, err := s.c.AdminOrganizations(cmd.Context(), page, 50)
			if err != nil {
				return err
			}
			return listOut.print(a.env.Stdout, l, func(w io.Writer) error {
				t := newTable(w, a.env.colour(w), "NAME", "MEMBERS", "TIER", "ID")
				for _, o := range l.Items {
					t.row(o.Name, strconv.Itoa(o.Members), orDash(o.TierID), o.ID)
				}
				return t.flush()
			})
		}),
	}
	list.Flags().IntVar(&page, "page", 1, "the page, from 1")
	listOut.register(list)
	show := &cobra.Command{
		Use: "show ORG", Short: "One organisation", Args: args(1, 1, "an ORG (id or name)"),
		Example: "  berth admin orgs show Acme",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			return showOut.print(a.env.Stdout, o, func(w io.Writer) error {
				return fields(w, "Name", o.Name, "Description", o.Description, "Members", strconv.Itoa(o.Members), "Tier", orDash(o.TierID), "ID", o.ID)
			})
		}),
	}
	showOut.register(show)
	members := &cobra.Command{
		Use: "members ORG", Short: "The members of an organisation", Args: args(1, 1, "an ORG (id or name)"),
		Example: "  berth admin orgs members Acme",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			l, err := s.c.AdminUsers(cmd.Context(), client.UserQuery{OrganizationID: o.ID, PerPage: 100})
			if err != nil {
				return err
			}
			return membersOut.print(a.env.Stdout, l, func(w io.Writer) error {
				t := newTable(w, a.env.colour(w), "EMAIL", "NAME", "ROLE IN ORG", "ID")
				for _, u := range l.Items {
					t.row(u.Email, u.Name, u.OrganizationRole, u.ID)
				}
				return t.flush()
			})
		}),
	}
	membersOut.register(members)
	create := &cobra.Command{
		Use: "create NAME [description=TEXT] [tier=TIER]", Short: "Create an organisation",
		Example: "  berth admin orgs create Acme tier=pro",
		Args:    args(1, -1, "a NAME and optional KEY=VALUE settings"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			in, err := s.labelInput(cmd.Context(), argv[1:], true)
			if err != nil {
				return err
			}
			in.Name = &argv[0]
			o, err := s.c.AdminCreateOrganization(cmd.Context(), in)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Created organisation %s (%s).\n", o.Name, o.ID)
			return err
		}),
	}
	update := &cobra.Command{
		Use: "update ORG KEY=VALUE...", Short: "Rename an organisation, or change its description or tier",
		Example: "  berth admin orgs update Acme tier=default",
		Args:    args(2, -1, "an ORG and KEY=VALUE settings"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			in, err := s.labelInput(cmd.Context(), argv[1:], true)
			if err != nil {
				return err
			}
			if o, err = s.c.AdminUpdateOrganization(cmd.Context(), o.ID, in); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Updated organisation %s.\n", o.Name)
			return err
		}),
	}
	del := &cobra.Command{
		Use: "delete ORG", Short: "Delete an organisation without members", Args: args(1, 1, "an ORG (id or name)"),
		Example: "  berth admin orgs delete Acme",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if err := s.c.AdminDeleteOrganization(cmd.Context(), o.ID); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Deleted organisation %s.\n", o.Name)
			return err
		}),
	}
	var role string
	add := &cobra.Command{
		Use: "add-member ORG USER [--role owner|member]", Short: "Make an account a member (or change its role)",
		Example: "  berth admin orgs add-member Acme ada@example.test --role owner",
		Args:    args(2, 2, "an ORG and a USER"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			u, err := s.resolveUser(cmd.Context(), argv[1])
			if err != nil {
				return err
			}
			if err := s.c.AdminSetOrganizationMember(cmd.Context(), o.ID, u.ID, role); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "%s is %s of %s.\n", u.Email, article(role), o.Name)
			return err
		}),
	}
	add.Flags().StringVar(&role, "role", "member", "owner or member")
	remove := &cobra.Command{
		Use: "remove-member ORG USER", Short: "End a membership", Args: args(2, 2, "an ORG and a USER"),
		Example: "  berth admin orgs remove-member Acme ada@example.test",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			o, err := s.resolveOrg(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			u, err := s.resolveUser(cmd.Context(), argv[1])
			if err != nil {
				return err
			}
			if err := s.c.AdminRemoveOrganizationMember(cmd.Context(), o.ID, u.ID); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "%s is no longer in %s.\n", u.Email, o.Name)
			return err
		}),
	}
	return group(&cobra.Command{Use: "orgs", Aliases: []string{"org", "organizations"}, Short: "Organisations: accounts under one tier, sharing functions",
		Example: "  berth admin orgs create Acme\n  berth admin orgs add-member Acme ada@example.test --role owner"},
		list, show, members, create, update, del, add, remove)
}

func article(role string) string {
	if role == "owner" {
		return "an owner"
	}
	return "a member"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) adminGroupsCommand() *cobra.Command {
	var listOut, showOut output
	list := &cobra.Command{
		Use: "list", Aliases: []string{"ls"}, Short: "Every group with its member count", Args: args(0, 0, "no arguments"),
		Example: "  berth admin groups list",
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			gs, err := s.c.AdminGroups(cmd.Context())
			if err != nil {
				return err
			}
			return listOut.print(a.env.Stdout, gs, func(w io.Writer) error {
				t := newTable(w, a.env.colour(w), "NAME", "MEMBERS", "DESCRIPTION", "ID")
				for _, g := range gs {
					t.row(g.Name, strconv.Itoa(g.Members), g.Description, g.ID)
				}
				return t.flush()
			})
		}),
	}
	listOut.register(list)
	show := &cobra.Command{
		Use: "show GROUP", Short: "One group with its members", Args: args(1, 1, "a GROUP (id or name)"),
		Example: "  berth admin groups show billing",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			g, err := s.resolveGroup(cmd.Context(), argv[0])
			if err == nil {
				g, err = s.c.AdminGroup(cmd.Context(), g.ID, 1, 100)
			}
			if err != nil {
				return err
			}
			return showOut.print(a.env.Stdout, g, func(w io.Writer) error {
				if err := fields(w, "Name", g.Name, "Description", g.Description, "Members", strconv.Itoa(g.Members), "ID", g.ID); err != nil {
					return err
				}
				if g.Users == nil || len(g.Users.Items) == 0 {
					return nil
				}
				t := newTable(w, a.env.colour(w), "EMAIL", "NAME", "ID")
				for _, u := range g.Users.Items {
					t.row(u.Email, u.Name, u.ID)
				}
				return t.flush()
			})
		}),
	}
	showOut.register(show)
	create := &cobra.Command{
		Use: "create NAME [description=TEXT]", Short: "Create a group", Example: "  berth admin groups create billing description='Billing team'",
		Args: args(1, -1, "a NAME and optional description=TEXT"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			in, err := s.labelInput(cmd.Context(), argv[1:], false)
			if err != nil {
				return err
			}
			in.Name = &argv[0]
			g, err := s.c.AdminCreateGroup(cmd.Context(), in)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Created group %s (%s).\n", g.Name, g.ID)
			return err
		}),
	}
	update := &cobra.Command{
		Use: "update GROUP KEY=VALUE...", Short: "Rename a group or change its description", Args: args(2, -1, "a GROUP and KEY=VALUE settings"),
		Example: "  berth admin groups update billing name=finance",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			g, err := s.resolveGroup(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			in, err := s.labelInput(cmd.Context(), argv[1:], false)
			if err != nil {
				return err
			}
			if g, err = s.c.AdminUpdateGroup(cmd.Context(), g.ID, in); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Updated group %s.\n", g.Name)
			return err
		}),
	}
	del := &cobra.Command{
		Use: "delete GROUP", Short: "Delete a group and its memberships", Args: args(1, 1, "a GROUP (id or name)"),
		Example: "  berth admin groups delete billing",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			g, err := s.resolveGroup(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			if err := s.c.AdminDeleteGroup(cmd.Context(), g.ID); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Deleted group %s.\n", g.Name)
			return err
		}),
	}
	member := func(use, short string, add bool) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: args(2, 2, "a GROUP and a USER"),
			Example: "  berth admin groups " + strings.Fields(use)[0] + " billing ada@example.test",
			RunE: authed(func(cmd *cobra.Command, argv []string) error {
				s, err := a.session()
				if err != nil {
					return err
				}
				g, err := s.resolveGroup(cmd.Context(), argv[0])
				if err != nil {
					return err
				}
				u, err := s.resolveUser(cmd.Context(), argv[1])
				if err != nil {
					return err
				}
				if add {
					err = s.c.AdminAddGroupMember(cmd.Context(), g.ID, u.ID)
				} else {
					err = s.c.AdminRemoveGroupMember(cmd.Context(), g.ID, u.ID)
				}
				if err != nil {
					return err
				}
				verb := "added to"
				if !add {
					verb = "removed from"
				}
				_, err = fmt.Fprintf(a.env.Stdout, "%s %s %s.\n", u.Email, verb, g.Name)
				return err
			}),
		}
	}
	return group(&cobra.Command{Use: "groups", Aliases: []string{"group"}, Short: "Groups that services behind berth authorise by",
		Example: "  berth admin groups create billing\n  berth admin groups add-member billing ada@example.test"},
		list, show, create, update, del,
		member("add-member GROUP USER", "Add an account to a group", true),
		member("remove-member GROUP USER", "Remove an account from a group", false))
}

func (a *app) adminEarlyAccessCommand() *cobra.Command {
	var listOut, approveOut output
	var status string
	var page int
	list := &cobra.Command{
		Use: "list [--status pending|approved|rejected]", Aliases: []string{"ls"}, Short: "Early-access requests, oldest first",
		Example: "  berth admin early-access list\n  berth admin early-access list --status rejected -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			l, err := s.c.AdminEarlyAccess(cmd.Context(), status, page, 50)
			if err != nil {
				return err
			}
			return listOut.print(a.env.Stdout, l, func(w io.Writer) error {
				if len(l.Items) == 0 {
					_, err := fmt.Fprintln(w, "No request.")
					return err
				}
				now := time.Now()
				t := newTable(w, a.env.colour(w), "EMAIL", "NAME", "STATUS", "ASKED", "REASON", "ID")
				for _, r := range l.Items {
					t.row(r.Email, r.Name, r.Status, ago(r.CreatedAt, now), r.Reason, r.ID)
				}
				return t.flush()
			})
		}),
	}
	list.Flags().StringVar(&status, "status", "pending", "pending, approved, rejected, or empty for all")
	list.Flags().IntVar(&page, "page", 1, "the page, from 1")
	listOut.register(list)
	approve := &cobra.Command{
		Use: "approve REQUEST-ID", Short: "Approve a request: the account is created with a temporary password", Args: args(1, 1, "a request's id"),
		Example: "  berth admin early-access approve 5c1e0f3a-…",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			r, err := s.c.AdminApproveEarlyAccess(cmd.Context(), argv[0])
			if err != nil {
				return err
			}
			return approveOut.print(a.env.Stdout, r, func(w io.Writer) error { return a.printTemporaryPassword(w, &r.TemporaryPassword) })
		}),
	}
	approveOut.register(approve)
	var reason string
	reject := &cobra.Command{
		Use: "reject REQUEST-ID --reason TEXT", Short: "Reject a request", Args: args(1, 1, "a request's id"),
		Example: "  berth admin early-access reject 5c1e0f3a-… --reason 'not a company address'",
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			if strings.TrimSpace(reason) == "" {
				return usagef("--reason is required: it is kept for the administrators")
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			r, err := s.c.AdminRejectEarlyAccess(cmd.Context(), argv[0], reason)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.env.Stdout, "Rejected the request of %s.\n", r.Email)
			return err
		}),
	}
	reject.Flags().StringVar(&reason, "reason", "", "why (required)")
	return group(&cobra.Command{Use: "early-access", Short: "The early-access queue (registration mode early_access)",
		Example: "  berth admin early-access list\n  berth admin early-access approve 5c1e…"}, list, approve, reject)
}

func (a *app) printSettings(w io.Writer, st *client.PlatformSettings) error {
	pw := "not set"
	if st.Mail.SMTPPassword != "" {
		pw = "set"
	}
	return fields(w, "Registration", st.RegistrationMode, "Early-access capacity", limitText(int64(st.EarlyAccessCapacity)),
		"Default tier", orDash(st.DefaultTierID), "Mail from", orDash(st.Mail.From), "SMTP server",
		orDash(st.Mail.SMTPHost)+":"+strconv.Itoa(st.Mail.SMTPPort)+" ("+st.Mail.SMTPSecurity+")",
		"SMTP user", orDash(st.Mail.SMTPUsername), "SMTP password", pw, "Mail configured", strconv.FormatBool(st.Mail.Configured))
}

func (a *app) adminSettingsCommand() *cobra.Command {
	var showOut, setOut output
	show := &cobra.Command{
		Use: "show", Short: "The platform settings (the SMTP password only as set or not)", Args: args(0, 0, "no arguments"),
		Example: "  berth admin settings show\n  berth admin settings show -o json",
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			st, err := s.c.AdminSettings(cmd.Context())
			if err != nil {
				return err
			}
			return showOut.print(a.env.Stdout, st, func(w io.Writer) error { return a.printSettings(w, st) })
		}),
	}
	showOut.register(show)
	var pwStdin, pwPrompt bool
	set := &cobra.Command{
		Use:   "set KEY=VALUE... [--smtp-password-stdin | --smtp-password-prompt]",
		Short: "Change platform settings; effective on every replica within a second",
		Long: `Keys: registration_mode (open, early_access, invite, closed),
early_access_capacity (0 for no cap), default_tier (a TIER, or default),
mail.from, mail.smtp_host, mail.smtp_port, mail.smtp_username and
mail.smtp_security (starttls, tls, none). The SMTP password is never an
argument: read it with --smtp-password-stdin or --smtp-password-prompt.`,
		Example: `  berth admin settings set registration_mode=early_access early_access_capacity=100
  echo "$SMTP_PASSWORD" | berth admin settings set mail.smtp_host=smtp.example.com mail.from=berth@example.com --smtp-password-stdin`,
		Args: args(0, -1, "KEY=VALUE settings"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			patch, mail := map[string]any{}, map[string]any{}
			for _, kv := range argv {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("%q is not KEY=VALUE", kv)
				}
				switch k {
				case "registration_mode", "registration-mode":
					patch["registration_mode"] = v
				case "early_access_capacity", "early-access-capacity":
					n, err := strconv.Atoi(v)
					if err != nil || n < 0 {
						return usagef("%s=%s: give a whole number, 0 for no cap", k, v)
					}
					patch["early_access_capacity"] = n
				case "default_tier", "default-tier":
					id := ""
					if v != "" && v != "default" {
						t, err := s.resolveTier(cmd.Context(), v)
						if err != nil {
							return err
						}
						id = t.ID
					}
					patch["default_tier_id"] = id
				case "mail.from", "mail.smtp_host", "mail.smtp_username", "mail.smtp_security":
					mail[strings.TrimPrefix(k, "mail.")] = v
				case "mail.smtp_port":
					n, err := strconv.Atoi(v)
					if err != nil {
						return usagef("%s=%s: give a port number", k, v)
					}
					mail["smtp_port"] = n
				case "mail.smtp_password":
					return usagef("the SMTP password is not an argument (it would stay in your shell's history): use --smtp-password-stdin or --smtp-password-prompt")
				default:
					return usagef("unknown setting %q: 'berth admin settings set --help' lists them", k)
				}
			}
			switch {
			case pwStdin && pwPrompt:
				return usagef("--smtp-password-stdin or --smtp-password-prompt, not both")
			case pwStdin:
				if mail["smtp_password"], err = a.env.readStdinSecret("SMTP password"); err != nil {
					return err
				}
			case pwPrompt:
				if mail["smtp_password"], err = a.env.promptSecret("SMTP password", "use --smtp-password-stdin"); err != nil {
					return err
				}
			}
			if len(mail) > 0 {
				patch["mail"] = mail
			}
			if len(patch) == 0 {
				return usagef("nothing to change: give KEY=VALUE settings")
			}
			st, err := s.c.AdminUpdateSettings(cmd.Context(), patch)
			if err != nil {
				return err
			}
			return setOut.print(a.env.Stdout, st, func(w io.Writer) error { return a.printSettings(w, st) })
		}),
	}
	set.Flags().BoolVar(&pwStdin, "smtp-password-stdin", false, "read the SMTP password from standard input")
	set.Flags().BoolVar(&pwPrompt, "smtp-password-prompt", false, "ask for the SMTP password on the terminal")
	setOut.register(set)
	return group(&cobra.Command{Use: "settings", Short: "Platform settings: registration, early access, default tier, mail",
		Example: "  berth admin settings show\n  berth admin settings set registration_mode=invite"}, show, set)
}

func (a *app) usageCommand() *cobra.Command {
	var out output
	cmd := &cobra.Command{
		Use:     "usage",
		Short:   "Your tier's limits and what you use of them",
		Example: "  berth usage\n  berth usage -o json",
		Args:    args(0, 0, "no arguments"),
		RunE: authed(func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			u, err := s.c.Usage(cmd.Context())
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, u, func(w io.Writer) error {
				if _, err := fmt.Fprintf(w, "Tier %s; the daily count starts again at %s.\n", u.Tier.Name, u.ResetsAt.Local().Format(time.RFC3339)); err != nil {
					return err
				}
				t := newTable(w, a.env.colour(w), "LIMIT", "USED", "MAX")
				for _, l := range u.Limits {
					used := "-"
					if l.Used != nil {
						used = strconv.FormatInt(*l.Used, 10)
					}
					t.row(l.Limit, used, limitText(l.Max))
				}
				return t.flush()
			})
		}),
	}
	out.register(cmd)
	return a.contextFlags(cmd)
}

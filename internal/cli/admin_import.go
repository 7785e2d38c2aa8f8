package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-platform/berth/client"
	"github.com/berth-platform/berth/internal/userimport"
)

func (a *app) adminUsersImportCommand() *cobra.Command {
	var out output
	var format string
	cmd := &cobra.Command{
		Use:   "import FILE [--format json|csv]",
		Short: "Import accounts from another system, keeping their bcrypt password hashes",
		Long: `FILE is a JSON list of {"email", "name", "password_hash", "email_verified"}
objects, or a CSV file whose header row names those columns (email is
required; "hash" or "password" also name the hash). A bcrypt hash
($2a$, $2b$, $2y$) keeps the account's password: at its first sign-in it is
re-hashed with argon2id and the bcrypt hash discarded. An empty hash
imports the account without a password (a reset or single sign-on gives it
one). "-" reads standard input.

Running the import again is safe: accounts that exist are skipped, and
every skipped line is listed with its reason.`,
		Example: `  berth admin users import legacy-users.csv
  berth admin users import users.json -o json
  pg_dump_to_csv | berth admin users import - --format csv`,
		Args: args(1, 1, "the FILE to import (- for standard input)"),
		RunE: authed(func(cmd *cobra.Command, argv []string) error {
			var r = a.env.stdin()
			name := "standard input"
			if argv[0] != "-" {
				f, err := os.Open(argv[0])
				if err != nil {
					return usagef("%v (check the path)", err)
				}
				defer f.Close()
				r, name = f, argv[0]
				if format == "" {
					switch strings.ToLower(filepath.Ext(argv[0])) {
					case ".json":
						format = "json"
					case ".csv":
						format = "csv"
					}
				}
			}
			recs, format, err := userimport.Parse(r, format)
			if err != nil {
				return usagef("%s: %v", name, err)
			}
			users := make([]client.ImportUser, len(recs))
			for i, rec := range recs {
				users[i] = client.ImportUser{Email: rec.Email, Name: rec.Name, PasswordHash: rec.PasswordHash, EmailVerified: rec.EmailVerified}
			}
			s, err := a.session()
			if err != nil {
				return err
			}
			res, err := s.c.AdminImportUsers(cmd.Context(), users)
			if err != nil {
				return err
			}
			return out.print(a.env.Stdout, res, func(w io.Writer) error {
				if _, err := fmt.Fprintf(w, "Imported %d of %d accounts from %s; skipped %d.\n", res.Created, len(recs), name, len(res.Skipped)); err != nil {
					return err
				}
				for _, sk := range res.Skipped {
					where := fmt.Sprintf("account %d", sk.Index)
					if format == "csv" && sk.Index >= 1 && sk.Index <= len(recs) {
						where = fmt.Sprintf("line %d", recs[sk.Index-1].Line)
					}
					if _, err := fmt.Fprintf(w, "  skipped %s (%s): %s\n", where, sk.Email, sk.Reason); err != nil {
						return err
					}
				}
				return nil
			})
		}),
	}
	cmd.Flags().StringVar(&format, "format", "", "json or csv (default: from the file's extension, else from its first character)")
	out.register(cmd)
	return cmd
}

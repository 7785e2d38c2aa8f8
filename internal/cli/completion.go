package cli

import (
	"github.com/spf13/cobra"
)

// completionCommand writes a shell completion script for the whole berth
// command (it replaces cobra's default, to carry examples).
func completionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the script that teaches a shell to complete berth's commands and flags.
Load it in the current shell, or install it where your shell looks.`,
		Example: `  # bash, now and in every new shell
  source <(berth completion bash)
  berth completion bash | sudo tee /etc/bash_completion.d/berth > /dev/null

  # zsh (with compinit), fish
  berth completion zsh > "${fpath[1]}/_berth"
  berth completion fish > ~/.config/fish/completions/berth.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      args(1, 1, "a shell: bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, argv []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch argv[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usagef("unknown shell %q: use bash, zsh, fish or powershell", argv[0])
		},
	}
}

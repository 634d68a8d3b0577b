// Command idpool is a self-hostable, wire-compatible implementation of
// Amazon Cognito Identity (identity pools).
//
//	idpool serve            # run the server (SQLite in ./idpool-data)
//	idpool serve --store postgres://…
//	idpool apply -f template.yaml  # converge a running server to a CloudFormation template
//	idpool delete-stack NAME
//	idpool version
//
// Every flag has an IDPOOL_* environment twin (--data-dir → IDPOOL_DATA_DIR).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/idpool/idpool/internal/app"
	"github.com/idpool/idpool/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "idpool:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "idpool",
		Short:         "A self-hostable, wire-compatible Amazon Cognito Identity (identity pools) server",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCmd(), newApplyCmd(), newDeleteStackCmd(), newDescribeStackCmd(), newListStacksCmd(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "idpool", version) },
	})
	return root
}

func newServeCmd() *cobra.Command {
	var cfg config.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the idpool server",
		Long: "Run the idpool server. Every flag has an environment twin: IDPOOL_ + the flag name in upper case\n" +
			"with dashes as underscores (--data-dir → IDPOOL_DATA_DIR). A flag on the command line wins.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(cmd.Flags(), config.Environ()); err != nil {
				return fmt.Errorf("invalid configuration:\n%s", indent(err.Error()))
			}
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n%s", indent(err.Error()))
			}
			log := newLogger(cfg)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := app.New(ctx, cfg, log, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			return a.Serve(ctx)
		},
	}
	cfg.Bind(cmd.Flags())
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return fmt.Errorf("invalid configuration:\n%s", indent(config.FlagError(err).Error()))
	})
	return cmd
}

func newLogger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/spf13/cobra"

	"github.com/idpool/idpool/internal/stackapi"
)

// clientFlags are how the stack commands reach a running server.
type clientFlags struct {
	endpoint        string
	region          string
	dataDir         string
	credentialsFile string
	profile         string
}

func (f *clientFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint-url", "http://127.0.0.1:4747", "base URL of the idpool server")
	fl.StringVar(&f.region, "region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")), "region the server serves (requests are signed for it)")
	fl.StringVar(&f.dataDir, "data-dir", "./idpool-data", "the server's data directory, whose credentials file is used when no other is given")
	fl.StringVar(&f.credentialsFile, "credentials-file", "", "AWS credentials file (default: <data-dir>/credentials if it exists, else AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)")
	fl.StringVar(&f.profile, "profile", envOr("AWS_PROFILE", "idpool"), "profile of the credentials file")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// client returns a stack client with admin credentials: AWS_ACCESS_KEY_ID
// and AWS_SECRET_ACCESS_KEY when set, else the profile of the credentials
// file.
func (f *clientFlags) client(ctx context.Context) (*stackapi.Client, error) {
	var creds aws.CredentialsProvider
	if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		creds = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
	} else {
		file := f.credentialsFile
		if file == "" {
			if p := filepath.Join(f.dataDir, "credentials"); fileExists(p) {
				file = p
			}
		}
		opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithSharedConfigProfile(f.profile), awsconfig.WithRegion(f.region)}
		if file != "" {
			opts = append(opts, awsconfig.WithSharedCredentialsFiles([]string{file}), awsconfig.WithSharedConfigFiles([]string{}))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("load credentials (profile %q): %w; start the server once to generate them, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", f.profile, err)
		}
		creds = cfg.Credentials
	}
	return &stackapi.Client{Endpoint: f.endpoint, Region: f.region, Credentials: creds}, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

var stackNameRE = regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9]{0,127}$`)

// stackNameFromFile derives a stack name from a template file name:
// cdk.out/MyStack.template.json → MyStack.
func stackNameFromFile(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml", ".template"} {
		if strings.HasSuffix(strings.ToLower(base), ext) {
			base = base[:len(base)-len(ext)]
			break
		}
	}
	if stackNameRE.MatchString(base) {
		return base
	}
	return ""
}

func newApplyCmd() *cobra.Command {
	var (
		cf        clientFlags
		file      string
		stackName string
		params    []string
		dryRun    bool
	)
	cmd := &cobra.Command{
		Use:   "apply -f TEMPLATE [--stack-name NAME] [--parameter KEY=VALUE ...] [--dry-run]",
		Short: "Converge a running idpool server to a CloudFormation template (JSON or YAML, or cdk synth output)",
		Long: "Apply a CloudFormation template to a running idpool server as a named stack: resources are\n" +
			"created, updated in place or replaced, and those removed from the template are deleted. A failed\n" +
			"apply is rolled back. Applying the same template again changes nothing. The stack name defaults to\n" +
			"the file name (cdk.out/MyStack.template.json → MyStack).\n\n" +
			"Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else the profile (default idpool) of\n" +
			"<data-dir>/credentials, which the server writes on its first start.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("give the template with -f FILE (- for standard input)")
			}
			var body []byte
			var err error
			if file == "-" {
				body, err = io.ReadAll(cmd.InOrStdin())
			} else {
				body, err = os.ReadFile(file)
			}
			if err != nil {
				return fmt.Errorf("read template: %w", err)
			}
			if stackName == "" {
				if file != "-" {
					stackName = stackNameFromFile(file)
				}
				if stackName == "" {
					return errors.New("give the stack name with --stack-name (letters, digits and dashes, starting with a letter)")
				}
			}
			values := map[string]string{}
			for _, p := range params {
				k, v, ok := strings.Cut(p, "=")
				if !ok || k == "" {
					return fmt.Errorf("--parameter %q: expected KEY=VALUE", p)
				}
				values[k] = v
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			c, err := cf.client(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if dryRun {
				fmt.Fprintf(out, "Plan for stack %s (dry run, nothing is changed):\n", stackName)
			} else {
				fmt.Fprintf(out, "Applying %s to stack %s at %s\n", displayName(file), stackName, cf.endpoint)
			}
			last, err := c.Apply(ctx, stackapi.ApplyInput{StackName: stackName, TemplateBody: string(body), Parameters: values, DryRun: dryRun}, printEvent(out))
			if err != nil {
				return describeFailure(err)
			}
			if last.Plan != nil {
				printPlan(out, last.Plan)
			} else {
				printResult(out, last.Result, "applied")
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "template file (JSON or YAML; - reads standard input)")
	cmd.Flags().StringVar(&stackName, "stack-name", "", "stack name (default: from the file name)")
	cmd.Flags().StringArrayVar(&params, "parameter", nil, "template parameter KEY=VALUE (repeatable)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan without changing anything")
	cf.bind(cmd)
	return cmd
}

func displayName(file string) string {
	if file == "-" {
		return "the template from standard input"
	}
	return file
}

func newDeleteStackCmd() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "delete-stack NAME",
		Short: "Delete a stack and every resource it manages (DeletionPolicy Retain keeps a resource)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			c, err := cf.client(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Deleting stack %s at %s\n", args[0], cf.endpoint)
			last, err := c.DeleteStack(ctx, args[0], printEvent(out))
			if err != nil {
				return describeFailure(err)
			}
			printResult(out, last.Result, "deleted")
			return nil
		},
	}
	cf.bind(cmd)
	return cmd
}

func newDescribeStackCmd() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "describe-stack NAME",
		Short: "Print a stack's resources and outputs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client(cmd.Context())
			if err != nil {
				return err
			}
			st, err := c.DescribeStack(cmd.Context(), args[0])
			if err != nil {
				return describeFailure(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Stack %s (%s), updated %s\n", st.StackName, st.StackID, st.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"))
			fmt.Fprintln(out, "Resources:")
			for _, r := range st.Resources {
				fmt.Fprintf(out, "  %s (%s) [%s]\n", r.LogicalID, r.Type, r.PhysicalID)
			}
			printOutputs(out, st.Outputs)
			return nil
		},
	}
	cf.bind(cmd)
	return cmd
}

func newListStacksCmd() *cobra.Command {
	var cf clientFlags
	cmd := &cobra.Command{
		Use:   "list-stacks",
		Short: "List the stacks of a running idpool server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.client(cmd.Context())
			if err != nil {
				return err
			}
			names, err := c.ListStacks(cmd.Context())
			if err != nil {
				return describeFailure(err)
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
			return nil
		},
	}
	cf.bind(cmd)
	return cmd
}

func printEvent(out io.Writer) func(stackapi.Line) {
	return func(l stackapi.Line) {
		if l.Event != nil {
			fmt.Fprintf(out, "  %s\n", l.Event.Text)
		}
	}
}

func printSkipped(out io.Writer, skipped []stackapi.Skipped) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintln(out, "Skipped:")
	for _, s := range skipped {
		what := s.Name
		if s.Type != "" {
			what += " (" + s.Type + ")"
		}
		fmt.Fprintf(out, "  %s %s: %s\n", s.Section, what, s.Reason)
	}
}

func printNotes(out io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(out, "Note: %s\n", n)
	}
}

func printOutputs(out io.Writer, outputs []stackapi.Output) {
	if len(outputs) == 0 {
		return
	}
	fmt.Fprintln(out, "Outputs:")
	for _, o := range outputs {
		fmt.Fprintf(out, "  %s = %s\n", o.Name, o.Value)
	}
}

func printPlan(out io.Writer, p *stackapi.Plan) {
	if p.New {
		fmt.Fprintln(out, "  (new stack)")
	}
	for _, c := range p.Changes {
		fmt.Fprintf(out, "  %s\n", c.Text)
	}
	printSkipped(out, p.Skipped)
	printNotes(out, p.Notes)
	if !p.HasChanges {
		fmt.Fprintln(out, "No changes.")
	}
}

func printResult(out io.Writer, r *stackapi.Result, verb string) {
	counts := map[string]int{}
	for _, c := range r.Changes {
		counts[c.Action]++
	}
	printSkipped(out, r.Skipped)
	printNotes(out, r.Notes)
	printOutputs(out, r.Outputs)
	for _, o := range r.Orphans {
		fmt.Fprintf(out, "Not deleted (retried by the next apply or delete-stack): %s\n", o)
	}
	for _, e := range r.CleanupErrors {
		fmt.Fprintf(out, "  %s\n", e)
	}
	fmt.Fprintf(out, "Stack %s %s: %d created, %d updated, %d replaced, %d deleted, %d unchanged.\n", r.StackName, verb,
		counts["Create"], counts["Update"], counts["Replace"], counts["Delete"], counts["NoOp"])
}

// describeFailure turns a stack error into the command's error.
func describeFailure(err error) error {
	var e *stackapi.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	for _, re := range e.RollbackErrors {
		msg += "\n  needs manual attention: " + re
	}
	return fmt.Errorf("%s: %s", e.Type, msg)
}

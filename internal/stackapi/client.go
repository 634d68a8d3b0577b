package stackapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client calls the stack operations of an idpool server, signing every
// request with SigV4 for service "idpool".
type Client struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:4747.
	Endpoint string
	// Region is the region requests are signed for (the server's).
	Region      string
	Credentials aws.CredentialsProvider
	// HTTPClient defaults to http.DefaultClient.
	HTTPClient *http.Client
}

// Apply runs ApplyStack, calling onLine for every streamed line, and
// returns the final line's Plan or Result; a refusal or failure is an
// *Error.
func (c *Client) Apply(ctx context.Context, in ApplyInput, onLine func(Line)) (Line, error) {
	return c.stream(ctx, "ApplyStack", in, onLine)
}

// DeleteStack runs DeleteStack like Apply.
func (c *Client) DeleteStack(ctx context.Context, name string, onLine func(Line)) (Line, error) {
	return c.stream(ctx, "DeleteStack", StackNameInput{StackName: name}, onLine)
}

// DescribeStack returns a stack's resources and outputs.
func (c *Client) DescribeStack(ctx context.Context, name string) (Stack, error) {
	var out DescribeOutput
	err := c.call(ctx, "DescribeStack", StackNameInput{StackName: name}, &out)
	return out.Stack, err
}

// ListStacks returns the stack names.
func (c *Client) ListStacks(ctx context.Context) ([]string, error) {
	var out ListOutput
	err := c.call(ctx, "ListStacks", struct{}{}, &out)
	return out.StackNames, err
}

func (c *Client) do(ctx context.Context, op string, in any) (*http.Response, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("stackapi: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", TargetPrefix+op)
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("stackapi: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), SigningName, c.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("stackapi: sign: %w", err)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("stackapi: %s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, errorResponse(resp)
	}
	return resp, nil
}

// errorResponse decodes an AWS JSON error envelope.
func errorResponse(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var env map[string]string
	if err := json.Unmarshal(b, &env); err != nil || env["__type"] == "" {
		return &Error{Type: "HTTP" + resp.Status, Message: strings.TrimSpace(string(b))}
	}
	msg := env["Message"]
	if msg == "" {
		msg = env["message"]
	}
	return &Error{Type: env["__type"], Message: msg}
}

func (c *Client) call(ctx context.Context, op string, in, out any) error {
	resp, err := c.do(ctx, op, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("stackapi: %s: decode response: %w", op, err)
	}
	return nil
}

func (c *Client) stream(ctx context.Context, op string, in any, onLine func(Line)) (Line, error) {
	resp, err := c.do(ctx, op, in)
	if err != nil {
		return Line{}, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return Line{}, fmt.Errorf("stackapi: %s: bad stream line: %w", op, err)
		}
		if onLine != nil {
			onLine(l)
		}
		switch {
		case l.Error != nil:
			return l, l.Error
		case l.Plan != nil, l.Result != nil:
			return l, nil
		}
	}
	if err := sc.Err(); err != nil {
		return Line{}, fmt.Errorf("stackapi: %s: %w", op, err)
	}
	return Line{}, errors.New("stackapi: " + op + ": the server closed the stream before the operation ended")
}

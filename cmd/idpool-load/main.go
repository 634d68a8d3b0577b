// Command idpool-load is a small load generator for idpool's public
// operations. It creates a pool (with the admin credentials of a running
// server), then for each scenario runs -c concurrent workers for -d and
// prints the request rate and latency percentiles:
//
//	getid      GetId for a new guest identity (one identity insert per call)
//	getcreds   GetCredentialsForIdentity for a returning guest (no write)
//	opentoken  GetOpenIdToken for a returning guest (one RS512 signature)
//	baseline   a bare Go JSON-over-HTTP handler on this process, for the ratio
//
// Example (server on the default address, generated credentials):
//
//	go run ./cmd/idpool-load -endpoint http://127.0.0.1:4747 \
//	    -credentials ./idpool-data/credentials -c 16 -d 10s
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4747", "idpool base URL")
	credFile := flag.String("credentials", "./idpool-data/credentials", "AWS credentials file with the [idpool] profile")
	conc := flag.Int("c", 16, "concurrent workers")
	dur := flag.Duration("d", 10*time.Second, "duration of each scenario")
	scenarios := flag.String("s", "baseline,getid,getcreds,opentoken", "comma-separated scenarios")
	flag.Parse()
	if err := run(*endpoint, *credFile, *conc, *dur, strings.Split(*scenarios, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "idpool-load:", err)
		os.Exit(1)
	}
}

func run(endpoint, credFile string, conc int, dur time.Duration, scenarios []string) error {
	ctx := context.Background()
	akid, secret, err := readProfile(credFile, "idpool")
	if err != nil {
		return err
	}
	admin := cognitoidentity.New(cognitoidentity.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""),
	})
	pool, err := admin.CreateIdentityPool(ctx, &cognitoidentity.CreateIdentityPoolInput{
		IdentityPoolName: aws.String("load"), AllowUnauthenticatedIdentities: true,
	})
	if err != nil {
		return fmt.Errorf("create pool: %w", err)
	}
	if _, err := admin.SetIdentityPoolRoles(ctx, &cognitoidentity.SetIdentityPoolRolesInput{
		IdentityPoolId: pool.IdentityPoolId,
		Roles:          map[string]string{"unauthenticated": "arn:aws:iam::000000000000:role/Guest"},
	}); err != nil {
		return fmt.Errorf("set roles: %w", err)
	}
	defer admin.DeleteIdentityPool(ctx, &cognitoidentity.DeleteIdentityPoolInput{IdentityPoolId: pool.IdentityPoolId})

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2, MaxConnsPerHost: conc * 2}}
	call := func(url, op string, body any) ([]byte, error) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityService."+op)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %d %s", op, resp.StatusCode, out)
		}
		return out, nil
	}
	// One returning guest for the no-write scenarios.
	out, err := call(endpoint, "GetId", map[string]string{"IdentityPoolId": *pool.IdentityPoolId})
	if err != nil {
		return err
	}
	var gid struct{ IdentityId string }
	_ = json.Unmarshal(out, &gid)

	for _, sc := range scenarios {
		var fn func() error
		url := endpoint
		switch sc {
		case "getid":
			fn = func() error {
				_, err := call(url, "GetId", map[string]string{"IdentityPoolId": *pool.IdentityPoolId})
				return err
			}
		case "getcreds":
			fn = func() error {
				_, err := call(url, "GetCredentialsForIdentity", map[string]string{"IdentityId": gid.IdentityId})
				return err
			}
		case "opentoken":
			fn = func() error {
				_, err := call(url, "GetOpenIdToken", map[string]string{"IdentityId": gid.IdentityId})
				return err
			}
		case "baseline":
			base, stop, err := startBaseline()
			if err != nil {
				return err
			}
			defer stop()
			url = base
			fn = func() error {
				_, err := call(url, "GetId", map[string]string{"IdentityPoolId": *pool.IdentityPoolId})
				return err
			}
		default:
			return fmt.Errorf("unknown scenario %q", sc)
		}
		report(sc, measure(conc, dur, fn))
	}
	return nil
}

type result struct {
	n, errs  int64
	lat      []time.Duration
	elapsed  time.Duration
	firstErr error
}

func measure(conc int, dur time.Duration, fn func() error) result {
	var (
		n, errs  atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(dur)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := fn(); err != nil {
					errs.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				local = append(local, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{n: n.Load(), errs: errs.Load(), lat: lat, elapsed: time.Since(start), firstErr: firstErr}
}

func report(name string, r result) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
	}
	fmt.Printf("%-10s %8.0f req/s  p50 %-10v p99 %-10v ok %d errors %d\n", name,
		float64(r.n)/r.elapsed.Seconds(), pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), r.n, r.errs)
	if r.firstErr != nil {
		fmt.Printf("           first error: %v\n", r.firstErr)
	}
}

// startBaseline serves a bare JSON handler (decode the request, encode an
// IdentityId) on a loopback port: the ceiling for a Go JSON-over-HTTP call.
func startBaseline() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]string{"IdentityId": "us-east-1:00000000-0000-4000-8000-000000000000"})
	})}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// readProfile reads a profile's keys from an AWS credentials file.
func readProfile(path, profile string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var akid, secret string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = line == "["+profile+"]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			akid = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if akid == "" || secret == "" {
		return "", "", fmt.Errorf("no [%s] keys in %s", profile, path)
	}
	return akid, secret, nil
}

package e2e

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/smithy-go"

	"github.com/idpool/idpool/internal/config"
	"github.com/idpool/idpool/internal/testserver"
)

// TestPoolQuota checks the pool quota (--max-pools) as clients meet it:
// creations racing on every node of the store (two on PostgreSQL) never
// take the count past the limit, each client then gets Cognito's
// LimitExceededException, a refused create creates nothing, and deleting a
// pool makes room again.
func TestPoolQuota(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		const limit = 4
		quota := testserver.WithConfig(func(c *config.Config) { c.MaxPools = limit })
		s := b.start(t, quota)
		nodes := []*testserver.Server{s}
		if b.name == "postgres" {
			nodes = append(nodes, testserver.Start(t, testserver.SharingStoreWith(s), quota))
		}
		sdks := make([]*cognitoidentity.Client, len(nodes))
		for i, n := range nodes {
			sdks[i] = newSDK(t, n)
		}

		const racers = 12
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created []string
			refused int
		)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := sdks[i%len(sdks)].CreateIdentityPool(t.Context(), &cognitoidentity.CreateIdentityPoolInput{
					IdentityPoolName: aws.String(fmt.Sprintf("quota-%02d", i)), AllowUnauthenticatedIdentities: true,
				})
				mu.Lock()
				defer mu.Unlock()
				var ae smithy.APIError
				switch {
				case err == nil:
					created = append(created, aws.ToString(out.IdentityPoolId))
				case errors.As(err, &ae) && ae.ErrorCode() == "LimitExceededException":
					refused++
				default:
					t.Errorf("CreateIdentityPool #%d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if len(created) != limit || refused != racers-limit {
			t.Fatalf("%d racing creations with a quota of %d: %d created, %d refused", racers, limit, len(created), refused)
		}
		if n := len(listAllPools(t, sdks[0])); n != limit {
			t.Fatalf("%d pools exist after the race, quota %d", n, limit)
		}

		msg := fmt.Sprintf("The number of identity pools for this account has exceeded the limit of %d.", limit)
		for _, cf := range allClients {
			c := cf.new(t, nodes[len(nodes)-1])
			name := "quota-refused-" + cf.name
			wantErr(t, c, "CreateIdentityPool", obj{"IdentityPoolName": name, "AllowUnauthenticatedIdentities": false},
				"LimitExceededException", msg)
			if poolNamed(t, sdks[0], name) {
				t.Errorf("%s: a refused CreateIdentityPool created %s", cf.name, name)
			}
		}

		mustOK(t, sdkClient{sdks[0]}, "DeleteIdentityPool", obj{"IdentityPoolId": created[0]})
		again := mustOK(t, sdkClient{sdks[len(sdks)-1]}, "CreateIdentityPool", obj{"IdentityPoolName": "quota-again", "AllowUnauthenticatedIdentities": true})
		wantPoolID(t, again["IdentityPoolId"])
	})
}

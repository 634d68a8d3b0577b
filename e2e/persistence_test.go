package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/idpool/idpool/internal/testserver"
)

// seedPools creates three configured pools through c and returns their
// observable states by ID.
func seedPools(t *testing.T, s *testserver.Server, c *cognitoidentity.Client) map[string]string {
	t.Helper()
	sc := sdkClient{c}
	states := map[string]string{}
	for i := range 3 {
		id := wantPoolID(t, mustOK(t, sc, "CreateIdentityPool", fullPool(fmt.Sprintf("persist-%d", i)))["IdentityPoolId"])
		mustOK(t, sc, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"authenticated": authRole, "unauthenticated": unauthRole},
			"RoleMappings": obj{userPoolKey: obj{"Type": "Token", "AmbiguousRoleResolution": "Deny"}}})
		mustOK(t, sc, "SetPrincipalTagAttributeMap", obj{"IdentityPoolId": id, "IdentityProviderName": userPool, "UseDefaults": false,
			"PrincipalTags": obj{"tenant": "custom:tenant"}})
		mustOK(t, sc, "TagResource", obj{"ResourceArn": s.PoolARN(id), "Tags": obj{"n": fmt.Sprint(i)}})
		states[id] = poolState(t, c, s.PoolARN(id), id)
	}
	// One more, deleted: it must stay deleted.
	gone := wantPoolID(t, mustOK(t, sc, "CreateIdentityPool", obj{"IdentityPoolName": "persist-gone", "AllowUnauthenticatedIdentities": false})["IdentityPoolId"])
	mustOK(t, sc, "DeleteIdentityPool", obj{"IdentityPoolId": gone})
	states[gone] = ""
	return states
}

func wantStates(t *testing.T, s *testserver.Server, c *cognitoidentity.Client, states map[string]string) {
	t.Helper()
	listed := listAllPools(t, c)
	for id, want := range states {
		if want == "" {
			if _, ok := listed[id]; ok {
				t.Errorf("deleted pool %s is back", id)
			}
			wantErr(t, sdkClient{c}, "DescribeIdentityPool", obj{"IdentityPoolId": id}, "ResourceNotFoundException", "IdentityPool '"+id+"' not found.")
			continue
		}
		if _, ok := listed[id]; !ok {
			t.Errorf("pool %s is not listed", id)
		}
		if got := poolState(t, c, s.PoolARN(id), id); got != want {
			t.Errorf("pool %s differs\n got: %s\nwant: %s", id, got, want)
		}
	}
}

// TestRestartKeepsData stops a server and starts a new one on the same data
// directory (and store): pools, roles, principal tags, tags and the admin
// key pair are all still there, and the generated profile still works.
func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		a := b.startWithProviders(t)
		states := seedPools(t, a, newSDK(t, a))
		if err := a.Stop(); err != nil {
			t.Fatalf("graceful stop: %v", err)
		}
		opts := []testserver.Option{testserver.WithDataDir(a.DataDir)}
		if a.Store != "" {
			opts = append(opts, testserver.WithStore(a.Store), testserver.WithSealKey(a.SealKey))
		}
		r := testserver.Start(t, opts...)
		if r.AccessKeyID != a.AccessKeyID || r.SecretAccessKey != a.SecretAccessKey {
			t.Errorf("admin key pair changed across the restart: %s → %s", a.AccessKeyID, r.AccessKeyID)
		}
		if r.Output != "" {
			t.Errorf("restart printed the one-time credentials notice again: %q", r.Output)
		}
		wantStates(t, r, newSDK(t, r), states)

		// The generated profile, untouched by the restart, works with boto3.
		bc := newBoto3(t, r)
		out := mustOK(t, bc, "ListIdentityPools", obj{"MaxResults": 60})
		var live []string
		for id, st := range states {
			if st != "" {
				live = append(live, id)
			}
		}
		got := poolIDs(t, out)
		slices.Sort(got)
		slices.Sort(live)
		if !slices.Equal(got, live) {
			t.Errorf("boto3 lists %v after restart, want %v", got, live)
		}
	})
}

// TestTwoNodesShareOnePostgres runs two servers on one PostgreSQL schema at
// once: what one writes, the other serves.
func TestTwoNodesShareOnePostgres(t *testing.T) {
	t.Parallel()
	a := testserver.Start(t, testserver.WithPostgres())
	registerProviders(t, a)
	b := testserver.Start(t, testserver.SharingStoreWith(a))
	if a.DataDir == b.DataDir || a.URL == b.URL {
		t.Fatalf("the nodes share a data directory or address")
	}
	if b.AccessKeyID != a.AccessKeyID || b.SecretAccessKey != a.SecretAccessKey {
		t.Errorf("node B's admin key %s differs from node A's %s: generated credentials live in the shared store", b.AccessKeyID, a.AccessKeyID)
	}
	ca, cb := newSDK(t, a), newSDK(t, b)

	// Created on A: listed and described on B at once.
	states := seedPools(t, a, ca)
	wantStates(t, b, cb, states)

	// Changed on B: seen on A within the pool cache TTL (default 2s).
	var id string
	for k, st := range states {
		if st != "" {
			id = k
			break
		}
	}
	mustOK(t, sdkClient{cb}, "UpdateIdentityPool", with(fullPool("persist-renamed"), "IdentityPoolId", id))
	mustOK(t, sdkClient{cb}, "SetIdentityPoolRoles", obj{"IdentityPoolId": id, "Roles": obj{"authenticated": adminRole}})
	want := poolState(t, cb, b.PoolARN(id), id)
	eventually(t, 5*time.Second, func() string {
		if got := poolState(t, ca, a.PoolARN(id), id); got != want {
			return fmt.Sprintf("node A still serves\n%s\nnode B has\n%s", got, want)
		}
		return ""
	})

	// Deleted on A: gone on B.
	mustOK(t, sdkClient{ca}, "DeleteIdentityPool", obj{"IdentityPoolId": id})
	eventually(t, 5*time.Second, func() string {
		if _, e := (sdkClient{cb}).Call(t, "DescribeIdentityPool", obj{"IdentityPoolId": id}); e == nil || e.Code != "ResourceNotFoundException" {
			return fmt.Sprintf("node B still describes deleted pool %s: %v", id, e)
		}
		return ""
	})

	// Node B keeps working when node A stops.
	if err := a.Stop(); err != nil {
		t.Fatalf("stop node A: %v", err)
	}
	mustOK(t, sdkClient{cb}, "CreateIdentityPool", obj{"IdentityPoolName": "after-a-stopped", "AllowUnauthenticatedIdentities": false})
	if !poolNamed(t, cb, "after-a-stopped") {
		t.Errorf("node B lost a pool after node A stopped")
	}
	// And its own generated profile (written into its own data directory)
	// works with the real AWS CLI.
	cli := newCLI(t, b)
	stdout, stderr, code := cli.run(t, "describe-identity-pool", "--identity-pool-id", id)
	if _, e := cli.result(t, "DescribeIdentityPool", stdout, stderr, code); e == nil || e.Code != "ResourceNotFoundException" {
		t.Errorf("CLI on node B: %v", e)
	}
}

// eventually retries check (which returns "" when satisfied) until timeout.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("after %v: %s", timeout, msg)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

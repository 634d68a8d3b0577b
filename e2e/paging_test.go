package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"

	"github.com/idpool/idpool/internal/testserver"
)

// pagingServer starts a server of its own with seven pools and returns
// their IDs in listing order (as the first full listing reports it).
func pagingServer(t *testing.T, b backend) (*testserver.Server, *cognitoidentity.Client, []string) {
	t.Helper()
	s := b.start(t)
	c := newSDK(t, s)
	created := map[string]string{}
	for i := range 7 {
		out, err := c.CreateIdentityPool(t.Context(), &cognitoidentity.CreateIdentityPoolInput{
			IdentityPoolName: aws.String(fmt.Sprintf("page-%d", i)), AllowUnauthenticatedIdentities: true,
			IdentityPoolTags: map[string]string{"i": fmt.Sprint(i)},
		})
		if err != nil {
			t.Fatal(err)
		}
		created[aws.ToString(out.IdentityPoolId)] = fmt.Sprintf("page-%d", i)
	}
	out, err := c.ListIdentityPools(t.Context(), &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		t.Fatal(err)
	}
	if out.NextToken != nil {
		t.Errorf("MaxResults 60 over 7 pools returned a NextToken")
	}
	var order []string
	for _, p := range out.IdentityPools {
		id := aws.ToString(p.IdentityPoolId)
		if created[id] != aws.ToString(p.IdentityPoolName) {
			t.Errorf("listed %s %q, created %q", id, aws.ToString(p.IdentityPoolName), created[id])
		}
		order = append(order, id)
	}
	if len(order) != 7 {
		t.Fatalf("listed %d pools, want 7", len(order))
	}
	return s, c, order
}

// TestListIdentityPoolsPaging pages through 7 pools 3 at a time with each
// client and checks pages, tokens and a stable order.
func TestListIdentityPoolsPaging(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s, c, order := pagingServer(t, b)
		pages := [][]string{order[0:3], order[3:6], order[6:7]}

		t.Run("sdk", func(t *testing.T) {
			t.Parallel()
			sc := sdkClient{c}
			var token any
			for i, want := range pages {
				params := obj{"MaxResults": 3}
				if token != nil {
					params["NextToken"] = token
				}
				out := mustOK(t, sc, "ListIdentityPools", params)
				got := poolIDs(t, out)
				if !slices.Equal(got, want) {
					t.Errorf("page %d = %v, want %v", i, got, want)
				}
				for _, p := range out["IdentityPools"].([]any) {
					if keys := len(p.(obj)); keys != 2 {
						t.Errorf("list item %v: want only IdentityPoolId and IdentityPoolName", p)
					}
				}
				token = out["NextToken"]
				if (token == nil) != (i == len(pages)-1) {
					t.Errorf("page %d: NextToken %v", i, token)
				}
			}
			// Exactly a page's worth leaves no token.
			out := mustOK(t, sc, "ListIdentityPools", obj{"MaxResults": 7})
			if !slices.Equal(poolIDs(t, out), order) || out["NextToken"] != nil {
				t.Errorf("MaxResults 7: %s", canon(t, out))
			}
			// The SDK paginator collects all in the same order.
			p := cognitoidentity.NewListIdentityPoolsPaginator(c, &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(3)})
			var all []string
			n := 0
			for p.HasMorePages() {
				page, err := p.NextPage(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				n++
				for _, ip := range page.IdentityPools {
					all = append(all, aws.ToString(ip.IdentityPoolId))
				}
			}
			if n != 3 || !slices.Equal(all, order) {
				t.Errorf("paginator: %d pages %v, want 3 pages %v", n, all, order)
			}
			// A token that is not one of ours.
			wantErrCode(t, sc, "ListIdentityPools", obj{"MaxResults": 3, "NextToken": "not-a-token"}, "InvalidParameterException")
		})

		t.Run("cli", func(t *testing.T) {
			t.Parallel()
			cli := newCLI(t, s) // the real /usr/bin/aws
			// The CLI requires --max-results for this operation, and giving
			// it turns the CLI's own pagination off: one page per command,
			// NextToken in the output, --next-token for the next one.
			var tok string
			for i, want := range pages {
				args := []string{"list-identity-pools", "--max-results", "3"}
				if tok != "" {
					args = append(args, "--next-token", tok)
				}
				stdout, stderr, code := cli.run(t, args...)
				out, e := cli.result(t, "ListIdentityPools", stdout, stderr, code)
				if e != nil {
					t.Fatalf("list-identity-pools: %s", e)
				}
				if got := poolIDs(t, out); !slices.Equal(got, want) {
					t.Errorf("page %d = %v, want %v", i, got, want)
				}
				tok, _ = out["NextToken"].(string)
				if (tok == "") != (i == len(pages)-1) {
					t.Errorf("page %d: NextToken %q", i, tok)
				}
			}
		})

		t.Run("boto3", func(t *testing.T) {
			t.Parallel()
			bc := newBoto3(t, s)
			got, full, e := bc.paginate(t, "ListIdentityPools", obj{}, obj{"PageSize": 3})
			if e != nil {
				t.Fatalf("paginate: %s", e)
			}
			if len(got) != 3 {
				t.Fatalf("%d pages, want 3: %s", len(got), canon(t, got))
			}
			for i, want := range pages {
				if ids := poolIDs(t, got[i]); !slices.Equal(ids, want) {
					t.Errorf("page %d = %v, want %v", i, ids, want)
				}
			}
			if ids := poolIDs(t, full); !slices.Equal(ids, order) {
				t.Errorf("build_full_result = %v, want %v", ids, order)
			}
			// MaxItems stops early and hands back a resumable token.
			got, full, e = bc.paginate(t, "ListIdentityPools", obj{}, obj{"PageSize": 3, "MaxItems": 4})
			if e != nil {
				t.Fatal(e)
			}
			if ids := poolIDs(t, full); !slices.Equal(ids, order[:4]) || full["NextToken"] == nil {
				t.Errorf("MaxItems 4: %s", canon(t, full))
			}
			_, rest, e := bc.paginate(t, "ListIdentityPools", obj{}, obj{"PageSize": 3, "StartingToken": full["NextToken"]})
			if e != nil {
				t.Fatal(e)
			}
			if ids := poolIDs(t, rest); !slices.Equal(ids, order[4:]) {
				t.Errorf("resumed after 4: %v, want %v", ids, order[4:])
			}
			_ = got
		})
	})
}

// TestListIdentityPoolsTokenSurvivesDelete deletes the last pool of a page
// and then follows that page's token: nothing is skipped or repeated.
func TestListIdentityPoolsTokenSurvivesDelete(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		_, c, order := pagingServer(t, b)
		sc := sdkClient{c}
		first := mustOK(t, sc, "ListIdentityPools", obj{"MaxResults": 3})
		mustOK(t, sc, "DeleteIdentityPool", obj{"IdentityPoolId": order[2]})
		second := mustOK(t, sc, "ListIdentityPools", obj{"MaxResults": 3, "NextToken": first["NextToken"]})
		if got := poolIDs(t, second); !slices.Equal(got, order[3:6]) {
			t.Errorf("page after deleting %s = %v, want %v", order[2], got, order[3:6])
		}
		// A new pool never shows up twice in one traversal either.
		mustOK(t, sc, "CreateIdentityPool", obj{"IdentityPoolName": "late", "AllowUnauthenticatedIdentities": false})
		seen := map[string]bool{}
		for _, id := range poolIDs(t, first) {
			seen[id] = true
		}
		tok := second["NextToken"]
		for _, id := range poolIDs(t, second) {
			seen[id] = true
		}
		for tok != nil {
			out := mustOK(t, sc, "ListIdentityPools", obj{"MaxResults": 3, "NextToken": tok})
			for _, id := range poolIDs(t, out) {
				if seen[id] {
					t.Errorf("pool %s listed twice", id)
				}
				seen[id] = true
			}
			tok = out["NextToken"]
		}
		for _, id := range order {
			if id != order[2] && !seen[id] {
				t.Errorf("pool %s was skipped", id)
			}
		}
	})
}

// poolIDs returns the IdentityPoolIds of a ListIdentityPools result.
func poolIDs(t testing.TB, out obj) []string {
	t.Helper()
	var ids []string
	items, _ := out["IdentityPools"].([]any)
	for _, it := range items {
		m, _ := it.(obj)
		id, _ := m["IdentityPoolId"].(string)
		if id == "" {
			b, _ := json.Marshal(it)
			t.Fatalf("list item without IdentityPoolId: %s", b)
		}
		ids = append(ids, id)
	}
	return ids
}

package e2e

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
)

// dataplaneConcurrentDeveloperLogin fires 200 concurrent signed
// GetOpenIdTokenForDeveloperIdentity calls for one new developer user
// through the API: every call succeeds, all return the same IdentityId, and
// the pool holds exactly one identity afterwards.
func dataplaneConcurrentDeveloperLogin(t *testing.T, e *dpEnv) {
	dev := "login.race.test"
	pool := e.createPool(t, cognitoidentity.CreateIdentityPoolInput{DeveloperProviderName: aws.String(dev)})
	user := dpName("racer")
	const n = 200
	ctx := dpTimeout(t, time.Minute)
	ids := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := e.admin.GetOpenIdTokenForDeveloperIdentity(ctx, &cognitoidentity.GetOpenIdTokenForDeveloperIdentityInput{
				IdentityPoolId: aws.String(pool), Logins: map[string]string{dev: user},
			})
			if err == nil {
				ids[i] = aws.ToString(out.IdentityId)
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	distinct := map[string]int{}
	failed := 0
	for i := range n {
		if errs[i] != nil {
			if failed < 5 {
				t.Errorf("call %d: %v", i, errs[i])
			}
			failed++
			continue
		}
		distinct[ids[i]]++
	}
	if failed > 0 {
		t.Errorf("%d of %d concurrent calls failed (no retries)", failed, n)
	}
	if len(distinct) != 1 {
		t.Fatalf("%d concurrent logins of one developer user produced %d identities: %v", n, len(distinct), distinct)
	}
	listed := dpListIdentityIDs(t, e, pool, false)
	if len(listed) != 1 {
		t.Errorf("the pool has %d identities after the race, want 1: %q", len(listed), listed)
	}
	for id := range distinct {
		lk, err := e.admin.LookupDeveloperIdentity(t.Context(), &cognitoidentity.LookupDeveloperIdentityInput{
			IdentityPoolId: aws.String(pool), DeveloperUserIdentifier: aws.String(user),
		})
		if err != nil || aws.ToString(lk.IdentityId) != id {
			t.Errorf("LookupDeveloperIdentity(%s) = %v, %v; want %s", user, lk, err, id)
		}
	}
}

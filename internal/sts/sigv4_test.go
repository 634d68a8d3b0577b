package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idpool/idpool/internal/identity"
	"github.com/idpool/idpool/internal/sigv4"
	"github.com/idpool/idpool/internal/sts"
)

// memValues is a minimal ValueStore for the example.
type memValues map[string][]byte

func (m memValues) GetValue(_ context.Context, k string) ([]byte, int64, error) {
	v, ok := m[k]
	if !ok {
		return nil, 0, identity.ErrNotFound
	}
	return v, 1, nil
}

func (m memValues) PutValue(_ context.Context, k string, v []byte, _ int64) (int64, error) {
	m[k] = v
	return 1, nil
}

// TestMintedCredentialsSignRequests signs a GetCallerIdentity request with
// minted credentials (SDK signer as the client) and verifies it with
// sigv4.Verifier using the Minter as its CredentialSource.
func TestMintedCredentialsSignRequests(t *testing.T) {
	now := time.Date(2023, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m, err := sts.NewMinter(context.Background(), sts.Config{Store: memValues{}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := m.Mint(sts.MintRequest{
		RoleARN: "arn:aws:iam::123456789012:role/Cognito_Unauth", RoleSessionName: "CognitoIdentityCredentials",
		Subject: "us-east-1:abc", Provider: sts.CognitoProvider, Audience: "us-east-1:pool",
	})
	if err != nil {
		t.Fatal(err)
	}
	v := &sigv4.Verifier{Region: "us-east-1", Source: m, Now: clock}

	sign := func(creds aws.Credentials, at time.Time) *http.Request {
		body := "Action=GetCallerIdentity&Version=2011-06-15"
		req, _ := http.NewRequest("POST", "https://sts.us-east-1.amazonaws.com/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	body := []byte("Action=GetCallerIdentity&Version=2011-06-15")
	creds := aws.Credentials{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken}

	got, err := v.Verify(context.Background(), sign(creds, now), body, "sts")
	if err != nil {
		t.Fatal(err)
	}
	s := got.Subject.(sts.Session)
	if s.AssumedRoleARN() != "arn:aws:sts::123456789012:assumed-role/Cognito_Unauth/CognitoIdentityCredentials" || s.Subject != "us-east-1:abc" {
		t.Fatalf("subject %+v", s)
	}

	// A forged token for the same access key: InvalidClientTokenId.
	forged := creds
	forged.SessionToken = cr.SessionToken[:len(cr.SessionToken)-2] + "AA"
	_, err = v.Verify(context.Background(), sign(forged, now), body, "sts")
	wantKind(t, err, sigv4.UnrecognizedClient, "InvalidClientTokenId")

	// After expiry (both clocks move): ExpiredToken.
	now = now.Add(2 * time.Hour)
	_, err = v.Verify(context.Background(), sign(creds, now), body, "sts")
	wantKind(t, err, sigv4.ExpiredToken, "ExpiredToken")

	// Long-term keys are not this source's business: InvalidClientTokenId.
	_, err = v.Verify(context.Background(), sign(aws.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "x"}, now), body, "sts")
	wantKind(t, err, sigv4.UnrecognizedClient, "InvalidClientTokenId")
}

func wantKind(t *testing.T, err error, kind sigv4.ErrorKind, code string) {
	t.Helper()
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Kind != kind || e.QueryCode() != code {
		t.Fatalf("got %v, want %v (%s)", err, kind, code)
	}
}

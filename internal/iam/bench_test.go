package iam_test

import (
	"context"
	"testing"

	"github.com/idpool/idpool/internal/iam"
	"github.com/idpool/idpool/internal/iam/iamtest"
)

func BenchmarkEvaluateTrust(b *testing.B) {
	req := cognitoReq(poolID, authAMR, true)
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := iam.EvaluateTrust(consoleAuth, req); !ok {
			b.Fatal("denied")
		}
	}
}

func BenchmarkRoleByARN(b *testing.B) {
	ctx := context.Background()
	s := newService(b, iamtest.NewMemStore(), nil)
	r, err := s.CreateRole(ctx, iam.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: consoleAuth})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RoleByARN(ctx, r.ARN); err != nil {
			b.Fatal(err)
		}
	}
}

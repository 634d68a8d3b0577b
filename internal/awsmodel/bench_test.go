package awsmodel

import "testing"

var (
	benchGetId  = []byte(`{"IdentityPoolId":"us-east-1:0123abcd-0000-4000-8000-0123456789ab","Logins":{"cognito-idp.us-east-1.amazonaws.com/us-east-1_5AO0qbaSS":"eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"}}`)
	benchCreate = []byte(`{"IdentityPoolName":"my pool","AllowUnauthenticatedIdentities":true,"AllowClassicFlow":false,
		"SupportedLoginProviders":{"graph.facebook.com":"123456789012345","accounts.google.com":"123-abc.apps.googleusercontent.com"},
		"DeveloperProviderName":"login.example",
		"OpenIdConnectProviderARNs":["arn:aws:iam::123456789012:oidc-provider/issuer.example.com"],
		"CognitoIdentityProviders":[{"ProviderName":"cognito-idp.us-east-1.amazonaws.com/us-east-1_abcdefghi","ClientId":"6789abcdefghijklmnopqrstuv","ServerSideTokenCheck":false}],
		"IdentityPoolTags":{"team":"identity","env":"prod"}}`)
	benchInvalid = []byte(`{"IdentityId":"","Logins":{"xx.xx.xx/xx-xx-xx-xx-xx":""}}`)
)

func benchCheck(b *testing.B, op string, body []byte, wantErr bool) {
	s := CognitoIdentity()
	if err := s.Check(op, body); (err != nil) != wantErr {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = s.Check(op, body)
	}
}

func BenchmarkCheckGetId(b *testing.B) { benchCheck(b, "GetId", benchGetId, false) }

func BenchmarkCheckCreateIdentityPool(b *testing.B) {
	benchCheck(b, "CreateIdentityPool", benchCreate, false)
}

func BenchmarkCheckInvalid(b *testing.B) {
	benchCheck(b, "GetCredentialsForIdentity", benchInvalid, true)
}

func BenchmarkDecodeGetId(b *testing.B) {
	s := CognitoIdentity()
	type in struct {
		IdentityPoolId string
		Logins         map[string]string
	}
	b.ReportAllocs()
	for b.Loop() {
		var v in
		if err := s.Decode("GetId", benchGetId, &v); err != nil {
			b.Fatal(err)
		}
	}
}

package stsapi

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/idpool/idpool/internal/sigv4"
	"github.com/idpool/idpool/internal/sts"
)

// roleARNRE matches an IAM role ARN.
var roleARNRE = regexp.MustCompile(`^arn:aws[\w-]*:iam::(\d{12}):role/[\w+=,.@/-]+$`)

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUserXML struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type assumeRoleWithWebIdentityResult struct {
	XMLName                     xml.Name           `xml:"AssumeRoleWithWebIdentityResult"`
	Credentials                 credentialsXML     `xml:"Credentials"`
	SubjectFromWebIdentityToken string             `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             assumedRoleUserXML `xml:"AssumedRoleUser"`
	PackedPolicySize            *int               `xml:"PackedPolicySize,omitempty"`
	Provider                    string             `xml:"Provider"`
	Audience                    string             `xml:"Audience"`
}

// assumeRoleWithWebIdentity verifies the token, checks the parameters and
// mints credentials for the role (DurationSeconds, default 3600 s).
func (s *Server) assumeRoleWithWebIdentity(ctx context.Context, form url.Values) (any, error) {
	if err := s.check("AssumeRoleWithWebIdentity", form); err != nil {
		return nil, err
	}
	roleARN := form.Get("RoleArn")
	if !roleARNRE.MatchString(roleARN) {
		return nil, &Error{Code: "ValidationError", Message: "Request ARN is invalid", Status: http.StatusBadRequest}
	}
	duration := time.Hour
	if d := form.Get("DurationSeconds"); d != "" {
		n, _ := strconv.Atoi(d)
		duration = time.Duration(n) * time.Second
	}
	wi, err := s.cfg.Tokens.VerifyWebIdentity(ctx, form.Get("WebIdentityToken"))
	if err != nil {
		return nil, err
	}
	if s.cfg.CheckRole != nil {
		if err := s.cfg.CheckRole(ctx, roleARN, wi, duration); err != nil {
			return nil, err
		}
	}
	c, err := s.cfg.Minter.Mint(sts.MintRequest{
		RoleARN: roleARN, RoleSessionName: form.Get("RoleSessionName"), Subject: wi.Subject,
		Provider: wi.Provider, Audience: wi.Audience, AMR: wi.AMR, SessionTags: wi.Tags, Duration: duration,
	})
	if err != nil {
		return nil, err
	}
	res := assumeRoleWithWebIdentityResult{
		Credentials: credentialsXML{
			AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
			Expiration: c.Expiration.UTC().Format(time.RFC3339),
		},
		SubjectFromWebIdentityToken: wi.Subject,
		AssumedRoleUser:             assumedRoleUserXML{Arn: c.AssumedRoleARN(), AssumedRoleID: c.AssumedRoleID()},
		Provider:                    wi.Provider,
		Audience:                    wi.Audience,
	}
	if len(wi.Tags) > 0 {
		n := 1
		res.PackedPolicySize = &n
	}
	return res, nil
}

type getCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

// getCallerIdentity reports the signer: the assumed role of temporary
// credentials, or the account root for the admin key.
func (s *Server) getCallerIdentity(creds sigv4.Credentials) any {
	if sess, ok := creds.Subject.(sts.Session); ok {
		return getCallerIdentityResult{Arn: sess.AssumedRoleARN(), UserID: sess.AssumedRoleID(), Account: sess.Account()}
	}
	return getCallerIdentityResult{Arn: "arn:aws:iam::" + s.cfg.Account + ":root", UserID: s.cfg.Account, Account: s.cfg.Account}
}

package cognitoapi

import (
	"context"
	"time"

	"github.com/idpool/idpool/internal/awswire"
	"github.com/idpool/idpool/internal/identity"
)

func (s *Server) identityOperations(ops map[string]handler) {
	ops["GetId"] = op(s.getID)
	ops["GetOpenIdToken"] = op(s.getOpenIDToken)
	ops["GetCredentialsForIdentity"] = op(s.getCredentialsForIdentity)
	ops["UnlinkIdentity"] = op(s.unlinkIdentity)
	ops["DescribeIdentity"] = op(s.describeIdentity)
	ops["ListIdentities"] = op(s.listIdentities)
	ops["DeleteIdentities"] = op(s.deleteIdentities)
	ops["GetOpenIdTokenForDeveloperIdentity"] = op(s.getOpenIDTokenForDeveloperIdentity)
	ops["LookupDeveloperIdentity"] = op(s.lookupDeveloperIdentity)
	ops["MergeDeveloperIdentities"] = op(s.mergeDeveloperIdentities)
	ops["UnlinkDeveloperIdentity"] = op(s.unlinkDeveloperIdentity)
}

type getIDInput struct {
	AccountId      string
	IdentityPoolId string
	Logins         map[string]string
}

type identityIDOutput struct {
	IdentityId string `json:"IdentityId"`
}

func (s *Server) getID(ctx context.Context, in *getIDInput) (*identityIDOutput, error) {
	if in.AccountId != "" && in.AccountId != s.cfg.Service.AccountID() {
		return nil, identity.Errorf(identity.CodeResourceNotFound, "IdentityPool '%s' not found.", in.IdentityPoolId)
	}
	id, err := s.cfg.Service.GetID(ctx, in.IdentityPoolId, in.Logins)
	if err != nil {
		return nil, err
	}
	return &identityIDOutput{IdentityId: id}, nil
}

type identityLoginsInput struct {
	IdentityId     string
	Logins         map[string]string
	CustomRoleArn  string
	LoginsToRemove []string
}

type tokenOutput struct {
	IdentityId string `json:"IdentityId"`
	Token      string `json:"Token"`
}

func (s *Server) getOpenIDToken(ctx context.Context, in *identityLoginsInput) (*tokenOutput, error) {
	id, tok, err := s.cfg.Service.GetOpenIDToken(ctx, in.IdentityId, in.Logins)
	if err != nil {
		return nil, err
	}
	return &tokenOutput{IdentityId: id, Token: tok}, nil
}

type credentialsShape struct {
	AccessKeyId  string            `json:"AccessKeyId"`
	SecretKey    string            `json:"SecretKey"`
	SessionToken string            `json:"SessionToken"`
	Expiration   awswire.EpochTime `json:"Expiration"`
}

type credentialsOutput struct {
	IdentityId  string           `json:"IdentityId"`
	Credentials credentialsShape `json:"Credentials"`
}

func (s *Server) getCredentialsForIdentity(ctx context.Context, in *identityLoginsInput) (*credentialsOutput, error) {
	id, c, err := s.cfg.Service.GetCredentials(ctx, in.IdentityId, in.Logins, in.CustomRoleArn)
	if err != nil {
		return nil, err
	}
	return &credentialsOutput{IdentityId: id, Credentials: credentialsShape{
		AccessKeyId: c.AccessKeyID, SecretKey: c.SecretKey, SessionToken: c.SessionToken, Expiration: awswire.EpochTime(c.Expiration),
	}}, nil
}

func (s *Server) unlinkIdentity(ctx context.Context, in *identityLoginsInput) (*empty, error) {
	return &empty{}, s.cfg.Service.UnlinkIdentity(ctx, in.IdentityId, in.Logins, in.LoginsToRemove)
}

type identityDescription struct {
	IdentityId       string            `json:"IdentityId"`
	Logins           []string          `json:"Logins,omitempty"`
	CreationDate     awswire.EpochTime `json:"CreationDate"`
	LastModifiedDate awswire.EpochTime `json:"LastModifiedDate"`
}

func describe(i identity.Identity) identityDescription {
	d := identityDescription{IdentityId: i.ID, CreationDate: awswire.EpochTime(i.CreatedAt), LastModifiedDate: awswire.EpochTime(i.UpdatedAt)}
	for _, l := range i.Logins {
		d.Logins = append(d.Logins, l.Provider)
	}
	return d
}

func (s *Server) describeIdentity(ctx context.Context, in *identityLoginsInput) (*identityDescription, error) {
	i, err := s.cfg.Service.DescribeIdentity(ctx, in.IdentityId)
	if err != nil {
		return nil, err
	}
	d := describe(i)
	return &d, nil
}

type listIdentitiesInput struct {
	IdentityPoolId string
	MaxResults     int
	NextToken      string
	HideDisabled   bool
}

type listIdentitiesOutput struct {
	IdentityPoolId string                `json:"IdentityPoolId"`
	Identities     []identityDescription `json:"Identities"`
	NextToken      string                `json:"NextToken,omitempty"`
}

func (s *Server) listIdentities(ctx context.Context, in *listIdentitiesInput) (*listIdentitiesOutput, error) {
	ids, next, err := s.cfg.Service.ListIdentities(ctx, in.IdentityPoolId, in.MaxResults, in.NextToken, in.HideDisabled)
	if err != nil {
		return nil, err
	}
	out := &listIdentitiesOutput{IdentityPoolId: in.IdentityPoolId, Identities: []identityDescription{}, NextToken: next}
	for _, i := range ids {
		out.Identities = append(out.Identities, describe(i))
	}
	return out, nil
}

type deleteIdentitiesInput struct {
	IdentityIdsToDelete []string
}

type unprocessedShape struct {
	IdentityId string `json:"IdentityId"`
	ErrorCode  string `json:"ErrorCode"`
}

type deleteIdentitiesOutput struct {
	UnprocessedIdentityIds []unprocessedShape `json:"UnprocessedIdentityIds"`
}

func (s *Server) deleteIdentities(ctx context.Context, in *deleteIdentitiesInput) (*deleteIdentitiesOutput, error) {
	out := &deleteIdentitiesOutput{UnprocessedIdentityIds: []unprocessedShape{}}
	for _, u := range s.cfg.Service.DeleteIdentities(ctx, in.IdentityIdsToDelete) {
		out.UnprocessedIdentityIds = append(out.UnprocessedIdentityIds, unprocessedShape{IdentityId: u.IdentityID, ErrorCode: u.ErrorCode})
	}
	return out, nil
}

type developerTokenInput struct {
	IdentityPoolId string
	IdentityId     string
	Logins         map[string]string
	PrincipalTags  map[string]string
	TokenDuration  int64
}

func (s *Server) getOpenIDTokenForDeveloperIdentity(ctx context.Context, in *developerTokenInput) (*tokenOutput, error) {
	id, tok, err := s.cfg.Service.GetOpenIDTokenForDeveloperIdentity(ctx, identity.DeveloperTokenRequest{
		PoolID: in.IdentityPoolId, IdentityID: in.IdentityId, Logins: in.Logins, PrincipalTags: in.PrincipalTags,
		TokenDuration: time.Duration(in.TokenDuration) * time.Second,
	})
	if err != nil {
		return nil, err
	}
	return &tokenOutput{IdentityId: id, Token: tok}, nil
}

type developerInput struct {
	IdentityPoolId            string
	IdentityId                string
	DeveloperUserIdentifier   string
	DeveloperProviderName     string
	SourceUserIdentifier      string
	DestinationUserIdentifier string
	MaxResults                int
	NextToken                 string
}

type lookupOutput struct {
	IdentityId                  string   `json:"IdentityId,omitempty"`
	DeveloperUserIdentifierList []string `json:"DeveloperUserIdentifierList"`
	NextToken                   string   `json:"NextToken,omitempty"`
}

func (s *Server) lookupDeveloperIdentity(ctx context.Context, in *developerInput) (*lookupOutput, error) {
	r, err := s.cfg.Service.LookupDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.DeveloperUserIdentifier, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &lookupOutput{IdentityId: r.IdentityID, DeveloperUserIdentifierList: r.UserIDs, NextToken: r.NextToken}
	if out.DeveloperUserIdentifierList == nil {
		out.DeveloperUserIdentifierList = []string{}
	}
	return out, nil
}

func (s *Server) mergeDeveloperIdentities(ctx context.Context, in *developerInput) (*identityIDOutput, error) {
	id, err := s.cfg.Service.MergeDeveloperIdentities(ctx, in.IdentityPoolId, in.DeveloperProviderName, in.SourceUserIdentifier, in.DestinationUserIdentifier)
	if err != nil {
		return nil, err
	}
	return &identityIDOutput{IdentityId: id}, nil
}

func (s *Server) unlinkDeveloperIdentity(ctx context.Context, in *developerInput) (*empty, error) {
	return &empty{}, s.cfg.Service.UnlinkDeveloperIdentity(ctx, in.IdentityPoolId, in.IdentityId, in.DeveloperProviderName, in.DeveloperUserIdentifier)
}

package identity

import "time"

// Pool is an identity pool with everything configured on it: the fields of
// Cognito's IdentityPool shape, its roles and role mappings, its principal
// tag maps and its tags. Optional booleans are pointers because Cognito
// distinguishes "never set" from false (AllowClassicFlow gates the classic
// flow only when explicitly false).
type Pool struct {
	ID                        string
	Name                      string
	AllowUnauthenticated      bool
	AllowClassicFlow          *bool
	SupportedLoginProviders   map[string]string
	DeveloperProviderName     string
	OpenIDConnectProviderARNs []string
	CognitoIdentityProviders  []CognitoProvider
	SAMLProviderARNs          []string
	Tags                      map[string]string

	// Roles maps "authenticated"/"unauthenticated" to a role ARN.
	Roles map[string]string
	// RoleMappings maps a provider name to its role mapping.
	RoleMappings map[string]RoleMapping
	// PrincipalTagMaps maps a provider name to its principal tag mapping.
	PrincipalTagMaps map[string]PrincipalTagMap

	CreatedAt time.Time
	UpdatedAt time.Time
}

// CognitoProvider is one Cognito user pool app client trusted by a pool.
type CognitoProvider struct {
	ProviderName         string
	ClientID             string
	ServerSideTokenCheck *bool
}

// RoleMapping chooses a role for logins of one provider.
type RoleMapping struct {
	Type                    string // "Token" or "Rules"
	AmbiguousRoleResolution string // "AuthenticatedRole" or "Deny"; may be empty
	Rules                   []MappingRule
	// HasRulesConfiguration records whether RulesConfiguration was sent, so
	// that it is returned exactly as it was set.
	HasRulesConfiguration bool
}

// MappingRule is one rule of a Rules role mapping.
type MappingRule struct {
	Claim     string
	MatchType string // Equals, Contains, StartsWith, NotEqual
	Value     string
	RoleARN   string
}

// PrincipalTagMap maps principal tag keys to claim names for one provider.
type PrincipalTagMap struct {
	UseDefaults bool
	Tags        map[string]string
}

// Identity is one identity of a pool with its linked logins.
type Identity struct {
	ID        string
	PoolID    string
	Logins    []Login
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Login is one provider login linked to an identity. Provider is the Logins
// map key (for example "graph.facebook.com" or the pool's developer provider
// name); Subject is the provider's stable user identifier.
type Login struct {
	Provider string
	Subject  string
}

// IsAuthenticated reports whether the identity has any linked login.
func (i Identity) IsAuthenticated() bool { return len(i.Logins) > 0 }

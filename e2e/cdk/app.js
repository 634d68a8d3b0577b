// A CDK app (plain JavaScript) with an identity pool trusting a user pool
// app client and an OIDC provider, default roles and a Rules role mapping.
// The idpool end-to-end tests synthesize it with `node app.js <outdir>` and
// apply the template with `idpool apply`. IDPOOL_CDK_VARIANT=2 is the edited
// app: a renamed pool, guests allowed, one more rule.
const cdk = require('aws-cdk-lib');
const cognito = require('aws-cdk-lib/aws-cognito');
const iam = require('aws-cdk-lib/aws-iam');
const idp = require('aws-cdk-lib/aws-cognito-identitypool');

const outdir = process.argv[2] || 'cdk.out';
const variant = process.env.IDPOOL_CDK_VARIANT || '1';
const userPoolId = process.env.IDPOOL_CDK_USER_POOL_ID || 'us-east-1_Example1';
const clientId = process.env.IDPOOL_CDK_CLIENT_ID || 'exampleclient1234567890';
const issuer = process.env.IDPOOL_CDK_OIDC_ISSUER || 'https://login.example.com';

const app = new cdk.App({ outdir });
const stack = new cdk.Stack(app, 'IdpoolCdkStack', {
  env: { account: '000000000000', region: 'us-east-1' },
});

const userPool = cognito.UserPool.fromUserPoolId(stack, 'UserPool', userPoolId);
const client = cognito.UserPoolClient.fromUserPoolClientId(stack, 'Client', clientId);

const oidc = new iam.OidcProviderNative(stack, 'Oidc', {
  url: issuer,
  clientIds: ['oidc-app'],
  thumbprints: ['0123456789abcdef0123456789abcdef01234567'],
});

const admins = new iam.Role(stack, 'AdminRole', {
  assumedBy: new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {}, 'sts:AssumeRoleWithWebIdentity'),
});
const editors = new iam.Role(stack, 'EditorRole', {
  assumedBy: new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {}, 'sts:AssumeRoleWithWebIdentity'),
});

const rules = [
  { claim: 'custom:group', claimValue: 'admin', mappedRole: admins },
];
if (variant === '2') {
  rules.push({ claim: 'custom:group', claimValue: 'edit', mappedRole: editors, matchType: idp.RoleMappingMatchType.STARTS_WITH });
}

const pool = new idp.IdentityPool(stack, 'Pool', {
  identityPoolName: variant === '2' ? 'cdk-pool-v2' : 'cdk-pool',
  allowUnauthenticatedIdentities: variant === '2',
  authenticationProviders: {
    userPools: [new idp.UserPoolAuthenticationProvider({ userPool, userPoolClient: client })],
    openIdConnectProviders: [oidc],
  },
  roleMappings: [{
    mappingKey: 'userpool',
    providerUrl: idp.IdentityPoolProviderUrl.userPool(userPool, client),
    rules,
  }],
});

new cdk.CfnOutput(stack, 'PoolId', { value: pool.identityPoolId });
new cdk.CfnOutput(stack, 'AuthenticatedRoleArn', { value: pool.authenticatedRole.roleArn });
app.synth();

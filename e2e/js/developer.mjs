// Developer-authenticated flow, client side, with the AWS SDK for
// JavaScript v3, run by e2e/dataplane_js_test.go against a real idpool
// server. The backend part (GetOpenIdTokenForDeveloperIdentity, signed) is
// done by the Go test; this script gets the IdentityId and OpenID token.
//
// Input (environment): IDPOOL_URL, IDPOOL_REGION, IDPOOL_IDENTITY_ID,
// IDPOOL_TOKEN, and optionally IDPOOL_OTHER_TOKEN (a token of another
// identity, which must be refused) and IDPOOL_OTHER_URL (a second node of
// the same deployment: the credentials are then also checked there).
// Output: one JSON document on stdout:
//   credentials: fromCognitoIdentity({identityId, logins}) → credentials
//   caller:      STS GetCallerIdentity with the provider as credentials
//   otherCaller: the same on IDPOOL_OTHER_URL
//   mismatch:    the error fromCognitoIdentity raises with IDPOOL_OTHER_TOKEN
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentity } from "@aws-sdk/credential-providers";

function need(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set`);
  }
  return v;
}

const endpoint = need("IDPOOL_URL");
const region = need("IDPOOL_REGION");
const identityId = need("IDPOOL_IDENTITY_ID");
const token = need("IDPOOL_TOKEN");

const clientConfig = { region, endpoint, maxAttempts: 1 };
const provider = fromCognitoIdentity({
  identityId,
  logins: { "cognito-identity.amazonaws.com": token },
  clientConfig,
});

const result = {};
const creds = await provider();
result.credentials = {
  identityId: creds.identityId,
  accessKeyId: creds.accessKeyId,
  hasSecret: typeof creds.secretAccessKey === "string" && creds.secretAccessKey.length > 0,
  hasSessionToken: typeof creds.sessionToken === "string" && creds.sessionToken.length > 0,
  expiration: creds.expiration?.toISOString(),
};
const sts = new STSClient({ region, endpoint, credentials: provider, maxAttempts: 1 });
const caller = await sts.send(new GetCallerIdentityCommand({}));
result.caller = { Arn: caller.Arn, UserId: caller.UserId, Account: caller.Account };
if (process.env.IDPOOL_OTHER_URL) {
  const other = new STSClient({ region, endpoint: process.env.IDPOOL_OTHER_URL, credentials: creds, maxAttempts: 1 });
  const o = await other.send(new GetCallerIdentityCommand({}));
  result.otherCaller = { Arn: o.Arn, UserId: o.UserId, Account: o.Account };
}

const other = process.env.IDPOOL_OTHER_TOKEN;
if (other) {
  try {
    const c = await fromCognitoIdentity({
      identityId,
      logins: { "cognito-identity.amazonaws.com": other },
      clientConfig,
    })();
    result.mismatch = { unexpectedAccessKeyId: c.accessKeyId };
  } catch (err) {
    result.mismatch = { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
}

process.stdout.write(JSON.stringify(result) + "\n");

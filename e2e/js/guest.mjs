// Guest (unauthenticated, enhanced) flow with the AWS SDK for JavaScript v3,
// run by e2e/dataplane_js_test.go against a real idpool server.
//
// Input (environment): IDPOOL_URL, IDPOOL_REGION, IDPOOL_POOL_ID, and
// optionally IDPOOL_CLOSED_POOL_ID (a pool without guest access) and
// IDPOOL_OTHER_URL (a second node of the same deployment: the credentials
// are then also checked there, as otherCaller).
// Output: one JSON document on stdout:
//   provider: fromCognitoIdentityPool → credentials → STS GetCallerIdentity
//             (with the provider itself as the STS client's credentials)
//   direct:   CognitoIdentityClient GetId → GetCredentialsForIdentity →
//             STS GetCallerIdentity with those credentials
//   closed:   the error GetId raises on IDPOOL_CLOSED_POOL_ID
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from "@aws-sdk/client-cognito-identity";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";

function need(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set`);
  }
  return v;
}

const endpoint = need("IDPOOL_URL");
const region = need("IDPOOL_REGION");
const identityPoolId = need("IDPOOL_POOL_ID");

const otherEndpoint = process.env.IDPOOL_OTHER_URL;

async function callerIdentity(credentials, at = endpoint) {
  const sts = new STSClient({ region, endpoint: at, credentials, maxAttempts: 1 });
  const out = await sts.send(new GetCallerIdentityCommand({}));
  return { Arn: out.Arn, UserId: out.UserId, Account: out.Account };
}

function describeError(err) {
  return {
    name: err.name,
    message: err.message,
    status: err.$metadata?.httpStatusCode,
    fault: err.$fault,
  };
}

const result = {};

// 1. The credential provider apps use.
const provider = fromCognitoIdentityPool({
  identityPoolId,
  clientConfig: { region, endpoint, maxAttempts: 1 },
});
const creds = await provider();
result.provider = {
  identityId: creds.identityId,
  accessKeyId: creds.accessKeyId,
  hasSecret: typeof creds.secretAccessKey === "string" && creds.secretAccessKey.length > 0,
  hasSessionToken: typeof creds.sessionToken === "string" && creds.sessionToken.length > 0,
  expiration: creds.expiration?.toISOString(),
  caller: await callerIdentity(provider),
};
if (otherEndpoint) {
  result.provider.otherCaller = await callerIdentity(creds, otherEndpoint);
}

// 2. The client directly.
const cognito = new CognitoIdentityClient({ region, endpoint, maxAttempts: 1 });
const { IdentityId } = await cognito.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
const out = await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId }));
result.direct = {
  identityId: IdentityId,
  responseIdentityId: out.IdentityId,
  accessKeyId: out.Credentials.AccessKeyId,
  expiration: out.Credentials.Expiration?.toISOString(),
};
const direct = {
  accessKeyId: out.Credentials.AccessKeyId,
  secretAccessKey: out.Credentials.SecretKey,
  sessionToken: out.Credentials.SessionToken,
};
result.direct.caller = await callerIdentity(direct);
if (otherEndpoint) {
  result.direct.otherCaller = await callerIdentity(direct, otherEndpoint);
}

// 3. A pool that refuses guests.
const closed = process.env.IDPOOL_CLOSED_POOL_ID;
if (closed) {
  try {
    const r = await cognito.send(new GetIdCommand({ IdentityPoolId: closed }));
    result.closed = { unexpectedIdentityId: r.IdentityId };
  } catch (err) {
    result.closed = describeError(err);
  }
}

process.stdout.write(JSON.stringify(result) + "\n");

"""The identity data-plane flows with boto3, run by e2e/dataplane_clients_test.go.

Usage: dataplane_flows.py guest|developer|classic

Input (environment): IDPOOL_URL, IDPOOL_REGION, optionally IDPOOL_OTHER_URL
(a second node of the same deployment: every flow then also calls
GetCallerIdentity there, as "OtherCaller"), and per flow
  guest:     IDPOOL_POOL_ID, optionally IDPOOL_CLOSED_POOL_ID (refuses guests)
  developer: IDPOOL_POOL_ID, IDPOOL_DEVELOPER_PROVIDER, IDPOOL_DEVELOPER_USER,
             plus admin credentials in the usual AWS_* variables / profile
             (GetOpenIdTokenForDeveloperIdentity and LookupDeveloperIdentity
             are signed)
  classic:   IDPOOL_POOL_ID, IDPOOL_ROLE_ARN, IDPOOL_SESSION_NAME, and
             optionally IDPOOL_NOCLASSIC_POOL_ID (AllowClassicFlow=false)
Output: one JSON document on stdout with what each call returned; the Go test
asserts on it. Errors the flow expects are reported as {"code", "message"};
any other error fails the script (non-zero exit, traceback on stderr).

The public operations (GetId, GetOpenIdToken, GetCredentialsForIdentity,
AssumeRoleWithWebIdentity) go through clients configured with
signature_version=UNSIGNED, so they prove the server accepts them unsigned.
"""

import json
import os
import sys

import boto3
import botocore
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

URL = os.environ["IDPOOL_URL"]
OTHER_URL = os.environ.get("IDPOOL_OTHER_URL")
REGION = os.environ["IDPOOL_REGION"]
NO_RETRY = {"max_attempts": 1, "mode": "standard"}


def public(service):
    return boto3.client(service, endpoint_url=URL, region_name=REGION,
                        config=Config(signature_version=UNSIGNED, retries=NO_RETRY))


def admin(service):
    return boto3.client(service, endpoint_url=URL, region_name=REGION,
                        config=Config(retries=NO_RETRY))


def with_credentials(service, creds, url=URL):
    """A client signing with temporary credentials (boto3 or STS shape)."""
    secret = creds.get("SecretKey") or creds.get("SecretAccessKey")
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=secret,
                        aws_session_token=creds["SessionToken"],
                        config=Config(retries=NO_RETRY))


def caller(creds, url=URL):
    out = with_credentials("sts", creds, url).get_caller_identity()
    return {"Arn": out["Arn"], "UserId": out["UserId"], "Account": out["Account"]}


def add_other_caller(res, creds):
    """GetCallerIdentity on the second node, when there is one."""
    if OTHER_URL:
        res["OtherCaller"] = caller(creds, OTHER_URL)
    return res


def creds_summary(creds):
    return {
        "AccessKeyId": creds["AccessKeyId"],
        "HasSecret": bool(creds.get("SecretKey") or creds.get("SecretAccessKey")),
        "HasSessionToken": bool(creds.get("SessionToken")),
        "Expiration": creds["Expiration"].timestamp(),
    }


def error_of(fn, **kwargs):
    try:
        out = fn(**kwargs)
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    out.pop("ResponseMetadata", None)
    return {"unexpected": json.loads(json.dumps(out, default=str))}


def guest():
    ci = public("cognito-identity")
    pool = os.environ["IDPOOL_POOL_ID"]
    identity_id = ci.get_id(IdentityPoolId=pool)["IdentityId"]
    out = ci.get_credentials_for_identity(IdentityId=identity_id)
    res = {
        "IdentityId": identity_id,
        "ResponseIdentityId": out["IdentityId"],
        "Credentials": creds_summary(out["Credentials"]),
        "Caller": caller(out["Credentials"]),
    }
    add_other_caller(res, out["Credentials"])
    # The same identity again: a returning guest gets fresh credentials.
    again = ci.get_credentials_for_identity(IdentityId=identity_id)
    res["AgainIdentityId"] = again["IdentityId"]
    res["AgainAccessKeyId"] = again["Credentials"]["AccessKeyId"]
    closed = os.environ.get("IDPOOL_CLOSED_POOL_ID")
    if closed:
        res["Closed"] = error_of(ci.get_id, IdentityPoolId=closed)
    return res


def developer():
    pool = os.environ["IDPOOL_POOL_ID"]
    provider = os.environ["IDPOOL_DEVELOPER_PROVIDER"]
    user = os.environ["IDPOOL_DEVELOPER_USER"]
    ci_admin = admin("cognito-identity")
    tok = ci_admin.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={provider: user},
        PrincipalTags={"team": "blue"}, TokenDuration=1800)
    again = ci_admin.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={provider: user})
    lookup = ci_admin.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier=user, MaxResults=10)
    out = public("cognito-identity").get_credentials_for_identity(
        IdentityId=tok["IdentityId"], Logins={"cognito-identity.amazonaws.com": tok["Token"]})
    return add_other_caller({
        "IdentityId": tok["IdentityId"],
        "Token": tok["Token"],
        "AgainIdentityId": again["IdentityId"],
        "AgainToken": again["Token"],
        "Lookup": {"IdentityId": lookup.get("IdentityId"),
                   "DeveloperUserIdentifierList": lookup.get("DeveloperUserIdentifierList")},
        "CredentialsIdentityId": out["IdentityId"],
        "Credentials": creds_summary(out["Credentials"]),
        "Caller": caller(out["Credentials"]),
    }, out["Credentials"])


def classic():
    pool = os.environ["IDPOOL_POOL_ID"]
    ci = public("cognito-identity")
    identity_id = ci.get_id(IdentityPoolId=pool)["IdentityId"]
    tok = ci.get_open_id_token(IdentityId=identity_id)
    out = public("sts").assume_role_with_web_identity(
        RoleArn=os.environ["IDPOOL_ROLE_ARN"], RoleSessionName=os.environ["IDPOOL_SESSION_NAME"],
        WebIdentityToken=tok["Token"], DurationSeconds=900)
    res = {
        "IdentityId": identity_id,
        "TokenIdentityId": tok["IdentityId"],
        "Token": tok["Token"],
        "SubjectFromWebIdentityToken": out["SubjectFromWebIdentityToken"],
        "Audience": out["Audience"],
        "Provider": out["Provider"],
        "AssumedRoleUser": out["AssumedRoleUser"],
        "Credentials": creds_summary(out["Credentials"]),
        "Caller": caller(out["Credentials"]),
    }
    add_other_caller(res, out["Credentials"])
    noclassic = os.environ.get("IDPOOL_NOCLASSIC_POOL_ID")
    if noclassic:
        other = ci.get_id(IdentityPoolId=noclassic)["IdentityId"]
        res["NoClassic"] = error_of(ci.get_open_id_token, IdentityId=other)
    return res


FLOWS = {"guest": guest, "developer": developer, "classic": classic}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FLOWS:
        sys.exit("usage: dataplane_flows.py " + "|".join(FLOWS))
    result = FLOWS[sys.argv[1]]()
    result["versions"] = {"boto3": boto3.__version__, "botocore": botocore.__version__}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")

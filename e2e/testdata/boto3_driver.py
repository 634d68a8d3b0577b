"""Drive a cognito-identity endpoint with boto3, one call per input line.

Run with /usr/bin/python3 (Debian python3-boto3). The first line of stdin
configures the client:

  {"endpoint": "http://127.0.0.1:PORT",
   "profile": "idpool"}                          # credentials from the profile
                                                 # (AWS_SHARED_CREDENTIALS_FILE),
  or {"endpoint": ..., "region": "us-east-1",
      "access_key": "...", "secret_key": "..."}  # explicit credentials,
  or {"endpoint": ..., "region": ..., "unsigned": true}

and is answered with {"ready": true}. Every further line is a call,

  {"op": "CreateIdentityPool", "params": {...}}
  {"paginate": "ListIdentityPools", "params": {...}, "config": {"PageSize": 3}}

answered by exactly one JSON line: {"result": {...}, "status": 200,
"request_id": "..."} with ResponseMetadata removed from the result, or
{"error": {"Code": ..., "Message": ..., "HTTPStatusCode": ...,
"RequestId": ..., "ErrorType": <x-amzn-ErrorType header>}}. A paginate call
answers {"pages": [page, ...], "full": <build_full_result()>}. Client-side
parameter validation errors answer {"error": {"Code": "ParamValidation",
"Message": ...}}.
"""
import json
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError


def make_client(cfg):
    kwargs = {
        "endpoint_url": cfg["endpoint"],
        # No retries: a test must see the first answer.
        "config": Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    }
    if cfg.get("unsigned"):
        kwargs["config"] = kwargs["config"].merge(Config(signature_version=botocore.UNSIGNED))
    if "profile" in cfg:
        session = boto3.Session(profile_name=cfg["profile"])
        if "region" in cfg:
            kwargs["region_name"] = cfg["region"]
    else:
        session = boto3.Session(
            aws_access_key_id=cfg.get("access_key", "AKIAUNUSEDUNUSED0000"),
            aws_secret_access_key=cfg.get("secret_key", "unused-unused-unused-unused"),
            region_name=cfg["region"],
        )
    return session.client("cognito-identity", **kwargs)


def strip_meta(result):
    meta = result.pop("ResponseMetadata", {})
    return result, meta.get("HTTPStatusCode"), meta.get("RequestId")


def error_of(e):
    if isinstance(e, ParamValidationError):
        return {"Code": "ParamValidation", "Message": str(e)}
    err = e.response.get("Error", {})
    meta = e.response.get("ResponseMetadata", {})
    headers = meta.get("HTTPHeaders", {})
    return {
        "Code": err.get("Code"),
        "Message": err.get("Message"),
        "HTTPStatusCode": meta.get("HTTPStatusCode"),
        "RequestId": meta.get("RequestId"),
        "ErrorType": headers.get("x-amzn-errortype"),
    }


def handle(client, call):
    try:
        if "paginate" in call:
            name = botocore.xform_name(call["paginate"])
            pager = client.get_paginator(name)
            it = pager.paginate(PaginationConfig=call.get("config", {}), **call.get("params", {}))
            pages = [strip_meta(dict(p))[0] for p in it]
            full = pager.paginate(PaginationConfig=call.get("config", {}), **call.get("params", {})).build_full_result()
            full.pop("ResponseMetadata", None)
            return {"pages": pages, "full": full}
        fn = getattr(client, botocore.xform_name(call["op"]))
        result, status, request_id = strip_meta(fn(**call.get("params", {})))
        return {"result": result, "status": status, "request_id": request_id}
    except (ClientError, ParamValidationError) as e:
        return {"error": error_of(e)}


def main():
    client = None
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        if client is None:
            client = make_client(msg)
            out = {"ready": True, "boto3": boto3.__version__, "botocore": botocore.__version__}
        else:
            out = handle(client, msg)
        sys.stdout.write(json.dumps(out, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

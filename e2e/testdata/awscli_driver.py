"""Run many AWS CLI v2 commands in one /usr/bin/python3 process.

/usr/bin/aws (Debian awscli) is three lines: it imports awscli.clidriver and
returns AWSCLIEntryPoint().main(sys.argv[1:]) as the exit code. This driver
calls that same entry point once per input line, with stdout and stderr
captured, so that a test can run dozens of CLI commands without paying the
interpreter start-up (~0.5 s) for each. Every command gets a fresh CLI driver
and botocore session, exactly as a new process would; the environment
(credentials file, region, pager) is the driver process's own.

Input, one JSON line per command: {"args": ["--endpoint-url", URL, ...,
"cognito-identity", "describe-identity-pool", ...]} (without "aws").
Output, one JSON line per command: {"rc": <exit code>, "stdout": "...",
"stderr": "..."}. The first output line is {"ready": true, "version": ...}.
"""
import io
import json
import os
import sys

# As /usr/bin/aws does.
if os.environ.get("LC_CTYPE", "") == "UTF-8":
    os.environ["LC_CTYPE"] = "en_US.UTF-8"

import awscli
from awscli.clidriver import AWSCLIEntryPoint


def run(args):
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        rc = AWSCLIEntryPoint().main(args)
    except SystemExit as e:  # argparse errors, --version
        rc = e.code if isinstance(e.code, int) else 255
    finally:
        sys.stdout, sys.stderr = saved
    return {"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main():
    real_stdout = sys.stdout
    real_stdout.write(json.dumps({"ready": True, "version": awscli.__version__}) + "\n")
    real_stdout.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        result = run(json.loads(line)["args"])
        real_stdout.write(json.dumps(result) + "\n")
        real_stdout.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Signs up one adult from an address of its own and prints its access token.

Usage: sign_up.py GRAPHQL_URL. Standard library only. The bench's signed-in row
(tf_signed) reads with this token; it lives 15 minutes, longer than a run.
"""
import http.client
import json
import random
import sys
import time
import urllib.parse

parts = urllib.parse.urlparse(sys.argv[1])
source = f"127.{random.randrange(1, 250)}.{random.randrange(1, 250)}.{random.randrange(2, 250)}"


def post(query, variables=None):
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10, source_address=(source, 0))
    conn.request("POST", parts.path, json.dumps({"query": query, "variables": variables or {}}),
                 {"Content-Type": "application/json"})
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body


version = post("{ privacyPolicy { version } }")["data"]["privacyPolicy"]["version"]
tag = f"{int(time.time())}{random.randrange(1000)}"
answer = post(
    "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
    {"i": {"handle": f"signed{tag}"[:24], "displayName": "Signed-in reader", "email": f"signed{tag}@example.com",
           "password": "bench-reader-password", "birthDate": "1990-01-01", "acceptedPolicyVersion": version}},
)
if "errors" in answer:
    sys.exit(f"sign-up failed: {answer['errors'][0].get('message')}")
print(answer["data"]["signUp"]["accessToken"])

"""The disk of a SQLite deployment turns read-only under writes.

Writes acknowledged before must all be there after; writes during must get
a clear error (never a hang or a crash); the process must keep answering;
once the disk is writable again, writes succeed again.

    python3 read_only_disk.py http://127.0.0.1:8083 /mount/point
"""
import json
import subprocess
import sys
import urllib.request

BASE, MOUNT = sys.argv[1], sys.argv[2]


def graphql(query, variables=None, token=None):
    request = urllib.request.Request(
        BASE + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except Exception as error:  # a hang or a dropped connection is a finding
        return 0, {"errors": [{"extensions": {"code": type(error).__name__}}]}


def healthy():
    try:
        with urllib.request.urlopen(BASE + "/healthz", timeout=5) as answer:
            return answer.status == 200
    except Exception:
        return False


SIGN_UP = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }"
_, signed = graphql(SIGN_UP, {"i": {"handle": "disk.writer", "displayName": "Người viết", "email": "disk@example.com",
                                    "password": "mot lan thu cho biet", "birthDate": "1990-01-01", "acceptedPolicyVersion": 1}})
token = signed["data"]["signUp"]["accessToken"]
_, created = graphql(
    "mutation($i: CreateContentInput!) { createContent(input: $i) { id } }",
    {"i": {"title": "Phở bò", "language": "vi", "mediaUrl": "https://media.example/pho.mp4", "durationSeconds": 30,
           "tagSlugs": ["food"]}},
    token,
)
content = created["data"]["createContent"]["id"]
ADD = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }"


def comment(n):
    status, answer = graphql(ADD, {"c": content, "b": f"Bình luận {n}"}, token)
    data = (answer or {}).get("data") or {}
    codes = [e.get("extensions", {}).get("code") for e in (answer or {}).get("errors", [])]
    return status, (data.get("addComment") or {}).get("id"), codes


acknowledged = [i for i in (comment(n)[1] for n in range(20)) if i]
print(f"before: {len(acknowledged)} of 20 comments acknowledged")
subprocess.run(["mount", "-o", "remount,ro", MOUNT], check=True)
during = [comment(100 + n) for n in range(20)]
acknowledged += [i for _, i, _ in during if i]
codes = sorted({c for _, _, cs in during for c in cs})
statuses = sorted({s for s, _, _ in during})
print(f"read-only: {sum(1 for _, i, _ in during if i)} of 20 acknowledged; HTTP statuses {statuses}; codes {codes}")
_, read = graphql("{ contents(first: 5) { edges { node { id } } } }")
print(f"read-only: process answering /healthz: {healthy()}; reads: {'errors' not in read or not read['errors']}")
subprocess.run(["mount", "-o", "remount,rw", MOUNT], check=True)
after = [comment(200 + n) for n in range(5)]
acknowledged += [i for _, i, _ in after if i]
print(f"writable again: {sum(1 for _, i, _ in after if i)} of 5 acknowledged")
_, listed = graphql("query($c: ID!) { content(id: $c) { comments(first: 50) { edges { node { id } } } } }", {"c": content}, token)
present = {e["node"]["id"] for e in listed["data"]["content"]["comments"]["edges"]}
lost = [i for i in acknowledged if i not in present]
print(f"acknowledged writes: {len(acknowledged)}; present afterwards: {len(acknowledged) - len(lost)}; lost: {len(lost)}")
sys.exit(1 if lost or not healthy() else 0)

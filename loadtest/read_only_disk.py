"""The disk of a SQLite deployment turns read-only under writes.

Writes during must get a clear error (never a hang or a crash) and the
process must keep answering; every write acknowledged, before or during,
must be there once the disk is writable again and the server restarted.

    python3 read_only_disk.py write http://127.0.0.1:8083 "blockdev --setro /dev/loop0" acknowledged.json
    python3 read_only_disk.py verify http://127.0.0.1:8083 acknowledged.json
"""
import json
import subprocess
import sys
import urllib.request

MODE, BASE = sys.argv[1], sys.argv[2]


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
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { accessToken } }"
LIST = "query($c: ID!) { content(id: $c) { comments(first: 50) { edges { node { id } } } } }"
ADD = "mutation($c: ID!, $b: String!) { addComment(contentId: $c, body: $b) { id } }"
PASSWORD = "mot lan thu cho biet"

if MODE == "verify":
    saved = json.load(open(sys.argv[3]))
    _, signed = graphql(LOG_IN, {"e": "disk@example.com", "p": PASSWORD})
    token = signed["data"]["logIn"]["accessToken"]
    _, listed = graphql(LIST, {"c": saved["content"]}, token)
    present = {e["node"]["id"] for e in listed["data"]["content"]["comments"]["edges"]}
    lost = [i for i in saved["acknowledged"] if i not in present]
    print(f"after the restart on a writable disk: {len(saved['acknowledged'])} acknowledged writes, "
          f"{len(saved['acknowledged']) - len(lost)} present, {len(lost)} lost")
    status, answer, codes = None, None, None
    status, answer = graphql(ADD, {"c": saved["content"], "b": "Sau khi khôi phục"}, token)
    print(f"writing again: {'ok' if (answer.get('data') or {}).get('addComment') else answer}")
    sys.exit(1 if lost else 0)

MAKE_READ_ONLY, SAVE_TO = sys.argv[3], sys.argv[4]
_, signed = graphql(SIGN_UP, {"i": {"handle": "disk.writer", "displayName": "Người viết", "email": "disk@example.com",
                                    "password": PASSWORD, "birthDate": "1990-01-01", "acceptedPolicyVersion": 1}})
token = signed["data"]["signUp"]["accessToken"]
_, created = graphql(
    "mutation($i: CreateContentInput!) { createContent(input: $i) { id } }",
    {"i": {"title": "Phở bò", "language": "vi", "mediaUrl": "https://media.example/pho.mp4", "durationSeconds": 30,
           "tagSlugs": ["food"]}},
    token,
)
content = created["data"]["createContent"]["id"]


def comment(n):
    status, answer = graphql(ADD, {"c": content, "b": f"Bình luận {n}"}, token)
    data = (answer or {}).get("data") or {}
    codes = [e.get("extensions", {}).get("code") for e in (answer or {}).get("errors", [])]
    return status, (data.get("addComment") or {}).get("id"), codes


acknowledged = [i for i in (comment(n)[1] for n in range(20)) if i]
print(f"before: {len(acknowledged)} of 20 comments acknowledged")
subprocess.run(MAKE_READ_ONLY, shell=True, check=True)
during = [comment(100 + n) for n in range(30)]
acknowledged += [i for _, i, _ in during if i]
codes = sorted({c for _, _, cs in during for c in cs})
statuses = sorted({s for s, _, _ in during})
print(f"read-only: {sum(1 for _, i, _ in during if i)} of 30 acknowledged; HTTP statuses {statuses}; codes {codes}")
_, read = graphql(LIST, {"c": content}, token)
print(f"read-only: /healthz answers: {healthy()}; reads answer: {not read.get('errors')}")
json.dump({"content": content, "acknowledged": acknowledged}, open(SAVE_TO, "w"))
sys.exit(0 if healthy() else 1)

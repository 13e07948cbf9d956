"""Issue #24, check 3: a front end's HAR, written by hand, with two faults the judge must find, and nothing else.

    python benchmarks/har_check.py

The front end reads GET /v1.0/tags/undefined (a bug of its own: the server answers 200 with a tag, so the server
accepts a malformed id) and a typo route GET /v1.0/tag (answered 404 text/plain, not the error envelope), among
correct traffic: a list of tags and calls, a tag read, a tag created. `judge x.har` must report exactly 2
problems; `judge x.har --checks tenant_isolation` judges nothing of that check and must not pass.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lcl9pZCI6ImhhciJ9.c2lnbmF0dXJlLWhhci1jaGVjaw"
CUSTOMER = "5e4a0680-804e-11ec-8477-2fea5968d85b"
BASE = "https://api.voipbin.net/v1.0"
T = "2026-01-15 10:00:00.000000"


def tag(n: int) -> dict[str, object]:
    return {
        "id": f"d9d32881-12fd-4b19-a6b2-6d5b6b6acf7{n}",
        "customer_id": CUSTOMER,
        "name": f"tag {n}",
        "detail": "from the HAR",
        "tm_create": T,
        "tm_update": T,
        "tm_delete": "",
    }


def call(n: int) -> dict[str, object]:
    addr = {"type": "tel", "target": f"+8210000000{n}", "target_name": "", "name": "", "detail": ""}
    return {
        "id": f"a1b2c3d4-12fd-4b19-a6b2-6d5b6b6acf7{n}",
        "customer_id": CUSTOMER,
        "tm_create": T,
        "tm_update": T,
        "tm_delete": "",
        "flow_id": "00000000-0000-0000-0000-000000000000",
        "type": "flow",
        "source": addr,
        "destination": addr,
        "status": "hangup",
        "direction": "outgoing",
        "hangup_reason": "normal",
    }


def entry(
    method: str, path: str, status: int, body: object, mime: str = "application/json", sent: object = None
) -> dict[str, object]:
    text = body if isinstance(body, str) else json.dumps(body)
    headers = [{"name": "Authorization", "value": f"Bearer {TOKEN}"}, {"name": "Accept", "value": "application/json"}]
    request: dict[str, object] = {
        "method": method,
        "url": BASE + path,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": [],
        "headersSize": -1,
        "bodySize": 0,
    }
    if sent is not None:
        raw = json.dumps(sent)
        headers.append({"name": "Content-Type", "value": "application/json"})
        request["postData"] = {"mimeType": "application/json", "text": raw}
        request["bodySize"] = len(raw)
    reason = {200: "OK", 404: "Not Found"}[status]
    return {
        "startedDateTime": "2026-01-15T10:00:00.000Z",
        "time": 12,
        "request": request,
        "response": {
            "status": status,
            "statusText": reason,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": "Content-Type", "value": mime}],
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(text),
            "content": {"size": len(text), "mimeType": mime, "text": text},
        },
        "cache": {},
        "timings": {"send": 1, "wait": 10, "receive": 1},
    }


def build() -> dict[str, object]:
    entries = [
        entry("GET", "/tags", 200, {"result": [tag(1), tag(2)], "next_page_token": ""}),
        entry("GET", "/tags/" + str(tag(1)["id"]), 200, tag(1)),
        entry("GET", "/tags/undefined", 200, tag(1)),  # the front end's bug; the server answers it
        entry("GET", "/tag", 404, "404 page not found", "text/plain"),  # the typo route
        entry("GET", "/calls", 200, {"result": [call(1)], "next_page_token": ""}),
        entry("GET", "/calls/" + str(call(1)["id"]), 200, call(1)),
        entry("POST", "/tags", 200, tag(3), sent={"name": "tag 3", "detail": "from the HAR"}),
    ]
    return {
        "log": {"version": "1.2", "creator": {"name": "har_check.py", "version": "1"}, "pages": [], "entries": entries}
    }


def judge(har: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    rdir = tempfile.mkdtemp(prefix="har-")
    cmd = ["voipbin-conformance", "judge", str(har), "--report-dir", rdir, *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    rj = Path(rdir) / "results.json"
    data = json.loads(rj.read_text()) if rj.exists() else {}
    return proc.returncode, data, proc.stdout + proc.stderr


def main() -> int:
    print(
        f"machine: {platform.node()} cores={os.cpu_count()} python {platform.python_version()}; "
        f"date {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}"
    )
    har = Path(tempfile.mkdtemp()) / "x.har"
    har.write_text(json.dumps(build(), indent=1))
    rc, data, out = judge(har)
    problems = data.get("problems", [])
    print(f"judge x.har: exit {rc}, {len(problems)} problem(s)")
    for p in problems:
        print(f"  {p.get('check')}: {p.get('title')} ({p.get('severity')})")
    print("\n".join(ln for ln in out.splitlines() if ln.startswith(("Passed", "Failed", "Incomplete", "No "))))
    rc2, data2, out2 = judge(har, "--checks", "tenant_isolation")
    verdict2 = data2.get("summary", {}).get("verdict", {})
    print(
        f"judge x.har --checks tenant_isolation: exit {rc2}, verdict {verdict2.get('outcome')}: "
        f"{verdict2.get('headline')}"
    )
    ok = rc == 1 and len(problems) == 2 and rc2 != 0 and "Passed" not in out2
    if "Passed" in out2:
        print("  printed Passed:", [ln for ln in out2.splitlines() if "Passed" in ln])
    print("HELD" if ok else "FELL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

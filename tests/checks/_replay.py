"""Run a finding's repro (or its replay script) as a user would, against a served mock, and read the answers."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread

_STATUS = re.compile(r"^HTTP/[\d.]+ (\d{3})", re.M)


def replay(finding: dict[str, Any], app: MockApp) -> tuple[list[int], str]:
    """The statuses the target answered, in order, and the last body; the repro's port is the served one."""
    server = serve_in_thread(app, "127.0.0.1", 0)
    customer, other = app.customers
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VOIPBIN_")},
        "VOIPBIN_TOKEN": customer.token,
        "VOIPBIN_ACCESSKEY": customer.accesskey,
        "VOIPBIN_OTHER_TOKEN": other.token,
        "VOIPBIN_EXPIRED_TOKEN": app.expired_token(),
    }
    try:
        script = finding.get("replay") or finding["repro"].replace("curl -sS", "curl -sS -D /dev/stderr", 1)
        script = script.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
        done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.shutdown()
    return [int(code) for code in _STATUS.findall(done.stderr)], done.stdout

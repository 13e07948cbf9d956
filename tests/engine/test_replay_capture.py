"""A replay script captures a value only where the target handed it out and a later request used it: a query
parameter's value, a whole path segment, a whole body field; never the scheme or the host, where a captured value
would send the credentials to whatever the target answers next time."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from conformance.checks import Exchange
from conformance.redact import Redactor
from conformance.replay import replay_script

TOKEN = "tok-0123456789abcdef0123"
BASE = "http://127.0.0.1:8000/v1.0"


def _step(url: str, answer: dict, method: str = "GET", body: dict | None = None, template: str = "/items") -> Exchange:
    return Exchange(
        f"{method} {template}",
        method,
        url,
        {"Authorization": f"Bearer {TOKEN}"},
        json.dumps(body).encode() if body is not None else None,
        status=200,
        response_body=json.dumps(answer).encode(),
        purpose="step",
    )


def _run(script: str, tmp_path: Path, answer: dict) -> list[list[str]]:
    """Runs `script` with a fake curl that logs its arguments and answers `answer` to every request."""
    log = tmp_path / "curl.log"
    fake = tmp_path / "bin" / "curl"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'python3 -c "import json,sys; print(json.dumps(sys.argv[1:]))" "$@" >> {shlex.quote(str(log))}\n'
        f"printf '%s' {shlex.quote(json.dumps(answer))}\n"
    )
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "VOIPBIN_TOKEN": TOKEN}
    done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_a_page_token_equal_to_the_host_is_never_captured_in_the_host(tmp_path):
    host = "127.0.0.1"
    steps = [
        _step(f"{BASE}/items?page_size=1", {"result": [], "next_page_token": host}),
        _step(f"{BASE}/items?page_size=1&page_token={host}", {"result": [], "next_page_token": ""}),
    ]
    script = replay_script(steps, Redactor({"VOIPBIN_TOKEN": TOKEN}), "pages")
    # Replayed while the target hands out another value: the credentials still go to the target, and only there.
    sent = _run(script, tmp_path, {"result": [], "next_page_token": "evil.example"})
    urls = [words[-1] for words in sent]
    assert [urlsplit(url).netloc for url in urls] == ["127.0.0.1:8000", "127.0.0.1:8000"], urls
    assert urls[1].endswith("page_token=evil.example")  # the value is still captured where it was handed out
    assert all(f"Authorization: Bearer {TOKEN}" in words for words in sent)


def test_values_are_captured_as_whole_path_segments_and_body_fields_only(tmp_path):
    created = "item-000123"
    steps = [
        _step(f"{BASE}/items", {"id": created}, method="POST", body={"name": "n"}),
        _step(
            f"{BASE}/items/{created}/x{created}",
            {},
            method="PUT",
            body={"ref": created, "note": f"see {created} here"},
            template="/items/{id}/{name}",
        ),
    ]
    script = replay_script(steps, Redactor({"VOIPBIN_TOKEN": TOKEN}), "lifecycle")
    sent = _run(script, tmp_path, {"id": "item-999999"})
    second = sent[1]
    assert urlsplit(second[-1]).path == f"/v1.0/items/item-999999/x{created}"
    body = json.loads(second[second.index("--data-raw") + 1])
    assert body == {"ref": "item-999999", "note": f"see {created} here"}


def test_a_value_equal_to_a_base_path_segment_stays_out_of_the_base_path(tmp_path):
    """A page token equal to a segment of the base path (a gateway's prefix): captured where it was handed out,
    never swapped into the base path, where a replay would send the token to whatever prefix the target names."""
    base = "http://127.0.0.1:8000/voipbin"
    steps = [
        _step(f"{base}/items", {"result": [], "next_page_token": "voipbin"}),
        _step(f"{base}/items?page_token=voipbin", {"result": [], "next_page_token": ""}),
    ]
    script = replay_script(steps, Redactor({"VOIPBIN_TOKEN": TOKEN}), "walk")
    sent = _run(script, tmp_path, {"result": [], "next_page_token": "elsewhere"})
    assert urlsplit(sent[1][-1]).path == "/voipbin/items", sent[1][-1]
    assert sent[1][-1].endswith("page_token=elsewhere")

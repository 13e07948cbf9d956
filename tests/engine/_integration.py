"""A plain integration, as a customer would write one with `requests`, and the HAR a browser's devtools would save
of its traffic (written here, not by the suite's own writer, so `judge` reads a HAR it did not produce)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from conformance.data import bundled_spec_path
from conformance.mock import MockApp
from conformance.mock.server import serve_in_thread
from conformance.openapi import load_spec
from conformance.profiles import load_profile

USER, PASSWORD = "integration-user", "correct-horse-battery-9"


@contextlib.contextmanager
def mock_target(profile: str = "voipbin-2026-08", faults: tuple[str, ...] = ()) -> Iterator[tuple[str, MockApp]]:
    """The embedded mock over HTTP with a login, seeded unlike any other test's; yields its origin."""
    app = MockApp(
        load_spec(str(bundled_spec_path())),
        profile=load_profile(profile),
        faults=faults,
        seed=4242,
        login=(USER, PASSWORD),
    )
    server = serve_in_thread(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}", app
    finally:
        server.shutdown()


class Recording(requests.Session):
    """A session that keeps every exchange it makes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[tuple[float, requests.Response]] = []
        self.hooks["response"].append(self._keep)
        # One connection per request: a fault's 204 with content (content_with_204) would otherwise be read as the
        # next answer's status line when it arrives late, and the integration itself would fail, not the target.
        self.headers["Connection"] = "close"

    def _keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.exchanges.append((time.time() - response.elapsed.total_seconds(), response))


def _json(response: requests.Response) -> Any:
    """The body as a tolerant client reads it: anything but a JSON object is an empty one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def integration(origin: str, session: requests.Session) -> str:
    """What a plain integration does: reads before it has a token, logs in, pages through a list following its
    tokens, reads, creates, reads, updates, deletes and reads again, empties a list and lists it, mistypes a route,
    and reads `/tags/undefined` as a front end does before its state is loaded. Returns the token."""
    api = origin + "/v1.0"
    session.get(f"{api}/tags", headers={"Authorization": "Bearer undefined"})  # before the token was set
    session.get(f"{api}/queues")
    token = _json(session.post(f"{origin}/auth/login", json={"username": USER, "password": PASSWORD}))["token"]
    auth = {"Authorization": f"Bearer {token}"}
    page, followed = _json(session.get(f"{api}/tags", params={"page_size": 3}, headers=auth)), set()
    while page.get("next_page_token") and page["next_page_token"] not in followed and len(followed) < 10:
        followed.add(page["next_page_token"])  # a careful client stops where a chain would loop
        params = {"page_size": 3, "page_token": page["next_page_token"]}
        page = _json(session.get(f"{api}/tags", params=params, headers=auth))
    calls = _json(session.get(f"{api}/calls", headers=auth)).get("result") or [{"id": "none"}]
    session.get(f"{api}/calls/{calls[0]['id']}", headers=auth)
    made = _json(session.post(f"{api}/tags", json={"name": "vip", "detail": "callers who matter"}, headers=auth))
    item = f"{api}/tags/{made.get('id', 'none')}"
    session.get(item, headers=auth)
    session.put(item, json={"name": "vip2", "detail": "renamed"}, headers=auth)
    session.delete(item, headers=auth)
    session.get(item, headers=auth)
    for queue in _json(session.get(f"{api}/queues", params={"page_size": 100}, headers=auth)).get("result") or []:
        session.delete(f"{api}/queues/{queue['id']}", headers=auth)
    session.get(f"{api}/queues", headers=auth)  # now an empty list
    session.get(f"{api}/tagz", headers=auth)  # a typo
    session.get(f"{api}/tags/undefined", headers=auth)
    session.get(f"{api}/tags", params={"token": token, "page_size": 1})  # the token in the query, as docs allow
    return token


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entry(started: float, response: requests.Response) -> dict[str, Any]:
    request = response.request
    body = request.body.decode() if isinstance(request.body, bytes) else request.body
    entry: dict[str, Any] = {
        "startedDateTime": _iso(started),
        "time": response.elapsed.total_seconds() * 1000,
        "_resourceType": "fetch",
        "request": {
            "method": request.method,
            "url": request.url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in request.headers.items()],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(body or ""),
        },
        "response": {
            "status": response.status_code,
            "statusText": response.reason,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
            "cookies": [],
            "content": {
                "size": len(response.content),
                "mimeType": response.headers.get("Content-Type", ""),
                "text": response.text,
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.content),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 1, "receive": 0},
    }
    if body:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": body}
    return entry


def save_har(session: Recording, path: Path, origin: str) -> Path:
    """The traffic as Chrome saves it, with what else a page loads: the page itself and a CORS preflight."""
    entries = [_entry(started, response) for started, response in session.exchanges]
    first = session.exchanges[0][0] - 1.0
    page = {
        "startedDateTime": _iso(first),
        "time": 3,
        "_resourceType": "document",
        "request": {"method": "GET", "url": "https://admin.example/calls", "headers": [], "httpVersion": "h2"},
        "response": {"status": 200, "headers": [{"name": "content-type", "value": "text/html"}], "content": {}},
    }
    preflight = {
        "startedDateTime": _iso(first + 0.5),
        "time": 1,
        "_resourceType": "preflight",
        "request": {"method": "OPTIONS", "url": f"{origin}/v1.0/tags", "headers": []},
        "response": {"status": 204, "headers": [], "content": {"size": 0}},
    }
    creator = {"name": "test", "version": "1"}
    har = {"log": {"version": "1.2", "creator": creator, "entries": [page, preflight, *entries]}}
    path.write_text(json.dumps(har))
    return path


def record_integration(tmp: Path, profile: str = "voipbin-2026-08", faults: tuple[str, ...] = ()) -> tuple[Path, str]:
    """Run the integration against the mock (with `faults`) and save its HAR; returns the HAR and the token."""
    with mock_target(profile, faults) as (origin, _):
        session = Recording()
        token = integration(origin, session)
        return save_har(session, tmp / "traffic.har", origin), token

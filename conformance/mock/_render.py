"""How the mock answers: a success in the status and media type the spec declares, an error in the profile's
envelope; the response faults bend exactly these."""

from __future__ import annotations

import copy
import json
from typing import Any

from conformance.mock._wire import NO_CONTENT, MockResponse
from conformance.mock.faults import F
from conformance.openapi import Operation, resolve
from conformance.profiles import Profile

_NON_JSON_BODIES = {
    "text/html": b"<!DOCTYPE html><html><body>mock</body></html>",
    "text/plain": b"mock",
    "text/csv": b"id\nmock\n",
}


class Render:
    def __init__(self, document: dict[str, Any], profile: Profile, faults: frozenset[F]) -> None:
        self.document, self.profile, self.faults = document, profile, faults

    def ok(self, op: Operation, body: Any) -> MockResponse:
        status = min((s for s in op.declared_statuses() if 200 <= s < 300), default=200)
        if status in NO_CONTENT:  # RFC 9110: no content, so no Content-Type either
            return MockResponse(status, [], b"")
        media = _declared_media(self.document, op, status)
        if media is not None and "json" not in media:  # a file download or a page: answer what the spec says
            return MockResponse(status, [("Content-Type", media)], _NON_JSON_BODIES.get(media, b"\x00mock-bytes"))
        if F.WRONG_FIELD_TYPE in self.faults:
            body = _retype(body, "customer_id")
        body = self._bend_resources(op, body)
        content_type = "text/plain; charset=utf-8" if F.JSON_AS_TEXT_PLAIN in self.faults else "application/json"
        return MockResponse(status, [("Content-Type", content_type)], json.dumps(body).encode())

    def _bend_resources(self, op: Operation, body: Any) -> Any:
        """The resource faults: ids that are not UUIDs, timestamps out of format, a live resource that looks
        deleted (in lists, creates and updates, where a resource is known not to be deleted)."""
        bends = {F.IDS_NOT_UUID, F.TIMESTAMPS_UNFORMATTED, F.TM_DELETE_ON_LIVE} & self.faults
        if not bends or not isinstance(body, dict):
            return body
        body = copy.deepcopy(body)  # the store's own objects stay as they are
        items = body.get(self.profile.result_field)
        resources = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else [body]
        for resource in resources:
            if F.IDS_NOT_UUID in bends and isinstance(resource.get(self.profile.id_field), str):
                resource[self.profile.id_field] = "res-" + resource[self.profile.id_field][:8]
            for key in resource:
                if F.TIMESTAMPS_UNFORMATTED in bends and key.startswith(self.profile.timestamp_prefix):
                    resource[key] = "2022/05/01 15:10:38"
            live = op.method != "GET" or isinstance(items, list)
            if F.TM_DELETE_ON_LIVE in bends and live and self.profile.soft_delete_field in resource:
                resource[self.profile.soft_delete_field] = "2024-03-15 10:30:00.000000"
        return body

    def error(self, status: int, reason: str, message: str, request_id: str) -> MockResponse:
        if reason == "ROUTE_NOT_FOUND" and F.PLAIN_404_ROUTE in self.faults:  # gin without a NoRoute handler
            return MockResponse(404, [("Content-Type", "text/plain")], b"404 page not found")
        if status == 404 and F.UNDOCUMENTED_STATUS in self.faults and reason == "RESOURCE_NOT_FOUND":
            status = 410
        headers = [("Content-Type", "application/json")]
        if status == self.profile.rate_limit_status:
            headers.append(("Retry-After", "1"))
        if status == 401 and F.HTML_401 in self.faults:
            page = b"<html><body><h1>401 Unauthorized</h1></body></html>"
            return MockResponse(401, [("Content-Type", "text/html; charset=utf-8")], page)
        body = self.profile.error_body(status, reason, message, request_id)
        if F.ERROR_WITHOUT_MESSAGE in self.faults:
            (body["error"] if isinstance(body.get("error"), dict) else body).pop("message", None)
        return MockResponse(status, headers, json.dumps(body).encode())


def _declared_media(document: dict[str, Any], op: Operation, status: int) -> str | None:
    responses = op.definition.get("responses") or {}
    raw = responses.get(str(status), responses.get(status))
    content = (resolve(document, raw) or {}).get("content") or {}
    if not content or any("json" in media for media in content):
        return None
    return str(next(iter(content)))


def _retype(node: Any, field_name: str) -> Any:
    if isinstance(node, dict):
        return {k: (0 if k == field_name else _retype(v, field_name)) for k, v in node.items()}
    if isinstance(node, list):
        return [_retype(item, field_name) for item in node]
    return node
